//! Dialogue events with their invitations, registrations, attendance,
//! minutes and outcomes: rows, queries and writes.

use crate::problem::ProblemCode;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::organisations::utc;
use super::page::{timestamp_key, Cursor, Page};
use super::parsed::Parsed;
use super::schema::{
    city_units, dialogue_attendance as att, dialogue_events as ev, dialogue_invitations as inv,
    dialogue_minutes_contributions as mc, dialogue_outcomes as oc, dialogue_registrations as reg,
    organisations,
};
use super::StoreError;
use super::{
    contains_pattern, corrupt, list_column, lock, parse, write_transaction, DbConnection, Guard,
};
use crate::db::outbox::Change;
use crate::db::Actor;
use crate::domain::change::{ResourceType, CREATED, UPDATED};
use crate::domain::dialogue::{
    check_capacity, check_registration_open, places_taken, promotions, status_for_new,
    DialogueEvent, DialogueEventKind, EventAction, EventDetails, EventFormat, EventStatus,
    MinutesContribution, Outcome, OutcomeStatus, ParticipationLevel, Registration,
    RegistrationStatus, Seat,
};
use crate::domain::district::District;
use crate::domain::ids::{CityUnitId, DialogueEventId, OrganisationId, OutcomeId, RegistrationId};
use crate::domain::organisation::search_key;
use crate::domain::{now, FieldError, IfMatch, Version};

mod attendance;
mod invitations;
mod lifecycle;
mod list;
mod minutes;
mod outcomes;
mod registrations;

pub use attendance::*;
pub use invitations::*;
pub use lifecycle::*;
pub use list::*;
pub use minutes::*;
pub use outcomes::*;
pub use registrations::*;

#[derive(Queryable, Selectable)]
#[diesel(table_name = ev)]
struct EventRow {
    id: Parsed<DialogueEventId>,
    title: String,
    description: Option<String>,
    kind: Parsed<DialogueEventKind>,
    participation_level: Parsed<ParticipationLevel>,
    topic: Option<String>,
    organiser_unit_id: Option<Parsed<CityUnitId>>,
    co_organisers: String,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    starts_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    ends_at: NaiveDateTime,
    format: Parsed<EventFormat>,
    place: Option<String>,
    address: Option<String>,
    online_link: Option<String>,
    district: Option<Parsed<District>>,
    capacity: Option<i32>,
    registration_deadline: Option<NaiveDateTime>,
    status: Parsed<EventStatus>,
    cancellation_reason: Option<String>,
    agenda: String,
    minutes: Option<String>,
    walk_ins: Option<i32>,
    external_id: Option<String>,
    version: i64,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    created_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    updated_at: NaiveDateTime,
}

impl TryFrom<EventRow> for DialogueEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        Ok(DialogueEvent {
            id: r.id.0,
            details: EventDetails {
                title: r.title,
                description: r.description,
                kind: r.kind.0,
                participation_level: r.participation_level.0,
                topic: r.topic,
                organiser_unit: r.organiser_unit_id.map(|u| u.0),
                co_organisers: r
                    .co_organisers
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| parse(s, "co-organiser id"))
                    .collect::<Result<_, _>>()?,
                starts_at: utc(r.starts_at),
                ends_at: utc(r.ends_at),
                format: r.format.0,
                place: r.place,
                address: r.address,
                online_link: r.online_link,
                district: r.district.map(|d| d.0),
                capacity: r.capacity,
                registration_deadline: r.registration_deadline.map(utc),
                agenda: serde_json::from_str(&r.agenda).map_err(|_| corrupt("agenda"))?,
                external_id: r.external_id,
            },
            status: r.status.0,
            cancellation_reason: r.cancellation_reason,
            minutes: r.minutes,
            walk_ins: r.walk_ins,
            version: r.version,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        })
    }
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = ev, treat_none_as_null = true)]
struct DetailValues<'a> {
    title: &'a str,
    title_search: String,
    description: Option<&'a str>,
    kind: &'static str,
    participation_level: &'static str,
    topic: Option<&'a str>,
    organiser_unit_id: Option<String>,
    co_organisers: String,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    format: &'static str,
    place: Option<&'a str>,
    address: Option<&'a str>,
    online_link: Option<&'a str>,
    district: Option<&'static str>,
    capacity: Option<i32>,
    registration_deadline: Option<NaiveDateTime>,
    agenda: String,
    external_id: Option<&'a str>,
}

impl<'a> From<&'a EventDetails> for DetailValues<'a> {
    fn from(d: &'a EventDetails) -> Self {
        DetailValues {
            title: &d.title,
            title_search: search_key(&d.title),
            description: d.description.as_deref(),
            kind: d.kind.as_str(),
            participation_level: d.participation_level.as_str(),
            topic: d.topic.as_deref(),
            organiser_unit_id: d.organiser_unit.map(|u| u.to_string()),
            co_organisers: list_column(&d.co_organisers),
            starts_at: d.starts_at.naive_utc(),
            ends_at: d.ends_at.naive_utc(),
            format: d.format.as_str(),
            place: d.place.as_deref(),
            address: d.address.as_deref(),
            online_link: d.online_link.as_deref(),
            district: d.district.map(District::as_str),
            capacity: d.capacity,
            registration_deadline: d.registration_deadline.map(|t| t.naive_utc()),
            agenda: serde_json::to_string(&d.agenda).unwrap_or_else(|_| "[]".into()),
            external_id: d.external_id.as_deref(),
        }
    }
}

