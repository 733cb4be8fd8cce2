//! Webhooks: an admin's subscription of a URL to changes, signed as
//! Standard Webhooks, retried with backoff, and disabled after repeated
//! failures. Pure rules only: the signature, the retry schedule, which
//! event types a subscription takes, and which URLs and addresses the
//! service may call.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::change::ResourceType;
use super::ids::WebhookSubscriptionId;

/// The event type of a test ping (`POST .../ping`).
pub const PING: &str = "webhook.ping";

/// How long the secret replaced by a rotation still signs deliveries, so a
/// receiver can switch to the new one without refusing any delivery.
pub const ROTATION_GRACE: Duration = Duration::from_secs(24 * 3600);

/// The longest wait between two attempts of one delivery.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(6 * 3600);

/// The longest URL a subscription may have.
pub const MAX_URL_LENGTH: usize = 2000;

text_enum!(
    /// Where a delivery stands: still to be sent (or sent again), received
    /// (the receiver answered 2xx), or given up after the last attempt.
    DeliveryStatus {
        Pending => "pending",
        Succeeded => "succeeded",
        Failed => "failed",
    }
);

/// A subscription's secret: 32 random bytes, shown as `whsec_` and their
/// base64 (the Standard Webhooks form).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// A new random secret.
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 32];
        // The operating system's generator failing is not something to serve on.
        getrandom::getrandom(&mut bytes).expect("the operating system's random generator works");
        Secret(bytes)
    }

    /// `whsec_` and the base64 of the bytes.
    pub fn expose(&self) -> String {
        format!("whsec_{}", BASE64.encode(&self.0))
    }

    /// Reads the `whsec_...` form back.
    pub fn parse(text: &str) -> Result<Self, String> {
        let b64 = text
            .strip_prefix("whsec_")
            .ok_or("a secret starts with `whsec_`")?;
        let bytes = BASE64
            .decode(b64)
            .map_err(|_| "a secret is `whsec_` and base64")?;
        if bytes.is_empty() {
            return Err("a secret has at least one byte".into());
        }
        Ok(Secret(bytes))
    }

    /// The Standard Webhooks signature of a delivery:
    /// `v1,` and the base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
    }
}

/// The `webhook-signature` header: the signature with the current secret,
/// and during a rotation's grace period also with the previous one,
/// separated by a space (receivers accept any signature that matches).
pub fn signature_header(
    current: &Secret,
    previous: Option<&Secret>,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    let mut header = current.sign(id, timestamp, body);
    if let Some(previous) = previous {
        header.push(' ');
        header.push_str(&previous.sign(id, timestamp, body));
    }
    header
}

/// The secret replaced by a rotation, while it still signs.
pub fn previous_in_grace(
    previous: Option<Secret>,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Secret> {
    match (previous, until) {
        (Some(secret), Some(until)) if now < until => Some(secret),
        _ => None,
    }
}

/// Which events a subscription takes: `<resource_type>.<action>` (one
/// action) or `<resource_type>.*` (every change of that type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTypeFilter {
    pub resource: ResourceType,
    /// `None` for `*`.
    pub action: Option<String>,
}

impl EventTypeFilter {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (resource, action) = text.split_once('.').ok_or_else(|| {
            format!("`{text}` is not `<resource_type>.<action>` or `<resource_type>.*`")
        })?;
        let resource: ResourceType = resource
            .parse()
            .map_err(|_| format!("`{resource}` is not a resource type"))?;
        let action = match action {
            "*" => None,
            a if !a.is_empty() && a.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') => {
                Some(a.to_owned())
            }
            a => {
                return Err(format!(
                    "`{a}` is not an action (lowercase letters and `_`) or `*`"
                ))
            }
        };
        Ok(EventTypeFilter { resource, action })
    }

    pub fn matches(&self, resource: ResourceType, action: &str) -> bool {
        self.resource == resource && self.action.as_deref().is_none_or(|a| a == action)
    }
}

impl std::fmt::Display for EventTypeFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{}",
            self.resource,
            self.action.as_deref().unwrap_or("*")
        )
    }
}

impl std::str::FromStr for EventTypeFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        EventTypeFilter::parse(s)
    }
}

/// Whether any of `filters` takes this change.
pub fn subscribed(filters: &[EventTypeFilter], resource: ResourceType, action: &str) -> bool {
    filters.iter().any(|f| f.matches(resource, action))
}

