//! `/api/v1/dialogue-events`: meetings between the city and organisations,
//! their registrations, attendance, agenda, minutes and outcomes, and an
//! iCalendar feed.

use actix_web::{get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{JsonBody, Precondition};
use super::{all_valid, field_errors, merge_patch_field, paging, respond};
use crate::auth::{Caller, SignedIn};
use crate::db::dialogue_events::{
    self as store, Attendance, EventFilter, NewRegistration, OutcomeValues,
};
use crate::domain::access::{authorize, can, Action, Principal};
use crate::domain::dialogue::{
    attendance_total, places_taken, AgendaItem, DialogueEvent, DialogueEventKind, EventAction,
    EventDetails, EventFormat, EventStatus, MinutesContribution, Outcome, OutcomeStatus,
    ParticipationLevel, Registration, RegistrationStatus, Seat,
};
use crate::domain::district::District;
use crate::domain::ids::{
    CityUnitId, DialogueEventId, GrantApplicationId, OrganisationId, OutcomeId, PartnershipId,
    RegistrationId,
};
use crate::domain::money;
use crate::domain::stockholm::{self, LocalTimeError};
use crate::domain::FieldError;
use crate::error::{ApiError, Problem};
use crate::startup::AppState;

const TZ: &str = "Europe/Stockholm";

/// A dialogue event.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0e01",
    "title": "Idésluss Lundby: ideas, needs and resources",
    "description": "First matching meeting: each actor brings its ideas, needs and resources.",
    "kind": "matching_meeting",
    "participation_level": "partnership",
    "topic": "Collaboration for young people in Lundby",
    "organiser_unit_id": "0193516a-0000-7000-8000-00000000000b",
    "co_organiser_ids": [],
    "starts_at": "2016-05-12T15:00:00Z",
    "ends_at": "2016-05-12T17:30:00Z",
    "starts_at_local": "2016-05-12T17:00:00+02:00",
    "ends_at_local": "2016-05-12T19:30:00+02:00",
    "time_zone": "Europe/Stockholm",
    "format": "in_person",
    "place": "Lundby district office",
    "address": "Wieselgrensplatsen 2, Göteborg",
    "online_link": null,
    "district": "lundby",
    "capacity": 30,
    "registration_deadline": "2016-05-10T22:00:00Z",
    "status": "held",
    "cancellation_reason": null,
    "agenda": [{"title": "Round of ideas, needs and resources", "duration_minutes": 60, "presenter": null}],
    "minutes": "9 actors came; 4 collaboration ideas were noted.",
    "places_taken": 12,
    "waitlisted": 0,
    "attendance_total": 11,
    "external_id": null,
    "version": 5,
    "created_at": "2016-04-20T08:00:00Z",
    "updated_at": "2016-05-13T09:00:00Z"
}))]
pub struct DialogueEventView {
    pub id: DialogueEventId,
    pub title: String,
    pub description: Option<String>,
    pub kind: DialogueEventKind,
    pub participation_level: ParticipationLevel,
    pub topic: Option<String>,
    pub organiser_unit_id: Option<CityUnitId>,
    pub co_organiser_ids: Vec<OrganisationId>,
    /// In UTC.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The same instant as Stockholm's clocks show it.
    #[schema(value_type = String, example = "2016-05-12T17:00:00+02:00")]
    pub starts_at_local: DateTime<FixedOffset>,
    #[schema(value_type = String)]
    pub ends_at_local: DateTime<FixedOffset>,
    /// Always `Europe/Stockholm`.
    pub time_zone: &'static str,
    pub format: EventFormat,
    pub place: Option<String>,
    pub address: Option<String>,
    pub online_link: Option<String>,
    pub district: Option<District>,
    /// Participants in all; null for no limit.
    #[schema(minimum = 1, maximum = 100000)]
    pub capacity: Option<i32>,
    pub registration_deadline: Option<DateTime<Utc>>,
    pub status: EventStatus,
    pub cancellation_reason: Option<String>,
    pub agenda: Vec<AgendaItem>,
    pub minutes: Option<String>,
    /// Participants of registrations that hold a place.
    pub places_taken: i32,
    /// Registrations waiting for a place.
    pub waitlisted: i32,
    /// Attendance recorded after the event (organisations plus walk-ins); null before.
    pub attendance_total: Option<i32>,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Places taken, registrations waiting and recorded attendance of an event.
#[derive(Default, Clone, Copy)]
struct Counts {
    taken: i32,
    waitlisted: i32,
    attendance_total: Option<i32>,
}

impl DialogueEventView {
    fn new(e: DialogueEvent, counts: Counts) -> Self {
        let d = e.details;
        DialogueEventView {
            id: e.id,
            title: d.title,
            description: d.description,
            kind: d.kind,
            participation_level: d.participation_level,
            topic: d.topic,
            organiser_unit_id: d.organiser_unit,
            co_organiser_ids: d.co_organisers,
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            starts_at_local: stockholm::to_local(d.starts_at),
            ends_at_local: stockholm::to_local(d.ends_at),
            time_zone: TZ,
            format: d.format,
            place: d.place,
            address: d.address,
            online_link: d.online_link,
            district: d.district,
            capacity: d.capacity,
            registration_deadline: d.registration_deadline,
            status: e.status,
            cancellation_reason: e.cancellation_reason,
            agenda: d.agenda,
            minutes: e.minutes,
            places_taken: counts.taken,
            waitlisted: counts.waitlisted,
            attendance_total: counts.attendance_total,
            external_id: d.external_id,
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// A page of dialogue events.
#[derive(Serialize, ToSchema)]
pub struct DialogueEventList {
    pub items: Vec<DialogueEventView>,
    pub next_cursor: Option<String>,
}

fn counts_of(
    conn: &mut crate::db::DbConnection,
    event: &DialogueEvent,
) -> Result<Counts, ApiError> {
    let registrations = store::registrations(conn, event.id)?;
    let attendance = store::attendance(conn, event)?;
    counts_from(event, &registrations, &attendance)
}

fn counts_from(
    event: &DialogueEvent,
    registrations: &[Registration],
    attendance: &store::Attendance,
) -> Result<Counts, ApiError> {
    let seats: Vec<Seat> = registrations.iter().map(Seat::from).collect();
    let attendees: Vec<i32> = attendance.organisations.iter().map(|(_, n)| *n).collect();
    Ok(Counts {
        taken: places_taken(&seats)?,
        waitlisted: money::total(
            seats
                .iter()
                .map(|s| i32::from(s.status == RegistrationStatus::Waitlisted)),
        )?,
        attendance_total: attendance_total(&attendees, event.walk_ins)?,
    })
}

/// A time as RFC 3339 with an offset (`2026-05-12T16:00:00Z`), or as
/// Stockholm's wall clock without one (`2026-05-12T18:00`).
fn event_time(field: &str, text: &str, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"));
    match local.map(stockholm::from_local) {
        Ok(Ok(t)) => Some(t),
        Ok(Err(LocalTimeError::DoesNotExist)) => {
            errors.push(FieldError::new(
                field,
                "this Stockholm time does not exist (clocks go forward); give an offset",
            ));
            None
        }
        Ok(Err(LocalTimeError::Ambiguous)) => {
            errors.push(FieldError::new(
                field,
                "this Stockholm time happens twice (clocks go back); give an offset such as +02:00",
            ));
            None
        }
        Err(_) => {
            errors.push(FieldError::new(field, "must be a date-time: RFC 3339 with an offset, or Stockholm local time YYYY-MM-DDTHH:MM"));
            None
        }
    }
}

fn check_agenda(agenda: &[AgendaItem], errors: &mut Vec<FieldError>) {
    for (i, item) in agenda.iter().enumerate() {
        if item.title.trim().is_empty() || item.title.chars().count() > 300 {
            errors.push(FieldError::new(
                format!("agenda[{i}].title"),
                "must be 1 to 300 characters",
            ));
        }
        if !(1..=24 * 60).contains(&item.duration_minutes) {
            errors.push(FieldError::new(
                format!("agenda[{i}].duration_minutes"),
                "must be 1 to 1440 minutes",
            ));
        }
    }
}

fn check_link(link: &str) -> Result<(), validator::ValidationError> {
    if link.starts_with("https://") || link.starts_with("http://") {
        Ok(())
    } else {
        Err(validator::ValidationError::new("url")
            .with_message("must be an http or https URL".into()))
    }
}

/// Creates a dialogue event (in state `planned`).
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Homelessness workshop",
    "kind": "workshop",
    "participation_level": "dialogue",
    "topic": "Homelessness: what organisations and the city can do together",
    "starts_at": "2026-04-26T09:00",
    "ends_at": "2026-04-26T15:00",
    "format": "in_person",
    "place": "Burgårdens konferenscenter",
    "address": "Skånegatan 20, Göteborg",
    "district": "centrum",
    "capacity": 30,
    "registration_deadline": "2026-04-20T23:59",
    "agenda": [{"title": "The situation today", "duration_minutes": 45, "presenter": "Göteborgs Stadsmission"}]
}))]
pub struct CreateDialogueEvent {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    pub kind: DialogueEventKind,
    pub participation_level: ParticipationLevel,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    #[schema(max_length = 500)]
    pub topic: Option<String>,
    /// Defaults to the caller's own unit for staff.
    pub organiser_unit_id: Option<CityUnitId>,
    #[serde(default)]
    pub co_organiser_ids: Vec<OrganisationId>,
    /// RFC 3339 with offset, or Stockholm local time (`2026-04-26T09:00`).
    #[schema(example = "2026-04-26T09:00")]
    pub starts_at: String,
    #[schema(example = "2026-04-26T15:00")]
    pub ends_at: String,
    pub format: EventFormat,
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub place: Option<String>,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    #[schema(max_length = 500)]
    pub address: Option<String>,
    #[validate(
        length(max = 500, message = "must be at most 500 characters"),
        custom(function = "check_link")
    )]
    #[schema(max_length = 500)]
    pub online_link: Option<String>,
    pub district: Option<District>,
    /// Participants in all; leave out for no limit.
    #[validate(range(min = 1, max = 100000, message = "must be 1 to 100000"))]
    #[schema(minimum = 1, maximum = 100000)]
    pub capacity: Option<i32>,
    pub registration_deadline: Option<String>,
    #[serde(default)]
    pub agenda: Vec<AgendaItem>,
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub external_id: Option<String>,
}

