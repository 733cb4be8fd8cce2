//! Sends one webhook delivery: a signed `POST` of its body, blocking (run
//! it on the blocking pool). The target's addresses are checked where they
//! are resolved for the connection itself (a resolver that drops internal
//! addresses the allow-list does not name), so a name that resolves to a
//! public address when the subscription is saved and to an internal one
//! when it is called (DNS rebinding) is refused too. Redirects are not
//! followed, no proxy from the environment is used, each attempt has a
//! timeout, and at most [`MAX_RESPONSE_BYTES`] of the answer are read.

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::config::WebhookSettings;
use crate::db::webhooks::{AttemptResult, Claimed};
use crate::domain::webhook::{address_allowed, signature_header, AllowList};

/// The most of a receiver's answer that is read (it is not kept; reading
/// it lets the connection end cleanly).
pub const MAX_RESPONSE_BYTES: u64 = 4096;

/// What a refused address fails with.
pub const ADDRESS_NOT_ALLOWED: &str = "address not allowed";

/// Resolves as the system does, then keeps only the addresses the service
/// may connect to.
#[derive(Debug)]
struct GuardedResolver {
    inner: DefaultResolver,
    allow: Arc<AllowList>,
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = self.inner.resolve(uri, config, timeout)?;
        let host = uri.host().unwrap_or_default();
        let mut kept = self.empty();
        for addr in resolved.iter() {
            if address_allowed(*addr, host, &self.allow) {
                kept.push(*addr);
            }
        }
        if kept.is_empty() {
            return Err(ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                ADDRESS_NOT_ALLOWED,
            )));
        }
        Ok(kept)
    }
}

/// The HTTP client of webhook deliveries.
pub struct WebhookClient {
    agent: ureq::Agent,
}

impl WebhookClient {
    pub fn new(settings: &WebhookSettings) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .https_only(!settings.urls.allow_http)
            .proxy(None)
            .timeout_global(Some(Duration::from_millis(settings.timeout_ms)))
            .user_agent(concat!("samverkan-webhooks/", env!("CARGO_PKG_VERSION")))
            .build();
        let resolver = GuardedResolver {
            inner: DefaultResolver::default(),
            allow: Arc::new(settings.urls.allow.clone()),
        };
        WebhookClient {
            agent: ureq::Agent::with_parts(config, DefaultConnector::default(), resolver),
        }
    }

    /// One attempt: `POST` the body with the Standard Webhooks headers.
    pub fn send(&self, delivery: &Claimed) -> AttemptResult {
        let at = crate::domain::now();
        let timestamp = at.timestamp();
        let signature = signature_header(
            &delivery.secret,
            delivery.previous_secret.as_ref(),
            &delivery.event_id,
            timestamp,
            delivery.payload.as_bytes(),
        );
        let started = Instant::now();
        let sent = self
            .agent
            .post(&delivery.url)
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .send(delivery.payload.as_bytes());
        let (status_code, error) = match sent {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let mut sink = Vec::new();
                // What is read is not kept; an answer that breaks off is still an answer.
                let _ = response
                    .body_mut()
                    .as_reader()
                    .take(MAX_RESPONSE_BYTES)
                    .read_to_end(&mut sink);
                let error = (!(200..300).contains(&status))
                    .then(|| format!("the receiver answered {status}"));
                (Some(status), error)
            }
            Err(err) => (None, Some(describe(&err))),
        };
        AttemptResult {
            at,
            status_code,
            error,
            latency_ms: started.elapsed().as_millis().min(i64::MAX as u128) as i64,
        }
    }
}

/// A transport error in a line for the delivery log.
fn describe(err: &ureq::Error) -> String {
    match err {
        ureq::Error::Io(io) if io.to_string() == ADDRESS_NOT_ALLOWED => format!(
            "{ADDRESS_NOT_ALLOWED}: the host resolves only to loopback, private, link-local or otherwise internal addresses"
        ),
        ureq::Error::Timeout(_) => "no answer within the timeout".into(),
        ureq::Error::HostNotFound => "the host name does not resolve".into(),
        other => other.to_string(),
    }
}
