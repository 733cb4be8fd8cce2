//! What every response carries: the request id, the standard headers, a
//! problem's `instance`; panics and plain-text errors of actix as problems;
//! the statement count (a diagnostic).

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use futures_util::FutureExt;

use crate::db;
use crate::error::{ApiError, Problem};
use crate::problem::ProblemCode;

/// Request id, standard headers, problem `instance`, panics as 500 problems,
/// and one log line per request. An error raised by a middleware (the
/// request deadline) or a panic gets the same body fields and headers as
/// every other problem.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let context = ResponseContext {
        request_id,
        authenticated: req.headers().contains_key(header::AUTHORIZATION),
        path: req.path().to_owned(),
    };
    let method = req.method().clone();

    // The request cannot be kept aside (a cloned request breaks routing), so
    // a panic becomes an error that actix renders with the same problem body.
    let result = match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(result) => result,
        Err(_) => {
            tracing::error!(request_id = %context.request_id, %method, path = %context.path, "handler panicked");
            Err(ApiError::Internal(anyhow::anyhow!("handler panicked")).into())
        }
    };
    let (result, status) = match result {
        Ok(res) => {
            let (http_req, response) = res.into_parts();
            let response = context.complete(response.map_into_boxed_body());
            let status = response.status();
            (Ok(ServiceResponse::new(http_req, response)), status)
        }
        Err(err) => {
            // Without a request to answer with, the error is rendered here
            // and handed on as a finished response.
            let response = context.complete(err.error_response());
            let status = response.status();
            let err = actix_web::error::InternalError::from_response(err, response);
            (Err(err.into()), status)
        }
    };
    tracing::info!(request_id = %context.request_id, %method, path = %context.path, status = status.as_u16(), elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "request");
    result
}

/// What `request_context` adds to every response.
struct ResponseContext {
    request_id: String,
    authenticated: bool,
    path: String,
}

impl ResponseContext {
    /// Adds the request id, `API-Version`, `nosniff` (and `no-store` for an
    /// authenticated request), and `instance` and `request_id` to a problem.
    fn complete(&self, mut res: HttpResponse<BoxBody>) -> HttpResponse<BoxBody> {
        let problem = res.extensions().get::<Problem>().cloned();
        if let Some(mut problem) = problem {
            problem.instance = Some(self.path.clone());
            problem.request_id = Some(self.request_id.clone());
            let body = serde_json::to_vec(&problem).unwrap_or_default();
            res = res.set_body(BoxBody::new(body));
        }
        let headers = res.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&self.request_id) {
            headers.insert(HeaderName::from_static("x-request-id"), value);
        }
        headers.insert(
            HeaderName::from_static("api-version"),
            HeaderValue::from_static(crate::API_VERSION),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if self.authenticated {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        res
    }
}

/// Errors that actix or actix-cors answer in plain text (a refused CORS
/// request, a request header that cannot be parsed) become problems like
/// every other error (RFC 9457).
pub async fn plain_errors_as_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let preflight = req.method() == Method::OPTIONS;
    let cross_origin = req.headers().contains_key(header::ORIGIN);
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    let is_problem = res.response().extensions().get::<Problem>().is_some()
        || res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if status != StatusCode::BAD_REQUEST || is_problem {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let text = to_bytes(res.into_body()).await.unwrap_or_default();
    let mut detail = String::from_utf8_lossy(&text).trim().to_owned();
    let code = if preflight || (cross_origin && detail.to_ascii_lowercase().contains("origin")) {
        ProblemCode::CorsRefused
    } else {
        ProblemCode::InvalidHeader
    };
    if detail.is_empty() {
        detail = "a request header could not be read".into();
    }
    let response = ApiError::BadRequest { code, detail }.error_response();
    Ok(ServiceResponse::new(req, response))
}

/// Diagnostic (`SAMVERKAN_COUNT_STATEMENTS=true`): answers the number of SQL
/// statements the request sent in `X-Statement-Count`.
pub async fn statement_count(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let (res, statements) = db::instrument::count_request(next.call(req)).await;
    let mut res = res?.map_into_boxed_body();
    res.headers_mut().insert(
        HeaderName::from_static("x-statement-count"),
        HeaderValue::from(statements),
    );
    Ok(res)
}
