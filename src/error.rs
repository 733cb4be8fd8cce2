//! The one error type of the service and its mapping to RFC 9457 problems.
//! Every error response is rendered here (and completed with `instance` and
//! the request id by the middleware in `startup`).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use crate::db::error::{StoreError, CONNECTION_LOST};
use crate::domain::access::Refusal;
use crate::domain::FieldError;

/// An RFC 9457 problem document, as sent to clients.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "type": "https://samverkan.goteborg.se/problems/validation_failed",
    "title": "The request has invalid fields",
    "status": 422,
    "detail": "2 fields are invalid",
    "instance": "/api/v1/organisations",
    "code": "validation_failed",
    "request_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e",
    "errors": [
        {"field": "organisation_number", "message": "check digit does not match (Luhn)"},
        {"field": "website", "message": "must be an http or https URL"}
    ]
}))]
pub struct Problem {
    /// An absolute URI that documents this kind of problem.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    /// The HTTP status, repeated.
    pub status: u16,
    pub detail: String,
    /// The request path this occurrence belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// A stable machine-readable code that clients may switch on.
    pub code: String,
    /// The `X-Request-Id` of the request, for support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Every invalid field (422 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a refused state change (409): the state the case is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
    /// For a refused state change (409): the actions the current state allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<String>>,
}

/// The base of every problem `type` URI; set once at start from the public URL.
static PROBLEM_BASE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Sets where problem types are documented (`{public_url}/problems/`).
pub fn set_problem_base(public_url: &str) {
    let _ = PROBLEM_BASE.set(format!("{}/problems/", public_url.trim_end_matches('/')));
}

fn problem_base() -> &'static str {
    PROBLEM_BASE
        .get()
        .map(String::as_str)
        .unwrap_or("http://127.0.0.1:8080/problems/")
}

