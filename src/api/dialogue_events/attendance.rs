//! `/api/v1/dialogue-events/{id}/attendance`: who came.

use super::*;

/// Read the attendance
///
/// Who came, per organisation and in walk-ins, with the total; empty until
/// the organiser records it after the event is held. Anyone who may see the
/// event may read it.
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 200, description = "Attendance (empty before it is recorded)", body = AttendanceView),
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
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event is not held yet", body = Problem, content_type = "application/problem+json"),
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
    let attendance = body.0.into_attendance();
    let (_, attendance) = state
        .db(move |conn| {
            store::record_attendance(
                conn,
                id,
                &Actor::from(&caller.0),
                manage(&caller.0),
                attendance,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(AttendanceView::try_from(attendance)?))
}
