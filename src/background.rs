//! Work each replica does beside serving requests, as tasks on the server's
//! runtime that end with it: pruning the outbox past its retention, and
//! making and sending e-mail notices (when an SMTP server is set). Every
//! such task coordinates through the database only, so any number of
//! replicas may run it at once.

use std::time::Duration;

use actix_web::rt::task::JoinHandle;
use actix_web::web;

use crate::api::AppState;
use crate::db::outbox;

/// How often the outbox is pruned (and how long after start the first time).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
const FIRST_PRUNE_AFTER: Duration = Duration::from_secs(60);

/// Starts the background tasks; the caller aborts them when the server ends.
pub fn start(state: web::Data<AppState>) -> Vec<JoinHandle<()>> {
    let mut tasks = vec![actix_web::rt::spawn(prune_outbox(state.clone()))];
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
