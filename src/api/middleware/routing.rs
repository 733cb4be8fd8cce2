//! Routing at the edge: HEAD as GET, CORS, and what answers a path no route
//! matches (a 308 without the trailing slash, 405 with `Allow`, 404).

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use crate::api::AppState;
use crate::error::ApiError;

/// A resource's path with a trailing slash (`/api/v1/partnerships/`):
/// where to find it, for a 308 that keeps the method and the body.
fn without_trailing_slash(req: &HttpRequest, state: &AppState) -> Option<String> {
    let path = req.path();
    if path.len() <= 1 || !path.ends_with('/') {
        return None;
    }
    let trimmed = path.trim_end_matches('/');
    let methods = state.methods_for(trimmed)?;
    if !methods.contains(req.method()) && req.method() != Method::OPTIONS {
        return None;
    }
    Some(match req.query_string() {
        "" => trimmed.to_owned(),
        query => format!("{trimmed}?{query}"),
    })
}

/// Every method the API answers, for CORS preflights.
const CORS_METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/// HEAD on every GET route (RFC 9110 §9.3.2): the request is routed as a GET
/// and answered with the GET's status and headers; the HTTP layer, which
/// knows the request was HEAD, sends no body.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

pub fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(CORS_METHODS)
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            HeaderName::from_static("api-version"),
            header::RETRY_AFTER,
            HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// A path no route matches: 405 with `Allow` when the path exists with other
/// methods, otherwise 404.
pub async fn no_route(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Some(location) = without_trailing_slash(&req, &state) {
        return HttpResponse::PermanentRedirect()
            .insert_header((header::LOCATION, location))
            .finish();
    }
    let err = match state.methods_for(req.path()) {
        Some(methods) => ApiError::MethodNotAllowed {
            allow: methods.iter().map(|m| m.to_string()).collect(),
        },
        None => ApiError::NotFound,
    };
    err.error_response()
}
