//! `/api/v1/grant-applications/{id}/reviews`: the city's internal review notes.

use super::*;

/// List review notes (city only)
///
/// The city's internal notes and recommendations on an application, in the
/// order written. The organisation never sees them: 404 for anyone but the
/// city.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(crate::api::SubListQuery, ("id" = GrantApplicationId, Path, description = "The application's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Review notes", body = ReviewList),
        (status = 404, description = "Not for this caller (the organisation never sees reviews)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications/{id}/reviews")]
pub async fn list_grant_reviews(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    req: actix_web::HttpRequest,
    query: crate::api::extract::ValidQuery<crate::api::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    // The organisation never learns of reviews: 404, not 403.
    if !can(&caller.0, Action::ReadGrantReviews) {
        return Err(ApiError::NotFound);
    }
    let id = id.into_inner();
    let items = state
        .db(move |conn| {
            store::find_application(conn, id)?.ok_or(StoreError::NotFound)?;
            store::reviews(conn, id)
        })
        .await?;
    crate::api::sub_list(
        &req,
        &query,
        items.into_iter().map(ReviewView::from).collect(),
    )
}

/// Add a review note
///
/// Staff of the owning unit; internal.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(("id" = GrantApplicationId, Path, description = "The application's id")),
    request_body(content = CreateReview, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = ReviewView),
        (status = 403, description = "Not staff of the owning unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application (or not for this caller)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty note", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-applications/{id}/reviews")]
pub async fn add_grant_review(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    body: JsonBody<CreateReview>,
) -> Result<HttpResponse, ApiError> {
    // The organisation never learns of reviews: 404, not 403.
    if !can(&caller.0, Action::ReviewGrantApplication) {
        return Err(ApiError::NotFound);
    }
    let id = id.into_inner();
    let review = Review {
        id: Uuid::now_v7(),
        author: caller.0.subject().unwrap_or_default().to_owned(),
        note: body.0.note,
        recommendation: body.0.recommendation,
        created_at: crate::domain::now(),
    };
    let principal = caller.0;
    let r = state
        .db(move |conn| store::add_review(conn, id, &principal, review))
        .await?;
    Ok(respond::created(
        format!("/api/v1/grant-applications/{id}/reviews/{}", r.id),
        None,
        &ReviewView::from(r),
    ))
}

/// Read a review note (city only)
///
/// One of the city's internal notes, as the list shows it. The organisation
/// never sees them: 404 for anyone but the city, as for a note on another
/// application.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(
        ("id" = GrantApplicationId, Path, description = "The application's id"),
        ("review_id" = Uuid, Path, description = "The review note's id"),
    ),
    responses(
        (status = 200, description = "The review note", body = ReviewView),
        (status = 404, description = "No such application or review note, or not for this caller (the organisation never sees reviews)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications/{id}/reviews/{review_id}")]
pub async fn get_grant_review(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(GrantApplicationId, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    if !can(&caller.0, Action::ReadGrantReviews) {
        return Err(ApiError::NotFound);
    }
    let (id, review_id) = path.into_inner();
    let review = state
        .db(move |conn| {
            store::find_application(conn, id)?.ok_or(StoreError::NotFound)?;
            store::find_review(conn, id, review_id)?.ok_or(StoreError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReviewView::from(review)))
}