/// A subscription as kept.
#[derive(Debug, Clone)]
pub struct WebhookSubscription {
    pub id: WebhookSubscriptionId,
    pub url: String,
    pub event_types: Vec<EventTypeFilter>,
    pub description: Option<String>,
    pub enabled: bool,
    /// Why it was disabled (set by the service after repeated failures, or
    /// by an admin); `None` while enabled.
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the delivery worker does after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    /// The receiver took it.
    Succeeded,
    /// Try again after this long.
    RetryAfter(Duration),
    /// That was the last attempt.
    Failed,
}

/// The retry schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait before the second attempt; each further wait doubles, up
    /// to [`MAX_RETRY_DELAY`].
    pub base: Duration,
    /// Attempts of one delivery before it is `failed`.
    pub max_attempts: u32,
    /// Deliveries of a subscription failed one after another before it is
    /// disabled.
    pub disable_after: u32,
}

impl RetryPolicy {
    /// What follows attempt number `attempts` (1 for the first). `jitter`
    /// in `[0, 1)` spreads the wait over 80 % to 120 % of its nominal
    /// length, so receivers that come back are not met by every retry at once.
    pub fn after_attempt(&self, attempts: u32, succeeded: bool, jitter: f64) -> AfterAttempt {
        if succeeded {
            return AfterAttempt::Succeeded;
        }
        if attempts >= self.max_attempts {
            return AfterAttempt::Failed;
        }
        let doublings = attempts.saturating_sub(1).min(30);
        let nominal = self
            .base
            .saturating_mul(1u32 << doublings)
            .min(MAX_RETRY_DELAY);
        let factor = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
        AfterAttempt::RetryAfter(nominal.mul_f64(factor).min(MAX_RETRY_DELAY))
    }

    /// Whether a subscription whose deliveries failed `consecutive` times in
    /// a row is disabled, and the reason it shows.
    pub fn disables(&self, consecutive: i64, last_error: &str) -> Option<String> {
        (consecutive >= i64::from(self.disable_after)).then(|| {
            format!(
                "disabled after {consecutive} deliveries failed in a row; the last: {last_error}"
            )
        })
    }
}

/// Hosts (and host:port) the operator allows although they resolve to
/// internal addresses (`SAMVERKAN_WEBHOOK_ALLOW_HOSTS`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    entries: Vec<(String, Option<u16>)>,
}

impl AllowList {
    /// `host` or `host:port`, comma-separated (an IPv6 address in brackets).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (host, port) = split_host_port(entry)
                .ok_or_else(|| format!("`{entry}` is not a host or host:port"))?;
            entries.push((host.to_ascii_lowercase(), port));
        }
        Ok(AllowList { entries })
    }

    /// Whether `host` (a name or an address, without brackets) on `port` is allowed.
    pub fn admits(&self, host: &str, port: u16) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.entries
            .iter()
            .any(|(h, p)| h.eq_ignore_ascii_case(host) && p.is_none_or(|p| p == port))
    }
}

/// Splits `host[:port]` (`[v6][:port]`); `None` when malformed.
fn split_host_port(text: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        host.parse::<Ipv6Addr>().ok()?;
        match after {
            "" => (host, None),
            p => (host, Some(p.strip_prefix(':')?)),
        }
    } else {
        match text.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (text, None),
        }
    };
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok().filter(|&p| p != 0)?),
        None => None,
    };
    let valid_name = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b':');
    valid_name.then_some((host, port))
}

/// Whether an address is one on the public internet: not loopback,
/// private (RFC 1918), shared (RFC 6598), link-local (with the cloud
/// metadata address 169.254.169.254), unique-local (fc00::/7),
/// unspecified, broadcast or multicast, nor any of these in IPv4-mapped,
/// IPv4-compatible or NAT64 form.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            // ::ffff:a.b.c.d, ::a.b.c.d and 64:ff9b::a.b.c.d carry an IPv4 address.
            let embedded = (s[..5] == [0; 5] && (s[5] == 0xffff || s[5] == 0))
                || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
            if embedded && !(v6.is_loopback() || v6.is_unspecified()) {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return is_public_v4(Ipv4Addr::new(a, b, c, d));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)))
}

/// Whether the service may connect to `addr`, reached for the URL host
/// `host`: a public address always, an internal one only when the
/// allow-list names the host or the address (with its port, if given).
pub fn address_allowed(addr: SocketAddr, host: &str, allow: &AllowList) -> bool {
    is_public(addr.ip())
        || allow.admits(host, addr.port())
        || allow.admits(&addr.ip().to_string(), addr.port())
}

