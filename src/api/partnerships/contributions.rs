//! `/api/v1/partnerships/{id}/contributions`: funding lines and in-kind
//! contributions.

use super::*;

/// Read the contributions
///
/// Funding lines with totals per year and source, and in-kind contributions.
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(("id" = PartnershipId, Path, description = "The partnership's id")),
    responses(
        (status = 200, description = "Contributions", body = ContributionsView),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/contributions")]
pub async fn get_contributions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PartnershipId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (funding, in_kind) = state
        .db(move |conn| {
            store::load_visible(conn, id, &caller.0)?;
            Ok((store::funding_lines(conn, id)?, store::in_kind(conn, id)?))
        })
        .await?;
    let in_kind_estimated_sek = in_kind_total(in_kind.iter().map(|c| c.estimated_value_sek))?;
    Ok(HttpResponse::Ok().json(ContributionsView {
        funding: funding.try_into()?,
        in_kind: in_kind.into_iter().map(Into::into).collect(),
        in_kind_estimated_sek,
    }))
}

/// Add a funding line
///
/// Staff of the responsible unit and admins.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(("id" = PartnershipId, Path, description = "The partnership's id")),
    request_body(content = CreateFundingLine, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = FundingLineView),
        (status = 403, description = "Not staff of the responsible unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The partnership is closed; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/funding-lines")]
pub async fn add_funding_line(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<PartnershipId>,
    body: JsonBody<CreateFundingLine>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let new = body.0.into_new_line()?;
    let actor = Actor::from(&caller.0);
    let line = state
        .db(move |conn| store::add_funding_line(conn, id, &actor, manage(&caller.0), new))
        .await?;
    Ok(respond::created(
        format!("/api/v1/partnerships/{id}/funding-lines/{}", line.id),
        None,
        &FundingLineView::from(line),
    ))
}

/// Read a funding line
///
/// One line of the partnership's funding, as the contributions list it: for
/// anyone who may see the partnership (404 otherwise, and for a line of
/// another partnership).
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("funding_line_id" = Uuid, Path, description = "The funding line's id"),
    ),
    responses(
        (status = 200, description = "The funding line", body = FundingLineView),
        (status = 404, description = "No such partnership or funding line, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/funding-lines/{funding_line_id}")]
pub async fn get_funding_line(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(PartnershipId, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, line_id) = path.into_inner();
    let line = state
        .db(move |conn| {
            store::load_visible(conn, id, &caller.0)?;
            store::find_funding_line(conn, id, line_id)?.ok_or(StoreError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Ok().json(FundingLineView::from(line)))
}

/// Add a contribution in kind
///
/// Premises, staff time, volunteer hours, networks — from either side. Staff
/// of the responsible unit and admins record any; a party records its own.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(("id" = PartnershipId, Path, description = "The partnership's id")),
    request_body(content = CreateInKind, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = InKindView),
        (status = 403, description = "Neither the responsible unit nor the contributing party", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The partnership is closed; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/in-kind-contributions")]
pub async fn add_in_kind(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<PartnershipId>,
    body: JsonBody<CreateInKind>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let contribution = body.0.into_contribution()?;
    let principal = caller.0.clone();
    let actor = Actor::from(&caller.0);
    let own = contribution.organisation;
    let added = state
        .db(move |conn| {
            store::add_in_kind(
                conn,
                id,
                &actor,
                |l| {
                    visible(&principal, l)?;
                    Ok(may_record_in_kind(
                        &principal,
                        &l.partnership,
                        &l.parties,
                        own,
                    )?)
                },
                contribution,
            )
        })
        .await?;
    Ok(respond::created(
        format!(
            "/api/v1/partnerships/{id}/in-kind-contributions/{}",
            added.id
        ),
        None,
        &InKindView::from(added),
    ))
}

/// Read a contribution in kind
///
/// One in-kind contribution, as the contributions list it: for anyone who
/// may see the partnership (404 otherwise, and for a contribution to another
/// partnership).
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("contribution_id" = Uuid, Path, description = "The contribution's id"),
    ),
    responses(
        (status = 200, description = "The contribution", body = InKindView),
        (status = 404, description = "No such partnership or contribution, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/in-kind-contributions/{contribution_id}")]
pub async fn get_in_kind(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(PartnershipId, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, contribution_id) = path.into_inner();
    let contribution = state
        .db(move |conn| {
            store::load_visible(conn, id, &caller.0)?;
            store::find_in_kind(conn, id, contribution_id)?.ok_or(StoreError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Ok().json(InKindView::from(contribution)))
}