impl CreateDialogueEvent {
    fn into_details(self, principal: &Principal) -> Result<EventDetails, ApiError> {
        let mut errors = self.validate().err().map(field_errors).unwrap_or_default();
        let starts_at = event_time("starts_at", &self.starts_at, &mut errors);
        let ends_at = event_time("ends_at", &self.ends_at, &mut errors);
        let deadline = self
            .registration_deadline
            .as_deref()
            .map(|t| event_time("registration_deadline", t, &mut errors));
        check_agenda(&self.agenda, &mut errors);
        let (Some(starts_at), Some(ends_at), false) =
            (starts_at, ends_at, matches!(deadline, Some(None)))
        else {
            return Err(ApiError::Validation(errors));
        };
        let mut co_organisers = self.co_organiser_ids;
        co_organisers.sort();
        co_organisers.dedup();
        let details = EventDetails {
            title: self.title.trim().to_owned(),
            description: self.description,
            kind: self.kind,
            participation_level: self.participation_level,
            topic: self.topic,
            organiser_unit: self.organiser_unit_id.or(principal.unit()),
            co_organisers,
            starts_at,
            ends_at,
            format: self.format,
            place: self.place,
            address: self.address,
            online_link: self.online_link,
            district: self.district,
            capacity: self.capacity,
            registration_deadline: deadline.flatten(),
            agenda: self.agenda,
            external_id: self.external_id,
        };
        errors.extend(details.check());
        all_valid(errors, details)
    }
}

