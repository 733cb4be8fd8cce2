//! `/api/v1/webhook-subscriptions`: URLs that receive changes as signed
//! Standard Webhooks, with their delivery log, replay and a test ping. City
//! admins only. Subscriptions are configuration, not a domain resource:
//! their own changes are not in the change feed.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::extract::{required_in_patch, JsonBody, Precondition, ValidQuery};
use super::{merge_patch_field, respond, sub_list, sub_list_page, sub_list_window, SubListQuery};
use crate::api::AppState;
use crate::auth::SignedIn;
use crate::background::webhook_payload;
use crate::db::webhooks::{self as store, Attempt, Delivery, SubscriptionDetails};
use crate::domain::access::{authorize, Action};
use crate::domain::ids::{WebhookDeliveryId, WebhookSubscriptionId};
use crate::domain::webhook::{
    ping_payload, DeliveryStatus, EventTypeFilter, Secret, UrlPolicy, WebhookSubscription,
    ROTATION_GRACE,
};
use crate::domain::FieldError;
use crate::error::{ApiError, Problem};

/// A webhook subscription.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-0000-7000-8000-0000000000f1",
    "url": "https://diarie.goteborg.se/samverkan/webhooks",
    "event_types": ["grant_application.decide", "partnership.*"],
    "description": "Diariet: beslut och partnerskap",
    "enabled": true,
    "disabled_reason": null,
    "version": 1,
    "created_at": "2026-12-07T09:30:00Z",
    "updated_at": "2026-12-07T09:30:00Z",
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
}))]
pub struct WebhookSubscriptionView {
    pub id: WebhookSubscriptionId,
    /// Where deliveries are `POST`ed.
    pub url: String,
    /// `<resource_type>.<action>` or `<resource_type>.*`.
    pub event_types: Vec<String>,
    pub description: Option<String>,
    /// A disabled subscription gets no deliveries (a ping still goes).
    pub enabled: bool,
    /// Why it is disabled: by an admin, or by the service after
    /// `SAMVERKAN_WEBHOOK_DISABLE_AFTER` deliveries failed in a row (with the
    /// last error). Null while enabled.
    pub disabled_reason: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The signing secret (`whsec_` and base64): only in the answers of
    /// create and rotate-secret, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<WebhookSubscription> for WebhookSubscriptionView {
    fn from(s: WebhookSubscription) -> Self {
        WebhookSubscriptionView {
            id: s.id,
            url: s.url,
            event_types: s.event_types.iter().map(ToString::to_string).collect(),
            description: s.description,
            enabled: s.enabled,
            disabled_reason: s.disabled_reason,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
            secret: None,
        }
    }
}

/// A page of webhook subscriptions.
#[derive(Serialize, ToSchema)]
pub struct WebhookSubscriptionList {
    pub items: Vec<WebhookSubscriptionView>,
    pub next_cursor: Option<String>,
}

/// Subscribes a URL to changes.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://diarie.goteborg.se/samverkan/webhooks",
    "event_types": ["grant_application.decide", "partnership.*"],
    "description": "Diariet: beslut och partnerskap"
}))]
pub struct CreateWebhookSubscription {
    /// An `https://` URL (`http://` only where `SAMVERKAN_WEBHOOK_ALLOW_HTTP`
    /// is set). Loopback, private, link-local, unique-local and metadata
    /// addresses are refused unless `SAMVERKAN_WEBHOOK_ALLOW_HOSTS` names them;
    /// a name is checked again on every delivery, on the addresses it
    /// resolves to.
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000, pattern = "^https?://[!-~]+$")]
    pub url: String,
    /// The changes to receive: `<resource_type>.<action>` (such as
    /// `grant_application.decide`) or `<resource_type>.*`.
    #[validate(length(min = 1, max = 50, message = "must name 1 to 50 event types"))]
    #[schema(value_type = Vec<EventTypeName>, min_items = 1, max_items = 50)]
    pub event_types: Vec<String>,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// `false` subscribes without sending yet (true by default).
    pub enabled: Option<bool>,
}

