//! Database faults answer bounded, honest problems: a write that waits past
//! the statement timeout (a lock held by someone else) answers 503/504 with
//! `Retry-After` within the bound, changes nothing, and the next request
//! after the lock is gone succeeds.

use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};
use serde_json::json;

use crate::helpers::*;
use crate::proxy::{self, Proxy};

/// Holds what blocks writers until dropped: SQLite's write lock, or a
/// PostgreSQL row lock (the connection that holds it).
struct Blocker(#[allow(dead_code)] Box<dyn std::any::Any>);

fn block_writes(app: &TestApp, organisation: &str) -> Blocker {
    let url = app.database_url();
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut conn = diesel::SqliteConnection::establish(path).unwrap();
        diesel::sql_query("BEGIN IMMEDIATE")
            .execute(&mut conn)
            .unwrap();
        Blocker(Box::new(conn))
    } else {
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        diesel::sql_query("BEGIN").execute(&mut conn).unwrap();
        diesel::sql_query(format!(
            "SELECT id FROM organisations WHERE id = '{organisation}' FOR UPDATE"
        ))
        .execute(&mut conn)
        .unwrap();
        Blocker(Box::new(conn))
    }
}

#[test]
fn a_write_held_up_past_the_statement_timeout_answers_a_retryable_problem_in_time() {
    let bound = Duration::from_millis(300);
    let app = spawn_app_with(|s| s.database_timeouts.statement_ms = 300);
    let id = app.create_organisation(json!({"name": "Skyddsvärnet", "legal_form": "foundation"}));
    let path = format!("/api/v1/organisations/{id}");
    let blocker = block_writes(&app, &id);
    for _ in 0..3 {
        let started = Instant::now();
        let res = app.patch(
            &path,
            Some(&admin()),
            &json!({"contact_phone": "031-99 99 99"}),
            None,
        );
        let took = started.elapsed();
        assert!(
            [503, 504].contains(&res.status),
            "{}: {}",
            res.status,
            res.text
        );
        assert!(["database_unavailable", "database_timeout"].contains(&res.code().as_str()));
        assert_eq!(res.header("retry-after"), Some("1"));
        assert!(
            took < bound + Duration::from_secs(1),
            "answered after {took:?}"
        );
        assert!(
            !res.text.to_lowercase().contains("sql"),
            "no internals: {}",
            res.text
        );
    }
    // Reads are not blocked by a writer.
    assert_eq!(app.get(&path, Some(&admin())).status, 200);
    drop(blocker);
    let now = app.get(&path, Some(&admin())).json();
    assert!(now["contact_phone"].is_null(), "nothing was written: {now}");
    assert_eq!(now["version"], 1);
    let res = app.patch(
        &path,
        Some(&admin()),
        &json!({"contact_phone": "031-99 99 99"}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text);
}

/// Requests wait for a pooled connection in turn, without a thread each,
/// and no longer than the pool timeout: with both connections held by
/// writes waiting on a lock, a read answers 503 within the bound; once the
/// lock is gone the waiting writes land and reads answer again.
#[test]
fn a_request_that_finds_every_connection_taken_answers_503_within_the_pool_timeout() {
    let bound = Duration::from_millis(400);
    let app = std::sync::Arc::new(spawn_app_with(|s| {
        s.pool_size = 2;
        s.database_timeouts.pool_checkout_ms = 400;
        s.database_timeouts.statement_ms = 6000;
        s.http_limits.request_timeout_ms = 10_000;
    }));
    let id = app.create_organisation(json!({"name": "Turordningen", "legal_form": "foundation"}));
    let path = format!("/api/v1/organisations/{id}");
    let blocker = block_writes(&app, &id);
    let writes: Vec<_> = (0..2)
        .map(|i| {
            let (app, path) = (app.clone(), path.clone());
            std::thread::spawn(move || {
                app.patch(
                    &path,
                    Some(&admin()),
                    &json!({"contact_phone": format!("031-10 00 0{i}")}),
                    None,
                )
            })
        })
        .collect();
    // Both writes hold their connections, waiting for the lock.
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..3 {
        let started = Instant::now();
        let res = app.get(&path, Some(&admin()));
        let took = started.elapsed();
        assert_eq!(res.status, 503, "{}", res.text);
        assert_eq!(res.code(), "database_unavailable");
        assert_eq!(res.header("retry-after"), Some("1"));
        assert!(
            took >= bound - Duration::from_millis(50) && took < bound + Duration::from_secs(1),
            "answered after {took:?}, the pool timeout is {bound:?}"
        );
    }
    drop(blocker);
    for write in writes {
        let res = write.join().unwrap();
        assert_eq!(res.status, 200, "{}", res.text);
    }
    let now = app.get(&path, Some(&admin()));
    assert_eq!(now.status, 200, "{}", now.text);
    assert_eq!(now.json()["version"], 3, "both writes landed: {}", now.text);
}

/// How a test server is told to keep its bounds short.
fn short_bounds(s: &mut samverkan::config::Settings) {
    s.database_timeouts.pool_checkout_ms = 1000;
    s.database_timeouts.statement_ms = 1000;
    s.http_limits.request_timeout_ms = 2000;
}

/// The PostgreSQL URL of the test run, or `None` (with a message) on SQLite.
fn postgres_only(test: &str) -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            println!("skipped {test}: it needs PostgreSQL (TEST_DATABASE_URL)");
            None
        }
    }
}

