//! The one error type of the service and its mapping to RFC 9457 problems.
//! Every error response is rendered here (and completed with `instance` and
//! the request id by the middleware in `startup`).

use crate::problem::ProblemCode;
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
    /// For an import's refused CSV header (422): the columns it does not know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown_columns: Option<Vec<String>>,
    /// For an import's refused CSV header (422): the required columns it lacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_columns: Option<Vec<String>>,
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
    Forbidden { code: ProblemCode, detail: String },
    #[error("not found")]
    NotFound,
    #[error("invalid fields")]
    Validation(Vec<FieldError>),
    #[error("bad request: {detail}")]
    BadRequest { code: ProblemCode, detail: String },
    #[error("conflict: {detail}")]
    Conflict { code: ProblemCode, detail: String },
    /// What the request names is no longer kept (a change feed cursor older
    /// than the feed's retention).
    #[error("gone: {detail}")]
    Gone { code: ProblemCode, detail: String },
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
    /// An import's CSV header row is not its resource's columns.
    #[error("import header mismatch: {detail}")]
    HeaderMismatch {
        detail: String,
        unknown: Vec<String>,
        missing: Vec<String>,
    },
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
            code: ProblemCode::InvalidQueryParameter,
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
    pub fn code(&self) -> ProblemCode {
        match self {
            ApiError::Unauthenticated => ProblemCode::AuthenticationRequired,
            ApiError::InvalidToken(_) => ProblemCode::InvalidToken,
            ApiError::Forbidden { code, .. } => *code,
            ApiError::NotFound => ProblemCode::NotFound,
            ApiError::Validation(_) => ProblemCode::ValidationFailed,
            ApiError::BadRequest { code, .. } => *code,
            ApiError::Conflict { code, .. } => *code,
            ApiError::Gone { code, .. } => *code,
            ApiError::InvalidTransition { .. } => ProblemCode::InvalidTransition,
            ApiError::PreconditionFailed { .. } => ProblemCode::VersionMismatch,
            ApiError::PayloadTooLarge { .. } => ProblemCode::PayloadTooLarge,
            ApiError::UnsupportedMediaType => ProblemCode::UnsupportedMediaType,
            ApiError::HeaderMismatch { .. } => ProblemCode::ImportHeaderMismatch,
            ApiError::MethodNotAllowed { .. } => ProblemCode::MethodNotAllowed,
            ApiError::IdempotencyKeyReused => ProblemCode::IdempotencyKeyReused,
            ApiError::IdempotencyInProgress => ProblemCode::IdempotencyRequestInProgress,
            ApiError::Unavailable(_) => ProblemCode::ServiceUnavailable,
            ApiError::DatabaseUnavailable(_) => ProblemCode::DatabaseUnavailable,
            ApiError::DatabaseTimeout => ProblemCode::DatabaseTimeout,
            ApiError::InsufficientStorage => ProblemCode::InsufficientStorage,
            ApiError::DeadlineExceeded { .. } => ProblemCode::RequestDeadlineExceeded,
            ApiError::UriTooLong { .. } => ProblemCode::UriTooLong,
            ApiError::HeaderFieldsTooLarge => ProblemCode::RequestHeaderFieldsTooLarge,
            ApiError::RequestTimeout => ProblemCode::RequestTimeout,
            ApiError::MalformedRequest => ProblemCode::MalformedRequest,
            ApiError::Internal(_) => ProblemCode::InternalError,
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
            ApiError::HeaderMismatch { detail, .. } => ("The header row does not fit", detail.clone()),
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
            code: code.as_str().to_owned(),
            request_id: None,
            errors: match self {
                ApiError::Validation(errors) => one_per_field(errors),
                _ => Vec::new(),
            },
            current_state,
            allowed_actions,
            unknown_columns: match self {
                ApiError::HeaderMismatch { unknown, .. } => Some(unknown.clone()),
                _ => None,
            },
            missing_columns: match self {
                ApiError::HeaderMismatch { missing, .. } => Some(missing.clone()),
                _ => None,
            },
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
                code: ProblemCode::Forbidden,
                detail,
            },
        }
    }
}

impl From<crate::domain::grant::DecisionRefusal> for ApiError {
    fn from(refusal: crate::domain::grant::DecisionRefusal) -> Self {
        use crate::domain::grant::DecisionRefusal as R;
        let (code, detail) = match refusal {
            R::NotTheOwningUnit => (ProblemCode::Forbidden, "only staff of the owning unit decide (or an admin with a delegation)".to_owned()),
            R::NoDelegation => (ProblemCode::OverDelegationLimit, "your token carries no delegation to decide grants (delegation_limit_sek)".to_owned()),
            R::OverLimit { limit_sek } => (ProblemCode::OverDelegationLimit, format!("the amount is above your delegation limit of {limit_sek} SEK")),
            R::ConflictOfInterest => (ProblemCode::ConflictOfInterest, "you declared a conflict of interest (jäv) with this organisation; someone else decides".to_owned()),
            R::DeclarationRequired => (ProblemCode::ConflictDeclarationRequired, "declare at .../conflict-declarations that you have no conflict of interest before deciding".to_owned()),
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
            StoreError::CursorExpired => ApiError::Gone {
                code: ProblemCode::CursorExpired,
                detail: "changes after this cursor are no longer kept (retention); read again what you follow and continue from a new cursor".into(),
            },
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
    /// The status that the problem's code has ([`ProblemCode::status`]): a
    /// code always answers with the same status.
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
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
            code: ProblemCode::OverBudget,
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