/// A JSON merge patch of a subscription. `enabled: true` enables it again
/// (and clears the reason it was disabled); `enabled: false` disables it.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": true}))]
pub struct UpdateWebhookSubscription {
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[serde(default, deserialize_with = "required_in_patch")]
    #[schema(
        min_length = 1,
        max_length = 2000,
        nullable = false,
        pattern = "^https?://[!-~]+$"
    )]
    pub url: Option<String>,
    #[validate(length(min = 1, max = 50, message = "must name 1 to 50 event types"))]
    #[serde(default, deserialize_with = "required_in_patch")]
    #[schema(value_type = Option<Vec<EventTypeName>>, min_items = 1, max_items = 50, nullable = false)]
    pub event_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>, max_length = 500)]
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "required_in_patch")]
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
}

/// The reason of a subscription an admin disabled.
const DISABLED_BY_ADMIN: &str = "disabled by an admin";

/// `response` (its status and headers) with the subscription and its
/// secret as the body. The ETag is that of the subscription without the
/// secret: the representation every later read answers.
fn with_secret(
    response: HttpResponse,
    subscription: WebhookSubscription,
    secret: String,
) -> HttpResponse {
    let mut view = WebhookSubscriptionView::from(subscription);
    let etag = respond::etag(view.version, &serde_json::to_vec(&view).unwrap_or_default());
    view.secret = Some(secret);
    let mut builder = HttpResponse::build(response.status());
    for (name, value) in response.headers() {
        builder.insert_header((name.clone(), value.clone()));
    }
    builder
        .insert_header((actix_web::http::header::ETAG, etag))
        .json(view)
}

/// The longest event type a subscription names.
pub const MAX_EVENT_TYPE_LENGTH: usize = 100;

/// `<resource_type>.<action>` or `<resource_type>.*` (the spec's schema of
/// one event type).
pub struct EventTypeName;

impl utoipa::PartialSchema for EventTypeName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(MAX_EVENT_TYPE_LENGTH))
            .pattern(Some(r"^[a-z_]+\.([a-z_]+|\*)$"))
            .description(Some(
                "`<resource_type>.<action>` (such as `grant_application.decide`) or `<resource_type>.*`",
            ))
            .examples([serde_json::json!("grant_application.decide")])
            .into()
    }
}

impl ToSchema for EventTypeName {}

/// The URL and event types, checked; every bad one named.
fn checked(
    policy: &UrlPolicy,
    url: Option<&str>,
    event_types: Option<&[String]>,
) -> Result<Vec<EventTypeFilter>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Some(Err(message)) = url.map(|u| policy.check(u)) {
        errors.push(FieldError::new("url", message));
    }
    let mut filters = Vec::new();
    for (i, text) in event_types.unwrap_or_default().iter().enumerate() {
        let field = format!("event_types[{i}]");
        if text.len() > MAX_EVENT_TYPE_LENGTH {
            errors.push(FieldError::new(field, "must be at most 100 characters"));
            continue;
        }
        match EventTypeFilter::parse(text) {
            Ok(f) => filters.push(f),
            Err(message) => errors.push(FieldError::new(field, message)),
        }
    }
    super::fields_valid(errors, filters)
}

/// One attempt of a delivery.
#[derive(Serialize, ToSchema)]
pub struct AttemptView {
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status; null when it did not answer.
    pub status_code: Option<i64>,
    /// Why the attempt failed; null when it succeeded.
    pub error: Option<String>,
    pub latency_ms: i64,
}

impl From<Attempt> for AttemptView {
    fn from(a: Attempt) -> Self {
        AttemptView {
            attempted_at: a.attempted_at,
            status_code: a.status_code,
            error: a.error,
            latency_ms: a.latency_ms,
        }
    }
}