/// A JSON merge patch of an event that is planned or published.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 40, "place": "Burgårdens konferenscenter, sal 3"}))]
pub struct UpdateDialogueEvent {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub kind: Option<DialogueEventKind>,
    pub participation_level: Option<ParticipationLevel>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>)]
    pub topic: Option<Option<String>>,
    pub co_organiser_ids: Option<Vec<OrganisationId>>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub format: Option<EventFormat>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    pub place: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>)]
    #[validate(custom(function = "check_link"))]
    pub online_link: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<District>)]
    pub district: Option<Option<District>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    /// Null for no limit. Lower than the places taken is refused
    /// (`capacity_below_taken`); higher, or null, moves the waiting list up.
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 100000)]
    #[validate(range(min = 1, max = 100000, message = "must be 1 to 100000"))]
    pub capacity: Option<Option<i32>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>)]
    pub registration_deadline: Option<Option<String>>,
    pub agenda: Option<Vec<AgendaItem>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
}

impl UpdateDialogueEvent {
    /// The details after this patch, or every field it gets wrong.
    fn apply(self, mut d: EventDetails) -> Result<EventDetails, ApiError> {
        let mut errors = self.validate().err().map(field_errors).unwrap_or_default();
        if let Some(v) = self.title {
            d.title = v.trim().to_owned();
        }
        if let Some(v) = self.description {
            d.description = v;
        }
        if let Some(v) = self.kind {
            d.kind = v;
        }
        if let Some(v) = self.participation_level {
            d.participation_level = v;
        }
        if let Some(v) = self.topic {
            d.topic = v;
        }
        if let Some(mut v) = self.co_organiser_ids {
            v.sort();
            v.dedup();
            d.co_organisers = v;
        }
        if let Some(t) = self
            .starts_at
            .and_then(|t| event_time("starts_at", &t, &mut errors))
        {
            d.starts_at = t;
        }
        if let Some(t) = self
            .ends_at
            .and_then(|t| event_time("ends_at", &t, &mut errors))
        {
            d.ends_at = t;
        }
        if let Some(v) = self.format {
            d.format = v;
        }
        if let Some(v) = self.place {
            d.place = v;
        }
        if let Some(v) = self.address {
            d.address = v;
        }
        if let Some(v) = self.online_link {
            d.online_link = v;
        }
        if let Some(v) = self.district {
            d.district = v;
        }
        if let Some(v) = self.capacity {
            d.capacity = v;
        }
        match self.registration_deadline {
            Some(Some(t)) => {
                if let Some(t) = event_time("registration_deadline", &t, &mut errors) {
                    d.registration_deadline = Some(t);
                }
            }
            Some(None) => d.registration_deadline = None,
            None => {}
        }
        if let Some(v) = self.agenda {
            check_agenda(&v, &mut errors);
            d.agenda = v;
        }
        if let Some(v) = self.external_id {
            d.external_id = v;
        }
        if errors.is_empty() {
            errors.extend(d.check());
        }
        all_valid(errors, d)
    }
}

/// Filters and paging of the event list (soonest first).
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DialogueEventQuery {
    pub kind: Option<DialogueEventKind>,
    pub participation_level: Option<ParticipationLevel>,
    /// `planned` is for the city only.
    pub status: Option<EventStatus>,
    pub district: Option<District>,
    /// The organising city unit.
    pub organiser_unit_id: Option<CityUnitId>,
    /// Events this organisation co-organises, is invited to or registered for.
    pub organisation_id: Option<OrganisationId>,
    /// Starting at or after (RFC 3339).
    #[param(example = "2026-01-01T00:00:00Z")]
    pub from: Option<DateTime<Utc>>,
    /// Starting before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
    /// Text the title contains (case-insensitive).
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Finds an event the caller may see (planned ones only for the city).
fn visible(event: Option<DialogueEvent>, principal: &Principal) -> Result<DialogueEvent, ApiError> {
    match event {
        Some(e) if e.status.is_public() || can(principal, Action::ReadPlannedDialogueEvents) => {
            Ok(e)
        }
        _ => Err(ApiError::NotFound),
    }
}

/// Authorization for managing an event, hiding planned events from those
/// who may not see them.
fn manage(principal: &Principal) -> impl FnOnce(&DialogueEvent) -> Result<(), ApiError> + '_ {
    move |event| {
        let event = visible(Some(event.clone()), principal)?;
        Ok(authorize(
            principal,
            Action::ManageDialogueEvent(event.details.organiser_unit),
        )?)
    }
}