pub fn find(
    conn: &mut DbConnection,
    id: DialogueEventId,
) -> Result<Option<DialogueEvent>, StoreError> {
    ev::table
        .find(id.to_string())
        .select(EventRow::as_select())
        .first(conn)
        .optional()?
        .map(DialogueEvent::try_from)
        .transpose()
}

/// Checks what an event refers to: the unit and organisations must exist,
/// the external id must be free.
fn check_references(
    conn: &mut DbConnection,
    d: &EventDetails,
    except: Option<DialogueEventId>,
) -> Result<(), StoreError> {
    let mut errors = Vec::new();
    if let Some(unit) = d.organiser_unit {
        let found: bool = diesel::select(diesel::dsl::exists(
            city_units::table.find(unit.to_string()),
        ))
        .get_result(conn)?;
        if !found {
            errors.push(FieldError::new("organiser_unit_id", "no such city unit"));
        }
    }
    for (i, org) in d.co_organisers.iter().enumerate() {
        let found: bool = diesel::select(diesel::dsl::exists(
            organisations::table.find(org.to_string()),
        ))
        .get_result(conn)?;
        if !found {
            errors.push(FieldError::new(
                format!("co_organiser_ids[{i}]"),
                "no such organisation",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    if let Some(external_id) = &d.external_id {
        let except = except.map(|e| e.to_string()).unwrap_or_default();
        let taken: bool = diesel::select(diesel::dsl::exists(
            ev::table
                .filter(ev::external_id.eq(external_id))
                .filter(ev::id.ne(except)),
        ))
        .get_result(conn)?;
        if taken {
            return Err(StoreError::Conflict {
                code: ProblemCode::DuplicateExternalId,
                detail: format!("another event already has external_id `{external_id}`"),
            });
        }
    }
    Ok(())
}

pub fn insert(
    conn: &mut DbConnection,
    details: EventDetails,
    actor: &Actor,
) -> Result<DialogueEvent, StoreError> {
    let id = DialogueEventId::new();
    let now = now();
    write_transaction(conn, |conn| {
        check_references(conn, &details, None)?;
        diesel::insert_into(ev::table)
            .values((
                ev::id.eq(id.to_string()),
                DetailValues::from(&details),
                ev::status.eq(EventStatus::Planned.as_str()),
                ev::version.eq(1),
                ev::created_at.eq(now.naive_utc()),
                ev::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        let event = DialogueEvent {
            id,
            details,
            status: EventStatus::Planned,
            cancellation_reason: None,
            minutes: None,
            walk_ins: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        announce(conn, actor, &event, None, CREATED)?;
        Ok(event)
    })
}

/// Appends a change of an event, or of a part of it (`part`: its kind and
/// id), to the outbox, for the callers who may see the event as it stands
/// after the change (planned events are the city's).
fn announce(
    conn: &mut DbConnection,
    actor: &Actor,
    event: &DialogueEvent,
    part: Option<(ResourceType, String)>,
    action: &str,
) -> Result<(), StoreError> {
    announce_in_state(conn, actor, event, part, action, None)
}

/// [`announce`], naming the state the change leaves the part in (a
/// registration's status: whether it got a place is told from it).
fn announce_in_state(
    conn: &mut DbConnection,
    actor: &Actor,
    event: &DialogueEvent,
    part: Option<(ResourceType, String)>,
    action: &str,
    state: Option<&str>,
) -> Result<(), StoreError> {
    let audience = event.status.audience();
    let version = Some(event.version);
    let change = match part {
        None => Change::of(
            ResourceType::DialogueEvent,
            event.id,
            action,
            version,
            audience,
        ),
        Some((resource, part_id)) => Change::of(resource, part_id, action, version, audience)
            .within(ResourceType::DialogueEvent, event.id),
    };
    let change = match state {
        Some(state) => change.in_state(state),
        None => change,
    };
    crate::db::outbox::append(conn, actor, change)
}

/// Locks an event, then loads it for a write: the first step of every write to an event or to what hangs
/// on it (registrations, attendance, minutes, outcomes, invitations), so that
/// the rules checked after it (places, waiting list) see every committed
/// write and hold until commit. Call it first inside `write_transaction`.
fn load_for_write(
    conn: &mut DbConnection,
    id: DialogueEventId,
) -> Result<DialogueEvent, StoreError> {
    lock(conn, Guard::DialogueEvent, &id)?;
    find(conn, id)?.ok_or(StoreError::NotFound)
}

/// The caller's `If-Match` against the event: checked after `authorize`, so
/// that a caller who may not know of the event learns nothing from a 412.
fn check_version(current: &DialogueEvent, precondition: Option<IfMatch>) -> Result<(), StoreError> {
    if Version(current.version).satisfies(precondition) {
        Ok(())
    } else {
        Err(StoreError::VersionMismatch {
            current_version: current.version,
        })
    }
}

/// Bumps the version of an event written as `current` (guarding against a
/// writer that slipped in between) and sets `updated_at`.
fn bump(conn: &mut DbConnection, current: &DialogueEvent) -> Result<DateTime<Utc>, StoreError> {
    let now = now();
    let written = diesel::update(
        ev::table
            .find(current.id.to_string())
            .filter(ev::version.eq(current.version)),
    )
    .set((
        ev::version.eq(current.version + 1),
        ev::updated_at.eq(now.naive_utc()),
    ))
    .execute(conn)?;
    if written != 1 {
        return Err(StoreError::VersionMismatch {
            current_version: current.version,
        });
    }
    Ok(now)
}
