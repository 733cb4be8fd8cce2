//! Dialogue events with their invitations, registrations, attendance,
//! minutes and outcomes: rows, queries and writes.

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
use crate::domain::dialogue::{
    check_capacity, check_registration_open, places_taken, promotions, status_for_new,
    CapacityBelowTaken, DialogueEvent, DialogueEventKind, EventAction, EventDetails, EventFormat,
    EventStatus, MinutesContribution, Outcome, OutcomeStatus, ParticipationLevel, Registration,
    RegistrationRefusal, RegistrationStatus, Seat,
};
use crate::domain::district::District;
use crate::domain::ids::{CityUnitId, DialogueEventId, OrganisationId, OutcomeId, RegistrationId};
use crate::domain::organisation::search_key;
use crate::domain::{now, FieldError, IfMatch, Version};

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
                code: "duplicate_external_id",
                detail: format!("another event already has external_id `{external_id}`"),
            });
        }
    }
    Ok(())
}

pub fn insert(conn: &mut DbConnection, details: EventDetails) -> Result<DialogueEvent, StoreError> {
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
        Ok(DialogueEvent {
            id,
            details,
            status: EventStatus::Planned,
            cancellation_reason: None,
            minutes: None,
            walk_ins: None,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    })
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

/// Applies `change` to the details of an event that is not cancelled or held.
/// `authorize` sees the event as stored before anything is written. A new
/// capacity is refused below the places taken; one that may be set moves
/// the waiting list up, in order, in the same transaction.
pub fn update(
    conn: &mut DbConnection,
    id: DialogueEventId,
    precondition: Option<IfMatch>,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    change: impl FnOnce(EventDetails) -> Result<EventDetails, Vec<FieldError>>,
) -> Result<DialogueEvent, StoreError> {
    write_transaction(conn, |conn| {
        let current = load_for_write(conn, id)?;
        authorize(&current)?;
        check_version(&current, precondition)?;
        if matches!(current.status, EventStatus::Cancelled | EventStatus::Held) {
            return Err(StoreError::Conflict {
                code: "event_closed",
                detail: format!(
                    "the event is {}; its details no longer change",
                    current.status
                ),
            });
        }
        let details = change(current.details.clone()).map_err(StoreError::Invalid)?;
        // A patch that changes nothing writes nothing: no new version.
        if details == current.details {
            return Ok(current);
        }
        check_references(conn, &details, Some(id))?;
        let promoted = if details.capacity != current.details.capacity {
            capacity_changes(conn, id, details.capacity)?
        } else {
            Vec::new()
        };
        let now = bump(conn, &current)?;
        diesel::update(ev::table.find(id.to_string()))
            .set(DetailValues::from(&details))
            .execute(conn)?;
        promote(conn, &promoted, now)?;
        Ok(DialogueEvent {
            details,
            version: current.version + 1,
            updated_at: now,
            ..current
        })
    })
}

/// Checks a new capacity against the places taken (the event is locked);
/// returns the waitlisted registrations it lets in, in waiting order.
fn capacity_changes(
    conn: &mut DbConnection,
    id: DialogueEventId,
    capacity: Option<i32>,
) -> Result<Vec<RegistrationId>, StoreError> {
    let all = registrations(conn, id)?;
    let seats: Vec<Seat> = all.iter().map(Seat::from).collect();
    check_capacity(capacity, places_taken(&seats)?).map_err(|CapacityBelowTaken { taken }| {
        StoreError::Conflict {
            code: "capacity_below_taken",
            detail: format!(
                "{taken} places are taken; the capacity cannot be lower (cancel registrations first)"
            ),
        }
    })?;
    Ok(promotions(capacity, &seats)?
        .into_iter()
        .map(|i| all[i].id)
        .collect())
}

/// Gives the registrations `promoted` (from the waiting list) their place.
fn promote(
    conn: &mut DbConnection,
    promoted: &[RegistrationId],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for registration in promoted {
        diesel::update(reg::table.find(registration.to_string()))
            .set((
                reg::status.eq(RegistrationStatus::Registered.as_str()),
                reg::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Moves an event through its life (publish, cancel, mark held).
pub fn transition(
    conn: &mut DbConnection,
    id: DialogueEventId,
    precondition: Option<IfMatch>,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    action: EventAction,
    reason: Option<String>,
) -> Result<DialogueEvent, StoreError> {
    write_transaction(conn, |conn| {
        let current = load_for_write(conn, id)?;
        authorize(&current)?;
        check_version(&current, precondition)?;
        let next = current
            .status
            .after(action)
            .ok_or_else(|| StoreError::InvalidTransition {
                current_state: current.status.to_string(),
                action: action.to_string(),
                allowed_actions: current
                    .status
                    .allowed_actions()
                    .iter()
                    .map(|a| a.to_string())
                    .collect(),
            })?;
        crate::domain::dialogue::check_action_time(action, current.details.starts_at, now())
            .map_err(|m| StoreError::Conflict {
                code: "event_not_started",
                detail: m.into(),
            })?;
        let now = bump(conn, &current)?;
        diesel::update(ev::table.find(id.to_string()))
            .set((
                ev::status.eq(next.as_str()),
                ev::cancellation_reason.eq(reason.as_deref()),
            ))
            .execute(conn)?;
        Ok(DialogueEvent {
            status: next,
            cancellation_reason: reason,
            version: current.version + 1,
            updated_at: now,
            ..current
        })
    })
}

/// What an event list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub kind: Option<DialogueEventKind>,
    pub participation_level: Option<ParticipationLevel>,
    pub status: Option<EventStatus>,
    pub district: Option<District>,
    pub organiser_unit: Option<CityUnitId>,
    /// Co-organising, invited or registered (not cancelled).
    pub organisation: Option<OrganisationId>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
    pub q: Option<String>,
    /// Planned events are the city's drafts.
    pub include_planned: bool,
}

/// The events an organisation co-organises, is invited to or is registered
/// for (not cancelled), as three indexed look-ups. One `OR` of the three
/// made PostgreSQL walk every event for an organisation with few of them
/// (README "National scale").
fn events_of_organisation(
    conn: &mut DbConnection,
    org: OrganisationId,
) -> Result<Vec<String>, StoreError> {
    let org = org.to_string();
    let mut ids: Vec<String> = ev::table
        .filter(ev::co_organisers.like(format!("%,{org},%")))
        .select(ev::id)
        .load(conn)?;
    ids.extend(
        inv::table
            .filter(inv::organisation_id.eq(&org))
            .select(inv::event_id)
            .load::<String>(conn)?,
    );
    ids.extend(
        reg::table
            .filter(reg::organisation_id.eq(&org))
            .filter(reg::status.ne(RegistrationStatus::Cancelled.as_str()))
            .select(reg::event_id)
            .load::<String>(conn)?,
    );
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Events by start time (then id), soonest first.
pub fn list(
    conn: &mut DbConnection,
    f: &EventFilter,
    limit: usize,
    after: Option<&Cursor>,
) -> Result<Page<DialogueEvent>, StoreError> {
    let mut q = ev::table.select(EventRow::as_select()).into_boxed();
    if !f.include_planned {
        q = q.filter(ev::status.ne(EventStatus::Planned.as_str()));
    }
    if let Some(kind) = f.kind {
        q = q.filter(ev::kind.eq(kind.as_str()));
    }
    if let Some(level) = f.participation_level {
        q = q.filter(ev::participation_level.eq(level.as_str()));
    }
    if let Some(status) = f.status {
        q = q.filter(ev::status.eq(status.as_str()));
    }
    if let Some(district) = f.district {
        q = q.filter(ev::district.eq(district.as_str()));
    }
    if let Some(unit) = f.organiser_unit {
        q = q.filter(ev::organiser_unit_id.eq(unit.to_string()));
    }
    if let Some(org) = f.organisation {
        q = q.filter(ev::id.eq_any(events_of_organisation(conn, org)?));
    }
    if let Some(from) = f.from {
        q = q.filter(ev::starts_at.ge(from.naive_utc()));
    }
    if let Some(to) = f.to {
        q = q.filter(ev::starts_at.lt(to.naive_utc()));
    }
    if let Some(since) = f.updated_since {
        q = q.filter(ev::updated_at.ge(since.naive_utc()));
    }
    if let Some(text) = &f.q {
        q = q.filter(
            ev::title_search
                .like(contains_pattern(&search_key(text)))
                .escape('\\'),
        );
    }
    if let Some(c) = after {
        let key = c.timestamp()?;
        q = q.filter(
            ev::starts_at
                .gt(key)
                .or(ev::starts_at.eq(key).and(ev::id.gt(c.id.clone()))),
        );
    }
    let rows: Vec<EventRow> = q
        .order((ev::starts_at.asc(), ev::id.asc()))
        .limit(limit as i64 + 1)
        .load(conn)?;
    let page = Page::from_rows(rows, limit, |r| Cursor {
        sort: "starts_at".into(),
        key: timestamp_key(r.starts_at),
        id: r.id.0.to_string(),
    });
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(DialogueEvent::try_from)
            .collect::<Result<_, _>>()?,
        next: page.next,
    })
}

/// Invites organisations (again inviting one already invited changes nothing).
pub fn invite(
    conn: &mut DbConnection,
    id: DialogueEventId,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    organisations_invited: &[OrganisationId],
) -> Result<Vec<OrganisationId>, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        authorize(&event)?;
        let mut errors = Vec::new();
        for (i, org) in organisations_invited.iter().enumerate() {
            if !super::organisations::exists(conn, *org)? {
                errors.push(FieldError::new(
                    format!("organisation_ids[{i}]"),
                    "no such organisation",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let now = now().naive_utc();
        for org in organisations_invited {
            let already: bool = diesel::select(diesel::dsl::exists(
                inv::table.find((id.to_string(), org.to_string())),
            ))
            .get_result(conn)?;
            if !already {
                diesel::insert_into(inv::table)
                    .values((
                        inv::event_id.eq(id.to_string()),
                        inv::organisation_id.eq(org.to_string()),
                        inv::invited_at.eq(now),
                    ))
                    .execute(conn)?;
            }
        }
        invitations(conn, id)
    })
}

pub fn invitations(
    conn: &mut DbConnection,
    id: DialogueEventId,
) -> Result<Vec<OrganisationId>, StoreError> {
    let rows: Vec<String> = inv::table
        .filter(inv::event_id.eq(id.to_string()))
        .order((inv::invited_at.asc(), inv::organisation_id.asc()))
        .select(inv::organisation_id)
        .load(conn)?;
    rows.iter().map(|r| parse(r, "organisation id")).collect()
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = reg)]
struct RegistrationRow {
    id: Parsed<RegistrationId>,
    event_id: Parsed<DialogueEventId>,
    organisation_id: Parsed<OrganisationId>,
    participants: i32,
    names: String,
    needs: Option<String>,
    status: Parsed<RegistrationStatus>,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    registered_at: NaiveDateTime,
}

impl TryFrom<RegistrationRow> for Registration {
    type Error = StoreError;
    fn try_from(r: RegistrationRow) -> Result<Self, StoreError> {
        Ok(Registration {
            id: r.id.0,
            event_id: r.event_id.0,
            organisation_id: r.organisation_id.0,
            participants: r.participants,
            names: serde_json::from_str(&r.names).map_err(|_| corrupt("names"))?,
            needs: r.needs,
            status: r.status.0,
            registered_at: utc(r.registered_at),
        })
    }
}

/// Registrations of an event in the order they came (the waiting-list order).
pub fn registrations(
    conn: &mut DbConnection,
    id: DialogueEventId,
) -> Result<Vec<Registration>, StoreError> {
    reg::table
        .filter(reg::event_id.eq(id.to_string()))
        .order((reg::registered_at.asc(), reg::id.asc()))
        .select(RegistrationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Registration::try_from)
        .collect()
}

/// The registrations of a page of events in one statement, per event in the
/// order of [`registrations`]. Events without any are absent.
pub fn registrations_of(
    conn: &mut DbConnection,
    ids: &[DialogueEventId],
) -> Result<HashMap<DialogueEventId, Vec<Registration>>, StoreError> {
    let mut by_event: HashMap<DialogueEventId, Vec<Registration>> = HashMap::new();
    let rows: Vec<RegistrationRow> = super::children_of(conn, ids, |ids| {
        reg::table
            .filter(super::parent_in(reg::event_id, ids))
            .order((reg::event_id, reg::registered_at, reg::id))
            // Positional, in the order of the row's fields: `as_select`
            // would tie the query to one backend.
            .select((
                reg::id,
                reg::event_id,
                reg::organisation_id,
                reg::participants,
                reg::names,
                reg::needs,
                reg::status,
                reg::registered_at,
            ))
    })?;
    for row in rows {
        let event = row.event_id.0;
        by_event
            .entry(event)
            .or_default()
            .push(Registration::try_from(row)?);
    }
    Ok(by_event)
}

/// A new registration (or a renewed one after a cancellation).
pub struct NewRegistration {
    pub organisation_id: OrganisationId,
    pub participants: i32,
    pub names: Vec<String>,
    pub needs: Option<String>,
}

/// Registers an organisation: open window, capacity and waiting list are
/// checked with the event locked, so two last-minute registrations (on any
/// replica) cannot both take the last place, and the time of arrival that
/// orders the waiting list is the order in which they took the lock.
pub fn register(
    conn: &mut DbConnection,
    id: DialogueEventId,
    new: NewRegistration,
) -> Result<Registration, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        // Who may not see a planned event has been answered 404 by the
        // handler; who may see it learns that registration is not open (409).
        let now = now();
        check_registration_open(
            event.status,
            event.details.registration_deadline,
            event.details.starts_at,
            now,
        )
        .map_err(|r| match r {
            RegistrationRefusal::NotOpen(status) => StoreError::Conflict {
                code: "registration_closed",
                detail: format!(
                    "the event is {status}; registrations are taken only while it is published"
                ),
            },
            RegistrationRefusal::DeadlinePassed => StoreError::Conflict {
                code: "registration_deadline_passed",
                detail: "the registration deadline has passed".into(),
            },
        })?;
        let existing = registrations(conn, id)?;
        if existing.iter().any(|r| {
            r.organisation_id == new.organisation_id && r.status != RegistrationStatus::Cancelled
        }) {
            return Err(StoreError::Conflict {
                code: "already_registered",
                detail: "the organisation is already registered (or waiting) for this event".into(),
            });
        }
        let seats: Vec<Seat> = existing.iter().map(Seat::from).collect();
        let status = status_for_new(event.details.capacity, &seats, new.participants)?;
        let names = serde_json::to_string(&new.names).unwrap_or_else(|_| "[]".into());
        let registration_id = match existing
            .iter()
            .find(|r| r.organisation_id == new.organisation_id)
        {
            Some(cancelled) => {
                diesel::update(reg::table.find(cancelled.id.to_string()))
                    .set((
                        reg::participants.eq(new.participants),
                        reg::names.eq(&names),
                        reg::needs.eq(new.needs.as_deref()),
                        reg::status.eq(status.as_str()),
                        reg::registered_at.eq(now.naive_utc()),
                        reg::updated_at.eq(now.naive_utc()),
                    ))
                    .execute(conn)?;
                cancelled.id
            }
            None => {
                let rid = RegistrationId::new();
                diesel::insert_into(reg::table)
                    .values((
                        reg::id.eq(rid.to_string()),
                        reg::event_id.eq(id.to_string()),
                        reg::organisation_id.eq(new.organisation_id.to_string()),
                        reg::participants.eq(new.participants),
                        reg::names.eq(&names),
                        reg::needs.eq(new.needs.as_deref()),
                        reg::status.eq(status.as_str()),
                        reg::registered_at.eq(now.naive_utc()),
                        reg::updated_at.eq(now.naive_utc()),
                    ))
                    .execute(conn)?;
                rid
            }
        };
        Ok(Registration {
            id: registration_id,
            event_id: id,
            organisation_id: new.organisation_id,
            participants: new.participants,
            names: new.names,
            needs: new.needs,
            status,
            registered_at: now,
        })
    })
}