/// A server on PostgreSQL whose every connection passes through a proxy.
fn app_behind_proxy(base: &str) -> (TestApp, Proxy) {
    let proxy = Proxy::start(&proxy::host_port(base));
    let app = spawn_app_with(|s| {
        short_bounds(s);
        let samverkan::config::DatabaseUrl::Postgres { url } = &s.database_url else {
            panic!("a PostgreSQL test server");
        };
        s.database_url =
            samverkan::config::DatabaseUrl::parse(&proxy.rewrite(url)).expect("proxied URL");
    });
    (app, proxy)
}

/// One of the requests a calling system makes: reads, a write, readiness.
fn traffic(app: &TestApp, i: usize, org: &str) -> (Res, &'static str) {
    match i % 4 {
        0 => (app.get(&format!("/api/v1/organisations/{org}"), None), "read"),
        1 => (app.get("/api/v1/organisations?limit=5", None), "list"),
        2 => (
            app.post(
                "/api/v1/organisations",
                Some(&admin()),
                &json!({"name": format!("Förening {}", uuid::Uuid::now_v7()), "legal_form": "non_profit_association"}),
            ),
            "write",
        ),
        _ => (app.get("/readyz", None), "readyz"),
    }
}

fn assert_retryable_problem(res: &Res, what: &str, took: Duration) {
    assert!(
        [503, 504].contains(&res.status),
        "{what}: {} after {took:?}: {}",
        res.status,
        res.text
    );
    let code = res.code();
    assert!(
        [
            "database_unavailable",
            "database_timeout",
            "request_deadline_exceeded"
        ]
        .contains(&code.as_str()),
        "{what}: {code}"
    );
    assert_eq!(res.header("retry-after"), Some("1"), "{what}: {}", res.text);
}

#[test]
fn while_postgresql_is_away_every_answer_is_a_503_problem_in_time_and_it_heals_within_a_second() {
    let Some(base) = postgres_only("the outage test") else {
        return;
    };
    let (app, proxy) = app_behind_proxy(&base);
    let org =
        app.create_organisation(json!({"name": "Räddningsmissionen", "legal_form": "foundation"}));
    // Fill the pool with open connections: they all die with the outage.
    for res in race(8, {
        let base = app.base.clone();
        move |_| {
            ureq::get(format!("{base}/api/v1/organisations?limit=5"))
                .call()
                .map(|r| r.status().as_u16())
                .ok()
        }
    }) {
        assert_eq!(res, Some(200));
    }
    proxy.down();
    // From the first request on: 503 problems with Retry-After, within the
    // request deadline plus a second; readiness within a second.
    let bound = Duration::from_millis(2000) + Duration::from_secs(1);
    let outage = Instant::now();
    let mut answers = 0;
    let mut slowest = Duration::ZERO;
    let mut i = 0;
    while outage.elapsed() < Duration::from_secs(3) {
        let started = Instant::now();
        let (res, what) = traffic(&app, i, &org);
        let took = started.elapsed();
        slowest = slowest.max(took);
        assert_retryable_problem(&res, what, took);
        assert_eq!(res.status, 503, "{what}: {}", res.text);
        let limit = if what == "readyz" {
            Duration::from_secs(1)
        } else {
            bound
        };
        assert!(took < limit, "{what} answered after {took:?}");
        answers += 1;
        i += 1;
    }
    assert!(answers >= 8, "only {answers} answers in the outage");
    assert_eq!(
        app.get("/healthz", None).status,
        200,
        "liveness is not readiness"
    );
    proxy.up();
    let back = Instant::now();
    let first_ok = loop {
        let res = app.get(&format!("/api/v1/organisations/{org}"), None);
        assert_ne!(res.status, 500, "{}", res.text);
        if res.status == 200 {
            break back.elapsed();
        }
        assert_retryable_problem(&res, "read while healing", back.elapsed());
        assert!(back.elapsed() < Duration::from_secs(5), "no recovery");
        std::thread::sleep(Duration::from_millis(20));
    };
    println!(
        "outage: {answers} answers, all 503, slowest {slowest:?}; first 200 {first_ok:?} after the database was back"
    );
    assert!(
        first_ok < Duration::from_secs(1),
        "first 200 after {first_ok:?}"
    );
    for i in 0..40 {
        let (res, what) = traffic(&app, i, &org);
        assert!(
            res.status == 200 || res.status == 201,
            "{what} after recovery: {} {}",
            res.status,
            res.text
        );
    }
}

