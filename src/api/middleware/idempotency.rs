//! `Idempotency-Key` on POST (claimed in the database, so it holds across
//! replicas).

use crate::problem::ProblemCode;
use std::time::Duration;

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::api::AppState;
use crate::db::idempotency;
use crate::error::ApiError;

/// Forgets an Idempotency-Key whose request failed on our side.
pub async fn release_key(state: &AppState, caller: String, key: String) {
    let released = state
        .db(move |conn| idempotency::release(conn, &caller, &key))
        .await;
    if let Err(err) = released {
        tracing::warn!(error = %err, "could not release an idempotency key; its claim ends with its lease");
    }
}

/// Headers replayed with a stored idempotent response.
const REPLAYED_HEADERS: [header::HeaderName; 3] =
    [header::LOCATION, header::ETAG, header::CONTENT_TYPE];

/// `Idempotency-Key` on POST: the same key and body get the first response
/// again; another body is 422; a request still running is 409. Keys are per
/// token subject, so two callers never see each other's responses.
pub async fn idempotent_post(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req.headers().get("idempotency-key").cloned();
    let (Some(key), true) = (key, req.method() == Method::POST) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Only a verified caller has a scope to keep keys in; the handler refuses
    // the rest (401 before any complaint about the key).
    let caller = match crate::auth::caller_of(req.request())
        .ok()
        .and_then(|p| p.subject().map(str::to_owned))
    {
        Some(subject) => subject,
        None => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    // Authentication comes first: the key's syntax is checked for a known caller.
    let key = match key.to_str() {
        Ok(k) if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => {
            k.to_owned()
        }
        _ => {
            let err = ApiError::BadRequest {
                code: ProblemCode::InvalidIdempotencyKey,
                detail: "Idempotency-Key must be 1 to 255 visible ASCII characters".into(),
            };
            return Ok(req.error_response(err).map_into_boxed_body());
        }
    };

    let limit = state.settings.body_limit_bytes;
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return Ok(req
                .error_response(ApiError::BadRequest {
                    code: ProblemCode::MalformedJson,
                    detail: "the request body could not be read".into(),
                })
                .map_into_boxed_body());
        };
        if body.len() + chunk.len() > limit {
            return Ok(req
                .error_response(ApiError::PayloadTooLarge { limit })
                .map_into_boxed_body());
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let mut hasher = Sha256::new();
    hasher.update(req.path().as_bytes());
    hasher.update([0]);
    hasher.update(req.query_string().as_bytes());
    hasher.update([0]);
    hasher.update(&body);
    let hash = format!("{:x}", hasher.finalize());
    req.set_payload(actix_web::dev::Payload::from(body));

    let (c, k) = (caller.clone(), key.clone());
    // Twice the request deadline: a request abandoned at its deadline ends
    // its claim itself when its handler ends (below); the lease only frees
    // a claim that nothing will end (the process died meanwhile).
    let lease = Duration::from_millis(state.settings.http_limits.request_timeout_ms * 2);
    let claim = state
        .db(move |conn| idempotency::claim(conn, &c, &k, &hash, lease))
        .await;
    match claim {
        Err(err) => Ok(req.error_response(err).map_into_boxed_body()),
        Ok(idempotency::Claim::Mismatch) => Ok(req
            .error_response(ApiError::IdempotencyKeyReused)
            .map_into_boxed_body()),
        Ok(idempotency::Claim::InProgress) => Ok(req
            .error_response(ApiError::IdempotencyInProgress)
            .map_into_boxed_body()),
        Ok(idempotency::Claim::Replay(stored)) => {
            let mut response =
                HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
            for (name, value) in &stored.headers {
                response.insert_header((name.as_str(), value.as_str()));
            }
            response.insert_header(("idempotent-replayed", "true"));
            Ok(req.into_response(response.body(stored.body)))
        }
        Ok(idempotency::Claim::Proceed) => {
            // The request and the recording of its outcome run as a task of
            // their own: if the request deadline abandons this request, the
            // handler still ends and the claim ends with it (recorded, or
            // released on a 5xx), so a retry gets the response or runs again
            // rather than finding the key in progress.
            let response = next.call(req);
            let task = actix_web::rt::spawn(async move {
                let result = response.await;
                let res = match result {
                    Ok(res) => res.map_into_boxed_body(),
                    Err(err) => {
                        release_key(&state, caller, key).await;
                        return Err(err);
                    }
                };
                let status = res.status();
                if status.is_server_error() {
                    // A failure on our side is forgotten so that a retry runs again.
                    release_key(&state, caller, key).await;
                    return Ok(res);
                }
                let headers: Vec<(String, String)> = REPLAYED_HEADERS
                    .iter()
                    .filter_map(|name| {
                        res.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(|v| (name.to_string(), v.to_owned()))
                    })
                    .collect();
                let (http_req, response) = res.into_parts();
                let (head, body) = response.into_parts();
                let bytes = to_bytes(body).await.unwrap_or_default();
                let stored = idempotency::StoredResponse {
                    status: status.as_u16(),
                    headers,
                    body: bytes.to_vec(),
                };
                let recorded = state
                    .db(move |conn| idempotency::complete(conn, &caller, &key, &stored))
                    .await;
                if let Err(err) = recorded {
                    tracing::warn!(error = %err, "could not record an idempotent response; the key's claim ends with its lease");
                }
                Ok(ServiceResponse::new(
                    http_req,
                    head.set_body(BoxBody::new(bytes)),
                ))
            });
            task.await.unwrap_or_else(|_| {
                Err(ApiError::Internal(anyhow::anyhow!("the request task failed")).into())
            })
        }
    }
}