/// Cancels a registration and promotes those waiting that now fit.
/// `authorize` sees the registration before anything changes.
pub fn cancel_registration(
    conn: &mut DbConnection,
    id: DialogueEventId,
    registration: RegistrationId,
    authorize: impl FnOnce(&DialogueEvent, &Registration) -> Result<(), StoreError>,
) -> Result<Vec<Registration>, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        let all = registrations(conn, id)?;
        let target = all
            .iter()
            .find(|r| r.id == registration)
            .ok_or(StoreError::NotFound)?;
        authorize(&event, target)?;
        if target.status == RegistrationStatus::Cancelled {
            return Err(StoreError::Conflict {
                code: "already_cancelled",
                detail: "the registration is already cancelled".into(),
            });
        }
        if event.status != EventStatus::Published {
            return Err(StoreError::Conflict {
                code: "registration_closed",
                detail: format!(
                    "the event is {}; registrations no longer change",
                    event.status
                ),
            });
        }
        let now = now();
        diesel::update(reg::table.find(registration.to_string()))
            .set((
                reg::status.eq(RegistrationStatus::Cancelled.as_str()),
                reg::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        let seats: Vec<Seat> = all
            .iter()
            .map(|r| Seat {
                participants: r.participants,
                status: if r.id == registration {
                    RegistrationStatus::Cancelled
                } else {
                    r.status
                },
            })
            .collect();
        let promoted: Vec<RegistrationId> = promotions(event.details.capacity, &seats)?
            .into_iter()
            .map(|i| all[i].id)
            .collect();
        promote(conn, &promoted, now)?;
        registrations(conn, id)
    })
}