#[test]
fn a_slow_postgresql_answers_200_or_a_retryable_problem_within_the_bound_and_the_pool_recovers() {
    let Some(base) = postgres_only("the slow database test") else {
        return;
    };
    let (app, proxy) = app_behind_proxy(&base);
    let org =
        app.create_organisation(json!({"name": "Stadsmissionen", "legal_form": "foundation"}));
    proxy.slow(Duration::from_millis(150));
    let bound = Duration::from_millis(2000) + Duration::from_secs(1);
    let app = std::sync::Arc::new(app);
    let answers = race(12, {
        let app = app.clone();
        let org = org.clone();
        move |t| {
            let mut seen = Vec::new();
            let start = Instant::now();
            let mut i = t;
            while start.elapsed() < Duration::from_secs(4) {
                let started = Instant::now();
                let (res, what) = traffic(&app, i, &org);
                seen.push((res, what, started.elapsed()));
                i += 1;
            }
            seen
        }
    });
    let (mut ok, mut problems) = (0, 0);
    let slowest = answers
        .iter()
        .flatten()
        .map(|a| a.2)
        .max()
        .unwrap_or_default();
    for (res, what, took) in answers.iter().flatten() {
        let limit = if *what == "readyz" {
            Duration::from_secs(1)
        } else {
            bound
        };
        assert!(took < &limit, "{what} answered after {took:?}");
        if res.status == 200 || res.status == 201 {
            ok += 1;
        } else {
            assert_retryable_problem(res, what, *took);
            problems += 1;
        }
    }
    println!(
        "slow database: {ok} answered 200/201, {problems} retryable problems, slowest {slowest:?}"
    );
    assert!(
        problems > 0,
        "a 700 ms per-packet delay must hit the bounds"
    );
    proxy.up();
    // The pool recovers: connections held by abandoned requests come back.
    let back = Instant::now();
    loop {
        let res = app.get(&format!("/api/v1/organisations/{org}"), None);
        if res.status == 200 {
            break;
        }
        assert_retryable_problem(&res, "read while healing", back.elapsed());
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "the pool did not recover"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "slow database: first 200 {:?} after it was fast again",
        back.elapsed()
    );
    for i in 0..20 {
        let (res, what) = traffic(&app, i, &org);
        assert!(
            res.status == 200 || res.status == 201,
            "{what}: {} {}",
            res.status,
            res.text
        );
    }
}

#[test]
fn a_request_past_its_deadline_answers_a_503_problem_in_time() {
    let app = spawn_app_with(|s| {
        s.database_timeouts.statement_ms = 5000;
        s.database_timeouts.pool_checkout_ms = 5000;
        s.http_limits.request_timeout_ms = 400;
    });
    let id = app.create_organisation(
        json!({"name": "Göteborgs Räddningsmission", "legal_form": "foundation"}),
    );
    let path = format!("/api/v1/organisations/{id}");
    let blocker = block_writes(&app, &id);
    let started = Instant::now();
    let res = app.patch(
        &path,
        Some(&admin()),
        &json!({"contact_phone": "031-12 34 56"}),
        None,
    );
    let took = started.elapsed();
    assert_eq!(res.status, 503, "{}", res.text);
    assert_eq!(res.code(), "request_deadline_exceeded");
    assert_eq!(res.header("retry-after"), Some("1"));
    assert!(
        took < Duration::from_millis(400) + Duration::from_secs(1),
        "after {took:?}"
    );
    drop(blocker);
    // The abandoned statement ends within its own timeout and its
    // connection serves again.
    let later = Instant::now();
    loop {
        let res = app.get(&path, Some(&admin()));
        if res.status == 200 {
            assert!(
                res.json()["contact_phone"].is_null()
                    || res.json()["contact_phone"] == "031-12 34 56"
            );
            break;
        }
        assert!(later.elapsed() < Duration::from_secs(6), "{}", res.text);
    }
}

/// Sends raw bytes, reads until the server closes (or 5 s), and returns the
/// status, the lower-cased head and the body.
fn raw(app: &TestApp, request: &[u8], pause: Duration) -> (u16, String, String) {
    raw_at(&app.base, request, pause)
}

