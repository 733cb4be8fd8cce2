//! `/api/v1/dialogue-events/{id}/invitations`: who is invited.

use super::*;

/// List the organisations invited
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 200, description = "Invited organisations", body = Invitations),
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
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
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
