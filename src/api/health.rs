//! Liveness and readiness for orchestrators and load balancers.

use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::AppState;
use crate::error::ApiError;

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
/// Takes a pooled connection and runs `SELECT 1`, bounded by 500 ms in all
/// (`READY_BOUND_MS`), so this answers within a second whatever the database
/// does; a load balancer should send traffic only to replicas that answer 200.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "The database answers", body = Health),
        (status = 503, description = "The database did not answer `SELECT 1` within 500 ms (away, slow, or no free connection); `Retry-After: 1`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let bound = Duration::from_millis(READY_BOUND_MS);
    let check = state.db_within(bound, crate::db::ping);
    match actix_web::rt::time::timeout(bound, check).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(Health { status: "ready" })),
        Ok(Err(ApiError::Internal(_))) => Err(ApiError::DatabaseUnavailable(
            "the database did not answer SELECT 1",
        )),
        Ok(Err(err)) => Err(err),
        Err(_) => Err(ApiError::DatabaseUnavailable(
            "the database did not answer within 500 ms",
        )),
    }
}

/// How long `/readyz` waits for a connection and for `SELECT 1`, each.
pub const READY_BOUND_MS: u64 = 500;

/// Registers the routes of the health checks; utoipa collects each one into the
/// spec, so the spec cannot drift from what is served.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(healthz).service(readyz);
}