/// One event's delivery to a subscription.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-0000-7000-8000-0000000000d1",
    "webhook_id": "0193a1b2-0000-7000-8000-000000000001",
    "event_type": "grant_application.decide",
    "occurred_at": "2026-12-07T09:30:00Z",
    "status": "pending",
    "attempts": 1,
    "next_attempt_at": "2026-12-07T09:30:31Z",
    "last_status": 500,
    "last_error": "the receiver answered 500",
    "last_latency_ms": 84,
    "created_at": "2026-12-07T09:30:00Z",
    "updated_at": "2026-12-07T09:30:01Z",
    "log": [{"attempted_at": "2026-12-07T09:30:01Z", "status_code": 500, "error": "the receiver answered 500", "latency_ms": 84}]
}))]
pub struct DeliveryView {
    pub id: WebhookDeliveryId,
    /// The `webhook-id` header of every attempt: the change's id (the same
    /// as in the change feed), or a ping's own.
    pub webhook_id: String,
    /// `<resource_type>.<action>`, or `webhook.ping`.
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    /// `pending` (to be sent, or sent again after a failure), `succeeded`
    /// (answered 2xx), `failed` (every attempt failed).
    pub status: DeliveryStatus,
    /// Attempts since it was queued (or replayed).
    pub attempts: i64,
    /// When it is sent next; null unless pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub last_latency_ms: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Every attempt, oldest first.
    pub log: Vec<AttemptView>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            id: d.id,
            webhook_id: d.event_id,
            event_type: d.event_type,
            occurred_at: d.occurred_at,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_status: d.last_status,
            last_error: d.last_error,
            last_latency_ms: d.last_latency_ms,
            created_at: d.created_at,
            updated_at: d.updated_at,
            log: d.log.into_iter().map(AttemptView::from).collect(),
        }
    }
}

/// A page of deliveries, newest first.
#[derive(Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<DeliveryView>,
    pub next_cursor: Option<String>,
}

/// The time range of a replay.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"from": "2026-12-07T00:00:00Z", "to": "2026-12-08T00:00:00Z"}))]
pub struct ReplayRange {
    /// From this time (included).
    pub from: DateTime<Utc>,
    /// Up to this time (excluded); after `from`.
    pub to: DateTime<Utc>,
}

/// How many deliveries a replay queued.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"queued": 12}))]
pub struct ReplayQueued {
    pub queued: usize,
}

/// List webhook subscriptions
///
/// City admins only. Oldest first; the secrets are not shown.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(SubListQuery),
    responses(
        (status = 200, description = "A page of subscriptions", body = WebhookSubscriptionList),
        (status = 400, description = "Unknown query parameter or bad value", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only city admins manage webhooks", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhook-subscriptions")]
pub async fn list_webhook_subscriptions(
    state: web::Data<AppState>,
    caller: SignedIn,
    query: ValidQuery<SubListQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let all = state.db(store::list).await?;
    let views: Vec<WebhookSubscriptionView> = all.into_iter().map(Into::into).collect();
    sub_list(&req, &query.into_inner(), views)
}

/// Subscribe a URL to changes
///
/// City admins only. Every committed change whose type matches one of
/// `event_types` (from now on) is `POST`ed to `url` as a Standard Webhook:
/// headers `webhook-id` (the change's id, the same on every retry),
/// `webhook-timestamp` and `webhook-signature` (`v1,` and the base64 of
/// HMAC-SHA256 with the secret over `{id}.{timestamp}.{body}`), and the
/// body `{"type", "timestamp", "data"}` where `data` is the change as the
/// change feed shows it. The answer carries the `secret`, shown only here
/// and on rotate-secret.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$", description = "Makes a retry return the first response (kept 24 h)")),
    request_body(content = CreateWebhookSubscription, content_type = "application/json"),
    responses(
        (status = 201, description = "Subscribed; the answer shows the secret once", body = WebhookSubscriptionView, headers(("Location" = String, description = "The subscription's URL"), ("ETag" = String, description = "The version"))),
        (status = 403, description = "Only city admins manage webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A URL that is not https, or names an internal address; an unknown event type; or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhook-subscriptions")]
pub async fn create_webhook_subscription(
    state: web::Data<AppState>,
    caller: SignedIn,
    body: JsonBody<CreateWebhookSubscription>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let req = body.0;
    let event_types = checked(
        &state.settings.webhooks.urls,
        Some(&req.url),
        Some(&req.event_types),
    )
    .map_err(ApiError::Validation)?;
    let details = SubscriptionDetails {
        url: req.url,
        event_types,
        description: req.description,
        enabled: req.enabled.unwrap_or(true),
        disabled_reason: (req.enabled == Some(false)).then(|| DISABLED_BY_ADMIN.to_owned()),
    };
    let secret = Secret::generate();
    let shown = secret.expose();
    let created = state
        .db(move |conn| store::insert(conn, details, &secret))
        .await?;
    let location = format!("/api/v1/webhook-subscriptions/{}", created.id);
    Ok(with_secret(
        respond::created(location, None, &()),
        created,
        shown,
    ))
}