/// List dialogue events
///
/// Published, cancelled and held events are public; planned ones are
/// visible to the city only.
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(DialogueEventQuery),
    responses(
        (status = 200, description = "A page of events, soonest first", body = DialogueEventList),
        (status = 400, description = "Unknown query parameter or bad value", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events")]
pub async fn list_dialogue_events(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<DialogueEventQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let (limit, cursor) = paging(q.limit, q.cursor.as_deref(), "starts_at")?;
    let filter = EventFilter {
        kind: q.kind,
        participation_level: q.participation_level,
        status: q.status,
        district: q.district,
        organiser_unit: q.organiser_unit_id,
        organisation: q.organisation_id,
        from: q.from,
        to: q.to,
        updated_since: q.updated_since,
        q: q.q.filter(|t| !t.trim().is_empty()),
        include_planned: can(&caller.0, Action::ReadPlannedDialogueEvents),
    };
    let page = state
        .db(move |conn| {
            let page = store::list(conn, &filter, limit, cursor.as_ref())?;
            // One statement per table for the whole page.
            let ids: Vec<DialogueEventId> = page.items.iter().map(|e| e.id).collect();
            let mut registrations = store::registrations_of(conn, &ids)?;
            let attendance = store::attendance_of(conn, &page.items)?;
            let counts = page
                .items
                .iter()
                .map(|e| {
                    let none = store::Attendance {
                        organisations: Vec::new(),
                        walk_ins: e.walk_ins.unwrap_or(0),
                    };
                    counts_from(
                        e,
                        &registrations.remove(&e.id).unwrap_or_default(),
                        attendance.get(&e.id).unwrap_or(&none),
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((page, counts))
        })
        .await?;
    let (page, counts) = page;
    let mut counts = counts.into_iter();
    Ok(respond::page(&req, page, |e| {
        DialogueEventView::new(e, counts.next().unwrap_or_default())
    }))
}

/// Read a dialogue event
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The event", body = DialogueEventView, headers(("ETag" = String, description = "The version"))),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event, or a planned one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}")]
pub async fn get_dialogue_event(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DialogueEventId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (event, counts) = state
        .db(move |conn| {
            let event = visible(store::find(conn, id)?, &caller.0)?;
            let counts = counts_of(conn, &event)?;
            Ok((event, counts))
        })
        .await?;
    Ok(respond::ok(
        event.version,
        &DialogueEventView::new(event, counts),
    ))
}

/// Plan a dialogue event
///
/// City staff plan events for their own unit (the default organiser), admins
/// for any. The event starts `planned` (visible to the city only) until it is
/// published. Times may be given in Stockholm local time; they are stored in
/// UTC and returned in both.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$", description = "Makes a retry return the first response (kept 24 h)")),
    request_body(content = CreateDialogueEvent, content_type = "application/json"),
    responses(
        (status = 201, description = "Planned", body = DialogueEventView, headers(("Location" = String, description = "The event's URL"), ("ETag" = String, description = "The version"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Duplicate external id; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (all listed), including a Stockholm time that does not exist or happens twice", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events")]
pub async fn create_dialogue_event(
    state: web::Data<AppState>,
    caller: SignedIn,
    body: JsonBody<CreateDialogueEvent>,
) -> Result<HttpResponse, ApiError> {
    if !caller.0.is_city() {
        return Err(ApiError::Forbidden {
            code: "forbidden",
            detail: "only the city plans dialogue events".into(),
        });
    }
    let details = body.0.into_details(&caller.0)?;
    authorize(
        &caller.0,
        Action::ManageDialogueEvent(details.organiser_unit),
    )?;
    let event = state.db(move |conn| store::insert(conn, details)).await?;
    Ok(respond::created(
        format!("/api/v1/dialogue-events/{}", event.id),
        event.version,
        &DialogueEventView::new(event, Counts::default()),
    ))
}

/// Change a dialogue event
///
/// A JSON merge patch, while the event is planned or published; staff of the
/// organising unit and admins.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[!#-+.-~-]*"(, ?(W/)?"[!#-+.-~-]*")*)$"#, description = "The ETag last read; a stale one is refused with 412"),
    ),
    request_body(content = UpdateDialogueEvent, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = DialogueEventView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event is cancelled or held; a duplicate external id; or a capacity below the places taken (capacity_below_taken)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/dialogue-events/{id}")]
pub async fn update_dialogue_event(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    precondition: Precondition,
    body: JsonBody<UpdateDialogueEvent>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let patch = body.0;
    let (event, counts) = state
        .db(move |conn| {
            let event = store::update(conn, id, precondition.0, manage(&caller.0), |d| {
                patch.apply(d)
            })?;
            let counts = counts_of(conn, &event)?;
            Ok((event, counts))
        })
        .await?;
    Ok(respond::ok(
        event.version,
        &DialogueEventView::new(event, counts),
    ))
}

/// Why an event is cancelled.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The venue is closed; a new date follows."}))]
pub struct CancelDialogueEvent {
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

async fn act(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: DialogueEventId,
    precondition: Precondition,
    action: EventAction,
    reason: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let (event, counts) = state
        .db(move |conn| {
            let event =
                store::transition(conn, id, precondition.0, manage(&caller.0), action, reason)?;
            let counts = counts_of(conn, &event)?;
            Ok((event, counts))
        })
        .await?;
    Ok(respond::ok(
        event.version,
        &DialogueEventView::new(event, counts),
    ))
}

/// Publish a planned event
///
/// Makes it public and opens registrations. Staff of the organising unit and admins.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[!#-+.-~-]*"(, ?(W/)?"[!#-+.-~-]*")*)$"#, description = "The ETag last read; a stale one is refused with 412"),
    ),
    responses(
        (status = 200, description = "Published", body = DialogueEventView),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the current state (current_state, allowed_actions)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/publish")]
pub async fn publish_dialogue_event(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    precondition: Precondition,
) -> Result<HttpResponse, ApiError> {
    act(
        state,
        caller,
        id.into_inner(),
        precondition,
        EventAction::Publish,
        None,
    )
    .await
}

/// Mark an event as held
///
/// After it has started; attendance and minutes follow. Staff of the organising unit and admins.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[!#-+.-~-]*"(, ?(W/)?"[!#-+.-~-]*")*)$"#, description = "The ETag last read; a stale one is refused with 412"),
    ),
    responses(
        (status = 200, description = "Held", body = DialogueEventView),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the current state, or the event has not started", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/mark-held")]
pub async fn mark_dialogue_event_held(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    precondition: Precondition,
) -> Result<HttpResponse, ApiError> {
    act(
        state,
        caller,
        id.into_inner(),
        precondition,
        EventAction::MarkHeld,
        None,
    )
    .await
}

/// Cancel an event
///
/// With a reason, which subscribers see; the calendar feed marks it cancelled.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[!#-+.-~-]*"(, ?(W/)?"[!#-+.-~-]*")*)$"#, description = "The ETag last read; a stale one is refused with 412"),
    ),
    request_body(content = CancelDialogueEvent, content_type = "application/json"),
    responses(
        (status = 200, description = "Cancelled", body = DialogueEventView),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the current state (current_state, allowed_actions)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/cancel")]
pub async fn cancel_dialogue_event(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    precondition: Precondition,
    body: JsonBody<CancelDialogueEvent>,
) -> Result<HttpResponse, ApiError> {
    body.0
        .validate()
        .map_err(|e| ApiError::Validation(field_errors(e)))?;
    act(
        state,
        caller,
        id.into_inner(),
        precondition,
        EventAction::Cancel,
        Some(body.0.reason),
    )
    .await
}

/// Organisations invited to an event.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisation_ids": ["0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e"]}))]
pub struct Invitations {
    pub organisation_ids: Vec<OrganisationId>,
}

/// List the organisations invited
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 200, description = "Invited organisations", body = Invitations),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}/invitations")]
pub async fn list_invitations(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DialogueEventId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let organisation_ids = state
        .db(move |conn| {
            visible(store::find(conn, id)?, &caller.0)?;
            store::invitations(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Invitations { organisation_ids }))
}

/// Invite organisations
///
/// Adds to the invitations (inviting one again changes nothing). Staff of the
/// organising unit and admins.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    request_body(content = Invitations, content_type = "application/json"),
    responses(
        (status = 200, description = "Every invited organisation", body = Invitations),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown organisations", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/invitations")]
pub async fn invite_organisations(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    body: JsonBody<Invitations>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let organisation_ids = state
        .db(move |conn| store::invite(conn, id, manage(&caller.0), &body.0.organisation_ids))
        .await?;
    Ok(HttpResponse::Ok().json(Invitations { organisation_ids }))
}

/// A registration. Names and needs are shown only to the city and the
/// registering organisation.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0f01",
    "event_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0e01",
    "organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e",
    "participants": 2,
    "names": ["Anna Andersson", "Ali Hassan"],
    "needs": "Interpretation to Arabic",
    "status": "registered",
    "registered_at": "2016-05-02T10:00:00Z"
}))]
pub struct RegistrationView {
    pub id: RegistrationId,
    pub event_id: DialogueEventId,
    pub organisation_id: OrganisationId,
    pub participants: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<String>,
    pub status: RegistrationStatus,
    pub registered_at: DateTime<Utc>,
}