/// Which URLs a subscription may have.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlPolicy {
    /// `http://` too (`SAMVERKAN_WEBHOOK_ALLOW_HTTP`); HTTPS only otherwise.
    pub allow_http: bool,
    pub allow: AllowList,
}

impl UrlPolicy {
    /// Checks a subscription's URL as far as it can be without resolving
    /// it: the scheme, no credentials, a well-formed host, and a host given
    /// as an internal address (or `localhost`) only when allowed. Names are
    /// checked again on every delivery, on the addresses they resolve to.
    pub fn check(&self, url: &str) -> Result<(), String> {
        if url.len() > MAX_URL_LENGTH {
            return Err(format!("must be at most {MAX_URL_LENGTH} characters"));
        }
        if url.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err("must be printable ASCII without spaces".into());
        }
        let (rest, default_port) = if let Some(rest) = url.strip_prefix("https://") {
            (rest, 443)
        } else if let Some(rest) = url.strip_prefix("http://") {
            if !self.allow_http {
                // A setting of this service, not the URL's shape: the spec
                // takes both schemes.
                return Err(
                    "http:// is not called by this service: it calls https:// only (SAMVERKAN_WEBHOOK_ALLOW_HTTP)"
                        .into(),
                );
            }
            (rest, 80)
        } else {
            return Err("must be an absolute https:// URL".into());
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err("must not carry credentials".into());
        }
        let (host, port) = split_host_port(authority).ok_or("has no valid host")?;
        let port = port.unwrap_or(default_port);
        let internal = match host.parse::<IpAddr>() {
            Ok(ip) => !is_public(ip),
            Err(_) => {
                let name = host.trim_end_matches('.').to_ascii_lowercase();
                host.contains(':') || name == "localhost" || name.ends_with(".localhost")
            }
        };
        if internal && !self.allow.admits(host, port) {
            return Err(format!(
                "`{host}` is a loopback, private, link-local or otherwise internal address; the service does not call it unless SAMVERKAN_WEBHOOK_ALLOW_HOSTS names it"
            ));
        }
        Ok(())
    }
}