/// Read a webhook subscription
///
/// City admins only. The secret is not shown.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = WebhookSubscriptionId, Path, description = "The subscription's id")),
    responses(
        (status = 200, description = "The subscription", body = WebhookSubscriptionView, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only city admins manage webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhook-subscriptions/{id}")]
pub async fn get_webhook_subscription(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<WebhookSubscriptionId>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let id = id.into_inner();
    let found = state
        .db(move |conn| store::find(conn, id))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(respond::ok(
        found.version,
        &WebhookSubscriptionView::from(found),
    ))
}

/// Change a webhook subscription
///
/// City admins only. A JSON merge patch of `url`, `event_types`,
/// `description` and `enabled`: `enabled: true` enables a subscription the
/// service disabled after failures (and clears the reason and the count);
/// `enabled: false` disables it.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("id" = WebhookSubscriptionId, Path, description = "The subscription's id"),
        Precondition,
    ),
    request_body(content = UpdateWebhookSubscription, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = WebhookSubscriptionView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only city admins manage webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhook-subscriptions/{id}")]
pub async fn update_webhook_subscription(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<WebhookSubscriptionId>,
    precondition: Precondition,
    body: JsonBody<UpdateWebhookSubscription>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let id = id.into_inner();
    let patch = body.0;
    let event_types = checked(
        &state.settings.webhooks.urls,
        patch.url.as_deref(),
        patch.event_types.as_deref(),
    )
    .map_err(ApiError::Validation)?;
    let updated = state
        .db(move |conn| {
            store::update(conn, id, precondition.0, |mut d| {
                if let Some(url) = patch.url {
                    d.url = url;
                }
                if patch.event_types.is_some() {
                    d.event_types = event_types;
                }
                if let Some(description) = patch.description {
                    d.description = description;
                }
                match patch.enabled {
                    Some(true) => {
                        d.enabled = true;
                        d.disabled_reason = None;
                    }
                    Some(false) if d.enabled => {
                        d.enabled = false;
                        d.disabled_reason = Some(DISABLED_BY_ADMIN.into());
                    }
                    _ => {}
                }
                Ok(d)
            })
        })
        .await?;
    Ok(respond::ok(
        updated.version,
        &WebhookSubscriptionView::from(updated),
    ))
}

/// Delete a webhook subscription
///
/// City admins only. Its deliveries and their log go with it.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("id" = WebhookSubscriptionId, Path, description = "The subscription's id"),
        Precondition,
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only city admins manage webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhook-subscriptions/{id}")]
pub async fn delete_webhook_subscription(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<WebhookSubscriptionId>,
    precondition: Precondition,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let id = id.into_inner();
    state
        .db(move |conn| store::delete(conn, id, precondition.0))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate a subscription's secret
///
/// City admins only. Answers the new secret, once. For 24 hours the old
/// secret still signs too: `webhook-signature` then carries both
/// signatures, separated by a space, so the receiver can switch without
/// refusing a delivery.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("id" = WebhookSubscriptionId, Path, description = "The subscription's id"),
        Precondition,
    ),
    responses(
        (status = 200, description = "The subscription with its new secret", body = WebhookSubscriptionView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only city admins manage webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhook-subscriptions/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<WebhookSubscriptionId>,
    precondition: Precondition,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let id = id.into_inner();
    let secret = Secret::generate();
    let shown = secret.expose();
    let grace_until = crate::domain::now()
        + chrono::Duration::from_std(ROTATION_GRACE).unwrap_or(chrono::Duration::days(1));
    let rotated = state
        .db(move |conn| store::rotate_secret(conn, id, precondition.0, &secret, grace_until))
        .await?;
    Ok(with_secret(HttpResponse::Ok().finish(), rotated, shown))
}

/// Send a test ping
///
/// City admins only. Queues a `webhook.ping` delivery (body
/// `{"type": "webhook.ping", "timestamp", "data": {"subscription_id"}}`),
/// signed like every other; it is sent also while the subscription is
/// disabled, to check a receiver before enabling it again.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = WebhookSubscriptionId, Path, description = "The subscription's id")),
    responses(
        (status = 202, description = "Queued; its log shows how it went", body = DeliveryView),
        (status = 403, description = "Only city admins manage webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhook-subscriptions/{id}/ping")]
pub async fn ping_webhook_subscription(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<WebhookSubscriptionId>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let id = id.into_inner();
    let payload = ping_payload(id, crate::domain::now()).to_string();
    let queued = state
        .db(move |conn| store::ping(conn, id, &payload))
        .await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::from(queued)))
}

/// List a subscription's deliveries
///
/// City admins only. The delivery log, newest first: each delivery's
/// status, attempts, the last status, error and latency, and every attempt.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("id" = WebhookSubscriptionId, Path, description = "The subscription's id"),
        SubListQuery,
    ),
    responses(
        (status = 200, description = "A page of deliveries, newest first", body = DeliveryList),
        (status = 400, description = "Unknown query parameter or bad value", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only city admins manage webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhook-subscriptions/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<WebhookSubscriptionId>,
    query: ValidQuery<SubListQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let id = id.into_inner();
    let (limit, start) = sub_list_window(&query.into_inner())?;
    let (found, total) = state
        .db(move |conn| store::deliveries(conn, id, limit + 1, start))
        .await?;
    let views: Vec<DeliveryView> = found.into_iter().map(Into::into).collect();
    Ok(sub_list_page(&req, limit, start, total, views))
}

/// Send a delivery again
///
/// City admins only. Queues the delivery again, whatever its status, with
/// the same `webhook-id` and body and a fresh count of attempts.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("id" = WebhookSubscriptionId, Path, description = "The subscription's id"),
        ("delivery_id" = WebhookDeliveryId, Path, description = "The delivery's id"),
    ),
    responses(
        (status = 202, description = "Queued again", body = DeliveryView),
        (status = 403, description = "Only city admins manage webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription or delivery", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhook-subscriptions/{id}/deliveries/{delivery_id}/replay")]
pub async fn replay_webhook_delivery(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(WebhookSubscriptionId, WebhookDeliveryId)>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let (id, delivery) = path.into_inner();
    let queued = state
        .db(move |conn| store::replay(conn, id, delivery))
        .await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::from(queued)))
}

