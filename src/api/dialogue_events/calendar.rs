//! iCalendar feeds of published events.

use super::*;

/// The most events one feed carries (the soonest from 90 days back).
pub(super) const FEED_SIZE: usize = 500;

/// `200` with the calendar and a strong ETag of its bytes: calendar
/// programs poll, and a `304` (the `If-None-Match` middleware) spares them
/// the body when nothing changed. The bytes hold no time of the request
/// (`DTSTAMP` is the event's last change), so the tag only moves with the
/// events.
pub(super) fn ics(body: String) -> HttpResponse {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body.as_bytes());
    let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, format!("\"{tag}\"")))
        .content_type("text/calendar; charset=utf-8")
        .body(body)
}

/// The names of the units that organise `events`, for `ORGANIZER`.
fn organiser_names(
    conn: &mut crate::db::DbConnection,
    events: &[DialogueEvent],
) -> Result<std::collections::HashMap<CityUnitId, String>, StoreError> {
    let mut names = std::collections::HashMap::new();
    for unit in events.iter().filter_map(|e| e.details.organiser_unit) {
        if let std::collections::hash_map::Entry::Vacant(name) = names.entry(unit) {
            if let Some(found) = crate::db::city_units::find(conn, unit)? {
                name.insert(found.details.name);
            }
        }
    }
    Ok(names)
}

/// Subscribe to dialogue events (iCalendar)
///
/// Published, held and cancelled events from 90 days back (at most 500, the
/// soonest first), as an RFC 5545 calendar that calendar programs can
/// subscribe to; no token needed. Planned events are never in it.
///
/// - Times are Stockholm wall-clock times, `DTSTART;TZID=Europe/Stockholm`,
///   with a `VTIMEZONE` from the tz database covering the events' span.
/// - `SEQUENCE` (the event's version − 1) and `LAST-MODIFIED` move whenever
///   the event changes; a cancelled event stays in the feed with
///   `STATUS:CANCELLED`.
/// - `URL` is the event in this API; `ORGANIZER` is the organising city
///   unit (its name as `CN`, its address in this API), never a person;
///   `CATEGORIES` holds the kind and the participation level.
/// - The answer has a strong `ETag`; poll with `If-None-Match` to get a
///   `304` while nothing changed.
#[utoipa::path(
    tag = "dialogue events",
    security(()),
    params(CalendarQuery),
    responses(
        (status = 200, description = "An iCalendar feed", content_type = "text/calendar", body = String,
            headers(("ETag" = String, description = "A strong tag of the feed's bytes, for `If-None-Match`")), example = json!(crate::api::ical::EXAMPLE_FEED)),
        (status = 304, description = "Not modified: `If-None-Match` names the feed's current ETag"),
        (status = 400, description = "Unknown query parameter or bad value", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events.ics")]
pub async fn dialogue_events_calendar(
    state: web::Data<AppState>,
    query: crate::api::extract::ValidQuery<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter = EventFilter {
        kind: q.kind,
        participation_level: q.participation_level,
        district: q.district,
        organiser_unit: q.organiser_unit_id,
        from: Some(crate::domain::now() - chrono::Duration::days(90)),
        ..Default::default()
    };
    let (events, units) = state
        .db(move |conn| {
            let page = store::list(conn, &filter, FEED_SIZE, None)?;
            let units = organiser_names(conn, &page.items)?;
            Ok((page.items, units))
        })
        .await?;
    Ok(ics(crate::api::ical::calendar(
        "Dialogue events",
        &events,
        &units,
        &state.settings.public_url,
    )))
}

/// One event as iCalendar
///
/// An iCalendar file (RFC 5545) of one public event, to import into a
/// calendar program; no token needed. A `planned` event is not public: 404.
/// Written as the feed writes it (Stockholm wall-clock times with a
/// `VTIMEZONE`), with a strong `ETag` for `If-None-Match`.
#[utoipa::path(
    tag = "dialogue events",
    security(()),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The event as an iCalendar file", content_type = "text/calendar", body = String,
            headers(("ETag" = String, description = "A strong tag of the file's bytes, for `If-None-Match`")), example = json!(crate::api::ical::EXAMPLE_EVENT)),
        (status = 304, description = "Not modified: `If-None-Match` names the file's current ETag"),
        (status = 404, description = "No such public event", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}/calendar.ics")]
pub async fn dialogue_event_calendar(
    state: web::Data<AppState>,
    id: web::Path<DialogueEventId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (event, units) = state
        .db(move |conn| {
            let event = visible(store::find(conn, id)?, &Principal::Anonymous)?;
            let units = organiser_names(conn, std::slice::from_ref(&event))?;
            Ok((event, units))
        })
        .await?;
    let name = event.details.title.clone();
    Ok(ics(crate::api::ical::calendar(
        &name,
        &[event],
        &units,
        &state.settings.public_url,
    )))
}
