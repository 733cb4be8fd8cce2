//! Partnerships with their parties, contributions, commitments, follow-ups
//! and history: rows, queries and writes. Every change that the history
//! must show is recorded in the same transaction as the change.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::organisations::utc;
use super::page::{timestamp_key, Cursor, Page};
use super::parsed::Parsed;
use super::schema::{
    city_units, partnership_commitments as pc, partnership_follow_ups as fu,
    partnership_funding_lines as fl, partnership_history as ph, partnership_in_kind as ik,
    partnership_parties as pp, partnerships as p,
};
use super::stamp::Day;
use super::StoreError;
use super::{
    contains_pattern, corrupt, list_column, lock, parse, write_transaction, Actor, DbConnection,
    Guard,
};
use crate::domain::access::Principal;
use crate::domain::district::District;
use crate::domain::ids::{CityUnitId, OrganisationId, PartnershipId};
use crate::domain::money::Sek;
use crate::domain::organisation::search_key;
use crate::domain::partnership::{
    CommitmentStatus, FollowUpKind, FundingLine, InKindKind, Initiator, Partnership,
    PartnershipAction, PartnershipDetails, PartnershipForm, PartnershipStatus, Party, PartyRole,
    PartyStatus,
};
use crate::domain::{now, FieldError, IfMatch, Version};

#[derive(Queryable, Selectable)]
#[diesel(table_name = p)]
struct PartnershipRow {
    id: Parsed<PartnershipId>,
    title: String,
    purpose: String,
    form: Parsed<PartnershipForm>,
    responsible_unit_id: Parsed<CityUnitId>,
    contact_name: Option<String>,
    contact_email: Option<String>,
    initiated_by: Parsed<Initiator>,
    initiating_organisation_id: Option<Parsed<OrganisationId>>,
    target_groups: String,
    districts: String,
    #[diesel(deserialize_as = super::stamp::Day)]
    start_date: NaiveDate,
    #[diesel(deserialize_as = super::stamp::Day)]
    end_date: NaiveDate,
    registry_number: Option<String>,
    status: Parsed<PartnershipStatus>,
    internal_notes: Option<String>,
    external_id: Option<String>,
    version: i64,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    created_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    updated_at: NaiveDateTime,
}

impl TryFrom<PartnershipRow> for Partnership {
    type Error = StoreError;
    fn try_from(r: PartnershipRow) -> Result<Self, StoreError> {
        Ok(Partnership {
            id: r.id.0,
            details: PartnershipDetails {
                title: r.title,
                purpose: r.purpose,
                form: r.form.0,
                responsible_unit: r.responsible_unit_id.0,
                contact_name: r.contact_name,
                contact_email: r.contact_email,
                initiated_by: r.initiated_by.0,
                initiating_organisation: r.initiating_organisation_id.map(|o| o.0),
                target_groups: serde_json::from_str(&r.target_groups)
                    .map_err(|_| corrupt("target groups"))?,
                districts: r
                    .districts
                    .split(',')
                    .filter(|d| !d.is_empty())
                    .map(|d| parse(d, "district"))
                    .collect::<Result<_, _>>()?,
                start_date: r.start_date,
                end_date: r.end_date,
                registry_number: r.registry_number,
                internal_notes: r.internal_notes,
                external_id: r.external_id,
            },
            status: r.status.0,
            version: r.version,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        })
    }
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = p, treat_none_as_null = true)]
struct DetailValues<'a> {
    title: &'a str,
    title_search: String,
    purpose: &'a str,
    form: &'static str,
    responsible_unit_id: String,
    contact_name: Option<&'a str>,
    contact_email: Option<&'a str>,
    initiated_by: &'static str,
    initiating_organisation_id: Option<String>,
    target_groups: String,
    districts: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
    registry_number: Option<&'a str>,
    internal_notes: Option<&'a str>,
    external_id: Option<&'a str>,
}