fn raw_at(base: &str, request: &[u8], pause: Duration) -> (u16, String, String) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = stream.write_all(request);
    std::thread::sleep(pause);
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&out);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head.to_ascii_lowercase().lines().find_map(|l| {
                        l.strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    });
                    if length.is_some_and(|n| body.len() >= n) {
                        break;
                    }
                }
            }
        }
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn assert_problem(status: u16, head: &str, body: &str, expected: u16, code: &str) {
    assert_eq!(status, expected, "{head}\n{body}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
    let problem: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(problem["status"], expected);
    assert_eq!(problem["code"], code, "{body}");
    assert!(problem["type"].as_str().unwrap().ends_with(code));
}

#[test]
fn a_200_kb_header_answers_a_431_problem() {
    let app = spawn_app();
    let request = format!(
        "GET /api/v1/organisations HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(200 * 1024)
    );
    let (status, head, body) = raw(&app, request.as_bytes(), Duration::ZERO);
    assert_problem(status, &head, &body, 431, "request_header_fields_too_large");
    // 100 KB still reaches the handler.
    let request = format!(
        "GET /no/such/path HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: {}\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    let (status, head, body) = raw(&app, request.as_bytes(), Duration::ZERO);
    assert_problem(status, &head, &body, 404, "not_found");
}

#[test]
fn a_malformed_request_and_a_slow_request_head_answer_problems() {
    let app = spawn_app_with(|s| s.http_limits.client_request_timeout_ms = 300);
    let (status, head, body) = raw(
        &app,
        b"GET /healthz HTTP/1.1\r\nHost x\r\n\r\n",
        Duration::ZERO,
    );
    assert_problem(status, &head, &body, 400, "malformed_request");
    let (status, head, body) = raw(
        &app,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
        Duration::ZERO,
    );
    assert_problem(status, &head, &body, 408, "request_timeout");
}

#[test]
fn a_long_uri_a_large_body_and_an_unknown_path_answer_problems() {
    let app = spawn_app();
    let res = app.get(
        &format!("/api/v1/organisations?q={}", "a".repeat(9000)),
        None,
    );
    assert_eq!(res.status, 414);
    assert_eq!(res.code(), "uri_too_long");
    let res = app.send(
        "POST",
        "/api/v1/organisations",
        Some(&admin()),
        Some(vec![b' '; 70_000]),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(res.status, 413, "{}", res.text);
    assert_eq!(res.code(), "payload_too_large");
    let res = app.get("/no/such/path", None);
    assert_eq!(res.status, 404);
    assert_eq!(res.code(), "not_found");
    let res = app.send("PUT", "/healthz", None, None, &[]);
    assert_eq!(res.status, 405);
    assert_eq!(res.code(), "method_not_allowed");
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        status.success().then_some(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0.path())
            .status();
    }
}

#[derive(diesel::QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

#[test]
fn sqlite_on_a_full_disk_answers_507_problems_keeps_reading_and_stays_intact() {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        println!("skipped the full-disk test: it applies to SQLite");
        return;
    }
    let Some(disk) = Tmpfs::mount("4m") else {
        println!("skipped the full-disk test: mounting a tmpfs needs root");
        return;
    };
    let path = disk.0.path().join("full.db");
    let url = format!("sqlite://{}", path.display());
    let app = spawn_app_with(|s| {
        short_bounds(s);
        s.database_url = samverkan::config::DatabaseUrl::parse(&url).unwrap();
    });
    let org = app.create_organisation(
        json!({"name": "Kvinnojouren", "legal_form": "non_profit_association"}),
    );
    // Fill the filesystem to the last byte.
    let filler = disk.0.path().join("filler");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 4096];
        while file
            .write_all(&chunk)
            .and_then(|_| file.sync_data())
            .is_ok()
        {}
    }
    let mut created = 0;
    let mut full = 0;
    for i in 0..100 {
        let res = app.post(
            "/api/v1/organisations",
            Some(&admin()),
            &json!({"name": format!("Förening nummer {i}"), "legal_form": "non_profit_association", "description": "y".repeat(1900)}),
        );
        match res.status {
            201 => created += 1,
            _ => {
                assert_eq!(res.status, 507, "{}", res.text);
                assert_eq!(res.code(), "insufficient_storage");
                assert!(res.header("retry-after").is_some());
                full += 1;
                if full >= 5 {
                    break;
                }
            }
        }
    }
    println!("full disk: {created} writes fitted, then {full} answered 507");
    assert!(full >= 5, "the disk never filled ({created} writes)");
    // Reads keep working.
    assert_eq!(
        app.get(&format!("/api/v1/organisations/{org}"), None)
            .status,
        200
    );
    assert_eq!(app.get("/api/v1/organisations?limit=5", None).status, 200);
    assert_eq!(app.get("/readyz", None).status, 200);
    // Room again: writes succeed, and nothing of the refused ones was kept.
    std::fs::remove_file(&filler).unwrap();
    let res = app.post(
        "/api/v1/organisations",
        Some(&admin()),
        &json!({"name": "Efter städningen", "legal_form": "foundation"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    drop(app);
    let mut conn = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    // The stopping server may still be closing its connections.
    diesel::sql_query("PRAGMA busy_timeout = 5000")
        .execute(&mut conn)
        .unwrap();
    let check: Vec<Text> =
        diesel::sql_query("SELECT integrity_check AS value FROM pragma_integrity_check")
            .load(&mut conn)
            .unwrap();
    assert_eq!(check.len(), 1);
    assert_eq!(check[0].value, "ok");
    let count: Vec<Text> =
        diesel::sql_query("SELECT CAST(COUNT(*) AS TEXT) AS value FROM organisations")
            .load(&mut conn)
            .unwrap();
    assert_eq!(
        count[0].value,
        (1 + created + 1).to_string(),
        "a refused write left nothing"
    );
}

#[test]
fn a_read_whose_pooled_connection_was_cut_runs_again_on_a_fresh_one_and_answers_200() {
    let Some(base) = postgres_only("the lost-connection retry test") else {
        return;
    };
    let (app, proxy) = app_behind_proxy(&base);
    let org = app
        .create_organisation(json!({"name": "Göteborgs Stadsmission", "legal_form": "foundation"}));
    let path = format!("/api/v1/organisations/{org}");
    for round in 0..3 {
        // Fill the pool with open connections, then cut them all (as a
        // restart of the server does); new connections are accepted.
        for res in race(8, {
            let base = app.base.clone();
            move |_| {
                ureq::get(format!("{base}/api/v1/organisations?limit=5"))
                    .call()
                    .map(|r| r.status().as_u16())
                    .ok()
            }
        }) {
            assert_eq!(res, Some(200));
        }
        proxy.cut();
        std::thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        let res = app.get(&path, None);
        println!(
            "connections cut: the next read answered {} in {:?}",
            res.status,
            started.elapsed()
        );
        assert_eq!(res.status, 200, "round {round}: {}", res.text);
        let res = app.send("HEAD", &path, None, None, &[]);
        assert_eq!(res.status, 200, "round {round}: HEAD");
        assert_eq!(app.get("/api/v1/organisations?limit=5", None).status, 200);
    }
    // A write whose connection is lost is not run twice: 503 or done, never 500.
    let _ = app.get("/api/v1/organisations?limit=5", None);
    proxy.cut();
    std::thread::sleep(Duration::from_millis(100));
    let res = app.post(
        "/api/v1/organisations",
        Some(&admin()),
        &json!({"name": "Efter avbrottet", "legal_form": "foundation"}),
    );
    assert!(
        [201, 503].contains(&res.status),
        "{}: {}",
        res.status,
        res.text
    );
    if res.status == 503 {
        assert_eq!(res.code(), "database_unavailable");
        assert_eq!(res.header("retry-after"), Some("1"));
    }
}

/// Blocks inserts into `organisations` until dropped: SQLite's write lock,
/// or a PostgreSQL table lock that lets reads through.
fn block_inserts(app: &TestApp) -> Blocker {
    let url = app.database_url();
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut conn = diesel::SqliteConnection::establish(path).unwrap();
        diesel::sql_query("BEGIN IMMEDIATE")
            .execute(&mut conn)
            .unwrap();
        Blocker(Box::new(conn))
    } else {
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        diesel::sql_query("BEGIN").execute(&mut conn).unwrap();
        diesel::sql_query("LOCK TABLE organisations IN EXCLUSIVE MODE")
            .execute(&mut conn)
            .unwrap();
        Blocker(Box::new(conn))
    }
}

#[test]
fn a_post_abandoned_at_its_deadline_is_not_stuck_in_progress_and_a_retry_gets_its_outcome() {
    let app = spawn_app_with(|s| {
        s.database_timeouts.statement_ms = 3000;
        s.database_timeouts.pool_checkout_ms = 3000;
        s.http_limits.request_timeout_ms = 400;
    });
    let key = format!("retry-{}", uuid::Uuid::now_v7());
    let body = json!({"name": "Föreningen Bakom Låset", "legal_form": "non_profit_association"});
    let create = || {
        app.post_with(
            "/api/v1/organisations",
            Some(&admin()),
            &body,
            &[("Idempotency-Key", key.as_str())],
        )
    };
    let blocker = block_inserts(&app);
    let res = create();
    assert_eq!(res.status, 503, "{}", res.text);
    assert_eq!(res.code(), "request_deadline_exceeded");
    // Still running (it waits for the lock): in progress, honestly (on
    // SQLite the claim itself waits for the write lock: the deadline again).
    let res = create();
    assert!([409, 503].contains(&res.status), "{}", res.text);
    assert!([
        "idempotency_request_in_progress",
        "request_deadline_exceeded"
    ]
    .contains(&res.code().as_str()));
    drop(blocker);
    // The abandoned request ends and records its answer; a retry gets it
    // (not "in progress" until the key expires).
    let started = Instant::now();
    let first = loop {
        let res = create();
        if res.status == 201 {
            break res;
        }
        assert_eq!(res.status, 409, "{}", res.text);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "still in progress after {:?}",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    println!(
        "abandoned POST: its answer replayed {:?} after the lock was gone",
        started.elapsed()
    );
    let again = create();
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(again.json()["id"], first.json()["id"], "created once");
    let named: Vec<_> = app
        .all_items("/api/v1/organisations", Some(&admin()))
        .into_iter()
        .filter(|o| o["name"] == "Föreningen Bakom Låset")
        .collect();
    assert_eq!(named.len(), 1, "created once: {named:?}");
}

#[test]
fn a_post_that_failed_with_a_503_runs_again_with_the_same_key_once_the_database_is_back() {
    let app = spawn_app_with(|s| s.database_timeouts.statement_ms = 300);
    let key = format!("retry-{}", uuid::Uuid::now_v7());
    let body = json!({"name": "Föreningen Efter Felet", "legal_form": "non_profit_association"});
    let create = || {
        app.post_with(
            "/api/v1/organisations",
            Some(&admin()),
            &body,
            &[("Idempotency-Key", key.as_str())],
        )
    };
    let blocker = block_inserts(&app);
    let res = create();
    assert!(
        [503, 504].contains(&res.status),
        "{}: {}",
        res.status,
        res.text
    );
    assert_eq!(res.header("retry-after"), Some("1"));
    drop(blocker);
    let res = create();
    assert_eq!(res.status, 201, "the same key runs again: {}", res.text);
    assert_eq!(create().json()["id"], res.json()["id"], "and then replays");
}

#[test]
fn a_key_claim_that_nothing_ended_is_taken_over_after_its_lease() {
    use sha2::Digest;
    let app = spawn_app_with(|s| s.http_limits.request_timeout_ms = 2000);
    let key = format!("orphan-{}", uuid::Uuid::now_v7());
    let body = json!({"name": "Föreningen Efter Kraschen", "legal_form": "foundation"}).to_string();
    let mut hasher = sha2::Sha256::new();
    hasher.update(b"/api/v1/organisations\0\0");
    hasher.update(body.as_bytes());
    let hash = format!("{:x}", hasher.finalize());
    // A claim left by a process that died mid-request, 5 s ago (the lease
    // is twice the deadline: 4 s), and one left just now.
    let now = chrono::Utc::now().naive_utc();
    let claim = |key: &str, age: chrono::Duration| {
        let sql = "INSERT INTO idempotency_keys (caller, idempotency_key, request_hash, completed, created_at) VALUES ('city_admin-user', $1, $2, false, $3)";
        // `?1` on SQLite, `$1` on PostgreSQL.
        let sqlite = app.database_url().starts_with("sqlite://");
        let sql = if sqlite {
            sql.replace('$', "?")
        } else {
            sql.to_owned()
        };
        let query = diesel::sql_query(sql)
            .bind::<diesel::sql_types::Text, _>(key.to_owned())
            .bind::<diesel::sql_types::Text, _>(hash.clone())
            .bind::<diesel::sql_types::Timestamp, _>(now - age);
        if let Some(path) = app.database_url().strip_prefix("sqlite://") {
            let mut conn = diesel::SqliteConnection::establish(path).unwrap();
            query.execute(&mut conn).unwrap();
        } else {
            let mut conn = diesel::PgConnection::establish(app.database_url()).unwrap();
            query.execute(&mut conn).unwrap();
        }
    };
    let fresh = format!("{key}-fresh");
    claim(&key, chrono::Duration::seconds(5));
    claim(&fresh, chrono::Duration::zero());
    let send = |key: &str| {
        app.send(
            "POST",
            "/api/v1/organisations",
            Some(&admin()),
            Some(body.clone().into_bytes()),
            &[
                ("Content-Type", "application/json"),
                ("Idempotency-Key", key),
            ],
        )
    };
    let res = send(&fresh);
    assert_eq!(
        res.status, 409,
        "a claim within its lease holds: {}",
        res.text
    );
    let res = send(&key);
    assert_eq!(
        res.status, 201,
        "an orphaned claim is taken over: {}",
        res.text
    );
    let again = send(&key);
    assert_eq!(again.json()["id"], res.json()["id"]);
}

/// A login role of its own on the shared PostgreSQL server, so a test can
/// refuse, end or make read-only that role's sessions and nobody else's.
/// Dropped (its sessions ended) when the test ends.
struct Role {
    base: String,
    name: String,
}

impl Role {
    fn create(base: &str) -> Role {
        let name = format!(
            "samverkan_fault_{}",
            &uuid::Uuid::now_v7().simple().to_string()[20..]
        );
        let role = Role {
            base: base.to_owned(),
            name,
        };
        role.admin(&format!("CREATE ROLE {0} LOGIN PASSWORD '{0}'", role.name));
        role
    }

    /// Runs `sql` as the test run's (administrative) user.
    fn admin(&self, sql: &str) {
        let mut conn = diesel::PgConnection::establish(&self.base).unwrap();
        diesel::sql_query(sql).execute(&mut conn).unwrap();
    }

    /// Ends every session of the role (SQLSTATE 57P01 for each).
    fn terminate(&self) {
        self.admin(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{}'",
            self.name
        ));
    }

    /// A server whose connections log in as this role, on a schema it owns.
    fn spawn_app(&self) -> TestApp {
        spawn_app_with(|s| {
            short_bounds(s);
            let samverkan::config::DatabaseUrl::Postgres { url } = &s.database_url else {
                panic!("a PostgreSQL test server");
            };
            let schema = url
                .split("search_path%3D")
                .nth(1)
                .expect("a schema per test app")
                .to_owned();
            self.admin(&format!("ALTER SCHEMA {schema} OWNER TO {}", self.name));
            let (scheme, rest) = url.split_once("://").unwrap();
            let host = rest.split_once('@').map_or(rest, |(_, host)| host);
            let url = format!("{scheme}://{0}:{0}@{host}", self.name);
            s.database_url = samverkan::config::DatabaseUrl::parse(&url).expect("role URL");
        })
    }
}

impl Drop for Role {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(|| self.terminate());
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.base) {
            let _ = diesel::sql_query(format!("DROP OWNED BY {}", self.name)).execute(&mut conn);
            let _ =
                diesel::sql_query(format!("DROP ROLE IF EXISTS {}", self.name)).execute(&mut conn);
        }
    }
}

