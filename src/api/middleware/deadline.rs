//! Time and size bounds on a request: its deadline, its target's length,
//! and a read run once more when its connection was found lost.

use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;

use crate::api::AppState;
use crate::error::ApiError;

/// Every request is answered within `SAMVERKAN_REQUEST_TIMEOUT_MS`: past
/// it, the handler is abandoned (its future dropped; a statement it runs
/// ends within the statement timeout and its connection goes back to the
/// pool) and the caller gets a 503 problem with `Retry-After`.
pub async fn request_deadline(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // An import reads its file as long as it streams (its own size limit
    // bounds it); every row is its own short write.
    let import = req.path().starts_with("/api/v1/imports/");
    let Some(limit_ms) = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.settings.http_limits.request_timeout_ms)
        .filter(|_| !import)
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    match actix_web::rt::time::timeout(Duration::from_millis(limit_ms), next.call(req)).await {
        Ok(res) => Ok(res?.map_into_boxed_body()),
        Err(_) => {
            tracing::warn!(limit_ms, "request deadline exceeded");
            Err(ApiError::DeadlineExceeded { limit_ms }.into())
        }
    }
}

/// A read (GET, and HEAD, which is routed as a GET) that failed because a
/// statement found its pooled connection lost (the server restarted or
/// ended the session, the network dropped) is run once more, after the pool
/// has dropped its dead connections and holds a live one
/// (`db::DbPool::refresh`): a caller sees 200 instead of a 503 that a
/// second attempt would have avoided. If no live connection comes, or the
/// second attempt fails too, the answer is the 503 `database_unavailable`
/// with `Retry-After`. Writes are never run twice: a write whose connection
/// was lost may or may not have committed, so it answers 503. Innermost
/// (inside the request deadline), so both attempts share one deadline.
pub async fn retry_lost_read(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != Method::GET {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let res = next.call(req).await?;
    let lost = res
        .response()
        .error()
        .and_then(|err| err.as_error::<ApiError>())
        .is_some_and(ApiError::is_connection_lost);
    let state = res.request().app_data::<web::Data<AppState>>().cloned();
    let (true, Some(state)) = (lost, state) else {
        return Ok(res.map_into_boxed_body());
    };
    let pool = state.pool.clone();
    let bound = Duration::from_millis(state.settings.database_timeouts.pool_checkout_ms);
    let live = web::block(move || pool.refresh(bound))
        .await
        .unwrap_or(false);
    if !live {
        return Ok(res.map_into_boxed_body());
    }
    // The first answer is dropped, so the request is held only here again
    // and can be routed anew (from the start of its path).
    let (http_req, response) = res.into_parts();
    drop(response);
    let mut req = ServiceRequest::from_parts(http_req, actix_web::dev::Payload::None);
    req.match_info_mut().reset();
    tracing::info!(
        path = req.path(),
        "a read found its connection lost; run again on a live one"
    );
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// A request target longer than `SAMVERKAN_MAX_URI_BYTES` answers 414.
pub async fn uri_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.settings.http_limits.max_uri_bytes)
        .unwrap_or(usize::MAX);
    let length = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().len())
        .unwrap_or(0);
    if length > limit {
        return Ok(req
            .error_response(ApiError::UriTooLong { limit })
            .map_into_boxed_body());
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
