//! iCalendar feeds of published events.

use super::*;

/// The most events one feed carries (the soonest from 90 days back).
pub(super) const FEED_SIZE: usize = 500;

pub(super) fn ics(body: String) -> HttpResponse {
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
        (status = 200, description = "An iCalendar feed", content_type = "text/calendar", body = String, example = json!(crate::api::ical::EXAMPLE_FEED)),
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
    Ok(ics(crate::api::ical::calendar(
        "Dialogue events",
        &page.items,
        &state.settings.public_url,
    )))
}

/// One event as iCalendar
///
/// An iCalendar file (RFC 5545) of one public event, to import into a
/// calendar program; no token needed. A `planned` event is not public: 404.
#[utoipa::path(
    tag = "dialogue events",
    security(()),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The event as an iCalendar file", content_type = "text/calendar", body = String, example = json!(crate::api::ical::EXAMPLE_EVENT)),
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
    Ok(ics(crate::api::ical::calendar(
        &name,
        &[event],
        &state.settings.public_url,
    )))
}