/// Attendance after the event: per organisation, and walk-ins.
pub struct Attendance {
    pub organisations: Vec<(OrganisationId, i32)>,
    pub walk_ins: i32,
}

pub fn attendance(
    conn: &mut DbConnection,
    event: &DialogueEvent,
) -> Result<Attendance, StoreError> {
    let rows: Vec<(String, i32)> = att::table
        .filter(att::event_id.eq(event.id.to_string()))
        .order(att::organisation_id.asc())
        .select((att::organisation_id, att::attendees))
        .load(conn)?;
    Ok(Attendance {
        organisations: rows
            .into_iter()
            .map(|(o, n)| Ok((parse(&o, "organisation id")?, n)))
            .collect::<Result<_, StoreError>>()?,
        walk_ins: event.walk_ins.unwrap_or(0),
    })
}

/// The attendance of a page of events in one statement, as [`attendance`]
/// gives it for each.
pub fn attendance_of(
    conn: &mut DbConnection,
    events: &[DialogueEvent],
) -> Result<HashMap<DialogueEventId, Attendance>, StoreError> {
    let mut by_event: HashMap<DialogueEventId, Attendance> = events
        .iter()
        .map(|e| {
            (
                e.id,
                Attendance {
                    organisations: Vec::new(),
                    walk_ins: e.walk_ins.unwrap_or(0),
                },
            )
        })
        .collect();
    let ids: Vec<DialogueEventId> = events.iter().map(|e| e.id).collect();
    let rows: Vec<(Parsed<DialogueEventId>, Parsed<OrganisationId>, i32)> =
        super::children_of(conn, &ids, |ids| {
            att::table
                .filter(super::parent_in(att::event_id, ids))
                .order((att::event_id, att::organisation_id))
                .select((att::event_id, att::organisation_id, att::attendees))
        })?;
    for (event, organisation, attendees) in rows {
        if let Some(attendance) = by_event.get_mut(&event.0) {
            attendance.organisations.push((organisation.0, attendees));
        }
    }
    Ok(by_event)
}