/// Fills the pool of `app` with open connections.
fn fill_pool(app: &TestApp) {
    for res in race(8, {
        let base = app.base.clone();
        move |_| {
            ureq::get(format!("{base}/api/v1/organisations?limit=5"))
                .call()
                .map(|r| r.status().as_u16())
                .ok()
        }
    }) {
        assert_eq!(res, Some(200));
    }
}

#[test]
fn postgresql_refusing_connections_53300_answers_503_problems_and_heals() {
    let Some(base) = postgres_only("the too-many-connections test") else {
        return;
    };
    let role = Role::create(&base);
    let app = role.spawn_app();
    let org = app.create_organisation(
        json!({"name": "Röda Korset Göteborg", "legal_form": "non_profit_association"}),
    );
    fill_pool(&app);
    // No new connection for the role (53300), and the open ones are ended.
    role.admin(&format!("ALTER ROLE {} CONNECTION LIMIT 0", role.name));
    role.terminate();
    std::thread::sleep(Duration::from_millis(100));
    let bound = Duration::from_millis(2000) + Duration::from_secs(1);
    for i in 0..8 {
        let started = Instant::now();
        let (res, what) = traffic(&app, i, &org);
        let took = started.elapsed();
        assert_eq!(res.status, 503, "{what}: {}", res.text);
        assert_retryable_problem(&res, what, took);
        assert_eq!(res.code(), "database_unavailable", "{what}");
        assert!(took < bound, "{what} after {took:?}");
        println!("53300: {what} answered 503 in {took:?}");
    }
    role.admin(&format!("ALTER ROLE {} CONNECTION LIMIT -1", role.name));
    let back = Instant::now();
    loop {
        let res = app.get(&format!("/api/v1/organisations/{org}"), None);
        assert_ne!(res.status, 500, "{}", res.text);
        if res.status == 200 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "no recovery: {}",
            res.text
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "53300: first 200 {:?} after the limit was lifted",
        back.elapsed()
    );
}

