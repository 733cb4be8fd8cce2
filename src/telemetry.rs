//! Structured logs with tracing.

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber; `RUST_LOG` overrides the default `info`.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().finish().with(ClientFaults).try_init(),
        LogFormat::Text => builder.finish().with(ClientFaults).try_init(),
    };
}

/// actix-http logs a request it cannot parse (a NUL byte in a header, a
/// broken request line) at ERROR, though the fault is the client's and the
/// client got its 400. This layer logs those at WARN instead.
pub struct ClientFaults;

impl<S: Subscriber> Layer<S> for ClientFaults {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        match client_parse_error(event) {
            Some(message) => {
                tracing::warn!(target: "samverkan::http", error = %message, "a request that does not parse as HTTP was refused with 400");
                false
            }
            None => true,
        }
    }
}

/// The message of an actix-http ERROR event about a request that does not parse.
pub fn client_parse_error(event: &Event<'_>) -> Option<String> {
    let meta = event.metadata();
    if *meta.level() != Level::ERROR || !meta.target().starts_with("actix_http::h1") {
        return None;
    }
    struct Message(Option<String>);
    impl tracing::field::Visit for Message {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                self.0 = Some(format!("{value:?}"));
            }
        }
    }
    let mut message = Message(None);
    event.record(&mut message);
    message.0.filter(|m| m.contains("request parse error"))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use tracing_subscriber::Registry;

    /// Keeps (level, target) of every event that reaches it.
    struct Seen(Arc<Mutex<Vec<(Level, String)>>>);

    impl<S: Subscriber> Layer<S> for Seen {
        fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
            let meta = event.metadata();
            self.0
                .lock()
                .unwrap()
                .push((*meta.level(), meta.target().to_owned()));
        }
    }

    #[test]
    fn a_request_that_does_not_parse_is_a_warning_and_other_errors_stay_errors() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let subscriber = Registry::default()
            .with(Seen(seen.clone()))
            .with(ClientFaults);
        // Global, as in the server (a scoped dispatcher drops events
        // raised while it dispatches one). Only this test installs one.
        tracing::subscriber::set_global_default(subscriber).unwrap();
        tracing::error!(target: "actix_http::h1::dispatcher", "stream error: {}", "request parse error: invalid Header provided");
        tracing::error!(target: "actix_http::h1::dispatcher", "Upgrade handler error: broken");
        tracing::error!(target: "samverkan::telemetry_test", "internal error");
        let seen: Vec<_> = seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, target)| {
                target.starts_with("actix_http")
                    || target == "samverkan::http"
                    || target == "samverkan::telemetry_test"
            })
            .cloned()
            .collect();
        assert_eq!(
            seen,
            [
                (Level::WARN, "samverkan::http".to_owned()),
                (Level::ERROR, "actix_http::h1::dispatcher".to_owned()),
                (Level::ERROR, "samverkan::telemetry_test".to_owned()),
            ]
        );
    }
}
