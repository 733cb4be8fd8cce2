//! The documentation behind each problem `type` URI.

use actix_web::{get, web, HttpResponse};

use crate::error::ApiError;
use crate::problem::ProblemCode;

/// Describe a problem type
///
/// Every problem's `type` URI leads here: what the code means and what to do.
#[utoipa::path(
    tag = "operations",
    security(()),
    params(("code" = String, Path, description = "A problem code", example = "validation_failed")),
    responses(
        (status = 200, description = "The problem's documentation", content_type = "text/plain", body = String, example = json!(documentation("validation_failed"))),
        (status = 404, description = "No such problem code", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/problems/{code}")]
pub async fn describe_problem(code: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let text = documentation(&code).ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(text))
}

/// The text served for a problem code (also the spec's example).
fn documentation(code: &str) -> Option<String> {
    let code: ProblemCode = code.parse().ok()?;
    Some(format!(
        "{code} (HTTP {})\n\n{}\n",
        code.status(),
        code.documentation()
    ))
}

/// Registers the routes of the problems' documentation; utoipa collects each
/// one into the spec, so the spec cannot drift from what is served.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(describe_problem);
}
