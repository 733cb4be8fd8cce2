//! Settings, read once at start from an optional TOML file and then from
//! `SAMVERKAN_*` environment variables (which win). A bad setting stops
//! start-up with one line naming it.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

/// Which database the service runs on, chosen from the URL scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://path/to/file.db` (the embedded default).
    Sqlite { path: String },
    /// `postgres://...` or `postgresql://...`.
    Postgres { url: String },
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("a sqlite URL needs a file path: sqlite://samverkan.db".into());
            }
            if path == ":memory:" {
                return Err(
                    "an in-memory SQLite database is empty on every pooled connection; use a file"
                        .into(),
                );
            }
            return Ok(DatabaseUrl::Sqlite {
                path: path.to_owned(),
            });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres {
                url: url.to_owned(),
            });
        }
        Err("must start with sqlite:// or postgres://".into())
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite { .. } => "sqlite",
            DatabaseUrl::Postgres { .. } => "postgres",
        }
    }
}

/// How bearer tokens are verified.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    pub issuer: String,
    pub audience: String,
    /// Development only: tokens signed with this HS256 secret are accepted.
    pub hs256_secret: Option<String>,
    /// Production: a JWKS file with RS256/ES256 public keys, matched by `kid`.
    pub jwks_path: Option<PathBuf>,
    /// The algorithms accepted at all (each key still has exactly one).
    pub algorithms: Vec<jsonwebtoken::Algorithm>,
    /// Clock leeway for exp/nbf, at most 60 s.
    pub leeway_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub bind: SocketAddr,
    /// The URL clients reach the service at; problem `type` URIs point here.
    pub public_url: String,
    pub pool_size: u32,
    /// Bounds on database time: how long a request waits for a pooled
    /// connection, and how long one statement may run (PostgreSQL
    /// `statement_timeout`; SQLite's `busy_timeout` for its write lock).
    pub database_timeouts: DatabaseTimeouts,
    /// Bounds on a request and on the HTTP connections that carry requests.
    pub http_limits: HttpLimits,
    /// HTTP worker threads (0 = one per core).
    pub workers: usize,
    pub body_limit_bytes: usize,
    /// The largest body an import (`/api/v1/imports/...`) reads, streamed.
    pub import_max_bytes: u64,
    pub cors_origins: Vec<String>,
    pub jwt: JwtSettings,
    pub log_format: LogFormat,
    /// Diagnostic: count the SQL statements of each request and answer them
    /// in `X-Statement-Count` (`SAMVERKAN_COUNT_STATEMENTS`, off by default).
    pub count_statements: bool,
    /// The outbox behind the change feed.
    pub outbox: OutboxSettings,
    /// E-mail notices to organisations; off without an SMTP server.
    pub notices: NoticeSettings,
    /// Webhook deliveries: which URLs may be called, and the retry schedule.
    pub webhooks: WebhookSettings,
    /// The open-data exports.
    pub open_data: OpenDataSettings,
}

/// The open-data exports (360Giving).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenDataSettings {
    /// The publisher's part of every 360Giving identifier,
    /// `360G-<prefix>-...` (`SAMVERKAN_360G_PREFIX`, `goteborg` by default).
    pub prefix: crate::domain::open_data::Prefix,
}

/// E-mail notices to organisations' contact addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeSettings {
    /// The SMTP server (`SAMVERKAN_SMTP_URL`, e.g.
    /// `smtps://user:password@smtp.example.org` or
    /// `smtp://relay.internal:25`); notices are off without it.
    pub smtp_url: Option<String>,
    /// The sender (`SAMVERKAN_NOTICE_FROM`), required with an SMTP server.
    pub from: Option<String>,
    /// The first retry's delay (`SAMVERKAN_NOTICE_RETRY_MS`, 60 000 by
    /// default); each further retry waits twice as long.
    pub retry_ms: u64,
}

