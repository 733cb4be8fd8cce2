//! `/api/v1/grant-applications/{id}/payments`: payments of a grant.

use super::*;

/// List payments
///
/// The amounts paid and when, for the city and the applying organisation
/// (404 for others, even for a public grant).
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(crate::api::SubListQuery, ("id" = GrantApplicationId, Path, description = "The application's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Payments", body = PaymentList),
        (status = 404, description = "No such application, or one the caller may not know of", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications/{id}/payments")]
pub async fn list_grant_payments(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    req: actix_web::HttpRequest,
    query: crate::api::extract::ValidQuery<crate::api::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db(move |conn| {
            let a = store::find_application(conn, id)?.ok_or(StoreError::NotFound)?;
            own_or_city(&a, &caller.0)?;
            store::payments(conn, id)
        })
        .await?;
    crate::api::sub_list(
        &req,
        &query,
        items.into_iter().map(PaymentView::from).collect(),
    )
}

/// Record a payment
///
/// Staff of the owning unit; payments never add up to more than granted.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(("id" = GrantApplicationId, Path, description = "The application's id")),
    request_body(content = CreatePayment, content_type = "application/json"),
    responses(
        (status = 201, description = "The application after the payment", body = ApplicationView),
        (status = 403, description = "Not staff of the owning unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application, or one the caller may not know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not granted, or more than granted (`payment_exceeds_grant`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid amount", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-applications/{id}/payments")]
pub async fn pay_grant(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    body: JsonBody<CreatePayment>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let payment = Payment {
        id: Uuid::now_v7(),
        amount_sek: Sek::positive(body.0.amount_sek)
            .map_err(|m| ApiError::invalid("amount_sek", m))?,
        paid_on: body.0.paid_on,
    };
    let payment_id = payment.id;
    let principal = caller.0.clone();
    let a = state
        .db(move |conn| store::pay(conn, id, &principal, payment))
        .await?;
    let units = application_units(&state, &[&a]).await?;
    // The payment is read at its Location; the body stays the application
    // after it (its status and `paid_sek`).
    Ok(respond::created(
        format!("/api/v1/grant-applications/{id}/payments/{payment_id}"),
        None,
        &ApplicationView::for_caller(a, &caller.0, &units),
    ))
}

/// Read a payment
///
/// One payment, as the list shows it: for the city and the applying
/// organisation (404 for others, even for a public grant, as for a payment
/// of another application).
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(
        ("id" = GrantApplicationId, Path, description = "The application's id"),
        ("payment_id" = Uuid, Path, description = "The payment's id"),
    ),
    responses(
        (status = 200, description = "The payment", body = PaymentView),
        (status = 404, description = "No such application or payment, or one the caller may not know of", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications/{id}/payments/{payment_id}")]
pub async fn get_grant_payment(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(GrantApplicationId, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, payment_id) = path.into_inner();
    let payment = state
        .db(move |conn| {
            let a = store::find_application(conn, id)?.ok_or(StoreError::NotFound)?;
            own_or_city(&a, &caller.0)?;
            store::find_payment(conn, id, payment_id)?.ok_or(StoreError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PaymentView::from(payment)))
}