/// Replaces the attendance record of a held event.
pub fn record_attendance(
    conn: &mut DbConnection,
    id: DialogueEventId,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    record: Attendance,
) -> Result<(DialogueEvent, Attendance), StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        authorize(&event)?;
        if event.status != EventStatus::Held {
            return Err(StoreError::Conflict {
                code: "event_not_held",
                detail: format!(
                    "attendance is recorded after the event; it is {} (mark it held first)",
                    event.status
                ),
            });
        }
        let mut errors = Vec::new();
        for (i, (org, _)) in record.organisations.iter().enumerate() {
            if !super::organisations::exists(conn, *org)? {
                errors.push(FieldError::new(
                    format!("organisations[{i}].organisation_id"),
                    "no such organisation",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        diesel::delete(att::table.filter(att::event_id.eq(id.to_string()))).execute(conn)?;
        for (org, attendees) in &record.organisations {
            diesel::insert_into(att::table)
                .values((
                    att::event_id.eq(id.to_string()),
                    att::organisation_id.eq(org.to_string()),
                    att::attendees.eq(*attendees),
                ))
                .execute(conn)?;
        }
        let now = bump(conn, &event)?;
        diesel::update(ev::table.find(id.to_string()))
            .set(ev::walk_ins.eq(record.walk_ins))
            .execute(conn)?;
        let event = DialogueEvent {
            walk_ins: Some(record.walk_ins),
            version: event.version + 1,
            updated_at: now,
            ..event
        };
        Ok((event, record))
    })
}

/// Writes the minutes of a held event.
pub fn write_minutes(
    conn: &mut DbConnection,
    id: DialogueEventId,
    precondition: Option<IfMatch>,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    text: String,
) -> Result<DialogueEvent, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        authorize(&event)?;
        check_version(&event, precondition)?;
        if event.status != EventStatus::Held {
            return Err(StoreError::Conflict {
                code: "event_not_held",
                detail: format!(
                    "minutes are written after the event; it is {}",
                    event.status
                ),
            });
        }
        let now = bump(conn, &event)?;
        diesel::update(ev::table.find(id.to_string()))
            .set(ev::minutes.eq(&text))
            .execute(conn)?;
        Ok(DialogueEvent {
            minutes: Some(text),
            version: event.version + 1,
            updated_at: now,
            ..event
        })
    })
}

