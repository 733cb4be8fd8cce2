//! `/api/v1/grant-applications/{id}/conflict-declarations`: declared conflicts
//! of interest, and their release by an admin.

use super::*;

/// Declare conflict of interest
///
/// Staff of the owning unit declare, for themselves, whether they have a
/// conflict of interest (jäv) with the applicant. Deciding requires a
/// declaration of none on the application. Declarations are kept, never
/// replaced: a declared conflict binds the person for every application of
/// that organisation until an admin records, with a reason, that it no
/// longer applies. The application's history records each declaration.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(("id" = GrantApplicationId, Path, description = "The application's id")),
    request_body(content = ConflictDeclaration, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = ConflictDeclarationView),
        (status = 403, description = "Not staff of the owning unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application (or not for this caller)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-applications/{id}/conflict-declarations")]
pub async fn declare_conflict_of_interest(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    body: JsonBody<ConflictDeclaration>,
) -> Result<HttpResponse, ApiError> {
    // Organisations never learn of declarations: 404, not 403.
    if !can(&caller.0, Action::DeclareConflictOfInterest) {
        return Err(ApiError::NotFound);
    }
    let id = id.into_inner();
    let ConflictDeclaration { has_conflict, note } = body.0;
    let principal = caller.0;
    let declaration = state
        .db(move |conn| store::declare_conflict(conn, id, &principal, has_conflict, note))
        .await?;
    Ok(respond::created(
        format!(
            "/api/v1/grant-applications/{id}/conflict-declarations/{}",
            declaration.id
        ),
        None,
        &ConflictDeclarationView::from(declaration),
    ))
}

/// Read a conflict-of-interest declaration (city only)
///
/// One declaration, as the list shows it, with its release when an admin
/// has recorded one. Organisations never see declarations: 404 for anyone
/// but the city, as for a declaration on another application.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(
        ("id" = GrantApplicationId, Path, description = "The application's id"),
        ("declaration_id" = Uuid, Path, description = "The declaration's id"),
    ),
    responses(
        (status = 200, description = "The declaration", body = ConflictDeclarationView),
        (status = 404, description = "No such application or declaration, or not for this caller (organisations never see declarations)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications/{id}/conflict-declarations/{declaration_id}")]
pub async fn get_conflict_declaration(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(GrantApplicationId, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    if !can(&caller.0, Action::ReadConflictDeclarations) {
        return Err(ApiError::NotFound);
    }
    let (id, declaration_id) = path.into_inner();
    let declaration = state
        .db(move |conn| {
            store::find_application(conn, id)?.ok_or(StoreError::NotFound)?;
            store::find_conflict_declaration(conn, id, declaration_id)?.ok_or(StoreError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ConflictDeclarationView::from(declaration)))
}

/// List conflict-of-interest declarations (city only)
///
/// Every declaration made on the application, oldest first, with releases.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(crate::api::SubListQuery, ("id" = GrantApplicationId, Path, description = "The application's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Declarations", body = ConflictDeclarationList),
        (status = 404, description = "No such application, or not for this caller (organisations never see declarations)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications/{id}/conflict-declarations")]
pub async fn list_conflict_declarations(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    req: actix_web::HttpRequest,
    query: crate::api::extract::ValidQuery<crate::api::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    if !can(&caller.0, Action::ReadConflictDeclarations) {
        return Err(ApiError::NotFound);
    }
    let id = id.into_inner();
    let items = state
        .db(move |conn| {
            store::find_application(conn, id)?.ok_or(StoreError::NotFound)?;
            store::conflict_declarations(conn, id)
        })
        .await?;
    crate::api::sub_list(
        &req,
        &query,
        items
            .into_iter()
            .map(ConflictDeclarationView::from)
            .collect(),
    )
}

/// Release a declared conflict of interest (admins)
///
/// An admin records, with a reason, that a declared conflict no longer
/// applies; the person may then decide the organisation's applications again
/// (after declaring no conflict on each). Kept on the declaration and in the
/// application's history.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(
        ("id" = GrantApplicationId, Path, description = "The application's id"),
        ("declaration_id" = uuid::Uuid, Path, description = "The declaration's id"),
    ),
    request_body(content = ConflictRelease, content_type = "application/json"),
    responses(
        (status = 200, description = "Released", body = ConflictDeclarationView),
        (status = 403, description = "Not a city admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application or declaration (or not for this caller)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a binding conflict (`not_a_binding_conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-applications/{id}/conflict-declarations/{declaration_id}/release")]
pub async fn release_conflict_of_interest(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(GrantApplicationId, uuid::Uuid)>,
    body: JsonBody<ConflictRelease>,
) -> Result<HttpResponse, ApiError> {
    // A declaration is not known to those who may not read them: 404.
    if !can(&caller.0, Action::ReadConflictDeclarations) {
        return Err(ApiError::NotFound);
    }
    let reason = body.0.reason;
    let (id, declaration) = path.into_inner();
    let principal = caller.0;
    let released = state
        .db(move |conn| store::release_conflict(conn, id, declaration, &principal, reason))
        .await?;
    Ok(HttpResponse::Ok().json(ConflictDeclarationView::from(released)))
}
