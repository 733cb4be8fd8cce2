//! `/api/v1/partnerships/{id}/commitments`: what each party has promised.

use super::*;

/// List commitments
///
/// What each party has promised, when it is due and its status; for
/// anyone who may see the partnership.
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(crate::api::SubListQuery, ("id" = PartnershipId, Path, description = "The partnership's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Commitments", body = CommitmentList),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/commitments")]
pub async fn list_commitments(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PartnershipId>,
    req: actix_web::HttpRequest,
    query: crate::api::extract::ValidQuery<crate::api::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db(move |conn| {
            store::load_visible(conn, id, &caller.0)?;
            store::commitments(conn, id)
        })
        .await?;
    crate::api::sub_list(
        &req,
        &query,
        items.into_iter().map(CommitmentView::from).collect(),
    )
}

/// Add a commitment
///
/// Staff of the responsible unit and admins.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(("id" = PartnershipId, Path, description = "The partnership's id")),
    request_body(content = CreateCommitment, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = CommitmentView, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Not staff of the responsible unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The partnership is closed; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/commitments")]
pub async fn add_commitment(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<PartnershipId>,
    body: JsonBody<CreateCommitment>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let commitment = body.0.into_commitment();
    let added = state
        .db(move |conn| {
            let who = Actor::from(&caller.0);
            store::add_commitment(conn, id, &who, manage(&caller.0), commitment)
        })
        .await?;
    Ok(respond::created(
        format!("/api/v1/partnerships/{id}/commitments/{}", added.id),
        added.version,
        &CommitmentView::from(added),
    ))
}

/// Read a commitment
///
/// One commitment, as the list shows it, with its ETag for a report on it
/// (`If-Match`): for anyone who may see the partnership (404 otherwise, and
/// for a commitment of another partnership).
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("commitment_id" = Uuid, Path, description = "The commitment's id"),
    ),
    responses(
        (status = 200, description = "The commitment", body = CommitmentView, headers(("ETag" = String, description = "The version"))),
        (status = 404, description = "No such partnership or commitment, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/commitments/{commitment_id}")]
pub async fn get_commitment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(PartnershipId, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, commitment_id) = path.into_inner();
    let commitment = state
        .db(move |conn| {
            store::load_visible(conn, id, &caller.0)?;
            store::find_commitment(conn, id, commitment_id)?.ok_or(StoreError::NotFound)
        })
        .await?;
    Ok(respond::ok(
        commitment.version,
        &CommitmentView::from(commitment),
    ))
}

/// Report on a commitment
///
/// Sets its status. The responsible unit, or the organisation that owns the commitment.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("commitment_id" = Uuid, Path, description = "The commitment's id"),
        Precondition,
    ),
    request_body(content = UpdateCommitment, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = CommitmentView),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the responsible unit nor the owning organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership or commitment", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid status", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/partnerships/{id}/commitments/{commitment_id}")]
pub async fn update_commitment(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(PartnershipId, Uuid)>,
    precondition: Precondition,
    body: JsonBody<UpdateCommitment>,
) -> Result<HttpResponse, ApiError> {
    let (id, commitment_id) = path.into_inner();
    let principal = caller.0;
    let status = body.0.status;
    let who = Actor::from(&principal);
    let updated = state
        .db(move |conn| {
            store::set_commitment_status(
                conn,
                id,
                commitment_id,
                precondition.0,
                &who,
                |l, c| {
                    visible(&principal, l)?;
                    if c.organisation.is_some_and(|o| principal.is_member_of(o)) {
                        return Ok(());
                    }
                    Ok(authorize(
                        &principal,
                        Action::ManagePartnership(l.partnership.details.responsible_unit),
                    )?)
                },
                status,
            )
        })
        .await?;
    Ok(respond::ok(updated.version, &CommitmentView::from(updated)))
}