/// The body of a test ping.
pub fn ping_payload(subscription: WebhookSubscriptionId, at: DateTime<Utc>) -> serde_json::Value {
    serde_json::json!({
        "type": PING,
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "data": {"subscription_id": subscription},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_standard_webhooks_test_vector() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            secret.sign(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(Secret::parse("whsec_***").is_err());
    }

    #[test]
    fn a_generated_secret_reads_back_and_differs_each_time() {
        let (a, b) = (Secret::generate(), Secret::generate());
        assert_ne!(a, b);
        assert!(a.expose().starts_with("whsec_"));
        assert_eq!(Secret::parse(&a.expose()).unwrap(), a);
        assert_eq!(format!("{a:?}"), "Secret(..)", "never in logs");
    }

    #[test]
    fn during_the_grace_period_both_secrets_sign() {
        let (new, old) = (Secret::generate(), Secret::generate());
        let now = Utc::now();
        let later = now + chrono::Duration::hours(1);
        let kept = previous_in_grace(Some(old.clone()), Some(later), now);
        let header = signature_header(&new, kept.as_ref(), "id", 5, b"{}");
        assert_eq!(
            header,
            format!("{} {}", new.sign("id", 5, b"{}"), old.sign("id", 5, b"{}"))
        );
        assert_eq!(previous_in_grace(Some(old), Some(now), later), None);
    }

    #[test]
    fn event_type_filters() {
        let decide = EventTypeFilter::parse("grant_application.decide").unwrap();
        let any = EventTypeFilter::parse("partnership.*").unwrap();
        assert!(decide.matches(ResourceType::GrantApplication, "decide"));
        assert!(!decide.matches(ResourceType::GrantApplication, "submit"));
        assert!(any.matches(ResourceType::Partnership, "created"));
        assert!(!any.matches(ResourceType::GrantApplication, "created"));
        assert_eq!(any.to_string(), "partnership.*");
        for bad in [
            "grant_application",
            "nothing.created",
            "partnership.",
            "partnership.Created",
            "*.*",
            "*",
        ] {
            assert!(EventTypeFilter::parse(bad).is_err(), "{bad}");
        }
        assert!(subscribed(
            &[decide, any],
            ResourceType::Partnership,
            "deleted"
        ));
    }

    #[test]
    fn retries_back_off_exponentially_with_jitter_and_end() {
        let policy = RetryPolicy {
            base: Duration::from_secs(30),
            max_attempts: 8,
            disable_after: 5,
        };
        let secs = |a, j| match policy.after_attempt(a, false, j) {
            AfterAttempt::RetryAfter(d) => d.as_secs_f64(),
            other => panic!("{other:?}"),
        };
        assert_eq!(secs(1, 0.5), 30.0);
        assert_eq!(secs(2, 0.5), 60.0);
        assert_eq!(secs(3, 0.5), 120.0);
        assert_eq!(secs(1, 0.0), 24.0);
        assert_eq!(secs(1, 1.0), 36.0);
        assert_eq!(secs(7, 0.5), 1920.0);
        let capped = RetryPolicy {
            max_attempts: 40,
            ..policy
        };
        assert_eq!(
            capped.after_attempt(30, false, 1.0),
            AfterAttempt::RetryAfter(MAX_RETRY_DELAY)
        );
        assert_eq!(policy.after_attempt(8, false, 0.5), AfterAttempt::Failed);
        assert_eq!(policy.after_attempt(8, true, 0.5), AfterAttempt::Succeeded);
        assert_eq!(policy.disables(4, "HTTP 500"), None);
        assert!(policy.disables(5, "HTTP 500").unwrap().contains("HTTP 500"));
    }

    #[test]
    fn internal_addresses_are_refused_unless_allowed() {
        let none = AllowList::default();
        let at = |s: &str| s.parse::<SocketAddr>().unwrap();
        for refused in [
            "127.0.0.1:443",
            "10.1.2.3:443",
            "172.16.0.1:443",
            "192.168.1.1:443",
            "169.254.169.254:80",
            "0.0.0.0:443",
            "100.64.0.1:443",
            "255.255.255.255:443",
            "[::1]:443",
            "[::]:443",
            "[fe80::1]:443",
            "[fc00::1]:443",
            "[fd12:3456::1]:443",
            "[::ffff:127.0.0.1]:443",
            "[::ffff:169.254.169.254]:443",
            "[::ffff:10.0.0.1]:443",
            "[64:ff9b::a00:1]:443",
        ] {
            assert!(
                !address_allowed(at(refused), "hooks.example.se", &none),
                "{refused}"
            );
        }
        for public in [
            "93.184.216.34:443",
            "[2a00:1450:400f:80d::200e]:443",
            "[::ffff:93.184.216.34]:443",
        ] {
            assert!(
                address_allowed(at(public), "hooks.example.se", &none),
                "{public}"
            );
        }
        let allow = AllowList::parse("127.0.0.1, intern.goteborg.se:8443, [::1]").unwrap();
        assert!(address_allowed(at("127.0.0.1:9000"), "127.0.0.1", &allow));
        assert!(address_allowed(
            at("10.0.0.5:8443"),
            "intern.goteborg.se",
            &allow
        ));
        assert!(
            !address_allowed(at("10.0.0.5:443"), "intern.goteborg.se", &allow),
            "another port"
        );
        assert!(address_allowed(at("[::1]:80"), "localhost", &allow));
        assert!(!address_allowed(
            at("10.0.0.6:443"),
            "other.goteborg.se",
            &allow
        ));
        assert!(AllowList::parse("a b").is_err());
        assert!(AllowList::parse("host:99999").is_err());
    }

    #[test]
    fn urls_are_https_to_outside_addresses_by_default() {
        let strict = UrlPolicy::default();
        assert!(strict
            .check("https://hooks.example.se/samverkan?x=1")
            .is_ok());
        assert!(strict.check("https://93.184.216.34:8443/hook").is_ok());
        for bad in [
            "http://hooks.example.se/",
            "ftp://hooks.example.se/",
            "hooks.example.se",
            "https://user:pw@hooks.example.se/",
            "https://127.0.0.1/hook",
            "https://[::1]/hook",
            "https://[::ffff:169.254.169.254]/",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.1/",
            "https://localhost:8080/",
            "https://api.localhost/",
            "https:///path",
            "https://bad host/",
        ] {
            assert!(strict.check(bad).is_err(), "{bad}");
        }
        let open = UrlPolicy {
            allow_http: true,
            allow: AllowList::parse("127.0.0.1").unwrap(),
        };
        assert!(open.check("http://127.0.0.1:9000/hook").is_ok());
        assert!(open.check("http://10.0.0.1/hook").is_err());
    }
}