impl<'a> From<&'a PartnershipDetails> for DetailValues<'a> {
    fn from(d: &'a PartnershipDetails) -> Self {
        DetailValues {
            title: &d.title,
            title_search: search_key(&d.title),
            purpose: &d.purpose,
            form: d.form.as_str(),
            responsible_unit_id: d.responsible_unit.to_string(),
            contact_name: d.contact_name.as_deref(),
            contact_email: d.contact_email.as_deref(),
            initiated_by: d.initiated_by.as_str(),
            initiating_organisation_id: d.initiating_organisation.map(|o| o.to_string()),
            target_groups: serde_json::to_string(&d.target_groups).unwrap_or_else(|_| "[]".into()),
            districts: list_column(&d.districts),
            start_date: d.start_date,
            end_date: d.end_date,
            registry_number: d.registry_number.as_deref(),
            internal_notes: d.internal_notes.as_deref(),
            external_id: d.external_id.as_deref(),
        }
    }
}

/// One entry of the history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_role: String,
    pub change: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub detail: String,
    pub reason: Option<String>,
}

struct Record<'a> {
    change: &'a str,
    from: Option<PartnershipStatus>,
    to: Option<PartnershipStatus>,
    detail: String,
    reason: Option<&'a str>,
}

fn record(
    conn: &mut DbConnection,
    id: PartnershipId,
    actor: &Actor,
    r: Record,
) -> Result<(), StoreError> {
    diesel::insert_into(ph::table)
        .values((
            ph::id.eq(uuid::Uuid::now_v7().to_string()),
            ph::partnership_id.eq(id.to_string()),
            ph::at.eq(now().naive_utc()),
            ph::actor.eq(&actor.subject),
            ph::actor_role.eq(actor.role),
            ph::change.eq(r.change),
            ph::from_status.eq(r.from.map(|s| s.as_str())),
            ph::to_status.eq(r.to.map(|s| s.as_str())),
            ph::detail.eq(r.detail),
            ph::reason.eq(r.reason),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn history(
    conn: &mut DbConnection,
    id: PartnershipId,
) -> Result<Vec<HistoryEntry>, StoreError> {
    type Row = (
        NaiveDateTime,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = ph::table
        .filter(ph::partnership_id.eq(id.to_string()))
        .order((ph::at.asc(), ph::id.asc()))
        .select((
            ph::at,
            ph::actor,
            ph::actor_role,
            ph::change,
            ph::from_status,
            ph::to_status,
            ph::detail,
            ph::reason,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(at, actor, actor_role, change, from_status, to_status, detail, reason)| {
                HistoryEntry {
                    at: utc(at),
                    actor,
                    actor_role,
                    change,
                    from_status,
                    to_status,
                    detail,
                    reason,
                }
            },
        )
        .collect())
}

pub fn find(conn: &mut DbConnection, id: PartnershipId) -> Result<Option<Partnership>, StoreError> {
    p::table
        .find(id.to_string())
        .select(PartnershipRow::as_select())
        .first(conn)
        .optional()?
        .map(Partnership::try_from)
        .transpose()
}

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
    let rows: Vec<Row> = super::children_of(conn, ids, |ids| {
        pp::table
            .filter(super::parent_in(pp::partnership_id, ids))
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
    let rows: Vec<(String, String, Option<String>)> = super::children_of(conn, ids, |ids| {
        p::table.filter(super::parent_in(p::id, ids)).select((
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

/// A partnership with its parties, loaded together for checks.
pub struct Loaded {
    pub partnership: Partnership,
    pub parties: Vec<Party>,
}

fn load(conn: &mut DbConnection, id: PartnershipId) -> Result<Loaded, StoreError> {
    let partnership = find(conn, id)?.ok_or(StoreError::NotFound)?;
    let parties = parties(conn, id)?;
    Ok(Loaded {
        partnership,
        parties,
    })
}

/// Locks the partnership's row, then loads it with its parties: "lock,
/// check, write". Every write of a partnership or of what belongs to it
/// starts here, inside its [`write_transaction`], so the rules it checks
/// (parties, status, version) read every committed write and hold until
/// commit, also across replicas of the service.
fn load_for_write(conn: &mut DbConnection, id: PartnershipId) -> Result<Loaded, StoreError> {
    lock(conn, Guard::Partnership, &id)?;
    load(conn, id)
}

/// Loads a partnership the caller may see (404 otherwise), with its parties.
pub fn load_visible(
    conn: &mut DbConnection,
    id: PartnershipId,
    principal: &Principal,
) -> Result<Loaded, StoreError> {
    let loaded = load(conn, id)?;
    if !crate::domain::partnership::visible_to(principal, &loaded.partnership, &loaded.parties) {
        return Err(StoreError::NotFound);
    }
    Ok(loaded)
}

fn check_references(
    conn: &mut DbConnection,
    d: &PartnershipDetails,
    except: Option<PartnershipId>,
) -> Result<(), StoreError> {
    let mut errors = Vec::new();
    let unit: bool = diesel::select(diesel::dsl::exists(
        city_units::table.find(d.responsible_unit.to_string()),
    ))
    .get_result(conn)?;
    if !unit {
        errors.push(FieldError::new("responsible_unit_id", "no such city unit"));
    }
    if let Some(org) = d.initiating_organisation {
        if !super::organisations::exists(conn, org)? {
            errors.push(FieldError::new(
                "initiating_organisation_id",
                "no such organisation",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let except = except.map(|e| e.to_string()).unwrap_or_default();
    if let Some(number) = &d.registry_number {
        let taken: bool = diesel::select(diesel::dsl::exists(
            p::table
                .filter(p::registry_number.eq(number))
                .filter(p::id.ne(&except)),
        ))
        .get_result(conn)?;
        if taken {
            return Err(StoreError::Conflict {
                code: "duplicate_registry_number",
                detail: format!("another partnership has registry number `{number}`"),
            });
        }
    }
    if let Some(external_id) = &d.external_id {
        let taken: bool = diesel::select(diesel::dsl::exists(
            p::table
                .filter(p::external_id.eq(external_id))
                .filter(p::id.ne(&except)),
        ))
        .get_result(conn)?;
        if taken {
            return Err(StoreError::Conflict {
                code: "duplicate_external_id",
                detail: format!("another partnership has external_id `{external_id}`"),
            });
        }
    }
    Ok(())
}

fn insert_party(
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
fn party_label(party: &Party) -> String {
    match party.status {
        PartyStatus::Active => format!("{} ({})", party.organisation_id, party.role),
        PartyStatus::Invited => format!("{} ({}, invited)", party.organisation_id, party.role),
    }
}

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
            if !super::organisations::exists(conn, party.organisation_id)? {
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

fn bump(conn: &mut DbConnection, current: &Partnership) -> Result<DateTime<Utc>, StoreError> {
    let now = now();
    let written = diesel::update(
        p::table
            .find(current.id.to_string())
            .filter(p::version.eq(current.version)),
    )
    .set((
        p::version.eq(current.version + 1),
        p::updated_at.eq(now.naive_utc()),
    ))
    .execute(conn)?;
    if written != 1 {
        return Err(StoreError::VersionMismatch {
            current_version: current.version,
        });
    }
    Ok(now)
}

fn precondition_holds(
    partnership: &Partnership,
    precondition: Option<IfMatch>,
) -> Result<(), StoreError> {
    if Version(partnership.version).satisfies(precondition) {
        Ok(())
    } else {
        Err(StoreError::VersionMismatch {
            current_version: partnership.version,
        })
    }
}

fn still_open(partnership: &Partnership) -> Result<(), StoreError> {
    if partnership.status.is_open() {
        Ok(())
    } else {
        Err(StoreError::Conflict {
            code: "partnership_closed",
            detail: format!(
                "the partnership is {}; it no longer changes",
                partnership.status
            ),
        })
    }
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
        if !super::organisations::exists(conn, party.organisation_id)? {
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
                    code: "already_party",
                    detail: "the organisation is already a party".into(),
                })
            }
            Some(existing) if existing.is_invited() => {
                return Err(StoreError::Conflict {
                    code: "already_invited",
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
                code: "last_party",
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
        )
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
        parties(conn, id)
    })
}

pub fn funding_lines(
    conn: &mut DbConnection,
    id: PartnershipId,
) -> Result<Vec<FundingLine>, StoreError> {
    let rows: Vec<(String, Option<String>, String, i32, i64)> = fl::table
        .filter(fl::partnership_id.eq(id.to_string()))
        .order((fl::year.asc(), fl::created_at.asc(), fl::id.asc()))
        .select((
            fl::id,
            fl::source_unit_id,
            fl::source_name,
            fl::year,
            fl::amount_sek,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(lid, unit, source_name, year, amount_sek)| {
            Ok(FundingLine {
                id: parse(&lid, "funding line id")?,
                source_unit: unit.map(|u| parse(&u, "unit id")).transpose()?,
                source_name,
                year,
                amount_sek: Sek::positive(amount_sek).map_err(|_| corrupt("funding amount"))?,
            })
        })
        .collect()
}

/// The funding lines of a page of partnerships in one statement, per
/// partnership in the order of [`funding_lines`]. Partnerships without any
/// are absent.
pub fn funding_lines_of(
    conn: &mut DbConnection,
    ids: &[PartnershipId],
) -> Result<HashMap<PartnershipId, Vec<FundingLine>>, StoreError> {
    type Row = (
        Parsed<PartnershipId>,
        Parsed<uuid::Uuid>,
        Option<Parsed<CityUnitId>>,
        String,
        i32,
        i64,
    );
    let rows: Vec<Row> = super::children_of(conn, ids, |ids| {
        fl::table
            .filter(super::parent_in(fl::partnership_id, ids))
            .order((fl::partnership_id, fl::year, fl::created_at, fl::id))
            .select((
                fl::partnership_id,
                fl::id,
                fl::source_unit_id,
                fl::source_name,
                fl::year,
                fl::amount_sek,
            ))
    })?;
    let mut by_partnership: HashMap<PartnershipId, Vec<FundingLine>> = HashMap::new();
    for (partnership, id, source_unit, source_name, year, amount_sek) in rows {
        by_partnership
            .entry(partnership.0)
            .or_default()
            .push(FundingLine {
                id: id.0,
                source_unit: source_unit.map(|u| u.0),
                source_name,
                year,
                amount_sek: Sek::positive(amount_sek).map_err(|_| corrupt("funding amount"))?,
            });
    }
    Ok(by_partnership)
}

/// A funding line to add: from a city unit or a named external source.
pub struct NewFundingLine {
    pub source_unit: Option<CityUnitId>,
    pub source_name: Option<String>,
    pub year: i32,
    pub amount_sek: Sek,
}

/// Adds a funding line. A line from a city unit is named after the unit.
pub fn add_funding_line(
    conn: &mut DbConnection,
    id: PartnershipId,
    actor: &Actor,
    authorize: impl FnOnce(&Loaded) -> Result<(), StoreError>,
    new: NewFundingLine,
) -> Result<FundingLine, StoreError> {
    let NewFundingLine {
        source_unit,
        source_name,
        year,
        amount_sek,
    } = new;
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        authorize(&loaded)?;
        still_open(&loaded.partnership)?;
        let name = match (source_unit, source_name) {
            (Some(unit), name) => {
                let unit_name: Option<String> = city_units::table
                    .find(unit.to_string())
                    .select(city_units::name)
                    .first(conn)
                    .optional()?;
                let unit_name = unit_name
                    .ok_or_else(|| StoreError::invalid("source_unit_id", "no such city unit"))?;
                name.unwrap_or(unit_name)
            }
            (None, Some(name)) => name,
            (None, None) => {
                return Err(StoreError::invalid(
                    "source_name",
                    "name the source, or give source_unit_id",
                ))
            }
        };
        let line = FundingLine {
            id: uuid::Uuid::now_v7(),
            source_unit,
            source_name: name,
            year,
            amount_sek,
        };
        diesel::insert_into(fl::table)
            .values((
                fl::id.eq(line.id.to_string()),
                fl::partnership_id.eq(id.to_string()),
                fl::source_unit_id.eq(source_unit.map(|u| u.to_string())),
                fl::source_name.eq(&line.source_name),
                fl::year.eq(year),
                fl::amount_sek.eq(amount_sek.kronor()),
                fl::created_at.eq(now().naive_utc()),
            ))
            .execute(conn)?;
        bump(conn, &loaded.partnership)?;
        let detail = format!("{year}: {amount_sek} from {}", line.source_name);
        record(
            conn,
            id,
            actor,
            Record {
                change: "funding",
                from: None,
                to: None,
                detail,
                reason: None,
            },
        )?;
        Ok(line)
    })
}

/// An in-kind contribution, as stored.
#[derive(Debug, Clone)]
pub struct InKind {
    pub id: uuid::Uuid,
    pub organisation: Option<OrganisationId>,
    pub unit: Option<CityUnitId>,
    pub kind: InKindKind,
    pub description: String,
    pub estimated_value_sek: Option<Sek>,
}

pub fn in_kind(conn: &mut DbConnection, id: PartnershipId) -> Result<Vec<InKind>, StoreError> {
    type Row = (
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        Option<i64>,
    );
    let rows: Vec<Row> = ik::table
        .filter(ik::partnership_id.eq(id.to_string()))
        .order((ik::created_at.asc(), ik::id.asc()))
        .select((
            ik::id,
            ik::contributed_by_organisation_id,
            ik::contributed_by_unit_id,
            ik::kind,
            ik::description,
            ik::estimated_value_sek,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(cid, org, unit, kind, description, estimated_value_sek)| {
            Ok(InKind {
                id: parse(&cid, "contribution id")?,
                organisation: org.map(|o| parse(&o, "organisation id")).transpose()?,
                unit: unit.map(|u| parse(&u, "unit id")).transpose()?,
                kind: parse(&kind, "in-kind kind")?,
                description,
                estimated_value_sek: estimated_value_sek
                    .map(|v| Sek::new(v).map_err(|_| corrupt("in-kind value")))
                    .transpose()?,
            })
        })
        .collect()
}

pub fn add_in_kind(
    conn: &mut DbConnection,
    id: PartnershipId,
    actor: &Actor,
    authorize: impl FnOnce(&Loaded) -> Result<(), StoreError>,
    contribution: InKind,
) -> Result<InKind, StoreError> {
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        authorize(&loaded)?;
        still_open(&loaded.partnership)?;
        if let Some(org) = contribution.organisation {
            if !loaded
                .parties
                .iter()
                .any(|p| p.organisation_id == org && p.is_current())
            {
                return Err(StoreError::invalid(
                    "organisation_id",
                    "the organisation is not a party to this partnership",
                ));
            }
        }
        if let Some(unit) = contribution.unit {
            let found: bool = diesel::select(diesel::dsl::exists(
                city_units::table.find(unit.to_string()),
            ))
            .get_result(conn)?;
            if !found {
                return Err(StoreError::invalid("unit_id", "no such city unit"));
            }
        }
        diesel::insert_into(ik::table)
            .values((
                ik::id.eq(contribution.id.to_string()),
                ik::partnership_id.eq(id.to_string()),
                ik::contributed_by_organisation_id
                    .eq(contribution.organisation.map(|o| o.to_string())),
                ik::contributed_by_unit_id.eq(contribution.unit.map(|u| u.to_string())),
                ik::kind.eq(contribution.kind.as_str()),
                ik::description.eq(&contribution.description),
                ik::estimated_value_sek.eq(contribution.estimated_value_sek.map(Sek::kronor)),
                ik::created_at.eq(now().naive_utc()),
            ))
            .execute(conn)?;
        bump(conn, &loaded.partnership)?;
        let detail = format!(
            "in kind ({}): {}",
            contribution.kind, contribution.description
        );
        record(
            conn,
            id,
            actor,
            Record {
                change: "funding",
                from: None,
                to: None,
                detail,
                reason: None,
            },
        )?;
        Ok(contribution)
    })
}

/// A commitment, as stored.
#[derive(Debug, Clone)]
pub struct Commitment {
    pub id: uuid::Uuid,
    pub organisation: Option<OrganisationId>,
    pub unit: Option<CityUnitId>,
    pub description: String,
    pub due_on: Option<NaiveDate>,
    pub recurrence: Option<String>,
    pub status: CommitmentStatus,
    pub version: i64,
}

pub fn commitments(
    conn: &mut DbConnection,
    id: PartnershipId,
) -> Result<Vec<Commitment>, StoreError> {
    type Row = (
        String,
        Option<String>,
        Option<String>,
        String,
        Option<NaiveDate>,
        Option<String>,
        String,
        i64,
    );
    let rows: Vec<Row> = pc::table
        .filter(pc::partnership_id.eq(id.to_string()))
        .order((pc::created_at.asc(), pc::id.asc()))
        .select((
            pc::id,
            pc::owner_organisation_id,
            pc::owner_unit_id,
            pc::description,
            pc::due_on,
            pc::recurrence,
            pc::status,
            pc::version,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(cid, org, unit, description, due_on, recurrence, status, version)| {
                Ok(Commitment {
                    id: parse(&cid, "commitment id")?,
                    organisation: org.map(|o| parse(&o, "organisation id")).transpose()?,
                    unit: unit.map(|u| parse(&u, "unit id")).transpose()?,
                    description,
                    due_on,
                    recurrence,
                    status: parse(&status, "commitment status")?,
                    version,
                })
            },
        )
        .collect()
}

pub fn add_commitment(
    conn: &mut DbConnection,
    id: PartnershipId,
    authorize: impl FnOnce(&Loaded) -> Result<(), StoreError>,
    commitment: Commitment,
) -> Result<Commitment, StoreError> {
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        authorize(&loaded)?;
        still_open(&loaded.partnership)?;
        if let Some(org) = commitment.organisation {
            if !loaded
                .parties
                .iter()
                .any(|p| p.organisation_id == org && p.is_current())
            {
                return Err(StoreError::invalid(
                    "owner_organisation_id",
                    "the organisation is not a party to this partnership",
                ));
            }
        }
        if let Some(unit) = commitment.unit {
            let found: bool = diesel::select(diesel::dsl::exists(
                city_units::table.find(unit.to_string()),
            ))
            .get_result(conn)?;
            if !found {
                return Err(StoreError::invalid("owner_unit_id", "no such city unit"));
            }
        }
        let now = now().naive_utc();
        diesel::insert_into(pc::table)
            .values((
                pc::id.eq(commitment.id.to_string()),
                pc::partnership_id.eq(id.to_string()),
                pc::owner_organisation_id.eq(commitment.organisation.map(|o| o.to_string())),
                pc::owner_unit_id.eq(commitment.unit.map(|u| u.to_string())),
                pc::description.eq(&commitment.description),
                pc::due_on.eq(commitment.due_on),
                pc::recurrence.eq(commitment.recurrence.as_deref()),
                pc::status.eq(commitment.status.as_str()),
                pc::version.eq(1),
                pc::created_at.eq(now),
                pc::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(commitment)
    })
}

/// Sets a commitment's status. `authorize` sees the partnership and the commitment.
pub fn set_commitment_status(
    conn: &mut DbConnection,
    id: PartnershipId,
    commitment_id: uuid::Uuid,
    precondition: Option<IfMatch>,
    authorize: impl FnOnce(&Loaded, &Commitment) -> Result<(), StoreError>,
    status: CommitmentStatus,
) -> Result<Commitment, StoreError> {
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        let mut commitment = commitments(conn, id)?
            .into_iter()
            .find(|c| c.id == commitment_id)
            .ok_or(StoreError::NotFound)?;
        authorize(&loaded, &commitment)?;
        if !Version(commitment.version).satisfies(precondition) {
            return Err(StoreError::VersionMismatch {
                current_version: commitment.version,
            });
        }
        let written = diesel::update(
            pc::table
                .find(commitment_id.to_string())
                .filter(pc::version.eq(commitment.version)),
        )
        .set((
            pc::status.eq(status.as_str()),
            pc::version.eq(commitment.version + 1),
            pc::updated_at.eq(now().naive_utc()),
        ))
        .execute(conn)?;
        if written != 1 {
            return Err(StoreError::VersionMismatch {
                current_version: commitment.version,
            });
        }
        commitment.status = status;
        commitment.version += 1;
        Ok(commitment)
    })
}

/// A follow-up, as stored.
#[derive(Debug, Clone)]
pub struct FollowUp {
    pub id: uuid::Uuid,
    pub held_on: NaiveDate,
    pub kind: FollowUpKind,
    pub summary: String,
    pub participants: Option<String>,
    pub perceived_reception: Option<i32>,
    pub effects: Option<String>,
    pub filed_by_organisation: Option<OrganisationId>,
    pub created_at: DateTime<Utc>,
}

pub fn follow_ups(conn: &mut DbConnection, id: PartnershipId) -> Result<Vec<FollowUp>, StoreError> {
    type Row = (
        String,
        NaiveDate,
        String,
        String,
        Option<String>,
        Option<i32>,
        Option<String>,
        Option<String>,
        NaiveDateTime,
    );
    let rows: Vec<Row> = fu::table
        .filter(fu::partnership_id.eq(id.to_string()))
        .order((fu::held_on.asc(), fu::id.asc()))
        .select((
            fu::id,
            fu::held_on,
            fu::kind,
            fu::summary,
            fu::participants,
            fu::perceived_reception,
            fu::effects,
            fu::filed_by_organisation_id,
            fu::created_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(
                fid,
                held_on,
                kind,
                summary,
                participants,
                perceived_reception,
                effects,
                org,
                created_at,
            )| {
                Ok(FollowUp {
                    id: parse(&fid, "follow-up id")?,
                    held_on,
                    kind: parse(&kind, "follow-up kind")?,
                    summary,
                    participants,
                    perceived_reception,
                    effects,
                    filed_by_organisation: org.map(|o| parse(&o, "organisation id")).transpose()?,
                    created_at: utc(created_at),
                })
            },
        )
        .collect()
}

pub fn add_follow_up(
    conn: &mut DbConnection,
    id: PartnershipId,
    actor: &Actor,
    authorize: impl FnOnce(&Loaded) -> Result<(), StoreError>,
    follow_up: FollowUp,
) -> Result<FollowUp, StoreError> {
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        authorize(&loaded)?;
        diesel::insert_into(fu::table)
            .values((
                fu::id.eq(follow_up.id.to_string()),
                fu::partnership_id.eq(id.to_string()),
                fu::held_on.eq(follow_up.held_on),
                fu::kind.eq(follow_up.kind.as_str()),
                fu::summary.eq(&follow_up.summary),
                fu::participants.eq(follow_up.participants.as_deref()),
                fu::perceived_reception.eq(follow_up.perceived_reception),
                fu::effects.eq(follow_up.effects.as_deref()),
                fu::filed_by.eq(&actor.subject),
                fu::filed_by_organisation_id
                    .eq(follow_up.filed_by_organisation.map(|o| o.to_string())),
                fu::created_at.eq(follow_up.created_at.naive_utc()),
            ))
            .execute(conn)?;
        Ok(follow_up)
    })
}

/// What a partnership list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct PartnershipFilter {
    pub status: Option<PartnershipStatus>,
    pub form: Option<PartnershipForm>,
    pub organisation: Option<OrganisationId>,
    pub unit: Option<CityUnitId>,
    pub district: Option<District>,
    pub active_on: Option<NaiveDate>,
    pub ends_before: Option<NaiveDate>,
    pub updated_since: Option<DateTime<Utc>>,
    pub q: Option<String>,
}

/// Who is asking, for what a list may contain.
pub enum ListScope {
    /// The city: everything.
    Everything,
    /// Public partnerships, plus those this organisation is party to or proposed.
    PublicAnd(Option<OrganisationId>),
}

pub fn list(
    conn: &mut DbConnection,
    f: &PartnershipFilter,
    scope: ListScope,
    limit: usize,
    after: Option<&Cursor>,
) -> Result<Page<Partnership>, StoreError> {
    let public: Vec<&str> = PartnershipStatus::ALL
        .iter()
        .filter(|s| s.is_public())
        .map(|s| s.as_str())
        .collect();
    let mut q = p::table.select(PartnershipRow::as_select()).into_boxed();
    match scope {
        ListScope::Everything => {}
        ListScope::PublicAnd(None) => q = q.filter(p::status.eq_any(public)),
        ListScope::PublicAnd(Some(org)) => {
            let org = org.to_string();
            q = q.filter(
                p::status
                    .eq_any(public)
                    .or(p::initiating_organisation_id.eq(org.clone()))
                    .or(p::id.eq_any(
                        pp::table
                            .filter(pp::organisation_id.eq(org))
                            .filter(pp::left_on.is_null())
                            .select(pp::partnership_id),
                    )),
            );
        }
    }
    if let Some(status) = f.status {
        q = q.filter(p::status.eq(status.as_str()));
    }
    if let Some(form) = f.form {
        q = q.filter(p::form.eq(form.as_str()));
    }
    if let Some(org) = f.organisation {
        // Parties only: an invitation does not make an organisation a party.
        q = q.filter(
            p::id.eq_any(
                pp::table
                    .filter(pp::organisation_id.eq(org.to_string()))
                    .filter(pp::status.eq(PartyStatus::Active.as_str()))
                    .select(pp::partnership_id),
            ),
        );
    }
    if let Some(unit) = f.unit {
        q = q.filter(p::responsible_unit_id.eq(unit.to_string()));
    }
    if let Some(district) = f.district {
        q = q.filter(p::districts.like(format!("%,{},%", district.as_str())));
    }
    if let Some(day) = f.active_on {
        q = q.filter(p::start_date.le(day)).filter(p::end_date.ge(day));
    }
    if let Some(day) = f.ends_before {
        q = q.filter(p::end_date.lt(day));
    }
    if let Some(since) = f.updated_since {
        q = q.filter(p::updated_at.ge(since.naive_utc()));
    }
    if let Some(text) = &f.q {
        q = q.filter(
            p::title_search
                .like(contains_pattern(&search_key(text)))
                .escape('\\'),
        );
    }
    if let Some(c) = after {
        let key = c.timestamp()?;
        q = q.filter(
            p::created_at
                .gt(key)
                .or(p::created_at.eq(key).and(p::id.gt(c.id.clone()))),
        );
    }
    let rows: Vec<PartnershipRow> = q
        .order((p::created_at.asc(), p::id.asc()))
        .limit(limit as i64 + 1)
        .load(conn)?;
    let page = Page::from_rows(rows, limit, |r| Cursor {
        sort: "created_at".into(),
        key: timestamp_key(r.created_at),
        id: r.id.0.to_string(),
    });
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(Partnership::try_from)
            .collect::<Result<_, _>>()?,
        next: page.next,
    })
}