/// Send the changes of a time range again
///
/// City admins only. Every change in `[from, to)` that the subscription
/// takes is queued: deliveries it had are sent again, and changes still
/// in the outbox (`SAMVERKAN_OUTBOX_RETENTION_DAYS`) that it never got
/// (it was disabled, or created later) are sent for the first time.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = WebhookSubscriptionId, Path, description = "The subscription's id")),
    request_body(content = ReplayRange, content_type = "application/json"),
    responses(
        (status = 202, description = "Queued", body = ReplayQueued),
        (status = 403, description = "Only city admins manage webhooks", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` is not after `from`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhook-subscriptions/{id}/replay")]
pub async fn replay_webhook_subscription(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<WebhookSubscriptionId>,
    body: JsonBody<ReplayRange>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageWebhooks)?;
    let id = id.into_inner();
    let ReplayRange { from, to } = body.0;
    if to <= from {
        return Err(ApiError::invalid("to", "must be after `from`"));
    }
    let queued = state
        .db(move |conn| store::replay_range(conn, id, from, to, &webhook_payload))
        .await?;
    Ok(HttpResponse::Accepted().json(ReplayQueued { queued }))
}

/// Registers the webhook routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_webhook_subscriptions)
        .service(create_webhook_subscription)
        .service(get_webhook_subscription)
        .service(update_webhook_subscription)
        .service(delete_webhook_subscription)
        .service(rotate_webhook_secret)
        .service(ping_webhook_subscription)
        .service(list_webhook_deliveries)
        .service(replay_webhook_delivery)
        .service(replay_webhook_subscription);
}
