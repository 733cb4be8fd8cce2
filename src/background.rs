//! Work each replica does beside serving requests, as tasks on the server's
//! runtime that end with it: pruning the outbox past its retention, and
//! making and sending e-mail notices (when an SMTP server is set), and
//! delivering webhooks. Every such task coordinates through the database
//! only, so any number of replicas may run it at once.

use std::sync::Arc;
use std::time::Duration;

use actix_web::rt::task::JoinHandle;
use actix_web::web;

use crate::api::AppState;
use crate::db::outbox::{self, Event};
use crate::db::webhooks;
use crate::webhook_client::WebhookClient;

/// How often the outbox is pruned (and how long after start the first time).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
const FIRST_PRUNE_AFTER: Duration = Duration::from_secs(60);

/// Starts the background tasks; the caller aborts them when the server ends.
pub fn start(state: web::Data<AppState>) -> Vec<JoinHandle<()>> {
    let mut tasks = vec![
        actix_web::rt::spawn(prune_outbox(state.clone())),
        actix_web::rt::spawn(deliver_webhooks(state.clone())),
    ];
    match crate::notices::Mailer::from_settings(&state.settings.notices) {
        Ok(Some(mailer)) => tasks.push(actix_web::rt::spawn(crate::notices::run(state, mailer))),
        Ok(None) => tracing::info!("e-mail notices are off: no SAMVERKAN_SMTP_URL"),
        Err(err) => {
            tracing::error!(error = %err, "e-mail notices are off: the SMTP settings are unusable")
        }
    }
    tasks
}

/// Deletes the changes older than the retention, once an hour. Two replicas
/// pruning at once delete the same prefix; the second finds less to do.
async fn prune_outbox(state: web::Data<AppState>) {
    actix_web::rt::time::sleep(FIRST_PRUNE_AFTER).await;
    loop {
        let days = i64::from(state.settings.outbox.retention_days);
        let before = crate::domain::now() - chrono::Duration::days(days);
        match state.db(move |conn| outbox::prune(conn, before)).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, days, "outbox pruned past its retention"),
            Err(err) => tracing::warn!(error = %err, "outbox pruning failed; tried again later"),
        }
        actix_web::rt::time::sleep(PRUNE_EVERY).await;
    }
}

/// Outbox events fanned out to subscriptions per round.
const FAN_OUT_BATCH: usize = 200;
/// The longest pause between two webhook rounds: a change waits about
/// half of it on average before it is fanned out (benches/results.md,
/// "Outbox and webhooks").
const WEBHOOK_ROUND_AT_MOST: Duration = Duration::from_millis(250);
/// Deliveries one replica claims and sends at once per round.
const SEND_BATCH: usize = 32;

/// The body of a change's delivery (Standard Webhooks' suggested shape):
/// its type, when it happened, and the change as the change feed shows it.
pub fn webhook_payload(event: &Event) -> String {
    let view = crate::api::changes::ChangeView::from(event.clone());
    serde_json::json!({
        "type": view.event_type,
        "timestamp": view.occurred_at,
        "data": view,
    })
    .to_string()
}

/// A number in `[0, 1)` to spread retries.
fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    match getrandom::getrandom(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

/// Every round (a quarter of a second, or the backoff base when shorter): fans new
/// outbox events out to subscriptions, claims the deliveries that are due
/// and sends them, each on the blocking pool, recording every attempt.
async fn deliver_webhooks(state: web::Data<AppState>) {
    let settings = state.settings.webhooks.clone();
    let client = Arc::new(WebhookClient::new(&settings));
    let every = settings
        .retry
        .base
        .clamp(Duration::from_millis(50), WEBHOOK_ROUND_AT_MOST);
    // A claim outlasts the attempt, so no replica sends a delivery another is still sending.
    let lease = Duration::from_millis(settings.timeout_ms) + Duration::from_secs(30);
    // A round that found a full batch is followed by the next at once (more
    // is waiting); any other round waits, so a steady stream of writes does
    // not keep the worker spinning beside them.
    let mut busy = false;
    loop {
        if !busy {
            actix_web::rt::time::sleep(every).await;
        }
        busy = match state
            .db(|conn| webhooks::fan_out(conn, FAN_OUT_BATCH, &webhook_payload))
            .await
        {
            Ok(fanned) => fanned >= FAN_OUT_BATCH,
            Err(err) => {
                tracing::warn!(error = ?err, "webhook fan-out failed; tried again next round");
                false
            }
        };
        let now = crate::domain::now();
        let claimed = match state
            .db(move |conn| {
                if webhooks::any_due(conn, now)? {
                    webhooks::claim_due(conn, now, lease, SEND_BATCH)
                } else {
                    Ok(Vec::new())
                }
            })
            .await
        {
            Ok(claimed) => claimed,
            Err(err) => {
                tracing::warn!(error = ?err, "claiming webhook deliveries failed; tried again next round");
                busy = false;
                continue;
            }
        };
        busy |= claimed.len() == SEND_BATCH;
        let sends = claimed.into_iter().map(|delivery| {
            let (state, client, policy) = (state.clone(), client.clone(), settings.retry);
            async move {
                let delivery = Arc::new(delivery);
                let sent = delivery.clone();
                let Ok(result) = web::block(move || client.send(&sent)).await else {
                    return;
                };
                if let Some(error) = &result.error {
                    tracing::info!(delivery = %delivery.id, %error, "webhook delivery attempt failed");
                }
                let recorded = state
                    .db(move |conn| webhooks::record(conn, &delivery, &result, &policy, jitter()))
                    .await;
                if let Err(err) = recorded {
                    // The claim lapses and the delivery is sent again.
                    tracing::warn!(error = ?err, "recording a webhook attempt failed");
                }
            }
        });
        futures_util::future::join_all(sends).await;
    }
}
