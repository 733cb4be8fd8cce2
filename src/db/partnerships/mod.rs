//! Partnerships with their parties, contributions, commitments, follow-ups
//! and history: rows, queries and writes. Every change that the history
//! must show is recorded in the same transaction as the change.

use crate::problem::ProblemCode;
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
use crate::db::outbox::Change;
use crate::domain::access::Principal;
use crate::domain::change::{ResourceType, CREATED, DELETED, UPDATED};
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

mod commitments;
mod contributions;
mod follow_ups;
mod lifecycle;
mod list;
mod parties;

pub use commitments::*;
pub use contributions::*;
pub use follow_ups::*;
pub use lifecycle::*;
pub use list::*;
pub use parties::*;

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
                code: ProblemCode::DuplicateRegistryNumber,
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
                code: ProblemCode::DuplicateExternalId,
                detail: format!("another partnership has external_id `{external_id}`"),
            });
        }
    }
    Ok(())
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

/// Appends a change of a partnership, or of a part of it (`part`: its kind
/// and id), to the outbox, for the callers the partnership's read rule
/// admits as it stands after the change (read back in the transaction).
fn announce(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PartnershipId,
    part: Option<(ResourceType, String)>,
    action: &str,
) -> Result<(), StoreError> {
    let now = load(conn, id)?;
    let audience = crate::domain::partnership::audience(&now.partnership, &now.parties);
    let version = Some(now.partnership.version);
    let change = match part {
        None => Change::of(ResourceType::Partnership, id, action, version, audience),
        Some((resource, part_id)) => Change::of(resource, part_id, action, version, audience)
            .within(ResourceType::Partnership, id),
    };
    crate::db::outbox::append(conn, actor, change)
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
            code: ProblemCode::PartnershipClosed,
            detail: format!(
                "the partnership is {}; it no longer changes",
                partnership.status
            ),
        })
    }
}
