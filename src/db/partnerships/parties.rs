//! Parties of a partnership: who they are, who may see the partnership through
//! them, naming, removing and answering invitations.

use super::*;
use crate::problem::ProblemCode;

pub fn parties(conn: &mut DbConnection, id: PartnershipId) -> Result<Vec<Party>, StoreError> {
    let rows: Vec<(String, String, NaiveDate, Option<NaiveDate>, String)> = pp::table
        .filter(pp::partnership_id.eq(id.to_string()))
        .order((pp::joined_on.asc(), pp::organisation_id.asc()))
        .select((
            pp::organisation_id,
            pp::role,
            pp::joined_on,
            pp::left_on,
            pp::status,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(o, role, joined_on, left_on, status)| {
            Ok(Party {
                organisation_id: parse(&o, "organisation id")?,
                role: parse(&role, "party role")?,
                joined_on,
                left_on,
                status: parse(&status, "party status")?,
            })
        })
        .collect()
}

/// The parties of a page of partnerships in one statement, per partnership
/// in the order of [`parties`]. Partnerships without any are absent.
pub fn parties_of(
    conn: &mut DbConnection,
    ids: &[PartnershipId],
) -> Result<HashMap<PartnershipId, Vec<Party>>, StoreError> {
    type Row = (
        Parsed<PartnershipId>,
        Parsed<OrganisationId>,
        Parsed<PartyRole>,
        Day,
        Option<Day>,
        Parsed<PartyStatus>,
    );
    let rows: Vec<Row> = crate::db::children_of(conn, ids, |ids| {
        pp::table
            .filter(crate::db::parent_in(pp::partnership_id, ids))
            .order((pp::partnership_id, pp::joined_on, pp::organisation_id))
            .select((
                pp::partnership_id,
                pp::organisation_id,
                pp::role,
                pp::joined_on,
                pp::left_on,
                pp::status,
            ))
    })?;
    let mut by_partnership: HashMap<PartnershipId, Vec<Party>> = HashMap::new();
    for (partnership, organisation, role, joined_on, left_on, status) in rows {
        by_partnership
            .entry(partnership.0)
            .or_default()
            .push(Party {
                organisation_id: organisation.0,
                role: role.0,
                joined_on: joined_on.0,
                left_on: left_on.map(|d| d.0),
                status: status.0,
            });
    }
    Ok(by_partnership)
}

/// What deciding who may see a partnership looks at
/// (`domain::partnership::visible_by`).
pub struct Visibility {
    pub status: PartnershipStatus,
    pub initiating_organisation: Option<OrganisationId>,
    pub parties: Vec<Party>,
}

/// The [`Visibility`] of partnerships, two statements for any number (for
/// the links of a list); those that do not exist are absent.
pub fn visibility_of(
    conn: &mut DbConnection,
    ids: &[PartnershipId],
) -> Result<HashMap<PartnershipId, Visibility>, StoreError> {
    let rows: Vec<(String, String, Option<String>)> = crate::db::children_of(conn, ids, |ids| {
        p::table.filter(crate::db::parent_in(p::id, ids)).select((
            p::id,
            p::status,
            p::initiating_organisation_id,
        ))
    })?;
    let mut parties = parties_of(conn, ids)?;
    rows.into_iter()
        .map(|(id, status, initiating)| {
            let id: PartnershipId = parse(&id, "partnership id")?;
            Ok((
                id,
                Visibility {
                    status: parse(&status, "partnership status")?,
                    initiating_organisation: initiating
                        .map(|o| parse(&o, "organisation id"))
                        .transpose()?,
                    parties: parties.remove(&id).unwrap_or_default(),
                },
            ))
        })
        .collect()
}

pub(super) fn insert_party(
    conn: &mut DbConnection,
    id: PartnershipId,
    party: &Party,
) -> Result<(), StoreError> {
    diesel::insert_into(pp::table)
        .values((
            pp::partnership_id.eq(id.to_string()),
            pp::organisation_id.eq(party.organisation_id.to_string()),
            pp::role.eq(party.role.as_str()),
            pp::joined_on.eq(party.joined_on),
            pp::left_on.eq(party.left_on),
            pp::status.eq(party.status.as_str()),
        ))
        .execute(conn)?;
    Ok(())
}

/// How the history names a party: `{id} ({role})`, marked when invited.
pub(super) fn party_label(party: &Party) -> String {
    match party.status {
        PartyStatus::Active => format!("{} ({})", party.organisation_id, party.role),
        PartyStatus::Invited => format!("{} ({}, invited)", party.organisation_id, party.role),
    }
}

/// Names an organisation as a party (or brings back one that had left):
/// with `party.status` active it joins; invited, it must accept first.
pub fn add_party(
    conn: &mut DbConnection,
    id: PartnershipId,
    actor: &Actor,
    authorize: impl FnOnce(&Loaded) -> Result<(), StoreError>,
    party: Party,
) -> Result<Vec<Party>, StoreError> {
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        authorize(&loaded)?;
        still_open(&loaded.partnership)?;
        if !crate::db::organisations::exists(conn, party.organisation_id)? {
            return Err(StoreError::invalid(
                "organisation_id",
                "no such organisation",
            ));
        }
        match loaded
            .parties
            .iter()
            .find(|p| p.organisation_id == party.organisation_id)
        {
            Some(existing) if existing.is_current() => {
                return Err(StoreError::Conflict {
                    code: ProblemCode::AlreadyParty,
                    detail: "the organisation is already a party".into(),
                })
            }
            Some(existing) if existing.is_invited() => {
                return Err(StoreError::Conflict {
                    code: ProblemCode::AlreadyInvited,
                    detail: "the organisation is already invited; it accepts or declines itself"
                        .into(),
                })
            }
            Some(_) => {
                diesel::update(pp::table.find((id.to_string(), party.organisation_id.to_string())))
                    .set((
                        pp::role.eq(party.role.as_str()),
                        pp::joined_on.eq(party.joined_on),
                        pp::left_on.eq(None::<NaiveDate>),
                        pp::status.eq(party.status.as_str()),
                    ))
                    .execute(conn)?;
            }
            None => insert_party(conn, id, &party)?,
        }
        bump(conn, &loaded.partnership)?;
        let detail = match party.status {
            PartyStatus::Active => format!(
                "{} joined as {} on {}",
                party.organisation_id, party.role, party.joined_on
            ),
            PartyStatus::Invited => format!(
                "{} invited as {} from {}",
                party.organisation_id, party.role, party.joined_on
            ),
        };
        record(
            conn,
            id,
            actor,
            Record {
                change: "party",
                from: None,
                to: None,
                detail,
                reason: None,
            },
        )?;
        let part = Some((
            ResourceType::PartnershipParty,
            party.organisation_id.to_string(),
        ));
        announce(conn, actor, id, part, CREATED)?;
        parties(conn, id)
    })
}