/// Webhook deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// `http://` URLs and which internal hosts may be called
    /// (`SAMVERKAN_WEBHOOK_ALLOW_HTTP`, `SAMVERKAN_WEBHOOK_ALLOW_HOSTS`).
    pub urls: crate::domain::webhook::UrlPolicy,
    /// The backoff base, attempts per delivery and failed deliveries before
    /// a subscription is disabled (`SAMVERKAN_WEBHOOK_BACKOFF_MS`,
    /// `SAMVERKAN_WEBHOOK_MAX_ATTEMPTS`, `SAMVERKAN_WEBHOOK_DISABLE_AFTER`).
    pub retry: crate::domain::webhook::RetryPolicy,
    /// How long one attempt may take (`SAMVERKAN_WEBHOOK_TIMEOUT_MS`).
    pub timeout_ms: u64,
}

/// The outbox behind the change feed (and what delivers from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxSettings {
    /// How long a change stays in the feed (`SAMVERKAN_OUTBOX_RETENTION_DAYS`,
    /// 30 by default): older ones are pruned, and a cursor older than what is
    /// kept answers 410.
    pub retention_days: u32,
}

/// Bounds on time spent in the database, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatabaseTimeouts {
    pub pool_checkout_ms: u64,
    pub statement_ms: u64,
}

impl Default for DatabaseTimeouts {
    fn default() -> Self {
        DatabaseTimeouts {
            pool_checkout_ms: 5000,
            statement_ms: 5000,
        }
    }
}

/// Bounds on requests and HTTP connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// A request that has not been answered after this long answers 503
    /// `request_deadline_exceeded` (`SAMVERKAN_REQUEST_TIMEOUT_MS`).
    pub request_timeout_ms: u64,
    /// Open connections per worker; beyond it the worker stops accepting
    /// until one closes (`SAMVERKAN_MAX_CONNECTIONS`).
    pub max_connections: usize,
    /// How long an idle keep-alive connection is kept (`SAMVERKAN_KEEP_ALIVE_MS`).
    pub keep_alive_ms: u64,
    /// How long a client has to send a request's head: 408 after it
    /// (`SAMVERKAN_CLIENT_REQUEST_TIMEOUT_MS`).
    pub client_request_timeout_ms: u64,
    /// How long a closing connection waits for the client
    /// (`SAMVERKAN_CLIENT_DISCONNECT_TIMEOUT_MS`).
    pub client_disconnect_timeout_ms: u64,
    /// The longest request target (path and query) served: 414 beyond it
    /// (`SAMVERKAN_MAX_URI_BYTES`).
    pub max_uri_bytes: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            request_timeout_ms: 6000,
            max_connections: 4096,
            keep_alive_ms: 5000,
            client_request_timeout_ms: 5000,
            client_disconnect_timeout_ms: 1000,
            max_uri_bytes: 8192,
        }
    }
}

/// A setting that stopped start-up.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {setting}: {message}")]
pub struct ConfigError {
    pub setting: String,
    pub message: String,
}

fn bad(setting: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        setting: setting.to_owned(),
        message: message.into(),
    }
}

/// The optional TOML file (`SAMVERKAN_CONFIG=path`); same names as the
/// environment variables without the prefix, in lower case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    bind: Option<String>,
    public_url: Option<String>,
    pool_size: Option<u32>,
    pool_timeout_ms: Option<u64>,
    statement_timeout_ms: Option<u64>,
    request_timeout_ms: Option<u64>,
    max_connections: Option<usize>,
    keep_alive_ms: Option<u64>,
    client_request_timeout_ms: Option<u64>,
    client_disconnect_timeout_ms: Option<u64>,
    max_uri_bytes: Option<usize>,
    workers: Option<usize>,
    body_limit_bytes: Option<usize>,
    import_max_bytes: Option<u64>,
    cors_origins: Option<Vec<String>>,
    jwt_issuer: Option<String>,
    jwt_audience: Option<String>,
    jwt_hs256_secret: Option<String>,
    jwt_jwks_path: Option<PathBuf>,
    jwt_algorithms: Option<Vec<String>>,
    jwt_leeway_seconds: Option<u64>,
    log_format: Option<String>,
    count_statements: Option<bool>,
    outbox_retention_days: Option<u32>,
    smtp_url: Option<String>,
    notice_from: Option<String>,
    notice_retry_ms: Option<u64>,
    webhook_allow_http: Option<bool>,
    webhook_allow_hosts: Option<String>,
    webhook_timeout_ms: Option<u64>,
    webhook_backoff_ms: Option<u64>,
    webhook_max_attempts: Option<u32>,
    webhook_disable_after: Option<u32>,
    #[serde(rename = "360g_prefix")]
    threesixtygiving_prefix: Option<String>,
}