impl RegistrationView {
    fn for_caller(r: Registration, principal: &Principal) -> Self {
        let details = can(
            principal,
            Action::ReadRegistrationDetails(r.organisation_id),
        );
        RegistrationView {
            id: r.id,
            event_id: r.event_id,
            organisation_id: r.organisation_id,
            participants: r.participants,
            names: details.then_some(r.names),
            needs: if details { r.needs } else { None },
            status: r.status,
            registered_at: r.registered_at,
        }
    }
}

/// The registrations of an event, in the order they came.
#[derive(Serialize, ToSchema)]
pub struct RegistrationList {
    pub items: Vec<RegistrationView>,
    pub next_cursor: Option<String>,
}

/// Registers an organisation.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "participants": 2, "needs": "Wheelchair access"}))]
pub struct CreateRegistration {
    pub organisation_id: OrganisationId,
    #[validate(range(min = 1, max = 1000, message = "must be 1 to 1000"))]
    #[schema(minimum = 1, maximum = 1000)]
    pub participants: i32,
    /// Optional, and personal data: shown only to the city and the organisation.
    #[serde(default)]
    #[validate(length(max = 1000, message = "at most 1000 names"))]
    #[schema(max_items = 1000)]
    pub names: Vec<String>,
    /// Accessibility or interpretation needs.
    #[validate(length(max = 2000, message = "must be at most 2000 characters"))]
    #[schema(max_length = 2000)]
    pub needs: Option<String>,
}

/// List registrations
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(super::SubListQuery, ("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Registrations, names and needs only where the caller may see them", body = RegistrationList),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}/registrations")]
pub async fn list_registrations(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DialogueEventId>,
    req: actix_web::HttpRequest,
    query: web::Query<super::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let principal = caller.0.clone();
    let items = state
        .db(move |conn| {
            visible(store::find(conn, id)?, &principal)?;
            store::registrations(conn, id)
        })
        .await?;
    super::sub_list(
        &req,
        &query,
        items
            .into_iter()
            .map(|r| RegistrationView::for_caller(r, &caller.0))
            .collect(),
    )
}

/// Register an organisation
///
/// A partner registers its own organisation (the city may register any).
/// While the event is published and before its deadline; when the places are
/// taken the registration is `waitlisted` and moves up when a place frees.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    request_body(content = CreateRegistration, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered or waitlisted", body = RegistrationView, headers(("Location" = String, description = "The registration's URL"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A partner registering another organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event (or a planned one)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Registration closed, deadline passed, or already registered", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/registrations")]
pub async fn register_for_dialogue_event(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    body: JsonBody<CreateRegistration>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let req = body.0;
    req.validate()
        .map_err(|e| ApiError::Validation(field_errors(e)))?;
    authorize(
        &caller.0,
        Action::RegisterForDialogueEvent(req.organisation_id),
    )?;
    let new = NewRegistration {
        organisation_id: req.organisation_id,
        participants: req.participants,
        names: req.names,
        needs: req.needs,
    };
    let principal = caller.0.clone();
    let registration = state
        .db(move |conn| {
            // A planned event stays hidden (404) from those who may not see it.
            visible(store::find(conn, id)?, &principal)?;
            store::register(conn, id, new)
        })
        .await?;
    // The registration is listed (and cancelled) under the event's registrations.
    let location = format!("/api/v1/dialogue-events/{id}/registrations");
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(RegistrationView::for_caller(registration, &caller.0)))
}