/// Everything that can go wrong in a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("invalid token: {0}")]
    InvalidToken(String),
    #[error("forbidden: {detail}")]
    Forbidden { code: &'static str, detail: String },
    #[error("not found")]
    NotFound,
    #[error("invalid fields")]
    Validation(Vec<FieldError>),
    #[error("bad request: {detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("conflict: {detail}")]
    Conflict { code: &'static str, detail: String },
    /// What the request names is no longer kept (a change feed cursor older
    /// than the feed's retention).
    #[error("gone: {detail}")]
    Gone { code: &'static str, detail: String },
    #[error("invalid transition from {current_state}")]
    InvalidTransition {
        current_state: String,
        action: String,
        allowed_actions: Vec<String>,
    },
    #[error("precondition failed")]
    PreconditionFailed { current_version: i64 },
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    #[error("idempotency key reused with another request")]
    IdempotencyKeyReused,
    #[error("idempotent request still in progress")]
    IdempotencyInProgress,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// The database is away, restarting, read-only or refusing connections:
    /// nothing was written; the client retries after `Retry-After`.
    #[error("database unavailable: {0}")]
    DatabaseUnavailable(&'static str),
    /// A statement ran past the configured statement timeout and was cancelled.
    #[error("database timeout")]
    DatabaseTimeout,
    /// The database's disk is full: nothing was written.
    #[error("insufficient storage")]
    InsufficientStorage,
    /// The request was not answered within the request deadline
    /// (`SAMVERKAN_REQUEST_TIMEOUT_MS`); its work was abandoned.
    #[error("request deadline exceeded")]
    DeadlineExceeded { limit_ms: u64 },
    /// The request target is longer than the configured limit.
    #[error("URI too long")]
    UriTooLong { limit: usize },
    /// The request head (headers) is larger than the server reads (128 KiB
    /// or more than 96 headers); answered before any handler runs.
    #[error("request header fields too large")]
    HeaderFieldsTooLarge,
    /// The client did not send a complete request head in time.
    #[error("request timeout")]
    RequestTimeout,
    /// The bytes received are not an HTTP/1.1 request.
    #[error("malformed request")]
    MalformedRequest,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn bad_query(detail: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code: "invalid_query_parameter",
            detail: detail.into(),
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    /// A statement found its pooled connection lost (the connection is
    /// dropped at check-in): a read may be run once more on a fresh one.
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, ApiError::DatabaseUnavailable(reason) if *reason == CONNECTION_LOST)
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "authentication_required",
            ApiError::InvalidToken(_) => "invalid_token",
            ApiError::Forbidden { code, .. } => code,
            ApiError::NotFound => "not_found",
            ApiError::Validation(_) => "validation_failed",
            ApiError::BadRequest { code, .. } => code,
            ApiError::Conflict { code, .. } => code,
            ApiError::Gone { code, .. } => code,
            ApiError::InvalidTransition { .. } => "invalid_transition",
            ApiError::PreconditionFailed { .. } => "version_mismatch",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::IdempotencyInProgress => "idempotency_request_in_progress",
            ApiError::Unavailable(_) => "service_unavailable",
            ApiError::DatabaseUnavailable(_) => "database_unavailable",
            ApiError::DatabaseTimeout => "database_timeout",
            ApiError::InsufficientStorage => "insufficient_storage",
            ApiError::DeadlineExceeded { .. } => "request_deadline_exceeded",
            ApiError::UriTooLong { .. } => "uri_too_long",
            ApiError::HeaderFieldsTooLarge => "request_header_fields_too_large",
            ApiError::RequestTimeout => "request_timeout",
            ApiError::MalformedRequest => "malformed_request",
            ApiError::Internal(_) => "internal_error",
        }
    }

    /// The problem document for this error (without `instance`).
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let code = self.code();
        let (title, detail) = match self {
            ApiError::Unauthenticated => (
                "Authentication required",
                "this operation needs a bearer token (Authorization: Bearer <JWT>)".to_owned(),
            ),
            ApiError::InvalidToken(why) => ("Invalid token", format!("the bearer token was not accepted: {why}")),
            ApiError::Forbidden { detail, .. } => ("Forbidden", detail.clone()),
            ApiError::NotFound => ("Not found", "no such resource, or it is not visible to you".to_owned()),
            ApiError::Validation(errors) => (
                "The request has invalid fields",
                match one_per_field(errors).len() {
                    1 => "1 field is invalid".to_owned(),
                    n => format!("{n} fields are invalid"),
                },
            ),
            ApiError::BadRequest { detail, .. } => ("Bad request", detail.clone()),
            ApiError::Conflict { detail, .. } => ("Conflict", detail.clone()),
            ApiError::Gone { detail, .. } => ("Gone", detail.clone()),
            ApiError::InvalidTransition { current_state, action, allowed_actions } => (
                "Action not allowed in the current state",
                format!(
                    "`{action}` is not allowed while the case is `{current_state}`; allowed: {}",
                    if allowed_actions.is_empty() { "none".to_owned() } else { allowed_actions.join(", ") }
                ),
            ),
            ApiError::PreconditionFailed { current_version } => (
                "Precondition failed",
                format!(
                    "If-Match does not match the current version ({current_version}); read the resource again and retry"
                ),
            ),
            ApiError::PayloadTooLarge { limit } => {
                ("Payload too large", format!("the request body exceeds the limit of {limit} bytes"))
            }
            ApiError::UnsupportedMediaType => (
                "Unsupported media type",
                "send the body as application/json (or application/merge-patch+json for PATCH)".to_owned(),
            ),
            ApiError::MethodNotAllowed { allow } => {
                ("Method not allowed", format!("this resource allows: {}", allow.join(", ")))
            }
            ApiError::IdempotencyKeyReused => (
                "Idempotency key reused",
                "this Idempotency-Key was already used for another request (another endpoint, query or body); use a new key for each request".to_owned(),
            ),
            ApiError::IdempotencyInProgress => (
                "Request in progress",
                "a request with this Idempotency-Key is still being processed; retry shortly".to_owned(),
            ),
            ApiError::Unavailable(what) => ("Service unavailable", what.clone()),
            ApiError::DatabaseUnavailable(why) => (
                "Database unavailable",
                format!("the database is not available right now ({why}); nothing was changed; retry after the Retry-After delay"),
            ),
            ApiError::DatabaseTimeout => (
                "Database timeout",
                "the database did not answer within the statement timeout; nothing was changed; retry after the Retry-After delay".to_owned(),
            ),
            ApiError::InsufficientStorage => (
                "Insufficient storage",
                "the database has no room to store this change; nothing was changed".to_owned(),
            ),
            ApiError::DeadlineExceeded { limit_ms } => (
                "Request deadline exceeded",
                format!("the request was not answered within {limit_ms} ms and was abandoned; if it was a write, read the resource before retrying after the Retry-After delay"),
            ),
            ApiError::UriTooLong { limit } => (
                "URI too long",
                format!("the request target (path and query) exceeds the limit of {limit} bytes"),
            ),
            ApiError::HeaderFieldsTooLarge => (
                "Request header fields too large",
                "the request headers exceed 128 KiB (or 96 fields); send smaller headers".to_owned(),
            ),
            ApiError::RequestTimeout => (
                "Request timeout",
                "the request head was not received in time; the connection is closed".to_owned(),
            ),
            ApiError::MalformedRequest => (
                "Malformed request",
                "the bytes received are not a valid HTTP/1.1 request".to_owned(),
            ),
            ApiError::Internal(_) => (
                "Internal error",
                "an unexpected error occurred; it has been logged with the request id".to_owned(),
            ),
        };
        let (current_state, allowed_actions) = match self {
            ApiError::InvalidTransition {
                current_state,
                allowed_actions,
                ..
            } => (Some(current_state.clone()), Some(allowed_actions.clone())),
            _ => (None, None),
        };
        Problem {
            type_uri: format!("{}{code}", problem_base()),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            instance: None,
            code: code.to_owned(),
            request_id: None,
            errors: match self {
                ApiError::Validation(errors) => one_per_field(errors),
                _ => Vec::new(),
            },
            current_state,
            allowed_actions,
        }
    }
}