#[test]
fn postgresql_ending_sessions_57p01_leaves_reads_200_and_writes_never_500() {
    let Some(base) = postgres_only("the admin-shutdown test") else {
        return;
    };
    let role = Role::create(&base);
    let app = role.spawn_app();
    let org = app.create_organisation(
        json!({"name": "Frälsningsarmén", "legal_form": "non_profit_association"}),
    );
    for round in 0..3 {
        fill_pool(&app);
        role.terminate();
        let started = Instant::now();
        let res = app.get(&format!("/api/v1/organisations/{org}"), None);
        println!(
            "57P01: the next read answered {} in {:?}",
            res.status,
            started.elapsed()
        );
        assert_eq!(res.status, 200, "round {round}: {}", res.text);
        fill_pool(&app);
        role.terminate();
        let res = app.post(
            "/api/v1/organisations",
            Some(&admin()),
            &json!({"name": format!("Förening {round}"), "legal_form": "foundation"}),
        );
        assert!(
            [201, 503].contains(&res.status),
            "round {round}: {}: {}",
            res.status,
            res.text
        );
        println!("57P01: the next write answered {}", res.status);
        if res.status == 503 {
            assert_retryable_problem(&res, "write", Duration::ZERO);
        }
        assert_eq!(app.get("/api/v1/organisations?limit=5", None).status, 200);
    }
}

