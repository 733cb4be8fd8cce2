//! `GET /api/v1/delivery-status`: how far what the outbox feeds (webhook
//! deliveries, e-mail notices) is behind, for the city's operators.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::AppState;
use crate::auth::SignedIn;
use crate::db::{notices, outbox, webhooks};
use crate::domain::access::{authorize, Action};
use crate::error::{ApiError, Problem};

/// An outbox consumer's position.
#[derive(Serialize, ToSchema)]
pub struct ConsumerStatus {
    /// `webhooks` (fan-out to subscriptions) or `notices` (e-mail notices).
    pub name: String,
    /// Committed changes it has not taken yet.
    pub behind: i64,
    /// When the oldest of them happened; null when it is up to date.
    pub oldest_waiting_since: Option<DateTime<Utc>>,
}

/// Webhook deliveries still to be sent.
#[derive(Serialize, ToSchema)]
pub struct WebhookBacklog {
    pub pending: i64,
    /// When the change of the oldest pending delivery happened.
    pub oldest_pending_since: Option<DateTime<Utc>>,
}

/// E-mail notices still to be sent, and those given up on.
#[derive(Serialize, ToSchema)]
pub struct NoticeBacklog {
    pub pending: i64,
    pub failed: i64,
    /// When the oldest pending notice was made.
    pub oldest_pending_since: Option<DateTime<Utc>>,
}

/// The delivery workers' state.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "consumers": [
        {"name": "notices", "behind": 0, "oldest_waiting_since": null},
        {"name": "webhooks", "behind": 3, "oldest_waiting_since": "2026-12-07T09:30:00Z"}
    ],
    "webhook_deliveries": {"pending": 2, "oldest_pending_since": "2026-12-07T09:29:58Z"},
    "notices": {"pending": 0, "failed": 1, "oldest_pending_since": null}
}))]
pub struct DeliveryOverview {
    /// Each consumer of the outbox, by name.
    pub consumers: Vec<ConsumerStatus>,
    pub webhook_deliveries: WebhookBacklog,
    pub notices: NoticeBacklog,
}

/// Read the delivery status
///
/// How far the workers that deliver from the outbox are behind: each
/// consumer's committed changes not yet taken (and the oldest one's time),
/// the webhook deliveries and e-mail notices still to be sent. For city
/// admins; a monitoring system alerts on an old `oldest_*` time.
#[utoipa::path(
    tag = "changes",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The delivery workers' state", body = DeliveryOverview),
        (status = 403, description = "Not a city admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/delivery-status")]
pub async fn get_delivery_status(
    state: web::Data<AppState>,
    caller: SignedIn,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDeliveryStatus)?;
    let status = state
        .db(|conn| {
            let consumers = outbox::consumers(conn)?
                .into_iter()
                .map(|name| {
                    let (behind, oldest) = outbox::consumer_lag(conn, &name)?;
                    Ok(ConsumerStatus {
                        name,
                        behind,
                        oldest_waiting_since: oldest,
                    })
                })
                .collect::<Result<Vec<_>, crate::db::StoreError>>()?;
            let (pending, oldest) = webhooks::backlog(conn)?;
            let (waiting, failed, oldest_notice) = notices::backlog(conn)?;
            Ok(DeliveryOverview {
                consumers,
                webhook_deliveries: WebhookBacklog {
                    pending,
                    oldest_pending_since: oldest,
                },
                notices: NoticeBacklog {
                    pending: waiting,
                    failed,
                    oldest_pending_since: oldest_notice,
                },
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(status))
}

/// Registers the delivery status route.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_delivery_status);
}