/// Each bad field once, with the first thing found wrong with it (a text
/// that is both empty and blank is named for its length only), in the order
/// found.
fn one_per_field(errors: &[FieldError]) -> Vec<FieldError> {
    let mut seen = std::collections::HashSet::new();
    errors
        .iter()
        .filter(|e| seen.insert(e.field.as_str()))
        .cloned()
        .collect()
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Unauthenticated => ApiError::Unauthenticated,
            Refusal::Forbidden(detail) => ApiError::Forbidden {
                code: "forbidden",
                detail,
            },
        }
    }
}

impl From<crate::domain::grant::DecisionRefusal> for ApiError {
    fn from(refusal: crate::domain::grant::DecisionRefusal) -> Self {
        use crate::domain::grant::DecisionRefusal as R;
        let (code, detail) = match refusal {
            R::NotTheOwningUnit => ("forbidden", "only staff of the owning unit decide (or an admin with a delegation)".to_owned()),
            R::NoDelegation => ("over_delegation_limit", "your token carries no delegation to decide grants (delegation_limit_sek)".to_owned()),
            R::OverLimit { limit_sek } => ("over_delegation_limit", format!("the amount is above your delegation limit of {limit_sek} SEK")),
            R::ConflictOfInterest => ("conflict_of_interest", "you declared a conflict of interest (jäv) with this organisation; someone else decides".to_owned()),
            R::DeclarationRequired => ("conflict_declaration_required", "declare at .../conflict-declarations that you have no conflict of interest before deciding".to_owned()),
        };
        ApiError::Forbidden { code, detail }
    }
}