#[test]
fn postgresql_read_only_after_a_failover_25006_answers_writes_503_and_reads_200() {
    let Some(base) = postgres_only("the read-only test") else {
        return;
    };
    let role = Role::create(&base);
    let app = role.spawn_app();
    let org = app
        .create_organisation(json!({"name": "Bris Väst", "legal_form": "non_profit_association"}));
    let path = format!("/api/v1/organisations/{org}");
    fill_pool(&app);
    // As a standby that was a primary: every new session is read-only.
    role.admin(&format!(
        "ALTER ROLE {} SET default_transaction_read_only = on",
        role.name
    ));
    role.terminate();
    assert_eq!(app.get(&path, None).status, 200);
    for i in 0..4 {
        let res = if i % 2 == 0 {
            app.post(
                "/api/v1/organisations",
                Some(&admin()),
                &json!({"name": format!("Skrivskyddad {i}"), "legal_form": "foundation"}),
            )
        } else {
            app.patch(
                &path,
                Some(&admin()),
                &json!({"contact_phone": "031-11 22 33"}),
                None,
            )
        };
        assert_eq!(res.status, 503, "write {i}: {}", res.text);
        assert_retryable_problem(&res, "write", Duration::ZERO);
        assert_eq!(app.get(&path, None).status, 200, "reads keep working");
    }
    assert!(
        app.get(&path, None).json()["contact_phone"].is_null(),
        "nothing was written"
    );
    role.admin(&format!(
        "ALTER ROLE {} RESET default_transaction_read_only",
        role.name
    ));
    role.terminate();
    let back = Instant::now();
    loop {
        let res = app.patch(
            &path,
            Some(&admin()),
            &json!({"contact_phone": "031-11 22 33"}),
            None,
        );
        assert_ne!(res.status, 500, "{}", res.text);
        if res.status == 200 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "no recovery: {}",
            res.text
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "25006: first write 200 {:?} after the role was writable again",
        back.elapsed()
    );
}

