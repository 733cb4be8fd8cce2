//! `spawn_app()`: the real server on a random port against a fresh database
//! (a SQLite temp file, or a PostgreSQL schema when `TEST_DATABASE_URL` is
//! set), and a small HTTP client that speaks to it with real tokens.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use samverkan::config::Settings;
use samverkan::startup::Application;
use serde_json::{json, Value};
use uuid::Uuid;

pub const SECRET: &str = "test-secret-that-is-at-least-32-characters";
pub const ISSUER: &str = "https://login.goteborg.se";
pub const AUDIENCE: &str = "samverkan";
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

pub struct TestApp {
    pub base: String,
    agent: ureq::Agent,
    _sqlite_dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
    database_url: String,
    server: actix_web::dev::ServerHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stopping sends the command at once; the pool and its connections go with the server.
        drop(self.server.stop(false));
        if let Some((url, schema)) = &self.pg_schema {
            use diesel::{Connection, RunQueryDsl};
            if let Ok(mut conn) = diesel::PgConnection::establish(url) {
                let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&mut conn);
            }
        }
    }
}

/// A response, read whole.
pub struct Res {
    pub status: u16,
    headers: HashMap<String, String>,
    pub text: String,
}

impl Res {
    /// The fields a 422 problem names, in its order.
    pub fn error_fields(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The `detail` of a problem ("" when it has none).
    pub fn detail(&self) -> String {
        self.json()["detail"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    /// The problem `code` of an error response (and checks it is a problem).
    pub fn code(&self) -> String {
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        let body = self.json();
        assert_eq!(
            body["status"], self.status,
            "problem status equals HTTP status"
        );
        body["code"].as_str().unwrap_or_default().to_owned()
    }
}

pub fn test_settings() -> Settings {
    let vars: HashMap<&str, String> = HashMap::from([
        ("SAMVERKAN_BIND", "127.0.0.1:0".to_owned()),
        ("SAMVERKAN_WORKERS", "1".to_owned()),
        ("SAMVERKAN_POOL_SIZE", "4".to_owned()),
        ("SAMVERKAN_JWT_HS256_SECRET", SECRET.to_owned()),
        ("SAMVERKAN_JWT_JWKS_PATH", format!("{FIXTURES}/jwks.json")),
        ("SAMVERKAN_JWT_ALGORITHMS", "HS256,RS256,ES256".to_owned()),
        ("SAMVERKAN_BODY_LIMIT_BYTES", "65536".to_owned()),
        (
            "SAMVERKAN_CORS_ORIGINS",
            "https://frontend.example.se".to_owned(),
        ),
    ]);
    Settings::from_lookup(|name| vars.get(name).cloned()).expect("test settings are valid")
}

pub fn spawn_app() -> TestApp {
    spawn_app_with(|_| {})
}

/// Starts the server with the test settings, changed by `adjust`.
pub fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = test_settings();
    let mut sqlite_dir = None;
    let mut pg_schema = None;
    let url = match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => {
            use diesel::{Connection, RunQueryDsl};
            let schema = format!("test_{}", Uuid::now_v7().simple());
            let mut conn =
                diesel::PgConnection::establish(&base).expect("TEST_DATABASE_URL reachable");
            diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                .execute(&mut conn)
                .expect("create schema");
            pg_schema = Some((base.clone(), schema.clone()));
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}options=-c%20search_path%3D{schema}")
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            sqlite_dir = Some(dir);
            url
        }
    };
    settings.database_url = samverkan::config::DatabaseUrl::parse(&url).expect("test database URL");
    adjust(&mut settings);
    let (port, server) = start_server(settings);
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        agent: agent(),
        _sqlite_dir: sqlite_dir,
        pg_schema,
        database_url: url,
        server,
    }
}

fn agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build();
    ureq::Agent::new_with_config(config)
}

/// Runs the server of `settings` on its own thread; returns its port and handle.
fn start_server(settings: Settings) -> (u16, actix_web::dev::ServerHandle) {
    Application::spawn_on_thread(settings).expect("server starts")
}