impl Settings {
    /// Reads the process environment (and the TOML file it may name).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let file: FileSettings = match lookup("SAMVERKAN_CONFIG") {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| bad("SAMVERKAN_CONFIG", format!("cannot read {path}: {e}")))?;
                toml::from_str(&text)
                    .map_err(|e| bad("SAMVERKAN_CONFIG", format!("{path}: {}", e.message())))?
            }
            None => FileSettings::default(),
        };
        let env = |name: &str| lookup(&format!("SAMVERKAN_{name}")).filter(|v| !v.is_empty());
        fn number<T: std::str::FromStr>(
            name: &str,
            v: Option<String>,
            file: Option<T>,
            default: T,
        ) -> Result<T, ConfigError> {
            match v {
                Some(text) => text
                    .trim()
                    .parse()
                    .map_err(|_| bad(name, format!("`{text}` is not a whole number"))),
                None => Ok(file.unwrap_or(default)),
            }
        }

        let database_url = env("DATABASE_URL")
            .or(file.database_url)
            .unwrap_or_else(|| "sqlite://samverkan.db".into());
        let database_url =
            DatabaseUrl::parse(&database_url).map_err(|m| bad("SAMVERKAN_DATABASE_URL", m))?;

        let bind_text = env("BIND")
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind: SocketAddr = bind_text.parse().map_err(|_| {
            bad(
                "SAMVERKAN_BIND",
                format!("`{bind_text}` is not an address like 127.0.0.1:8080"),
            )
        })?;

        let public_url = env("PUBLIC_URL")
            .or(file.public_url)
            .unwrap_or_else(|| format!("http://{bind}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(bad(
                "SAMVERKAN_PUBLIC_URL",
                "must be an absolute http(s) URL",
            ));
        }

        // PostgreSQL: more connections than the server has cores to run
        // their statements only lengthens the wait; on 2 cores shared with
        // it, 16 had a p99 of 150 ms at 64 clients, 8 had 7 ms for the same
        // throughput. SQLite runs in the process: 16 served 7-13 % more
        // than 8 (benches/results.md "Turns at the pool").
        let default_pool_size = match database_url {
            DatabaseUrl::Postgres { .. } => 8,
            DatabaseUrl::Sqlite { .. } => 16,
        };
        let pool_size = number(
            "SAMVERKAN_POOL_SIZE",
            env("POOL_SIZE"),
            file.pool_size,
            default_pool_size,
        )?;
        if !(1..=512).contains(&pool_size) {
            return Err(bad("SAMVERKAN_POOL_SIZE", "must be between 1 and 512"));
        }
        let defaults = DatabaseTimeouts::default();
        let database_timeouts = DatabaseTimeouts {
            pool_checkout_ms: number(
                "SAMVERKAN_POOL_TIMEOUT_MS",
                env("POOL_TIMEOUT_MS"),
                file.pool_timeout_ms,
                defaults.pool_checkout_ms,
            )?,
            statement_ms: number(
                "SAMVERKAN_STATEMENT_TIMEOUT_MS",
                env("STATEMENT_TIMEOUT_MS"),
                file.statement_timeout_ms,
                defaults.statement_ms,
            )?,
        };
        for (name, value) in [
            (
                "SAMVERKAN_POOL_TIMEOUT_MS",
                database_timeouts.pool_checkout_ms,
            ),
            (
                "SAMVERKAN_STATEMENT_TIMEOUT_MS",
                database_timeouts.statement_ms,
            ),
        ] {
            if !(100..=600_000).contains(&value) {
                return Err(bad(name, "must be between 100 and 600000 milliseconds"));
            }
        }
        let http_defaults = HttpLimits::default();
        let http_limits = HttpLimits {
            request_timeout_ms: number(
                "SAMVERKAN_REQUEST_TIMEOUT_MS",
                env("REQUEST_TIMEOUT_MS"),
                file.request_timeout_ms,
                // A little above what one request may spend in the database.
                database_timeouts
                    .pool_checkout_ms
                    .max(database_timeouts.statement_ms)
                    + 1000,
            )?,
            max_connections: number(
                "SAMVERKAN_MAX_CONNECTIONS",
                env("MAX_CONNECTIONS"),
                file.max_connections,
                http_defaults.max_connections,
            )?,
            keep_alive_ms: number(
                "SAMVERKAN_KEEP_ALIVE_MS",
                env("KEEP_ALIVE_MS"),
                file.keep_alive_ms,
                http_defaults.keep_alive_ms,
            )?,
            client_request_timeout_ms: number(
                "SAMVERKAN_CLIENT_REQUEST_TIMEOUT_MS",
                env("CLIENT_REQUEST_TIMEOUT_MS"),
                file.client_request_timeout_ms,
                http_defaults.client_request_timeout_ms,
            )?,
            client_disconnect_timeout_ms: number(
                "SAMVERKAN_CLIENT_DISCONNECT_TIMEOUT_MS",
                env("CLIENT_DISCONNECT_TIMEOUT_MS"),
                file.client_disconnect_timeout_ms,
                http_defaults.client_disconnect_timeout_ms,
            )?,
            max_uri_bytes: number(
                "SAMVERKAN_MAX_URI_BYTES",
                env("MAX_URI_BYTES"),
                file.max_uri_bytes,
                http_defaults.max_uri_bytes,
            )?,
        };
        if !(100..=600_000).contains(&http_limits.request_timeout_ms) {
            return Err(bad(
                "SAMVERKAN_REQUEST_TIMEOUT_MS",
                "must be between 100 and 600000 milliseconds",
            ));
        }
        // A request abandoned at its deadline frees its connection when its
        // statement ends: no later than the deadline's own length after it
        // started, only if no statement may run longer than a request.
        if database_timeouts.statement_ms > http_limits.request_timeout_ms {
            return Err(bad(
                "SAMVERKAN_STATEMENT_TIMEOUT_MS",
                format!(
                    "must not exceed SAMVERKAN_REQUEST_TIMEOUT_MS ({} ms): a statement of an abandoned request would hold its connection past the request deadline",
                    http_limits.request_timeout_ms
                ),
            ));
        }
        if !(1..=1_000_000).contains(&http_limits.max_connections) {
            return Err(bad(
                "SAMVERKAN_MAX_CONNECTIONS",
                "must be between 1 and 1000000",
            ));
        }
        for (name, value) in [
            ("SAMVERKAN_KEEP_ALIVE_MS", http_limits.keep_alive_ms),
            (
                "SAMVERKAN_CLIENT_REQUEST_TIMEOUT_MS",
                http_limits.client_request_timeout_ms,
            ),
            (
                "SAMVERKAN_CLIENT_DISCONNECT_TIMEOUT_MS",
                http_limits.client_disconnect_timeout_ms,
            ),
        ] {
            if !(100..=600_000).contains(&value) {
                return Err(bad(name, "must be between 100 and 600000 milliseconds"));
            }
        }
        if !(256..=65_536).contains(&http_limits.max_uri_bytes) {
            return Err(bad(
                "SAMVERKAN_MAX_URI_BYTES",
                "must be between 256 and 65536",
            ));
        }
        let workers = number("SAMVERKAN_WORKERS", env("WORKERS"), file.workers, 0)?;
        let body_limit_bytes = number(
            "SAMVERKAN_BODY_LIMIT_BYTES",
            env("BODY_LIMIT_BYTES"),
            file.body_limit_bytes,
            256 * 1024,
        )?;
        if body_limit_bytes < 1024 {
            return Err(bad("SAMVERKAN_BODY_LIMIT_BYTES", "must be at least 1024"));
        }
        let import_max_bytes = number(
            "SAMVERKAN_IMPORT_MAX_BYTES",
            env("IMPORT_MAX_BYTES"),
            file.import_max_bytes,
            1 << 30,
        )?;
        if import_max_bytes < 1024 {
            return Err(bad("SAMVERKAN_IMPORT_MAX_BYTES", "must be at least 1024"));
        }

        let cors_origins = match env("CORS_ORIGINS") {
            Some(list) => list
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            None => file.cors_origins.unwrap_or_default(),
        };
        for origin in &cors_origins {
            if !(origin.starts_with("http://") || origin.starts_with("https://")) {
                return Err(bad(
                    "SAMVERKAN_CORS_ORIGINS",
                    format!("`{origin}` is not an origin like https://app.example.se"),
                ));
            }
        }

        let hs256_secret = env("JWT_HS256_SECRET").or(file.jwt_hs256_secret);
        if let Some(secret) = &hs256_secret {
            if secret.len() < 32 {
                return Err(bad(
                    "SAMVERKAN_JWT_HS256_SECRET",
                    "must be at least 32 characters",
                ));
            }
        }
        let jwks_path = env("JWT_JWKS_PATH")
            .map(PathBuf::from)
            .or(file.jwt_jwks_path);
        let algorithms = match env("JWT_ALGORITHMS")
            .map(|s| {
                s.split(',')
                    .map(|a| a.trim().to_owned())
                    .collect::<Vec<_>>()
            })
            .or(file.jwt_algorithms)
        {
            Some(list) => list
                .iter()
                .map(|a| match a.as_str() {
                    "HS256" => Ok(jsonwebtoken::Algorithm::HS256),
                    "RS256" => Ok(jsonwebtoken::Algorithm::RS256),
                    "ES256" => Ok(jsonwebtoken::Algorithm::ES256),
                    other => Err(bad(
                        "SAMVERKAN_JWT_ALGORITHMS",
                        format!("`{other}` is not one of HS256, RS256, ES256"),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => {
                let mut algs = Vec::new();
                if hs256_secret.is_some() {
                    algs.push(jsonwebtoken::Algorithm::HS256);
                }
                if jwks_path.is_some() {
                    algs.extend([
                        jsonwebtoken::Algorithm::RS256,
                        jsonwebtoken::Algorithm::ES256,
                    ]);
                }
                algs
            }
        };
        let leeway_seconds = number(
            "SAMVERKAN_JWT_LEEWAY_SECONDS",
            env("JWT_LEEWAY_SECONDS"),
            file.jwt_leeway_seconds,
            30,
        )?;
        if leeway_seconds > 60 {
            return Err(bad("SAMVERKAN_JWT_LEEWAY_SECONDS", "must be at most 60"));
        }
        let jwt = JwtSettings {
            issuer: env("JWT_ISSUER")
                .or(file.jwt_issuer)
                .unwrap_or_else(|| "https://login.goteborg.se".into()),
            audience: env("JWT_AUDIENCE")
                .or(file.jwt_audience)
                .unwrap_or_else(|| "samverkan".into()),
            hs256_secret,
            jwks_path,
            algorithms,
            leeway_seconds,
        };

        let log_format = match env("LOG_FORMAT").or(file.log_format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(bad(
                    "SAMVERKAN_LOG_FORMAT",
                    format!("`{other}` is not text or json"),
                ))
            }
        };

        let count_statements = match env("COUNT_STATEMENTS").as_deref() {
            None => file.count_statements.unwrap_or(false),
            Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(bad(
                    "SAMVERKAN_COUNT_STATEMENTS",
                    format!("`{other}` is not true or false"),
                ))
            }
        };

        let retention_days = number(
            "SAMVERKAN_OUTBOX_RETENTION_DAYS",
            env("OUTBOX_RETENTION_DAYS"),
            file.outbox_retention_days,
            30,
        )?;
        if !(1..=3650).contains(&retention_days) {
            return Err(bad(
                "SAMVERKAN_OUTBOX_RETENTION_DAYS",
                "must be 1 to 3650 days",
            ));
        }

        let smtp_url = env("SMTP_URL").or(file.smtp_url);
        if let Some(url) = &smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(bad(
                    "SAMVERKAN_SMTP_URL",
                    "must be an smtp:// or smtps:// URL",
                ));
            }
        }
        let notice_from = env("NOTICE_FROM").or(file.notice_from);
        match (&smtp_url, &notice_from) {
            (Some(_), None) => {
                return Err(bad(
                    "SAMVERKAN_NOTICE_FROM",
                    "is required with SAMVERKAN_SMTP_URL (the notices' sender)",
                ))
            }
            (_, Some(from)) if from.parse::<lettre::message::Mailbox>().is_err() => {
                return Err(bad(
                    "SAMVERKAN_NOTICE_FROM",
                    "must be an address like `Samverkan <samverkan@example.org>`",
                ))
            }
            _ => {}
        }
        if let Some(url) = &smtp_url {
            if let Err(e) = lettre::SmtpTransport::from_url(url) {
                return Err(bad("SAMVERKAN_SMTP_URL", format!("cannot be used: {e}")));
            }
        }
        let retry_ms = number(
            "SAMVERKAN_NOTICE_RETRY_MS",
            env("NOTICE_RETRY_MS"),
            file.notice_retry_ms,
            60_000,
        )?;
        if !(100..=86_400_000).contains(&retry_ms) {
            return Err(bad(
                "SAMVERKAN_NOTICE_RETRY_MS",
                "must be 100 to 86400000 milliseconds",
            ));
        }
        let allow_http = match env("WEBHOOK_ALLOW_HTTP").as_deref() {
            None => file.webhook_allow_http.unwrap_or(false),
            Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(bad(
                    "SAMVERKAN_WEBHOOK_ALLOW_HTTP",
                    format!("`{other}` is not true or false"),
                ))
            }
        };
        let allow = crate::domain::webhook::AllowList::parse(
            &env("WEBHOOK_ALLOW_HOSTS")
                .or(file.webhook_allow_hosts)
                .unwrap_or_default(),
        )
        .map_err(|m| bad("SAMVERKAN_WEBHOOK_ALLOW_HOSTS", m))?;
        let timeout_ms = number(
            "SAMVERKAN_WEBHOOK_TIMEOUT_MS",
            env("WEBHOOK_TIMEOUT_MS"),
            file.webhook_timeout_ms,
            10_000,
        )?;
        if !(100..=60_000).contains(&timeout_ms) {
            return Err(bad(
                "SAMVERKAN_WEBHOOK_TIMEOUT_MS",
                "must be between 100 and 60000 milliseconds",
            ));
        }
        let backoff_ms = number(
            "SAMVERKAN_WEBHOOK_BACKOFF_MS",
            env("WEBHOOK_BACKOFF_MS"),
            file.webhook_backoff_ms,
            30_000,
        )?;
        if !(10..=3_600_000).contains(&backoff_ms) {
            return Err(bad(
                "SAMVERKAN_WEBHOOK_BACKOFF_MS",
                "must be between 10 and 3600000 milliseconds",
            ));
        }
        let max_attempts = number(
            "SAMVERKAN_WEBHOOK_MAX_ATTEMPTS",
            env("WEBHOOK_MAX_ATTEMPTS"),
            file.webhook_max_attempts,
            8,
        )?;
        if !(1..=30).contains(&max_attempts) {
            return Err(bad("SAMVERKAN_WEBHOOK_MAX_ATTEMPTS", "must be 1 to 30"));
        }
        let disable_after = number(
            "SAMVERKAN_WEBHOOK_DISABLE_AFTER",
            env("WEBHOOK_DISABLE_AFTER"),
            file.webhook_disable_after,
            5,
        )?;
        if !(1..=1000).contains(&disable_after) {
            return Err(bad("SAMVERKAN_WEBHOOK_DISABLE_AFTER", "must be 1 to 1000"));
        }
        let webhooks = WebhookSettings {
            urls: crate::domain::webhook::UrlPolicy { allow_http, allow },
            retry: crate::domain::webhook::RetryPolicy {
                base: std::time::Duration::from_millis(backoff_ms),
                max_attempts,
                disable_after,
            },
            timeout_ms,
        };

        let open_data = match env("360G_PREFIX").or(file.threesixtygiving_prefix) {
            None => OpenDataSettings::default(),
            Some(text) => OpenDataSettings {
                prefix: crate::domain::open_data::Prefix::parse(&text)
                    .map_err(|m| bad("SAMVERKAN_360G_PREFIX", m))?,
            },
        };

        Ok(Settings {
            database_url,
            bind,
            public_url,
            pool_size,
            database_timeouts,
            http_limits,
            workers,
            body_limit_bytes,
            import_max_bytes,
            cors_origins,
            jwt,
            log_format,
            count_statements,
            outbox: OutboxSettings { retention_days },
            notices: NoticeSettings {
                smtp_url,
                from: notice_from,
                retry_ms,
            },
            webhooks,
            open_data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_need_no_setup() {
        let s = settings(&[]).unwrap();
        assert_eq!(
            s.database_url,
            DatabaseUrl::Sqlite {
                path: "samverkan.db".into()
            }
        );
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert!(s.jwt.algorithms.is_empty());
        assert!(!s.count_statements);
    }

    #[test]
    fn the_pool_size_defaults_by_backend_and_a_setting_wins() {
        assert_eq!(settings(&[]).unwrap().pool_size, 16);
        let pg = [("SAMVERKAN_DATABASE_URL", "postgres://app@db/samverkan")];
        assert_eq!(settings(&pg).unwrap().pool_size, 8);
        let set = [pg[0], ("SAMVERKAN_POOL_SIZE", "24")];
        assert_eq!(settings(&set).unwrap().pool_size, 24);
    }

    #[test]
    fn the_360giving_prefix_defaults_to_goteborg_and_is_checked() {
        assert_eq!(settings(&[]).unwrap().open_data.prefix.as_str(), "goteborg");
        let s = settings(&[("SAMVERKAN_360G_PREFIX", "malmo")]).unwrap();
        assert_eq!(s.open_data.prefix.as_str(), "malmo");
        let e = settings(&[("SAMVERKAN_360G_PREFIX", "mal mo")]).unwrap_err();
        assert_eq!(e.setting, "SAMVERKAN_360G_PREFIX");
    }

    #[test]
    fn statement_counting_is_switched_on_explicitly() {
        let s = settings(&[("SAMVERKAN_COUNT_STATEMENTS", "true")]).unwrap();
        assert!(s.count_statements);
        let s = settings(&[("SAMVERKAN_COUNT_STATEMENTS", "false")]).unwrap();
        assert!(!s.count_statements);
    }

    #[test]
    fn postgres_url_switches_backend() {
        let s = settings(&[(
            "SAMVERKAN_DATABASE_URL",
            "postgres://postgres@127.0.0.1/test",
        )])
        .unwrap();
        assert_eq!(s.database_url.backend_name(), "postgres");
    }

    #[test]
    fn a_bad_setting_is_named() {
        for (name, value) in [
            ("SAMVERKAN_DATABASE_URL", "mysql://x"),
            ("SAMVERKAN_BIND", "localhost"),
            ("SAMVERKAN_POOL_SIZE", "many"),
            ("SAMVERKAN_JWT_HS256_SECRET", "short"),
            ("SAMVERKAN_JWT_ALGORITHMS", "none"),
            ("SAMVERKAN_JWT_LEEWAY_SECONDS", "300"),
            ("SAMVERKAN_LOG_FORMAT", "xml"),
            ("SAMVERKAN_COUNT_STATEMENTS", "yes"),
            ("SAMVERKAN_WEBHOOK_ALLOW_HTTP", "yes"),
            ("SAMVERKAN_WEBHOOK_ALLOW_HOSTS", "a b"),
            ("SAMVERKAN_WEBHOOK_TIMEOUT_MS", "5"),
            ("SAMVERKAN_WEBHOOK_BACKOFF_MS", "0"),
            ("SAMVERKAN_WEBHOOK_MAX_ATTEMPTS", "0"),
            ("SAMVERKAN_WEBHOOK_DISABLE_AFTER", "0"),
        ] {
            let err = settings(&[(name, value)]).unwrap_err();
            assert_eq!(err.setting, name, "{err}");
        }
    }

    #[test]
    fn no_statement_may_outlast_the_request_deadline() {
        let s = settings(&[("SAMVERKAN_STATEMENT_TIMEOUT_MS", "10000")]).unwrap();
        assert_eq!(
            s.http_limits.request_timeout_ms, 11_000,
            "the deadline follows"
        );
        let err = settings(&[
            ("SAMVERKAN_STATEMENT_TIMEOUT_MS", "10000"),
            ("SAMVERKAN_REQUEST_TIMEOUT_MS", "6000"),
        ])
        .unwrap_err();
        assert_eq!(err.setting, "SAMVERKAN_STATEMENT_TIMEOUT_MS", "{err}");
        assert!(settings(&[
            ("SAMVERKAN_STATEMENT_TIMEOUT_MS", "6000"),
            ("SAMVERKAN_REQUEST_TIMEOUT_MS", "6000"),
        ])
        .is_ok());
    }
}