/// The one place where what persistence answers becomes a problem.
impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::VersionMismatch { current_version } => {
                ApiError::PreconditionFailed { current_version }
            }
            StoreError::Conflict { code, detail } => ApiError::Conflict { code, detail },
            StoreError::Invalid(errors) => ApiError::Validation(errors),
            StoreError::InvalidTransition {
                current_state,
                action,
                allowed_actions,
            } => ApiError::InvalidTransition {
                current_state,
                action,
                allowed_actions,
            },
            StoreError::Refused(refusal) => ApiError::from(refusal),
            StoreError::DecisionRefused(refusal) => ApiError::from(refusal),
            StoreError::InvalidCursor => {
                ApiError::bad_query("`cursor` is not a cursor this service gave out")
            }
            StoreError::Unavailable(reason) => ApiError::DatabaseUnavailable(reason),
            StoreError::StatementTimeout => ApiError::DatabaseTimeout,
            StoreError::DiskFull => ApiError::InsufficientStorage,
            StoreError::Corrupt(what) => ApiError::Internal(anyhow::Error::msg(what)),
            StoreError::Internal(err) => ApiError::Internal(err),
        }
    }
}

impl From<crate::domain::money::Overflow> for ApiError {
    fn from(err: crate::domain::money::Overflow) -> Self {
        ApiError::Internal(anyhow::Error::new(err))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated | ApiError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Validation(_) | ApiError::IdempotencyKeyReused => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Conflict { .. }
            | ApiError::InvalidTransition { .. }
            | ApiError::IdempotencyInProgress => StatusCode::CONFLICT,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::Gone { .. } => StatusCode::GONE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unavailable(_) | ApiError::DatabaseUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::DatabaseTimeout => StatusCode::GATEWAY_TIMEOUT,
            ApiError::DeadlineExceeded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            ApiError::HeaderFieldsTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::MalformedRequest => StatusCode::BAD_REQUEST,
            ApiError::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(err) = self {
            tracing::error!(error = ?err, "internal error");
        }
        let problem = self.problem();
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        match self {
            ApiError::Unauthenticated => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::InvalidToken(_) => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""));
            }
            ApiError::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.join(", ")));
            }
            ApiError::IdempotencyInProgress
            | ApiError::Unavailable(_)
            | ApiError::DatabaseUnavailable(_)
            | ApiError::DatabaseTimeout
            | ApiError::DeadlineExceeded { .. } => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            ApiError::InsufficientStorage => {
                response.insert_header((header::RETRY_AFTER, "60"));
            }
            _ => {}
        }
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut res = response.body(body);
        res.extensions_mut().insert(problem);
        res
    }
}

