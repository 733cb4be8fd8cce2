//! Builds the actix application and its server from the settings: used by
//! `main` and by the tests, so both run the very same service.

use std::net::TcpListener;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_cors::Cors;
use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use futures_util::FutureExt;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use utoipa::openapi::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, AppState};
use crate::auth::TokenVerifier;
use crate::config::Settings;
use crate::db::{self, idempotency, DbPool};
use crate::error::{ApiError, Problem};

/// Registers every route; utoipa collects each one into the spec, so the
/// spec cannot drift from what is served.
fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::health::healthz)
        .service(api::health::readyz)
        .service(api::problems::describe_problem)
        .service(
            utoipa_actix_web::scope("/api/v1")
                .service(api::districts::list_districts)
                .service(api::city_units::list_city_units)
                .service(api::city_units::create_city_unit)
                .service(api::city_units::get_city_unit)
                .service(api::city_units::update_city_unit)
                .service(api::city_units::delete_city_unit)
                .service(api::organisations::list_organisations)
                .service(api::organisations::create_organisation)
                .service(api::organisations::get_organisation)
                .service(api::organisations::update_organisation)
                .service(api::organisations::delete_organisation)
                .service(api::dialogue_events::dialogue_events_calendar)
                .service(api::dialogue_events::list_dialogue_events)
                .service(api::dialogue_events::create_dialogue_event)
                .service(api::dialogue_events::get_dialogue_event)
                .service(api::dialogue_events::update_dialogue_event)
                .service(api::dialogue_events::publish_dialogue_event)
                .service(api::dialogue_events::mark_dialogue_event_held)
                .service(api::dialogue_events::cancel_dialogue_event)
                .service(api::dialogue_events::dialogue_event_calendar)
                .service(api::dialogue_events::list_invitations)
                .service(api::dialogue_events::invite_organisations)
                .service(api::dialogue_events::list_registrations)
                .service(api::dialogue_events::register_for_dialogue_event)
                .service(api::dialogue_events::cancel_registration)
                .service(api::dialogue_events::get_attendance)
                .service(api::dialogue_events::record_attendance)
                .service(api::dialogue_events::get_minutes)
                .service(api::dialogue_events::write_minutes)
                .service(api::dialogue_events::contribute_to_minutes)
                .service(api::dialogue_events::list_outcomes)
                .service(api::dialogue_events::create_outcome)
                .service(api::dialogue_events::update_outcome)
                .service(api::partnerships::list_partnerships)
                .service(api::partnerships::create_partnership)
                .service(api::partnerships::get_partnership)
                .service(api::partnerships::update_partnership)
                .service(api::partnerships::list_parties)
                .service(api::partnerships::add_party)
                .service(api::partnerships::remove_party)
                .service(api::partnerships::accept_partnership_invitation)
                .service(api::partnerships::decline_partnership_invitation)
                .service(api::partnerships::get_contributions)
                .service(api::partnerships::add_funding_line)
                .service(api::partnerships::add_in_kind)
                .service(api::partnerships::list_commitments)
                .service(api::partnerships::add_commitment)
                .service(api::partnerships::update_commitment)
                .service(api::partnerships::list_follow_ups)
                .service(api::partnerships::add_follow_up)
                .service(api::partnerships::get_history)
                .service(api::grants::list_grant_programmes)
                .service(api::grants::create_grant_programme)
                .service(api::grants::get_grant_programme)
                .service(api::grants::update_grant_programme)
                .service(api::grants::add_grant_round)
                .service(api::grants::list_grant_applications)
                .service(api::grants::create_grant_application)
                .service(api::grants::get_grant_application)
                .service(api::grants::update_grant_application)
                .service(api::grants::list_grant_payments)
                .service(api::grants::pay_grant)
                .service(api::grants::list_grant_reviews)
                .service(api::grants::add_grant_review)
                .service(api::grants::declare_conflict_of_interest)
                .service(api::grants::list_conflict_declarations)
                .service(api::grants::release_conflict_of_interest)
                .service(api::grants::get_grant_history)
                .service(api::grants::get_grant_programme_history)
                // Last: `{action}` would otherwise catch the sub-resources above.
                .service(api::partnerships::act_on_partnership)
                .service(api::grants::act_on_grant_programme)
                .service(api::grants::act_on_grant_application),
        );
}

/// The OpenAPI document the code describes.
pub fn openapi() -> OpenApi {
    let (_, mut spec) = App::new()
        .into_utoipa_app()
        .openapi(crate::openapi::base())
        .configure(routes)
        .split_for_parts();
    crate::openapi::finish(&mut spec);
    spec
}

fn route_table(spec: &OpenApi) -> Vec<(Vec<String>, Vec<Method>)> {
    spec.paths
        .paths
        .iter()
        .map(|(path, item)| {
            let mut methods = Vec::new();
            for (method, op) in [
                (Method::GET, &item.get),
                (Method::HEAD, &item.head),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::PATCH, &item.patch),
                (Method::DELETE, &item.delete),
            ] {
                if op.is_some() {
                    methods.push(method);
                }
            }
            (path.split('/').map(str::to_owned).collect(), methods)
        })
        .collect()
}

