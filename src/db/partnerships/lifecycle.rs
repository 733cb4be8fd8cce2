//! A partnership's life: created as a proposal with its first parties, its
//! details changed, moved through its states.

use super::*;

/// Creates a partnership (a proposal) with its first parties.
pub fn insert(
    conn: &mut DbConnection,
    details: PartnershipDetails,
    first_parties: Vec<Party>,
    actor: &Actor,
) -> Result<Loaded, StoreError> {
    let id = PartnershipId::new();
    let now = now();
    write_transaction(conn, |conn| {
        check_references(conn, &details, None)?;
        for (i, party) in first_parties.iter().enumerate() {
            if !crate::db::organisations::exists(conn, party.organisation_id)? {
                return Err(StoreError::invalid(
                    format!("parties[{i}].organisation_id"),
                    "no such organisation",
                ));
            }
        }
        diesel::insert_into(p::table)
            .values((
                p::id.eq(id.to_string()),
                DetailValues::from(&details),
                p::status.eq(PartnershipStatus::Proposal.as_str()),
                p::version.eq(1),
                p::created_at.eq(now.naive_utc()),
                p::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        for party in &first_parties {
            insert_party(conn, id, party)?;
        }
        let detail = format!(
            "proposed by the {}; period {} to {}; parties: {}",
            if details.initiated_by == crate::domain::partnership::Initiator::City {
                "city"
            } else {
                "organisation"
            },
            details.start_date,
            details.end_date,
            first_parties
                .iter()
                .map(party_label)
                .collect::<Vec<_>>()
                .join(", ")
        );
        record(
            conn,
            id,
            actor,
            Record {
                change: "created",
                from: None,
                to: Some(PartnershipStatus::Proposal),
                detail,
                reason: None,
            },
        )?;
        announce(conn, actor, id, None, CREATED)?;
        Ok(Loaded {
            partnership: Partnership {
                id,
                details,
                status: PartnershipStatus::Proposal,
                version: 1,
                created_at: now,
                updated_at: now,
            },
            parties: first_parties,
        })
    })
}

/// Changes the details. `authorize` sees the partnership before the change
/// (and answers 404 for one the caller may not see); `change` computes the
/// new details. A change of period is recorded in the history.
pub fn update(
    conn: &mut DbConnection,
    id: PartnershipId,
    precondition: Option<IfMatch>,
    actor: &Actor,
    authorize: impl FnOnce(&Loaded) -> Result<(), StoreError>,
    change: impl FnOnce(
        PartnershipDetails,
        PartnershipStatus,
    ) -> Result<PartnershipDetails, Vec<FieldError>>,
) -> Result<Loaded, StoreError> {
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        authorize(&loaded)?;
        precondition_holds(&loaded.partnership, precondition)?;
        still_open(&loaded.partnership)?;
        let before = loaded.partnership.details.clone();
        let details =
            change(before.clone(), loaded.partnership.status).map_err(StoreError::Invalid)?;
        // A patch that changes nothing writes nothing: no new version.
        if details == before {
            return Ok(loaded);
        }
        check_references(conn, &details, Some(id))?;
        let now = bump(conn, &loaded.partnership)?;
        diesel::update(p::table.find(id.to_string()))
            .set(DetailValues::from(&details))
            .execute(conn)?;
        if (before.start_date, before.end_date) != (details.start_date, details.end_date) {
            let detail = format!(
                "period {} to {} became {} to {}",
                before.start_date, before.end_date, details.start_date, details.end_date
            );
            record(
                conn,
                id,
                actor,
                Record {
                    change: "period",
                    from: None,
                    to: None,
                    detail,
                    reason: None,
                },
            )?;
        }
        announce(conn, actor, id, None, UPDATED)?;
        Ok(Loaded {
            partnership: Partnership {
                details,
                version: loaded.partnership.version + 1,
                updated_at: now,
                ..loaded.partnership
            },
            parties: loaded.parties,
        })
    })
}

/// What an action carries besides its name.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub precondition: Option<IfMatch>,
    pub reason: Option<String>,
    /// `extend`: the new end date.
    pub new_end_date: Option<NaiveDate>,
}

/// Moves a partnership through its life and records it.
pub fn act(
    conn: &mut DbConnection,
    id: PartnershipId,
    actor: &Actor,
    action: PartnershipAction,
    authorize: impl FnOnce(&Loaded) -> Result<(), StoreError>,
    amend: impl FnOnce(PartnershipDetails) -> Result<PartnershipDetails, Vec<FieldError>>,
    input: ActionInput,
) -> Result<Loaded, StoreError> {
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        authorize(&loaded)?;
        precondition_holds(&loaded.partnership, input.precondition)?;
        let current = loaded.partnership.status;
        let next = current
            .after(action)
            .ok_or_else(|| StoreError::InvalidTransition {
                current_state: current.to_string(),
                action: action.to_string(),
                allowed_actions: current
                    .allowed_actions()
                    .iter()
                    .map(|a| a.to_string())
                    .collect(),
            })?;
        let mut details = loaded.partnership.details.clone();
        let mut detail = format!("{current} → {next}");
        match action {
            PartnershipAction::Extend => {
                let new_end = input
                    .new_end_date
                    .ok_or_else(|| StoreError::invalid("new_end_date", "is required to extend"))?;
                if new_end <= details.end_date {
                    return Err(StoreError::invalid(
                        "new_end_date",
                        format!("must be after the current end date {}", details.end_date),
                    ));
                }
                detail = format!(
                    "extended: period {} to {} became {} to {}",
                    details.start_date, details.end_date, details.start_date, new_end
                );
                details.end_date = new_end;
            }
            PartnershipAction::Amend => {
                details = amend(details).map_err(StoreError::Invalid)?;
                check_references(conn, &details, Some(id))?;
                detail = "amended".into();
                let before = &loaded.partnership.details;
                if (before.start_date, before.end_date) != (details.start_date, details.end_date) {
                    detail = format!(
                        "amended: period {} to {} became {} to {}",
                        before.start_date, before.end_date, details.start_date, details.end_date
                    );
                }
            }
            _ => {}
        }
        let now = bump(conn, &loaded.partnership)?;
        diesel::update(p::table.find(id.to_string()))
            .set((p::status.eq(next.as_str()), DetailValues::from(&details)))
            .execute(conn)?;
        let change = match action {
            PartnershipAction::Extend => "period",
            PartnershipAction::Amend => "amendment",
            _ => "status",
        };
        record(
            conn,
            id,
            actor,
            Record {
                change,
                from: Some(current),
                to: Some(next),
                detail,
                reason: input.reason.as_deref(),
            },
        )?;
        announce(conn, actor, id, None, action.as_str())?;
        Ok(Loaded {
            partnership: Partnership {
                details,
                status: next,
                version: loaded.partnership.version + 1,
                updated_at: now,
                ..loaded.partnership
            },
            parties: loaded.parties,
        })
    })
}
