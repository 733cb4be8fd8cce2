//! Webhooks, black box: a receiver on loopback (a thread with a
//! `TcpListener`) that answers as scripted and records what it gets; the
//! server allowed to call it (`http`, `127.0.0.1` in the allow-list) with a
//! fast retry schedule. Signatures are verified here with the secret the
//! API showed, by HMAC-SHA256 as Standard Webhooks defines it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use samverkan::config::Settings;
use samverkan::domain::webhook::AllowList;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::*;

const SUBSCRIPTIONS: &str = "/api/v1/webhook-subscriptions";

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HashMap<String, String>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A webhook receiver on loopback.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
    /// The statuses of the next answers, in order; 200 when none is left.
    script: Arc<Mutex<VecDeque<u16>>>,
    /// The status once the script is used up.
    otherwise: Arc<Mutex<u16>>,
}

impl Receiver {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::new()));
        let otherwise = Arc::new(Mutex::new(200));
        let (g, s, o) = (got.clone(), script.clone(), otherwise.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (g, s, o) = (g.clone(), s.clone(), o.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut headers = HashMap::new();
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap_or_default();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                            break;
                        }
                        if let Some((k, v)) = line.trim_end().split_once(':') {
                            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                        }
                    }
                    let length: usize = headers
                        .get("content-length")
                        .and_then(|l| l.parse().ok())
                        .unwrap_or(0);
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap_or_default();
                    let status = s.lock().unwrap().pop_front().unwrap_or(*o.lock().unwrap());
                    g.lock().unwrap().push(Received {
                        headers,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} Scripted\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                    );
                });
            }
        });
        Receiver {
            port,
            got,
            script,
            otherwise,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    fn answer(&self, statuses: &[u16], then: u16) {
        *self.script.lock().unwrap() = statuses.iter().copied().collect();
        *self.otherwise.lock().unwrap() = then;
    }

    /// Waits until `done` holds for what was received (at most 20 s).
    fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.got();
            if done(&got) {
                return got;
            }
            assert!(Instant::now() < until, "waited for {what}; got {got:#?}");
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

/// Allowed to call loopback over http, retrying fast: 3 attempts a
/// delivery, disabled after 2 failed deliveries in a row.
fn webhook_settings(s: &mut Settings) {
    s.webhooks.urls.allow_http = true;
    s.webhooks.urls.allow = AllowList::parse("127.0.0.1").unwrap();
    s.webhooks.retry.base = Duration::from_millis(50);
    s.webhooks.retry.max_attempts = 3;
    s.webhooks.retry.disable_after = 2;
    s.webhooks.timeout_ms = 2000;
}

fn subscribe(app: &TestApp, url: &str, types: Value) -> (String, String) {
    let res = app.post(
        SUBSCRIPTIONS,
        Some(&admin()),
        &json!({"url": url, "event_types": types, "description": "Testmottagaren"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let body = res.json();
    (
        body["id"].as_str().unwrap().to_owned(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

fn create_unit(app: &TestApp, name: &str) -> String {
    let res = app.post(
        "/api/v1/city-units",
        Some(&admin()),
        &json!({"name": name, "kind": "specialist_administration"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()["id"].as_str().unwrap().to_owned()
}

/// Whether one of the space-separated `v1,` signatures of a delivery is
/// the HMAC-SHA256 of `{id}.{timestamp}.{body}` with `secret`.
fn signed_with(received: &Received, secret: &str) -> bool {
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(
        format!(
            "{}.{}.{}",
            received.header("webhook-id"),
            received.header("webhook-timestamp"),
            received.body
        )
        .as_bytes(),
    );
    let expected = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    received
        .header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

fn deliveries(app: &TestApp, subscription: &str) -> Vec<Value> {
    app.all_items(
        &format!("{SUBSCRIPTIONS}/{subscription}/deliveries"),
        Some(&admin()),
    )
}

/// Waits until the subscription's deliveries satisfy `done`.
fn wait_deliveries(
    app: &TestApp,
    subscription: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let found = deliveries(app, subscription);
        if done(&found) {
            return found;
        }
        assert!(Instant::now() < until, "{found:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_change_arrives_signed_and_a_failed_attempt_is_retried_with_the_same_id() {
    let app = spawn_app_with(webhook_settings);
    let receiver = Receiver::start();
    receiver.answer(&[500, 500], 200);
    let (subscription, secret) = subscribe(&app, &receiver.url(), json!(["city_unit.created"]));
    assert!(secret.starts_with("whsec_"));
    let read = app.get(&format!("{SUBSCRIPTIONS}/{subscription}"), Some(&admin()));
    assert_eq!(read.status, 200);
    assert!(
        read.json().get("secret").is_none(),
        "the secret is shown once"
    );

    let unit = create_unit(&app, "Webhookenheten");
    let got = receiver.wait_for("three attempts", |g| g.len() >= 3);
    let change = &app
        .get("/api/v1/changes?types=city_unit", Some(&admin()))
        .json()["items"][0];
    for attempt in &got {
        assert_eq!(
            attempt.header("webhook-id"),
            change["id"],
            "the same id on every retry"
        );
        assert_eq!(attempt.header("content-type"), "application/json");
        assert!(signed_with(attempt, &secret), "{attempt:?}");
        let body = attempt.json();
        assert_eq!(body["type"], "city_unit.created");
        assert_eq!(body["data"]["resource_id"], unit.as_str());
        assert_eq!(body["data"]["id"], change["id"]);
        assert_eq!(body["timestamp"], change["occurred_at"]);
    }
    let log = wait_deliveries(&app, &subscription, |d| {
        d.len() == 1 && d[0]["status"] == "succeeded"
    });
    let delivery = &log[0];
    assert_eq!(delivery["webhook_id"], change["id"]);
    assert_eq!(delivery["attempts"], 3);
    assert_eq!(delivery["last_status"], 200);
    assert_eq!(delivery["last_error"], Value::Null);
    assert!(delivery["last_latency_ms"].as_i64().unwrap() >= 0);
    let statuses: Vec<i64> = delivery["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [500, 500, 200]);
    assert_eq!(delivery["log"][0]["error"], "the receiver answered 500");
    // Each retry waited at least the backoff (50 ms, then 100 ms, less 20 % jitter).
    let at = |i: usize| {
        chrono::DateTime::parse_from_rfc3339(delivery["log"][i]["attempted_at"].as_str().unwrap())
            .unwrap()
    };
    assert!((at(1) - at(0)).num_milliseconds() >= 40);
    assert!((at(2) - at(1)).num_milliseconds() >= 80);

    // A change of another type is not sent.
    let other = app.patch(
        &format!("/api/v1/city-units/{unit}"),
        Some(&admin()),
        &json!({"name": "Omdöpt"}),
        None,
    );
    assert_eq!(other.status, 200);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(receiver.got().len(), 3);
}

#[test]
fn repeated_failures_disable_a_subscription_until_an_admin_enables_it_and_replays() {
    let app = spawn_app_with(webhook_settings);
    let receiver = Receiver::start();
    receiver.answer(&[], 500);
    let (subscription, secret) = subscribe(&app, &receiver.url(), json!(["city_unit.*"]));
    create_unit(&app, "Första");
    create_unit(&app, "Andra");
    let path = format!("{SUBSCRIPTIONS}/{subscription}");
    let until = Instant::now() + Duration::from_secs(20);
    let disabled = loop {
        let body = app.get(&path, Some(&admin())).json();
        if body["enabled"] == false {
            break body;
        }
        assert!(Instant::now() < until, "not disabled: {body}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let reason = disabled["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("2 deliveries failed in a row"), "{reason}");
    assert!(reason.contains("500"), "{reason}");
    let failed = deliveries(&app, &subscription);
    assert_eq!(failed.len(), 2);
    assert!(failed
        .iter()
        .all(|d| d["status"] == "failed" && d["attempts"] == 3));
    assert_eq!(receiver.got().len(), 6);

    // While disabled, changes are not sent.
    create_unit(&app, "Tredje");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(receiver.got().len(), 6);

    // A ping goes also to a disabled subscription.
    receiver.answer(&[], 200);
    let ping = app.post(&format!("{path}/ping"), Some(&admin()), &json!({}));
    assert_eq!(ping.status, 202, "{}", ping.text);
    assert_eq!(ping.json()["event_type"], "webhook.ping");
    let got = receiver.wait_for("the ping", |g| {
        g.iter()
            .any(|r| r.header("webhook-id") == ping.json()["webhook_id"])
    });
    let pinged = got
        .iter()
        .find(|r| r.header("webhook-id") == ping.json()["webhook_id"])
        .unwrap();
    assert_eq!(pinged.json()["type"], "webhook.ping");
    assert_eq!(
        pinged.json()["data"]["subscription_id"],
        subscription.as_str()
    );
    assert_eq!(pinged.header("webhook-id"), ping.json()["webhook_id"]);
    assert!(signed_with(pinged, &secret));

    // Enabled again: the reason goes; one failed delivery is replayed with its id.
    let enabled = app.patch(&path, Some(&admin()), &json!({"enabled": true}), None);
    assert_eq!(enabled.status, 200, "{}", enabled.text);
    assert_eq!(enabled.json()["enabled"], true);
    assert_eq!(enabled.json()["disabled_reason"], Value::Null);
    let first = failed.last().unwrap();
    let replay = app.post(
        &format!("{path}/deliveries/{}/replay", first["id"].as_str().unwrap()),
        Some(&admin()),
        &json!({}),
    );
    assert_eq!(replay.status, 202, "{}", replay.text);
    assert_eq!(replay.json()["status"], "pending");
    let of_first = |g: &[Received]| -> Vec<Received> {
        g.iter()
            .filter(|r| r.header("webhook-id") == first["webhook_id"])
            .cloned()
            .collect()
    };
    let got = receiver.wait_for("the replay", |g| of_first(g).len() == 4);
    let sent = of_first(&got);
    assert_eq!(sent[3].body, sent[0].body, "the same body");

    // A time range: both failed changes again, and the one made while disabled.
    let from = chrono::Utc::now() - chrono::Duration::hours(1);
    let to = chrono::Utc::now() + chrono::Duration::hours(1);
    let range = app.post(
        &format!("{path}/replay"),
        Some(&admin()),
        &json!({"from": from, "to": to}),
    );
    assert_eq!(range.status, 202, "{}", range.text);
    assert_eq!(range.json()["queued"], 3);
    let log = wait_deliveries(&app, &subscription, |d| {
        d.iter().filter(|d| d["status"] == "succeeded").count() == 4
    });
    assert_eq!(log.len(), 4, "three changes and the ping");
    let ids: HashSet<String> = receiver
        .got()
        .iter()
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    assert_eq!(ids.len(), 4);

    let backwards = app.post(
        &format!("{path}/replay"),
        Some(&admin()),
        &json!({"from": to, "to": from}),
    );
    assert_eq!(backwards.status, 422);
    assert_eq!(backwards.error_fields(), ["to"]);
}

#[test]
fn after_a_rotation_both_secrets_sign_during_the_grace_period() {
    let app = spawn_app_with(webhook_settings);
    let receiver = Receiver::start();
    let (subscription, old) = subscribe(&app, &receiver.url(), json!(["city_unit.*"]));
    let rotated = app.post(
        &format!("{SUBSCRIPTIONS}/{subscription}/rotate-secret"),
        Some(&admin()),
        &json!({}),
    );
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let new = rotated.json()["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    create_unit(&app, "Roterade");
    let got = receiver.wait_for("a delivery", |g| !g.is_empty());
    assert_eq!(got[0].header("webhook-signature").split(' ').count(), 2);
    assert!(signed_with(&got[0], &new));
    assert!(signed_with(&got[0], &old));
    assert!(!signed_with(
        &got[0],
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    ));
}

#[test]
fn internal_addresses_are_refused_when_subscribing_and_when_delivering() {
    // http allowed, but no allow-list.
    let app = spawn_app_with(|s| {
        s.webhooks.urls.allow_http = true;
        s.webhooks.retry.base = Duration::from_millis(50);
        s.webhooks.retry.max_attempts = 1;
    });
    let receiver = Receiver::start();
    for url in [
        receiver.url(),
        "http://localhost/hook".into(),
        "http://[::1]/hook".into(),
        "http://10.0.0.1/hook".into(),
        "http://192.168.1.10/hook".into(),
        "http://169.254.169.254/latest/meta-data".into(),
        "http://[fd00::1]/hook".into(),
        "http://[::ffff:127.0.0.1]/hook".into(),
    ] {
        let res = app.post(
            SUBSCRIPTIONS,
            Some(&admin()),
            &json!({"url": url, "event_types": ["city_unit.*"]}),
        );
        assert_eq!(res.status, 422, "{url}: {}", res.text);
        assert_eq!(res.error_fields(), ["url"], "{url}");
    }
    let strict = spawn_app();
    let res = strict.post(
        SUBSCRIPTIONS,
        Some(&admin()),
        &json!({"url": "http://hooks.example.se/", "event_types": ["city_unit.*"]}),
    );
    assert_eq!(res.status, 422, "https only by default: {}", res.text);
    let res = strict.post(
        SUBSCRIPTIONS,
        Some(&admin()),
        &json!({"url": "https://hooks.example.se/", "event_types": ["no_such_type.*", "city_unit.Created"]}),
    );
    assert_eq!(res.status, 422);
    assert_eq!(res.error_fields(), ["event_types[0]", "event_types[1]"]);

    // `127.1` is a name to the check at subscription time, and resolves to
    // 127.0.0.1: the check at connect time refuses it, and nothing arrives.
    let sneaky = format!("http://127.1:{}/hook", receiver.port);
    let (subscription, _) = subscribe(&app, &sneaky, json!(["city_unit.*"]));
    create_unit(&app, "Smygande");
    let log = wait_deliveries(&app, &subscription, |d| {
        d.len() == 1 && d[0]["status"] == "failed"
    });
    let error = log[0]["last_error"].as_str().unwrap();
    assert!(error.starts_with("address not allowed"), "{error}");
    assert_eq!(log[0]["last_status"], Value::Null);
    assert!(receiver.got().is_empty());
}

#[test]
fn only_city_admins_manage_webhooks() {
    let app = spawn_app();
    let org = app
        .create_organisation(json!({"name": "Föreningen", "legal_form": "non_profit_association"}));
    let unit = some_unit();
    let body = json!({"url": "https://hooks.example.se/", "event_types": ["city_unit.*"]});
    let res = app.post(SUBSCRIPTIONS, None, &body);
    assert_eq!(res.status, 401);
    assert_eq!(app.get(SUBSCRIPTIONS, None).status, 401);
    for token in [partner(&org), staff(&unit), integration(&unit)] {
        let res = app.post(SUBSCRIPTIONS, Some(&token), &body);
        assert_eq!(res.status, 403, "{}", res.text);
        assert_eq!(res.code(), "forbidden");
        assert_eq!(app.get(SUBSCRIPTIONS, Some(&token)).status, 403);
    }
    assert!(
        app.all_items(SUBSCRIPTIONS, Some(&admin())).is_empty(),
        "nothing was created"
    );
}

#[test]
fn two_replicas_deliver_each_event_exactly_once() {
    let app = spawn_app_with(webhook_settings);
    let replica = app.replica_with(webhook_settings);
    let receiver = Receiver::start();
    subscribe(&app, &receiver.url(), json!(["city_unit.created"]));
    let (a, b) = (Arc::new(app), Arc::new(replica));
    let apps = [a.clone(), b.clone()];
    race(20, move |i| {
        create_unit(&apps[i % 2], &format!("Enhet {i}"))
    });
    let got = receiver.wait_for("20 deliveries", |g| g.len() >= 20);
    // Time for a duplicate to show, if there were one.
    std::thread::sleep(Duration::from_secs(1));
    let got = receiver.got().len().max(got.len());
    let ids: HashSet<String> = receiver
        .got()
        .iter()
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    assert_eq!(ids.len(), 20);
    assert_eq!(got, 20, "each event once");
    drop(b);
}