/// Cancel a registration
///
/// The registering organisation or the city; frees its places for those waiting.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        ("registration_id" = RegistrationId, Path, description = "The registration's id"),
    ),
    responses(
        (status = 200, description = "Every registration after the cancellation (waitlisted ones may have moved up)", body = RegistrationList),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another organisation's registration", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event or registration", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already cancelled, or the event is no longer published", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/registrations/{registration_id}/cancel")]
pub async fn cancel_registration(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(DialogueEventId, RegistrationId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, registration) = path.into_inner();
    let principal = caller.0.clone();
    let items = state
        .db(move |conn| {
            store::cancel_registration(conn, id, registration, |event, r| {
                visible(Some(event.clone()), &principal)?;
                Ok(authorize(
                    &principal,
                    Action::RegisterForDialogueEvent(r.organisation_id),
                )?)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(RegistrationList {
        items: items
            .into_iter()
            .map(|r| RegistrationView::for_caller(r, &caller.0))
            .collect(),
        next_cursor: None,
    }))
}

/// Attendance of one organisation.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationAttendance {
    pub organisation_id: OrganisationId,
    #[schema(minimum = 0, maximum = 100000)]
    pub attendees: i32,
}

/// Who came: per organisation, plus walk-ins who did not register.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisations": [{"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "attendees": 3}], "walk_ins": 4}))]
pub struct AttendanceRecord {
    pub organisations: Vec<OrganisationAttendance>,
    #[schema(minimum = 0, maximum = 100000)]
    pub walk_ins: i32,
}

/// The attendance record with its total.
#[derive(Serialize, ToSchema)]
pub struct AttendanceView {
    pub organisations: Vec<OrganisationAttendance>,
    pub walk_ins: i32,
    /// Everyone who came, walk-ins included.
    pub total: i32,
}

impl TryFrom<Attendance> for AttendanceView {
    type Error = money::Overflow;
    fn try_from(a: Attendance) -> Result<Self, money::Overflow> {
        let attendees: Vec<i32> = a.organisations.iter().map(|(_, n)| *n).collect();
        let total = money::total([money::total(attendees)?, a.walk_ins])?;
        Ok(AttendanceView {
            organisations: a
                .organisations
                .into_iter()
                .map(|(organisation_id, attendees)| OrganisationAttendance {
                    organisation_id,
                    attendees,
                })
                .collect(),
            walk_ins: a.walk_ins,
            total,
        })
    }
}

/// Read the attendance
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 200, description = "Attendance (empty before it is recorded)", body = AttendanceView),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}/attendance")]
pub async fn get_attendance(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DialogueEventId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let attendance = state
        .db(move |conn| {
            let event = visible(store::find(conn, id)?, &caller.0)?;
            store::attendance(conn, &event)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AttendanceView::try_from(attendance)?))
}

/// Record the attendance
///
/// After the event is held; replaces the previous record. Staff of the
/// organising unit and admins.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    request_body(content = AttendanceRecord, content_type = "application/json"),
    responses(
        (status = 200, description = "Recorded", body = AttendanceView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event is not held yet", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Counts out of range (0 to 100000) or unknown organisations", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/dialogue-events/{id}/attendance")]
pub async fn record_attendance(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    body: JsonBody<AttendanceRecord>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let record = body.0;
    let mut errors = Vec::new();
    // Head counts are bounded, so no sum of them can overflow.
    if let Err(message) = money::count(record.walk_ins, 0) {
        errors.push(FieldError::new("walk_ins", message));
    }
    for (i, o) in record.organisations.iter().enumerate() {
        if let Err(message) = money::count(o.attendees, 0) {
            errors.push(FieldError::new(
                format!("organisations[{i}].attendees"),
                message,
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (i, o) in record.organisations.iter().enumerate() {
        if !seen.insert(o.organisation_id) {
            errors.push(FieldError::new(
                format!("organisations[{i}].organisation_id"),
                "is listed twice",
            ));
        }
    }
    let attendance = all_valid(
        errors,
        Attendance {
            organisations: record
                .organisations
                .iter()
                .map(|o| (o.organisation_id, o.attendees))
                .collect(),
            walk_ins: record.walk_ins,
        },
    )?;
    let (_, attendance) = state
        .db(move |conn| store::record_attendance(conn, id, manage(&caller.0), attendance))
        .await?;
    Ok(HttpResponse::Ok().json(AttendanceView::try_from(attendance)?))
}

/// The minutes of an event.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "Four returning and three new actors. Two collaborations were formed."}))]
pub struct MinutesText {
    #[validate(length(min = 1, max = 50000, message = "must be 1 to 50000 characters"))]
    #[schema(min_length = 1, max_length = 50000)]
    pub text: String,
}

/// A co-organiser's addition to the minutes.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "text": "Our notes from the group on housing."}))]
pub struct CreateContribution {
    /// The co-organising organisation the caller writes for.
    pub organisation_id: OrganisationId,
    #[validate(length(min = 1, max = 20000, message = "must be 1 to 20000 characters"))]
    #[schema(min_length = 1, max_length = 20000)]
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct ContributionView {
    pub organisation_id: Option<OrganisationId>,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

impl From<MinutesContribution> for ContributionView {
    fn from(c: MinutesContribution) -> Self {
        ContributionView {
            organisation_id: c.organisation_id,
            text: c.text,
            created_at: c.created_at,
        }
    }
}

/// The minutes and the co-organisers' contributions.
#[derive(Serialize, ToSchema)]
pub struct MinutesView {
    pub text: Option<String>,
    pub contributions: Vec<ContributionView>,
}

/// Read the minutes
///
/// Public with the event.
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The minutes", body = MinutesView),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}/minutes")]
pub async fn get_minutes(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DialogueEventId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (event, contributions) = state
        .db(move |conn| {
            let event = visible(store::find(conn, id)?, &caller.0)?;
            let contributions = store::contributions(conn, id)?;
            Ok((event, contributions))
        })
        .await?;
    Ok(HttpResponse::Ok().json(MinutesView {
        text: event.minutes,
        contributions: contributions.into_iter().map(Into::into).collect(),
    }))
}

/// Write the minutes
///
/// After the event is held. Staff of the organising unit and admins.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[!#-+.-~-]*"(, ?(W/)?"[!#-+.-~-]*")*)$"#, description = "The event's ETag last read; a stale one is refused with 412"),
    ),
    request_body(content = MinutesText, content_type = "application/json"),
    responses(
        (status = 200, description = "The event with its minutes", body = DialogueEventView),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event is not held yet", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty text", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/dialogue-events/{id}/minutes")]
pub async fn write_minutes(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    precondition: Precondition,
    body: JsonBody<MinutesText>,
) -> Result<HttpResponse, ApiError> {
    body.0
        .validate()
        .map_err(|e| ApiError::Validation(field_errors(e)))?;
    let id = id.into_inner();
    let (event, counts) = state
        .db(move |conn| {
            let event =
                store::write_minutes(conn, id, precondition.0, manage(&caller.0), body.0.text)?;
            let counts = counts_of(conn, &event)?;
            Ok((event, counts))
        })
        .await?;
    Ok(respond::ok(
        event.version,
        &DialogueEventView::new(event, counts),
    ))
}

/// Contribute to the minutes
///
/// A co-organising organisation adds its own notes after the event.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    request_body(content = CreateContribution, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = ContributionView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a member of a co-organising organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event is not held yet", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty text", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/minutes/contributions")]
pub async fn contribute_to_minutes(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    body: JsonBody<CreateContribution>,
) -> Result<HttpResponse, ApiError> {
    let req = body.0;
    req.validate()
        .map_err(|e| ApiError::Validation(field_errors(e)))?;
    let id = id.into_inner();
    let organisation = req.organisation_id;
    let contribution = MinutesContribution {
        organisation_id: Some(organisation),
        author: caller.0.subject().unwrap_or_default().to_owned(),
        text: req.text,
        created_at: crate::domain::now(),
    };
    let principal = caller.0;
    let added = state
        .db(move |conn| {
            store::contribute(
                conn,
                id,
                |event| {
                    visible(Some(event.clone()), &principal)?;
                    authorize(&principal, Action::ContributeToMinutesAs(organisation))?;
                    if !event.details.co_organisers.contains(&organisation) {
                        return Err(ApiError::Forbidden {
                            code: "forbidden",
                            detail: "only co-organising organisations contribute to the minutes"
                                .into(),
                        });
                    }
                    Ok(())
                },
                contribution,
            )
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/dialogue-events/{id}/minutes"),
        ))
        .json(ContributionView::from(added)))
}

/// An outcome of an event and what it led to. A link to a partnership or a
/// grant application is shown only to callers who may see that case.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c1001",
    "event_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0e01",
    "description": "Passalen and KFUM start a joint summer activity in Lundby",
    "owner": "Passalen",
    "status": "realised",
    "partnership_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c2001",
    "grant_application_id": null,
    "version": 2,
    "created_at": "2016-05-13T09:00:00Z",
    "updated_at": "2016-06-01T09:00:00Z"
}))]
pub struct OutcomeView {
    pub id: OutcomeId,
    pub event_id: DialogueEventId,
    pub description: String,
    pub owner: String,
    pub status: OutcomeStatus,
    pub partnership_id: Option<Uuid>,
    pub grant_application_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OutcomeView {
    /// `linked_visible`: whether the caller may see the linked partnership
    /// and the linked grant application.
    fn for_caller(o: Outcome, linked_visible: (bool, bool)) -> Self {
        OutcomeView {
            id: o.id,
            event_id: o.event_id,
            description: o.description,
            owner: o.owner,
            status: o.status,
            partnership_id: o.partnership_id.filter(|_| linked_visible.0),
            grant_application_id: o.grant_application_id.filter(|_| linked_visible.1),
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// Whether the caller may see the partnership and the grant application an outcome links to.
fn link_visible(
    conn: &mut crate::db::DbConnection,
    o: &Outcome,
    principal: &Principal,
) -> Result<(bool, bool), ApiError> {
    let partnership = match o.partnership_id {
        Some(p) => super::partnerships::partnership_visible(
            conn,
            crate::domain::ids::PartnershipId(p),
            principal,
        )?,
        None => false,
    };
    let application = match o.grant_application_id {
        Some(a) => super::grants::application_visible(
            conn,
            crate::domain::ids::GrantApplicationId(a),
            principal,
        )?,
        None => false,
    };
    Ok((partnership, application))
}

/// Refuses a link to a partnership or grant application that does not exist.
fn check_link_exists(
    conn: &mut crate::db::DbConnection,
    partnership: Option<Uuid>,
    application: Option<Uuid>,
) -> Result<(), ApiError> {
    if let Some(p) = partnership {
        if crate::db::partnerships::find(conn, crate::domain::ids::PartnershipId(p))?.is_none() {
            return Err(ApiError::invalid("partnership_id", "no such partnership"));
        }
    }
    if let Some(a) = application {
        if crate::db::grants::find_application(conn, crate::domain::ids::GrantApplicationId(a))?
            .is_none()
        {
            return Err(ApiError::invalid(
                "grant_application_id",
                "no such grant application",
            ));
        }
    }
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct OutcomeList {
    pub items: Vec<OutcomeView>,
    pub next_cursor: Option<String>,
}

/// Records an outcome.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Passalen and KFUM start a joint summer activity in Lundby", "owner": "Passalen", "status": "proposed"}))]
pub struct CreateOutcome {
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    /// Who carries it forward (an organisation, a unit or a person's role).
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub owner: String,
    pub status: Option<OutcomeStatus>,
    pub partnership_id: Option<Uuid>,
    pub grant_application_id: Option<Uuid>,
}

/// A JSON merge patch of an outcome.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "realised", "partnership_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c2001"}))]
pub struct UpdateOutcome {
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: Option<String>,
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub owner: Option<String>,
    pub status: Option<OutcomeStatus>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<Uuid>)]
    pub partnership_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<Uuid>)]
    pub grant_application_id: Option<Option<Uuid>>,
}

/// List outcomes
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(super::SubListQuery, ("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Outcomes; links only where the caller may see the case", body = OutcomeList),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}/outcomes")]
pub async fn list_outcomes(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DialogueEventId>,
    req: actix_web::HttpRequest,
    query: web::Query<super::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let principal = caller.0.clone();
    let items = state
        .db(move |conn| {
            visible(store::find(conn, id)?, &principal)?;
            let outcomes = store::outcomes(conn, id)?;
            // The linked cases of every outcome, one statement per table.
            let partnerships = crate::db::partnerships::load_many(
                conn,
                &outcomes
                    .iter()
                    .filter_map(|o| o.partnership_id.map(PartnershipId))
                    .collect::<Vec<_>>(),
            )?;
            let applications = crate::db::grants::find_applications(
                conn,
                &outcomes
                    .iter()
                    .filter_map(|o| o.grant_application_id.map(GrantApplicationId))
                    .collect::<Vec<_>>(),
            )?;
            Ok(outcomes
                .into_iter()
                .map(|o| {
                    let partnership = o
                        .partnership_id
                        .and_then(|p| partnerships.get(&PartnershipId(p)))
                        .is_some_and(|l| {
                            crate::domain::partnership::visible_to(
                                &principal,
                                &l.partnership,
                                &l.parties,
                            )
                        });
                    let application = o
                        .grant_application_id
                        .and_then(|a| applications.get(&GrantApplicationId(a)))
                        .is_some_and(|a| super::grants::visible_to(&principal, a));
                    OutcomeView::for_caller(o, (partnership, application))
                })
                .collect::<Vec<_>>())
        })
        .await?;
    super::sub_list(&req, &query, items)
}

/// Record an outcome
///
/// Staff of the organising unit and admins; link it to the partnership or
/// grant application it led to when there is one.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    request_body(content = CreateOutcome, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = OutcomeView, headers(("Location" = String, description = "The outcome's URL"), ("ETag" = String, description = "The version"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event is not held yet (`event_not_held`); or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/outcomes")]
pub async fn create_outcome(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    body: JsonBody<CreateOutcome>,
) -> Result<HttpResponse, ApiError> {
    let req = body.0;
    req.validate()
        .map_err(|e| ApiError::Validation(field_errors(e)))?;
    let id = id.into_inner();
    let values = OutcomeValues {
        description: req.description,
        owner: req.owner,
        status: req.status.unwrap_or(OutcomeStatus::Proposed),
        partnership_id: req.partnership_id,
        grant_application_id: req.grant_application_id,
    };
    let principal = caller.0.clone();
    let view = state
        .db(move |conn| {
            check_link_exists(conn, values.partnership_id, values.grant_application_id)?;
            let outcome = store::add_outcome(conn, id, manage(&principal), values)?;
            let linked = link_visible(conn, &outcome, &principal)?;
            Ok(OutcomeView::for_caller(outcome, linked))
        })
        .await?;
    // Outcomes are read in the event's list (only PATCH addresses one).
    let location = format!("/api/v1/dialogue-events/{id}/outcomes");
    Ok(respond::created(location, view.version, &view))
}

/// Change an outcome
///
/// Follow it up: its status, owner or link. Staff of the organising unit and admins.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        ("outcome_id" = OutcomeId, Path, description = "The outcome's id"),
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[!#-+.-~-]*"(, ?(W/)?"[!#-+.-~-]*")*)$"#, description = "The outcome's ETag last read; a stale one is refused with 412"),
    ),
    request_body(content = UpdateOutcome, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = OutcomeView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event or outcome", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/dialogue-events/{id}/outcomes/{outcome_id}")]
pub async fn update_outcome(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(DialogueEventId, OutcomeId)>,
    precondition: Precondition,
    body: JsonBody<UpdateOutcome>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.0;
    patch
        .validate()
        .map_err(|e| ApiError::Validation(field_errors(e)))?;
    let (id, outcome_id) = path.into_inner();
    let principal = caller.0.clone();
    let view = state
        .db(move |conn| {
            check_link_exists(
                conn,
                patch.partnership_id.flatten(),
                patch.grant_application_id.flatten(),
            )?;
            let outcome = store::update_outcome(
                conn,
                id,
                outcome_id,
                precondition.0,
                manage(&principal),
                |o| {
                    if let Some(v) = patch.description {
                        o.description = v;
                    }
                    if let Some(v) = patch.owner {
                        o.owner = v;
                    }
                    if let Some(v) = patch.status {
                        o.status = v;
                    }
                    if let Some(v) = patch.partnership_id {
                        o.partnership_id = v;
                    }
                    if let Some(v) = patch.grant_application_id {
                        o.grant_application_id = v;
                    }
                },
            )?;
            let linked = link_visible(conn, &outcome, &principal)?;
            Ok(OutcomeView::for_caller(outcome, linked))
        })
        .await?;
    Ok(respond::ok(view.version, &view))
}

/// Narrows the calendar feed.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    pub district: Option<District>,
    pub kind: Option<DialogueEventKind>,
    pub organiser_unit_id: Option<CityUnitId>,
}

/// The most events one feed carries (the soonest from 90 days back).
const FEED_SIZE: usize = 500;

fn ics(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .body(body)
}

/// Subscribe to dialogue events (iCalendar)
///
/// Published, held and cancelled events from 90 days back, as an RFC 5545
/// calendar that calendar programs can subscribe to. Times are in UTC.
#[utoipa::path(
    tag = "dialogue events",
    security(()),
    params(CalendarQuery),
    responses(
        (status = 200, description = "An iCalendar feed", content_type = "text/calendar", body = String),
        (status = 400, description = "Unknown query parameter or bad value", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events.ics")]
pub async fn dialogue_events_calendar(
    state: web::Data<AppState>,
    query: web::Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter = EventFilter {
        kind: q.kind,
        district: q.district,
        organiser_unit: q.organiser_unit_id,
        from: Some(crate::domain::now() - chrono::Duration::days(90)),
        ..Default::default()
    };
    let page = state
        .db(move |conn| store::list(conn, &filter, FEED_SIZE, None))
        .await?;
    Ok(ics(super::ical::calendar(
        "Dialogue events",
        &page.items,
        &state.settings.public_url,
    )))
}

/// One event as iCalendar
#[utoipa::path(
    tag = "dialogue events",
    security(()),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The event as an iCalendar file", content_type = "text/calendar", body = String),
        (status = 404, description = "No such public event", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}/calendar.ics")]
pub async fn dialogue_event_calendar(
    state: web::Data<AppState>,
    id: web::Path<DialogueEventId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let event = state
        .db(move |conn| visible(store::find(conn, id)?, &Principal::Anonymous))
        .await?;
    let name = event.details.title.clone();
    Ok(ics(super::ical::calendar(
        &name,
        &[event],
        &state.settings.public_url,
    )))
}
