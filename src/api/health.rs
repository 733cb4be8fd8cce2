//! Liveness and readiness for orchestrators and load balancers.

use actix_web::{get, web, HttpResponse};
use diesel::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::startup::AppState;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    pub status: &'static str,
}

/// Is the process up?
///
/// Answers as long as the process serves HTTP; touches nothing else.
#[utoipa::path(tag = "operations", security(()), responses((status = 200, description = "The process is up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Can the service reach its database?
///
/// Takes a pooled connection and runs `SELECT 1`; a load balancer should send
/// traffic only to replicas that answer 200.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "The database answers", body = Health),
        (status = 503, description = "The database is not reachable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .db(|conn| {
            diesel::sql_query("SELECT 1")
                .execute(conn)
                .map_err(|_| ApiError::DatabaseUnavailable("the database did not answer"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}
