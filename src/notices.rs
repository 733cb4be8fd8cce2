//! The e-mail notice worker: on every replica, it hands the outbox's new
//! changes to `db::notices::make` (one replica at a time: the `notices`
//! consumer's row is the lock) and sends the notices that are due over
//! SMTP (each taken by one replica: `SKIP LOCKED`), retrying with a
//! doubling delay.

use std::time::Duration;

use actix_web::web;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};

use crate::api::AppState;
use crate::config::NoticeSettings;
use crate::db::{notices, outbox};
use crate::domain::notice::retry_delay;

/// The outbox consumer that makes notices.
const CONSUMER: &str = "notices";
/// How often the worker looks for work when it found none.
const IDLE: Duration = Duration::from_millis(500);
/// Changes handed on, and notices taken, per round.
const BATCH: usize = 50;
/// How long a taken notice is this worker's: past it, another may take it.
const LEASE: Duration = Duration::from_secs(120);
/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// What sends the notices: the SMTP server and the sender.
#[derive(Clone)]
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
    retry_ms: u64,
}

impl Mailer {
    /// The mailer the settings give; `None` when no SMTP server is set.
    pub fn from_settings(settings: &NoticeSettings) -> Result<Option<Mailer>, String> {
        let Some(url) = &settings.smtp_url else {
            return Ok(None);
        };
        let transport = SmtpTransport::from_url(url)
            .map_err(|e| format!("SAMVERKAN_SMTP_URL: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = settings
            .from
            .as_deref()
            .ok_or("SAMVERKAN_NOTICE_FROM is required with an SMTP server")?
            .parse::<Mailbox>()
            .map_err(|e| format!("SAMVERKAN_NOTICE_FROM: {e}"))?;
        Ok(Some(Mailer {
            transport,
            from,
            retry_ms: settings.retry_ms,
        }))
    }

    /// Sends one notice; the error in words when the server (or the
    /// address) refuses it.
    fn send(&self, notice: &notices::Outgoing) -> Result<(), String> {
        let to = notice
            .recipient
            .parse::<Mailbox>()
            .map_err(|e| format!("the contact address cannot be used: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            // The same id on every attempt, so a server that got a retry
            // of a message it already took can tell.
            .message_id(Some(format!("<{}@samverkan>", notice.id)))
            .subject(notice.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(notice.body.clone())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(&message)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Makes and sends notices until the server stops.
pub async fn run(state: web::Data<AppState>, mailer: Mailer) {
    // Switched on for the first time, the worker tells of changes from now
    // on, not of everything the outbox still keeps.
    while let Err(err) = state
        .db(|conn| outbox::start_from_now(conn, CONSUMER))
        .await
    {
        tracing::warn!(error = %err, "notices: cannot start the outbox consumer; trying again");
        actix_web::rt::time::sleep(IDLE * 4).await;
    }
    let base = state.settings.public_url.trim_end_matches('/').to_owned();
    loop {
        let made = {
            let base = base.clone();
            state
                .db(move |conn| {
                    // Most rounds find nothing new: a read, not the write
                    // lock, says so.
                    if !outbox::has_after_consumer(conn, CONSUMER)? {
                        return Ok(0);
                    }
                    outbox::consume(conn, CONSUMER, BATCH, |conn, events| {
                        let link = |resource, id: &str| {
                            format!("{base}{}", crate::api::changes::href(resource, id, None))
                        };
                        notices::make(conn, events, &link).map(|_| ())
                    })
                })
                .await
        };
        let taken = state
            .db(|conn| {
                notices::take_due(
                    conn,
                    BATCH,
                    chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::MAX),
                )
            })
            .await;
        let taken = match (made, taken) {
            (Ok(_), Ok(taken)) => taken,
            (Err(err), _) | (_, Err(err)) => {
                tracing::warn!(error = %err, "notices: a round failed; trying again");
                actix_web::rt::time::sleep(IDLE * 4).await;
                continue;
            }
        };
        if taken.is_empty() {
            actix_web::rt::time::sleep(IDLE).await;
            continue;
        }
        for notice in taken {
            let sender = mailer.clone();
            let outgoing = notice.clone();
            let sent = web::block(move || sender.send(&outgoing))
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
            let recorded = match sent {
                Ok(()) => state.db(move |conn| notices::sent(conn, &notice.id)).await,
                Err(error) => {
                    tracing::warn!(notice = %notice.id, attempt = notice.attempt, %error, "notice not sent");
                    let retry_at = crate::domain::now()
                        + chrono::Duration::from_std(retry_delay(mailer.retry_ms, notice.attempt))
                            .unwrap_or(chrono::Duration::MAX);
                    state
                        .db(move |conn| {
                            notices::attempt_failed(
                                conn,
                                &notice.id,
                                notice.attempt,
                                &error,
                                retry_at,
                            )
                        })
                        .await
                }
            };
            if let Err(err) = recorded {
                // The lease runs out and the notice is taken again.
                tracing::warn!(error = %err, "notices: could not record an attempt");
            }
        }
    }
}