/// The documentation behind each problem `type` URI (served at `/problems/{code}`).
pub const PROBLEM_DOCS: &[(&str, u16, &str)] = &[
    ("authentication_required", 401, "The operation needs a bearer token. Send `Authorization: Bearer <JWT>` issued by the city's identity provider."),
    ("invalid_token", 401, "The bearer token was refused: expired, not yet valid, wrong issuer or audience, bad signature, an algorithm that is not configured, or claims missing for its role. Get a new token."),
    ("forbidden", 403, "The token is valid but its role may not do this. The detail says which rule refused it."),
    ("not_found", 404, "No such resource, or one the caller may not know exists."),
    ("cursor_expired", 410, "The change feed cursor is older than the changes the service keeps (`SAMVERKAN_OUTBOX_RETENTION_DAYS`): changes after it were pruned. Read the resources you follow again, then continue from a cursor of the current feed (`GET /api/v1/changes` without `after` starts at the oldest kept change)."),
    ("validation_failed", 422, "The JSON was well formed but some values are invalid. `errors` lists every invalid field with a message."),
    ("malformed_json", 400, "The body is not valid JSON, or not a JSON object."),
    ("invalid_query_parameter", 400, "A query parameter is unknown or has a bad value. Unknown parameters are refused, never ignored."),
    ("invalid_if_match", 400, "The If-Match header is not a list of entity tags such as `\"3\"` or `*`."),
    ("invalid_idempotency_key", 400, "The Idempotency-Key header must be 1 to 255 visible ASCII characters."),
    ("conflict", 409, "The request conflicts with the current state of a record, for example a value that must be unique."),
    ("duplicate_organisation_number", 409, "Another organisation already has this organisation number."),
    ("duplicate_external_id", 409, "Another record already has this external_id."),
    ("duplicate_name", 409, "Another record already has this name."),
    ("in_use", 409, "The record is referenced by other records and cannot be deleted."),
    ("invalid_transition", 409, "The action is not allowed in the case's current state. `current_state` and `allowed_actions` say what is possible."),
    ("event_closed", 409, "The dialogue event is cancelled or held; its details no longer change."),
    ("event_not_started", 409, "An event is marked held only once it has started."),
    ("event_not_held", 409, "Attendance and minutes are recorded after the event: mark it held first."),
    ("registration_closed", 409, "Registrations are taken and changed only while the event is published."),
    ("registration_deadline_passed", 409, "The event's registration deadline (or its start) has passed."),
    ("already_registered", 409, "The organisation is already registered or waiting for this event; cancel first to register anew."),
    ("already_cancelled", 409, "The registration is already cancelled."),
    ("duplicate_registry_number", 409, "Another case already has this registry number (diarienummer)."),
    ("partnership_closed", 409, "The partnership is concluded, terminated, withdrawn or declined; it no longer changes."),
    ("already_party", 409, "The organisation is already a party to the partnership."),
    ("last_party", 409, "A partnership keeps at least one organisation."),
    ("use_extend", 409, "The period of an active partnership changes through the `extend` or `amend` action, so the history keeps each period."),
    ("round_not_open", 409, "The application round has not opened yet."),
    ("deadline_passed", 409, "The round's deadline has passed and it takes no late applications."),
    ("over_budget", 409, "The decision would make the grants of the programme's year exceed its budget."),
    ("payment_exceeds_grant", 409, "Payments would add up to more than the amount granted."),
    ("not_editable", 409, "An application changes only as a draft or when a completion is asked for."),
    ("over_delegation_limit", 403, "The amount is above the decider's delegation limit (delegationsordning), or the decider's token carries no delegation. Every decider needs one, admins included."),
    ("conflict_of_interest", 403, "The decider declared a conflict of interest (jäv) with the organisation, on this or another of its applications, and no admin has recorded that it no longer applies; someone else must decide."),
    ("conflict_declaration_required", 403, "Before deciding, declare at `.../conflict-declarations` that you have no conflict of interest (jäv)."),
    ("version_mismatch", 412, "If-Match does not match the current version: someone else changed the resource. Read it again (new ETag) and retry."),
    ("payload_too_large", 413, "The request body exceeds the configured limit."),
    ("unsupported_media_type", 415, "Send JSON bodies as `application/json` (PATCH also accepts `application/merge-patch+json`)."),
    ("method_not_allowed", 405, "The resource exists but not with this method. The `Allow` header lists the methods it has."),
    ("idempotency_key_reused", 422, "The Idempotency-Key was already used for another request: another endpoint, query or body. Use a new key for each request; keys are kept 24 hours."),
    ("idempotency_request_in_progress", 409, "A request with this Idempotency-Key is still running. Retry after a moment to get its response."),
    ("service_unavailable", 503, "A dependency (the database) is not reachable. Retry later."),
    ("database_unavailable", 503, "The database is away, restarting, read-only or busy, or no connection was free within the pool timeout. Nothing was changed (a read whose connection was lost has already been tried again on a fresh one). Retry after the `Retry-After` delay."),
    ("database_timeout", 504, "A statement ran past the database statement timeout and was cancelled. Nothing was changed. Retry after the `Retry-After` delay."),
    ("insufficient_storage", 507, "The database's disk is full. Nothing was changed; reads still work."),
    ("not_a_binding_conflict", 409, "Only a declared conflict of interest that has not been released can be released."),
    ("internal_error", 500, "An unexpected error. Nothing internal is shown; the request id finds it in the logs."),
    ("already_invited", 409, "The organisation is already invited to the partnership; it accepts or declines the invitation itself."),
    ("not_invited", 409, "The organisation is already a party to the partnership: there is no invitation to accept or decline."),
    ("capacity_below_taken", 409, "The event's capacity cannot be set below the places already taken (the detail says how many). Cancel registrations first, or choose a larger capacity."),
    ("request_deadline_exceeded", 503, "The request was not answered within the request deadline (`SAMVERKAN_REQUEST_TIMEOUT_MS`, by default a second above the pool and statement timeouts) and was abandoned; a statement it started ends within the statement timeout. A write may or may not have happened: read before retrying, or retry a POST with the same `Idempotency-Key` (409 while the abandoned request still runs, then its answer, or a fresh run if it failed). Retry after the `Retry-After` delay."),
    ("uri_too_long", 414, "The request target (path and query) is longer than `SAMVERKAN_MAX_URI_BYTES` (8 KiB by default)."),
    ("request_header_fields_too_large", 431, "The request headers exceed what the server reads (128 KiB in all, or more than 96 fields). Answered before any handler runs; the connection is closed."),
    ("request_timeout", 408, "The client did not send a complete request head within `SAMVERKAN_CLIENT_REQUEST_TIMEOUT_MS`. The connection is closed."),
    ("malformed_request", 400, "The bytes received are not a valid HTTP/1.1 request (a bad request line, header or chunked encoding). The connection is closed."),
    ("cors_refused", 400, "A browser's cross-origin request was refused: the origin is not in `SAMVERKAN_CORS_ORIGINS`, or the preflight asked for a method or header the API does not use. The detail says which."),
    ("invalid_header", 400, "A request header could not be read (for example a value that is not visible ASCII, or a malformed standard header). The detail says what was wrong."),
    ("budget_below_granted", 409, "A programme's budget for a year cannot be set below what is already granted that year (the detail names the year and the sum). Choose a larger budget."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_failures_are_503_504_507_and_a_lost_connection_stays_recognisable() {
        let cases = [
            (StoreError::DiskFull, 507),
            (StoreError::StatementTimeout, 504),
            (StoreError::Unavailable("the database is busy"), 503),
            (StoreError::Unavailable(CONNECTION_LOST), 503),
            (StoreError::Corrupt("stored x does not parse".into()), 500),
        ];
        for (err, status) in cases {
            let what = err.to_string();
            assert_eq!(ApiError::from(err).status_code().as_u16(), status, "{what}");
        }
        assert!(ApiError::from(StoreError::Unavailable(CONNECTION_LOST)).is_connection_lost());
        assert!(
            !ApiError::from(StoreError::Unavailable("the database is busy")).is_connection_lost()
        );
    }

    #[test]
    fn store_refusals_keep_their_problem() {
        let conflict = ApiError::from(StoreError::Conflict {
            code: "over_budget",
            detail: "d".into(),
        })
        .problem();
        assert_eq!(
            (
                conflict.status,
                conflict.code.as_str(),
                conflict.detail.as_str()
            ),
            (409, "over_budget", "d")
        );
        let stale = ApiError::from(StoreError::VersionMismatch { current_version: 3 }).problem();
        assert_eq!(
            (stale.status, stale.code.as_str()),
            (412, "version_mismatch")
        );
        let cursor = ApiError::from(StoreError::InvalidCursor).problem();
        assert_eq!(
            (cursor.status, cursor.code.as_str(), cursor.detail.as_str()),
            (
                400,
                "invalid_query_parameter",
                "`cursor` is not a cursor this service gave out"
            )
        );
        let refused = ApiError::from(StoreError::DecisionRefused(
            crate::domain::grant::DecisionRefusal::NoDelegation,
        ))
        .problem();
        assert_eq!(
            (refused.status, refused.code.as_str()),
            (403, "over_delegation_limit")
        );
    }
}