pub fn contributions(
    conn: &mut DbConnection,
    id: DialogueEventId,
) -> Result<Vec<MinutesContribution>, StoreError> {
    let rows: Vec<(Option<String>, String, String, NaiveDateTime)> = mc::table
        .filter(mc::event_id.eq(id.to_string()))
        .order((mc::created_at.asc(), mc::id.asc()))
        .select((mc::organisation_id, mc::author, mc::text, mc::created_at))
        .load(conn)?;
    rows.into_iter()
        .map(|(org, author, text, at)| {
            Ok(MinutesContribution {
                organisation_id: org.map(|o| parse(&o, "organisation id")).transpose()?,
                author,
                text,
                created_at: utc(at),
            })
        })
        .collect()
}

/// Adds a co-organiser's contribution to the minutes of a held event.
pub fn contribute(
    conn: &mut DbConnection,
    id: DialogueEventId,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    contribution: MinutesContribution,
) -> Result<MinutesContribution, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        authorize(&event)?;
        if event.status != EventStatus::Held {
            return Err(StoreError::Conflict {
                code: "event_not_held",
                detail: format!(
                    "minutes are written after the event; it is {}",
                    event.status
                ),
            });
        }
        diesel::insert_into(mc::table)
            .values((
                mc::id.eq(uuid::Uuid::now_v7().to_string()),
                mc::event_id.eq(id.to_string()),
                mc::organisation_id.eq(contribution.organisation_id.map(|o| o.to_string())),
                mc::author.eq(&contribution.author),
                mc::text.eq(&contribution.text),
                mc::created_at.eq(contribution.created_at.naive_utc()),
            ))
            .execute(conn)?;
        Ok(contribution)
    })
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = oc)]
struct OutcomeRow {
    id: String,
    event_id: String,
    description: String,
    owner: String,
    status: String,
    partnership_id: Option<String>,
    grant_application_id: Option<String>,
    version: i64,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    created_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    updated_at: NaiveDateTime,
}

