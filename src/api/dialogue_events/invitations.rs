//! `/api/v1/dialogue-events/{id}/invitations`: who is invited.

use super::*;

/// One invited organisation.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e"}))]
pub struct InvitationView {
    pub organisation_id: OrganisationId,
}

/// A page of invited organisations, in the order they were invited.
#[derive(Serialize, ToSchema)]
pub struct InvitationList {
    pub items: Vec<InvitationView>,
    pub next_cursor: Option<String>,
}

fn invitation_views(organisation_ids: Vec<OrganisationId>) -> Vec<InvitationView> {
    organisation_ids
        .into_iter()
        .map(|organisation_id| InvitationView { organisation_id })
        .collect()
}

/// List the organisations invited
///
/// In the order they were invited. Anyone who may see the event may see
/// whom it invites; a `planned` event is the city's (404 for others).
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(crate::api::SubListQuery, ("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 200, description = "Invited organisations, in the order they were invited", body = InvitationList),
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}/invitations")]
pub async fn list_invitations(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DialogueEventId>,
    req: HttpRequest,
    query: crate::api::extract::ValidQuery<crate::api::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let organisation_ids = state
        .db(move |conn| {
            visible(store::find(conn, id)?, &caller.0)?;
            store::invitations(conn, id)
        })
        .await?;
    crate::api::sub_list(&req, &query, invitation_views(organisation_ids))
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
        (status = 200, description = "The first page of the invited organisations", body = InvitationList,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` (RFC 8288) when more than a page (50) are invited: the next page, to GET"))),
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
    req: HttpRequest,
    body: JsonBody<Invitations>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let organisation_ids = state
        .db(move |conn| {
            store::invite(
                conn,
                id,
                &Actor::from(&caller.0),
                manage(&caller.0),
                &body.0.organisation_ids,
            )
        })
        .await?;
    let first_page = crate::api::SubListQuery {
        limit: None,
        cursor: None,
    };
    crate::api::sub_list(&req, &first_page, invitation_views(organisation_ids))
}