/// A response header by its lower-case name.
type HeaderOf<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// A problem as complete as a handler's: every field, and the headers every
/// answer carries.
fn assert_complete_problem(
    what: &str,
    (status, header, body): (u16, &HeaderOf<'_>, &str),
    expected: u16,
    code: &str,
    instance: &str,
) {
    assert_eq!(status, expected, "{what}: {body}");
    assert_eq!(
        header("content-type").as_deref(),
        Some("application/problem+json"),
        "{what}"
    );
    let request_id = header("x-request-id").unwrap_or_else(|| panic!("{what}: no X-Request-Id"));
    assert_eq!(
        header("api-version").as_deref(),
        Some(env!("CARGO_PKG_VERSION")),
        "{what}"
    );
    assert_eq!(
        header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    let problem: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{what}: {e}: {body}"));
    assert_eq!(problem["status"], expected, "{what}");
    assert_eq!(problem["code"], code, "{what}: {body}");
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/problems/{code}")),
        "{what}: {body}"
    );
    assert!(
        !problem["title"].as_str().unwrap_or_default().is_empty(),
        "{what}"
    );
    assert!(
        !problem["detail"].as_str().unwrap_or_default().is_empty(),
        "{what}"
    );
    assert_eq!(problem["instance"], instance, "{what}: {body}");
    assert_eq!(problem["request_id"], request_id.as_str(), "{what}: {body}");
}

fn checked(res: &Res) -> (u16, Box<HeaderOf<'_>>, &str) {
    (
        res.status,
        Box::new(|name| res.header(name).map(str::to_owned)),
        res.text.as_str(),
    )
}

#[test]
fn problems_made_outside_handlers_carry_every_field_and_header_of_a_handlers_problem() {
    let app = spawn_app_with(|s| {
        s.database_timeouts.statement_ms = 3000;
        s.database_timeouts.pool_checkout_ms = 3000;
        s.http_limits.request_timeout_ms = 400;
        // actix-http measures the head timeout from a clock it refreshes
        // every 500 ms: shorter timeouts fire early.
        s.http_limits.client_request_timeout_ms = 1000;
    });
    let check = |what: &str, res: &Res, status: u16, code: &str, instance: &str| {
        let (s, h, b) = checked(res);
        assert_complete_problem(what, (s, &*h, b), status, code, instance);
    };
    check(
        "404",
        &app.get("/no/such/path", None),
        404,
        "not_found",
        "/no/such/path",
    );
    let res = app.send("PUT", "/healthz", None, None, &[]);
    check("405", &res, 405, "method_not_allowed", "/healthz");
    assert!(res.header("allow").is_some_and(|a| a.contains("GET")));
    let long = format!("/api/v1/organisations?q={}", "a".repeat(9000));
    check(
        "414",
        &app.get(&long, None),
        414,
        "uri_too_long",
        "/api/v1/organisations",
    );
    let res = app.send(
        "POST",
        "/api/v1/organisations",
        Some(&admin()),
        Some(vec![b' '; 70_000]),
        &[("Content-Type", "application/json")],
    );
    check(
        "413",
        &res,
        413,
        "payload_too_large",
        "/api/v1/organisations",
    );
    let res = app.send(
        "POST",
        "/api/v1/organisations",
        Some(&admin()),
        Some(vec![b' '; 70_000]),
        &[
            ("Content-Type", "application/json"),
            ("Idempotency-Key", "big-body"),
        ],
    );
    check(
        "413 with a key",
        &res,
        413,
        "payload_too_large",
        "/api/v1/organisations",
    );
    // What actix-http answers before any handler, on the socket.
    let raw_check = |what: &str, request: &[u8], status: u16, code: &str, instance: &str| {
        let (s, head, body) = raw(&app, request, Duration::ZERO);
        let header = |name: &str| {
            head.lines().find_map(|line| {
                line.strip_prefix(&format!("{name}:"))
                    .map(|v| v.trim().to_owned())
            })
        };
        assert_complete_problem(what, (s, &header, &body), status, code, instance);
    };
    raw_check(
        "malformed header line",
        b"GET /healthz HTTP/1.1\r\nHost x\r\n\r\n",
        400,
        "malformed_request",
        "/healthz",
    );
    raw_check(
        "a NUL byte in a header value",
        b"GET /api/v1/organisations HTTP/1.1\r\nHost: x\r\nX-Note: a\0b\r\n\r\n",
        400,
        "malformed_request",
        "/api/v1/organisations",
    );
    raw_check(
        "a control character in a header value",
        b"GET /api/v1/districts?x=1 HTTP/1.1\r\nHost: x\r\nX-Note: a\x07b\r\n\r\n",
        400,
        "malformed_request",
        "/api/v1/districts",
    );
    raw_check(
        "a slow request head",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
        408,
        "request_timeout",
        "/healthz",
    );
    let big = format!(
        "GET /api/v1/organisations HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(200 * 1024)
    );
    raw_check(
        "a 200 KB header",
        big.as_bytes(),
        431,
        "request_header_fields_too_large",
        "/api/v1/organisations",
    );
    // The request deadline, raised by a middleware, not by a handler.
    let blocker = block_inserts(&app);
    let res = app.post(
        "/api/v1/organisations",
        Some(&admin()),
        &json!({"name": "Låst ute", "legal_form": "foundation"}),
    );
    check(
        "deadline",
        &res,
        503,
        "request_deadline_exceeded",
        "/api/v1/organisations",
    );
    assert_eq!(res.header("retry-after"), Some("1"));
    assert_eq!(
        res.header("cache-control"),
        Some("no-store"),
        "an authenticated request"
    );
    drop(blocker);
}

#[test]
fn a_request_that_does_not_parse_is_logged_as_a_warning_not_an_error() {
    use std::io::Read;
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        println!("skipped the log-level test: the binary runs on SQLite, once is enough");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_samverkan"))
        .arg("serve")
        .env_clear()
        .env("SAMVERKAN_BIND", format!("127.0.0.1:{port}"))
        .env(
            "SAMVERKAN_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("log.db").display()),
        )
        .env("SAMVERKAN_LOG_FORMAT", "json")
        .env("SAMVERKAN_WORKERS", "1")
        .env("SAMVERKAN_POOL_SIZE", "2")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the samverkan binary");
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while ureq::get(format!("{base}/healthz")).call().is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, _, body) = raw_at(
        &base,
        b"GET /api/v1/organisations HTTP/1.1\r\nHost: x\r\nX-Note: a\0b\r\n\r\n",
        Duration::ZERO,
    );
    assert_eq!(status, 400, "{body}");
    std::thread::sleep(Duration::from_millis(300));
    server.kill().unwrap();
    server.wait().unwrap();
    let mut log = String::new();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let levels: Vec<(String, String)> = log
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|event| {
            (
                event["level"].as_str().unwrap_or_default().to_owned(),
                event.to_string(),
            )
        })
        .collect();
    assert!(
        !levels.iter().any(|(level, _)| level == "ERROR"),
        "a client's fault logged as an error:\n{log}"
    );
    assert!(
        levels
            .iter()
            .any(|(level, line)| level == "WARN" && line.contains("does not parse")),
        "the refused request is logged as a warning:\n{log}"
    );
}