/// A running (not yet awaited) server and the port it listens on.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects to the database (migrating it), binds and builds the server.
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        let verifier = TokenVerifier::from_settings(&settings.jwt)?;
        if !verifier.has_keys() {
            tracing::warn!(
                "no JWT key is configured: every token is refused, only public reads work"
            );
        }
        let pool = db::connect(
            &settings.database_url,
            settings.pool_size,
            settings.database_timeouts,
        )?;
        Self::build_with_pool(settings, pool, verifier)
    }

    pub fn build_with_pool(
        settings: Settings,
        pool: DbPool,
        verifier: TokenVerifier,
    ) -> anyhow::Result<Self> {
        crate::error::set_problem_base(&settings.public_url);
        let mut spec = openapi();
        crate::openapi::serve_at(&mut spec, &settings.public_url);
        let listener = TcpListener::bind(settings.bind).map_err(|e| {
            anyhow::anyhow!(
                "configuration error: SAMVERKAN_BIND: cannot listen on {}: {e}",
                settings.bind
            )
        })?;
        let port = listener.local_addr()?.port();
        let workers = settings.workers;
        let limits = settings.http_limits;
        let state = web::Data::new(AppState {
            routes: route_table(&spec),
            settings,
            pool,
        });
        // The bearer-token extractors (`auth`) read the verifier on its own.
        let verifier = web::Data::new(verifier);
        let spec = Arc::new(spec);
        let app = move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .configure(routes)
                .split_for_parts();
            app.app_data(state.clone())
                .app_data(verifier.clone())
                .app_data(web::QueryConfig::default().error_handler(api::extract::query_error))
                .app_data(web::PathConfig::default().error_handler(api::extract::path_error))
                .service(swagger_ui(&spec))
                .route(
                    "/docs",
                    web::get().to(|| async {
                        HttpResponse::PermanentRedirect()
                            .insert_header((header::LOCATION, "/docs/"))
                            .finish()
                    }),
                )
                .default_service(web::to(no_route))
                .wrap(from_fn(retry_lost_read))
                .wrap(from_fn(head_as_get))
                .wrap(from_fn(api::respond::not_modified))
                .wrap(from_fn(api::dates::strict_dates_in_query))
                .wrap(from_fn(api::refuse_control_characters_in_query))
                .wrap(from_fn(api::vary_by_authorization))
                .wrap(from_fn(idempotent_post))
                .wrap(cors(&state.settings.cors_origins))
                .wrap(from_fn(plain_errors_as_problems))
                .wrap(from_fn(request_deadline))
                .wrap(from_fn(uri_limit))
                .wrap(actix_web::middleware::Condition::new(
                    state.settings.count_statements,
                    from_fn(statement_count),
                ))
                .wrap(from_fn(request_context))
        };
        // Explicit bounds on HTTP connections (`config::HttpLimits`), and
        // problem bodies for what actix-http answers before any handler.
        let server = crate::http_server::serve(listener, limits, workers, app)?;
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server (the tests stop theirs when done).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests (graceful shutdown).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Every request is answered within `SAMVERKAN_REQUEST_TIMEOUT_MS`: past
/// it, the handler is abandoned (its future dropped; a statement it runs
/// ends within the statement timeout and its connection goes back to the
/// pool) and the caller gets a 503 problem with `Retry-After`.
async fn request_deadline(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(limit_ms) = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.settings.http_limits.request_timeout_ms)
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
async fn retry_lost_read(
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

/// Errors that actix or actix-cors answer in plain text (a refused CORS
/// request, a request header that cannot be parsed) become problems like
/// every other error (RFC 9457).
async fn plain_errors_as_problems(
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
        "cors_refused"
    } else {
        "invalid_header"
    };
    if detail.is_empty() {
        detail = "a request header could not be read".into();
    }
    let response = ApiError::BadRequest { code, detail }.error_response();
    Ok(ServiceResponse::new(req, response))
}

/// Swagger UI from the binary; `validatorUrl: "none"` so that a deployed
/// instance never sends the spec's URL to an external validator.
fn swagger_ui(spec: &OpenApi) -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}")
        .url("/openapi.json", spec.clone())
        .config(utoipa_swagger_ui::Config::new(["/openapi.json"]).validator_url("none"))
}

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
async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// A request target longer than `SAMVERKAN_MAX_URI_BYTES` answers 414.
async fn uri_limit(
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

fn cors(origins: &[String]) -> Cors {
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
async fn no_route(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
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

/// Request id, standard headers, problem `instance`, panics as 500 problems,
/// and one log line per request. An error raised by a middleware (the
/// request deadline) or a panic gets the same body fields and headers as
/// every other problem.
async fn request_context(
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

/// Forgets an Idempotency-Key whose request failed on our side.
async fn release_key(state: &AppState, caller: String, key: String) {
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
async fn idempotent_post(
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
                code: "invalid_idempotency_key",
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
                    code: "malformed_json",
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

/// Diagnostic (`SAMVERKAN_COUNT_STATEMENTS=true`): answers the number of SQL
/// statements the request sent in `X-Statement-Count`.
async fn statement_count(
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

#[cfg(test)]
mod web_url_spec_tests {
    #[test]
    fn the_spec_states_the_web_url_rule() {
        let spec = serde_json::to_value(super::openapi()).unwrap();
        let schemas = &spec["components"]["schemas"];
        for (schema, field) in [
            ("CreateOrganisation", "website"),
            ("UpdateOrganisation", "website"),
            ("CreateDialogueEvent", "online_link"),
            ("UpdateDialogueEvent", "online_link"),
        ] {
            assert_eq!(
                schemas[schema]["properties"][field]["pattern"],
                crate::api::WEB_URL_PATTERN,
                "{schema}.{field}"
            );
        }
    }
}