impl TryFrom<OutcomeRow> for Outcome {
    type Error = StoreError;
    fn try_from(r: OutcomeRow) -> Result<Self, StoreError> {
        Ok(Outcome {
            id: parse(&r.id, "outcome id")?,
            event_id: parse(&r.event_id, "event id")?,
            description: r.description,
            owner: r.owner,
            status: parse(&r.status, "outcome status")?,
            partnership_id: r
                .partnership_id
                .map(|p| parse(&p, "partnership id"))
                .transpose()?,
            grant_application_id: r
                .grant_application_id
                .map(|g| parse(&g, "application id"))
                .transpose()?,
            version: r.version,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        })
    }
}

pub fn outcomes(conn: &mut DbConnection, id: DialogueEventId) -> Result<Vec<Outcome>, StoreError> {
    oc::table
        .filter(oc::event_id.eq(id.to_string()))
        .order((oc::created_at.asc(), oc::id.asc()))
        .select(OutcomeRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Outcome::try_from)
        .collect()
}

/// How many outcomes an event has.
pub fn count_outcomes(conn: &mut DbConnection, id: DialogueEventId) -> Result<usize, StoreError> {
    let n: i64 = oc::table
        .filter(oc::event_id.eq(id.to_string()))
        .count()
        .get_result(conn)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// At most `take` of an event's outcomes from position `skip` on, in the
/// order of [`outcomes`]: a page, paged by the database.
pub fn outcomes_window(
    conn: &mut DbConnection,
    id: DialogueEventId,
    skip: usize,
    take: usize,
) -> Result<Vec<Outcome>, StoreError> {
    // A position past what SQL can count starts past every outcome.
    let Ok(skip) = i64::try_from(skip) else {
        return Ok(Vec::new());
    };
    oc::table
        .filter(oc::event_id.eq(id.to_string()))
        .order((oc::created_at.asc(), oc::id.asc()))
        .select(OutcomeRow::as_select())
        .limit(i64::try_from(take).unwrap_or(i64::MAX))
        .offset(skip)
        .load(conn)?
        .into_iter()
        .map(Outcome::try_from)
        .collect()
}

/// What an outcome says, for adding or replacing.
pub struct OutcomeValues {
    pub description: String,
    pub owner: String,
    pub status: OutcomeStatus,
    pub partnership_id: Option<uuid::Uuid>,
    pub grant_application_id: Option<uuid::Uuid>,
}

pub fn add_outcome(
    conn: &mut DbConnection,
    id: DialogueEventId,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    values: OutcomeValues,
) -> Result<Outcome, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        authorize(&event)?;
        // What a meeting led to is known after it, like its minutes.
        if event.status != EventStatus::Held {
            return Err(StoreError::Conflict {
                code: "event_not_held",
                detail: format!(
                    "outcomes are recorded after the event; it is {} (mark it held first)",
                    event.status
                ),
            });
        }
        let now = now();
        let outcome = Outcome {
            id: OutcomeId::new(),
            event_id: id,
            description: values.description,
            owner: values.owner,
            status: values.status,
            partnership_id: values.partnership_id,
            grant_application_id: values.grant_application_id,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        diesel::insert_into(oc::table)
            .values((
                oc::id.eq(outcome.id.to_string()),
                oc::event_id.eq(id.to_string()),
                oc::description.eq(&outcome.description),
                oc::owner.eq(&outcome.owner),
                oc::status.eq(outcome.status.as_str()),
                oc::partnership_id.eq(outcome.partnership_id.map(|p| p.to_string())),
                oc::grant_application_id.eq(outcome.grant_application_id.map(|g| g.to_string())),
                oc::version.eq(1),
                oc::created_at.eq(now.naive_utc()),
                oc::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        Ok(outcome)
    })
}

/// Changes an outcome (its status as it is followed up, or its link).
pub fn update_outcome(
    conn: &mut DbConnection,
    id: DialogueEventId,
    outcome_id: OutcomeId,
    precondition: Option<IfMatch>,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    change: impl FnOnce(&mut Outcome),
) -> Result<Outcome, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        authorize(&event)?;
        let mut outcome = outcomes(conn, id)?
            .into_iter()
            .find(|o| o.id == outcome_id)
            .ok_or(StoreError::NotFound)?;
        if !Version(outcome.version).satisfies(precondition) {
            return Err(StoreError::VersionMismatch {
                current_version: outcome.version,
            });
        }
        let previous = outcome.version;
        change(&mut outcome);
        outcome.version = previous + 1;
        outcome.updated_at = now();
        let written = diesel::update(
            oc::table
                .find(outcome_id.to_string())
                .filter(oc::version.eq(previous)),
        )
        .set((
            oc::description.eq(&outcome.description),
            oc::owner.eq(&outcome.owner),
            oc::status.eq(outcome.status.as_str()),
            oc::partnership_id.eq(outcome.partnership_id.map(|p| p.to_string())),
            oc::grant_application_id.eq(outcome.grant_application_id.map(|g| g.to_string())),
            oc::version.eq(outcome.version),
            oc::updated_at.eq(outcome.updated_at.naive_utc()),
        ))
        .execute(conn)?;
        if written != 1 {
            return Err(StoreError::VersionMismatch {
                current_version: previous,
            });
        }
        Ok(outcome)
    })
}