/// Records that a party left (the party stays in the record with its dates).
pub fn remove_party(
    conn: &mut DbConnection,
    id: PartnershipId,
    organisation: OrganisationId,
    left_on: NaiveDate,
    actor: &Actor,
    authorize: impl FnOnce(&Loaded) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        authorize(&loaded)?;
        still_open(&loaded.partnership)?;
        let party = loaded
            .parties
            .iter()
            .find(|p| p.organisation_id == organisation && p.is_current())
            .ok_or(StoreError::NotFound)?;
        if loaded.parties.iter().filter(|p| p.is_current()).count() == 1 {
            return Err(StoreError::Conflict {
                code: ProblemCode::LastParty,
                detail: "a partnership keeps at least one organisation".into(),
            });
        }
        let left_on = left_on.max(party.joined_on);
        diesel::update(pp::table.find((id.to_string(), organisation.to_string())))
            .set(pp::left_on.eq(Some(left_on)))
            .execute(conn)?;
        bump(conn, &loaded.partnership)?;
        let detail = format!("{organisation} left on {left_on}");
        record(
            conn,
            id,
            actor,
            Record {
                change: "party",
                from: None,
                to: None,
                detail,
                reason: None,
            },
        )?;
        let part = Some((ResourceType::PartnershipParty, organisation.to_string()));
        announce(conn, actor, id, part, "leave")
    })
}

/// An invited organisation's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// It becomes a party.
    Accept,
    /// The invitation is removed (the history keeps it).
    Decline,
}

/// Records an invited organisation's answer. `authorize` sees the
/// partnership and decides whether the caller answers for `organisation`
/// (and whether it has an open invitation).
pub fn answer_invitation(
    conn: &mut DbConnection,
    id: PartnershipId,
    organisation: OrganisationId,
    answer: Answer,
    reason: Option<&str>,
    actor: &Actor,
    authorize: impl FnOnce(&Loaded) -> Result<(), StoreError>,
) -> Result<Vec<Party>, StoreError> {
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        authorize(&loaded)?;
        still_open(&loaded.partnership)?;
        let row = pp::table.find((id.to_string(), organisation.to_string()));
        let detail = match answer {
            Answer::Accept => {
                diesel::update(row)
                    .set(pp::status.eq(PartyStatus::Active.as_str()))
                    .execute(conn)?;
                format!("{organisation} accepted the invitation and is a party")
            }
            Answer::Decline => {
                diesel::delete(row).execute(conn)?;
                format!("{organisation} declined the invitation")
            }
        };
        bump(conn, &loaded.partnership)?;
        record(
            conn,
            id,
            actor,
            Record {
                change: "party",
                from: None,
                to: None,
                detail,
                reason,
            },
        )?;
        let action = match answer {
            Answer::Accept => "accept",
            Answer::Decline => DELETED,
        };
        announce(
            conn,
            actor,
            id,
            Some((ResourceType::PartnershipParty, organisation.to_string())),
            action,
        )?;
        parties(conn, id)
    })
}