/// Runs `request(i)` for `i in 0..n` on `n` threads released together by a
/// barrier, so the requests reach the server(s) at the same moment; returns
/// the answers in the order of `i`.
pub fn race<T: Send + 'static>(
    n: usize,
    request: impl Fn(usize) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(n));
    let request = std::sync::Arc::new(request);
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let request = request.clone();
            std::thread::spawn(move || {
                barrier.wait();
                request(i)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

impl TestApp {
    /// The database URL the server runs on (a SQLite file or a PostgreSQL schema).
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// A second server process-alike (its own pool, its own workers) on the
    /// same database: a replica of the API, for races across replicas.
    pub fn replica(&self) -> TestApp {
        self.replica_with(|_| {})
    }

    /// A replica with its settings changed by `adjust`.
    pub fn replica_with(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = test_settings();
        settings.database_url =
            samverkan::config::DatabaseUrl::parse(&self.database_url).expect("test database URL");
        adjust(&mut settings);
        let (port, server) = start_server(settings);
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            agent: agent(),
            _sqlite_dir: None,
            pg_schema: None,
            database_url: self.database_url.clone(),
            server,
        }
    }

    /// Any request: method, path, optional bearer token, optional raw body, extra headers.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut builder = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(token) = token {
            builder = builder.header("Authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder.body(body.unwrap_or_default()).expect("request");
        let mut response = self.agent.run(request).expect("HTTP exchange");
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        Res {
            status,
            headers,
            text,
        }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Res {
        self.send("GET", path, token, None, &[])
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Res {
        self.post_with(path, token, body, &[])
    }

    pub fn post_with(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut all = vec![("Content-Type", "application/json")];
        all.extend_from_slice(headers);
        self.send(
            "POST",
            path,
            token,
            Some(body.to_string().into_bytes()),
            &all,
        )
    }

    pub fn patch(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
        if_match: Option<&str>,
    ) -> Res {
        let mut headers = vec![("Content-Type", "application/merge-patch+json")];
        if let Some(tag) = if_match {
            headers.push(("If-Match", tag));
        }
        self.send(
            "PATCH",
            path,
            token,
            Some(body.to_string().into_bytes()),
            &headers,
        )
    }

    pub fn delete(&self, path: &str, token: Option<&str>) -> Res {
        self.send("DELETE", path, token, None, &[])
    }

    /// Creates an organisation as a city admin and returns its id.
    pub fn create_organisation(&self, body: Value) -> String {
        let res = self.post("/api/v1/organisations", Some(&admin()), &body);
        assert_eq!(res.status, 201, "{}", res.text);
        res.json()["id"].as_str().unwrap().to_owned()
    }

    /// Every item of a collection, following `next_cursor` to the end.
    pub fn all_items(&self, path: &str, token: Option<&str>) -> Vec<Value> {
        let mut items = Vec::new();
        let mut url = path.to_owned();
        for _ in 0..1000 {
            let res = self.get(&url, token);
            assert_eq!(res.status, 200, "{}", res.text);
            let body = res.json();
            items.extend(body["items"].as_array().unwrap().iter().cloned());
            match body["next_cursor"].as_str() {
                Some(cursor) => {
                    let sep = if path.contains('?') { '&' } else { '?' };
                    url = format!("{path}{sep}cursor={cursor}");
                }
                None => return items,
            }
        }
        panic!("pagination did not end");
    }
}

/// Claims for a test token; change fields before signing to make bad ones.
pub fn claims(role: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": format!("{role}-user"), "role": role, "iat": now, "exp": now + 600, "iss": ISSUER, "aud": AUDIENCE})
}

pub fn sign_hs256(claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

pub fn sign_rs256(claims: &Value, kid: &str) -> String {
    let key =
        EncodingKey::from_rsa_pem(&std::fs::read(format!("{FIXTURES}/rs256-private.pem")).unwrap())
            .unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

pub fn sign_es256(claims: &Value, kid: &str) -> String {
    let key =
        EncodingKey::from_ec_pem(&std::fs::read(format!("{FIXTURES}/es256-private.pem")).unwrap())
            .unwrap();
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

pub fn admin() -> String {
    sign_hs256(&claims("city_admin"))
}

pub fn staff(unit: &str) -> String {
    let mut c = claims("city_staff");
    c["unit"] = json!(unit);
    sign_hs256(&c)
}

/// A staff token of `unit` with a delegation limit and its own subject.
pub fn decider(unit: &str, limit: i64, who: &str) -> String {
    let mut c = claims("city_staff");
    c["unit"] = json!(unit);
    c["sub"] = json!(who);
    c["delegation_limit_sek"] = json!(limit);
    sign_hs256(&c)
}

pub fn integration(unit: &str) -> String {
    let mut c = claims("integration");
    c["unit"] = json!(unit);
    sign_hs256(&c)
}

pub fn partner(org: &str) -> String {
    let mut c = claims("partner");
    c["org"] = json!(org);
    c["sub"] = json!(format!("member-of-{org}"));
    sign_hs256(&c)
}

/// A unit id for staff tokens (units need not exist for organisation rules).
pub fn some_unit() -> String {
    Uuid::now_v7().to_string()
}

/// An RFC 3339 UTC time `days` from now (negative: in the past), to the second.
pub fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
