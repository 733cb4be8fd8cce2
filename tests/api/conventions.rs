//! What every endpoint shares: headers, problems, 404/405, HEAD beside
//! every GET, CORS for every method, health, Swagger UI that calls nobody,
//! and plain answers to duplicate JSON keys, compressed bodies and trailing
//! slashes.

use serde_json::{json, Value};

use crate::helpers::*;

const ORIGIN: &str = "https://frontend.example.se";

#[test]
fn every_response_carries_the_standard_headers() {
    let app = spawn_app();
    let anonymous = app.get("/api/v1/districts", None);
    assert_eq!(anonymous.status, 200);
    assert_eq!(
        anonymous.header("api-version"),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(anonymous.header("x-content-type-options"), Some("nosniff"));
    assert!(uuid::Uuid::parse_str(anonymous.header("x-request-id").unwrap()).is_ok());
    assert!(anonymous.header("cache-control").is_none());
    let authenticated = app.get("/api/v1/districts", Some(&admin()));
    assert_eq!(authenticated.header("cache-control"), Some("no-store"));
    // A caller's request id is echoed, also on errors.
    let res = app.send(
        "GET",
        "/api/v1/nothing-here",
        None,
        None,
        &[("X-Request-Id", "import-job-42")],
    );
    assert_eq!(res.header("x-request-id"), Some("import-job-42"));
    assert_eq!(res.json()["request_id"], "import-job-42");
    assert_eq!(res.header("api-version"), Some(env!("CARGO_PKG_VERSION")));
}

#[test]
fn unknown_paths_are_404_problems_and_wrong_methods_405_with_allow() {
    let app = spawn_app();
    let res = app.get("/api/v1/grants-that-do-not-exist", None);
    assert_eq!(res.status, 404);
    assert_eq!(res.code(), "not_found");
    let body = res.json();
    assert_eq!(body["instance"], "/api/v1/grants-that-do-not-exist");
    assert_eq!(body["title"], "Not found");
    let type_uri = body["type"].as_str().unwrap();
    assert!(
        type_uri.starts_with("http://") && type_uri.ends_with("/problems/not_found"),
        "{type_uri}"
    );

    let res = app.send("PUT", "/api/v1/organisations", Some(&admin()), None, &[]);
    assert_eq!(res.status, 405);
    // HEAD is allowed wherever GET is (RFC 9110, issue #16).
    assert_eq!(res.header("allow"), Some("GET, HEAD, POST"));
    assert_eq!(res.code(), "method_not_allowed");
    let res = app.send(
        "POST",
        &format!("/api/v1/organisations/{}", uuid::Uuid::now_v7()),
        Some(&admin()),
        None,
        &[],
    );
    assert_eq!(res.status, 405);
    assert_eq!(res.header("allow"), Some("GET, HEAD, PATCH, DELETE"));
}

#[test]
fn problem_types_lead_to_their_documentation() {
    let app = spawn_app();
    let res = app.post("/api/v1/organisations", None, &json!({}));
    let type_uri = res.json()["type"].as_str().unwrap().to_owned();
    let path = type_uri
        .split_once("/problems/")
        .map(|(_, code)| format!("/problems/{code}"))
        .unwrap();
    let doc = app.get(&path, None);
    assert_eq!(doc.status, 200);
    assert!(
        doc.text.contains("authentication_required (HTTP 401)"),
        "{}",
        doc.text
    );
    assert_eq!(app.get("/problems/no_such_code", None).status, 404);
}

#[test]
fn cors_preflight_allows_the_headers_browser_frontends_need() {
    let app = spawn_app();
    let res = app.send(
        "OPTIONS",
        "/api/v1/organisations/x",
        None,
        None,
        &[
            ("Origin", "https://frontend.example.se"),
            ("Access-Control-Request-Method", "PATCH"),
            (
                "Access-Control-Request-Headers",
                "authorization, content-type, if-match, idempotency-key",
            ),
        ],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://frontend.example.se")
    );
    let allowed = res
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    for header in [
        "if-match",
        "idempotency-key",
        "authorization",
        "content-type",
    ] {
        assert!(allowed.contains(header), "{header} in {allowed}");
    }
    let res = app.send(
        "GET",
        "/api/v1/districts",
        None,
        None,
        &[("Origin", "https://frontend.example.se")],
    );
    let exposed = res
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    for header in ["etag", "link", "location", "api-version", "retry-after"] {
        assert!(exposed.contains(header), "{header} in {exposed}");
    }
    // An origin not configured gets no CORS grant.
    let res = app.send(
        "GET",
        "/api/v1/districts",
        None,
        None,
        &[("Origin", "https://evil.example")],
    );
    assert!(res.header("access-control-allow-origin").is_none());
}

#[test]
fn health_and_readiness() {
    let app = spawn_app();
    let res = app.get("/healthz", None);
    assert_eq!(
        (res.status, res.json()["status"].clone()),
        (200, json!("ok"))
    );
    let res = app.get("/readyz", None);
    assert_eq!(
        (res.status, res.json()["status"].clone()),
        (200, json!("ready"))
    );
}

#[test]
fn the_ten_districts_are_reference_data() {
    let app = spawn_app();
    let body = app.get("/api/v1/districts", None).json();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    assert!(items.contains(&json!({"id": "vastra_goteborg", "name": "Västra Göteborg"})));
    assert!(items.contains(&json!({"id": "orgryte_harlanda", "name": "Örgryte-Härlanda"})));
    assert_eq!(body["next_cursor"], json!(null));
}

#[test]
fn swagger_ui_is_served_from_the_binary() {
    let app = spawn_app();
    let res = app.get("/docs/", None);
    assert_eq!(res.status, 200);
    assert!(
        res.text.contains("swagger"),
        "{}",
        &res.text[..res.text.len().min(200)]
    );
    assert!(!res.text.contains("cdn"), "no CDN");
}

#[test]
fn the_demo_data_loads_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let url = samverkan::config::DatabaseUrl::parse(&format!(
        "sqlite://{}",
        dir.path().join("demo.db").display()
    ))
    .unwrap();
    let pool = samverkan::db::connect(&url, 2, Default::default()).unwrap();
    let ids = samverkan::demo::load(&mut pool.get().unwrap()).expect("demo data loads");
    let app = spawn_app_with(|s| s.database_url = url.clone());
    let org = app
        .get(&format!("/api/v1/organisations/{}", ids.reningsborg), None)
        .json();
    assert_eq!(org["name"], "Reningsborg");
    let events = app.all_items("/api/v1/dialogue-events?district=lundby", None);
    // The two Idésluss of 2016, held; and, around today, one upcoming and
    // one past that waits to be marked held (issue #16).
    assert_eq!(events.len(), 4);
    let (events, current): (Vec<_>, Vec<_>) =
        events.into_iter().partition(|e| e["status"] == "held");
    assert_eq!(events.len(), 2);
    assert!(current.iter().all(|e| e["status"] == "published"));
    assert!(current.iter().any(|e| e["id"] == json!(ids.upcoming_event)));
    assert!(current.iter().any(|e| e["id"] == json!(ids.past_event)));
    let second = &events[1];
    assert_eq!(second["attendance_total"], 7);
    let outcomes = app
        .get(
            &format!(
                "/api/v1/dialogue-events/{}/outcomes",
                second["id"].as_str().unwrap()
            ),
            None,
        )
        .json();
    assert_eq!(outcomes["items"].as_array().unwrap().len(), 2);
    // The first outcome became a public partnership: anyone may follow the link.
    assert!(outcomes["items"][0]["partnership_id"].is_string());
    let friskvard = app.all_items("/api/v1/partnerships?q=friskv%C3%A5rd", None);
    assert_eq!(friskvard.len(), 1);
    assert_eq!(friskvard[0]["end_date"], "2016-12-31");
    assert_eq!(friskvard[0]["funding"]["total_sek"], 400000);
    let minors = app.all_items("/api/v1/partnerships?q=unaccompanied", None);
    assert_eq!(minors[0]["parties"].as_array().unwrap().len(), 9);
    // Decided grants are public; the rejection and the one awaiting completion are not.
    let grants = app.all_items("/api/v1/grant-applications", None);
    assert_eq!(grants.len(), 3);
    let garaget = grants
        .iter()
        .find(|g| g["organisation_id"] == json!(ids.reningsborg))
        .unwrap();
    assert_eq!(garaget["decision"]["granted_sek"], 75000);
    assert_eq!(garaget["paid_sek"], 75000);
    let pot = app
        .all_items("/api/v1/grant-programmes", None)
        .into_iter()
        .find(|p| p["max_sek"] == 50000 && p["title"].as_str().unwrap().ends_with("2015"))
        .unwrap();
    assert_eq!(pot["figures"][0]["budget_sek"], 1500000);
    assert_eq!(pot["figures"][0]["granted_sek"], 20000);
    assert_eq!(pot["rounds"][0]["deadline"], "2015-09-30T21:59:00Z");
    // This year's pot: open, a round open now, budgets this year and next.
    let current = app
        .get(&format!("/api/v1/grant-programmes/{}", ids.programme), None)
        .json();
    assert_eq!(current["status"], "open");
    assert_eq!(current["figures"][0]["year"], ids.year);
    assert_eq!(current["figures"][1]["year"], ids.year + 1);
    assert_eq!(current["rounds"][0]["id"], json!(ids.round));
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert!(current["rounds"][0]["opens_at"].as_str().unwrap() < now.as_str());
    assert!(current["rounds"][0]["deadline"].as_str().unwrap() > now.as_str());
}

/// Every GET path of the spec with its parameters filled with a made-up id.
fn get_paths(spec: &Value) -> Vec<String> {
    spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, item)| item.get("get").is_some())
        .map(|(path, _)| {
            path.split('/')
                .map(|s| {
                    if s.starts_with('{') {
                        "01938f3e-0000-7000-8000-000000000000"
                    } else {
                        s
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect()
}

#[test]
fn head_answers_every_get_route_with_its_status_and_headers_and_no_body() {
    let app = spawn_app();
    let org = app.create_organisation(json!({
        "name": "Huvudföreningen", "legal_form": "non_profit_association", "districts": ["lundby"]
    }));
    let spec = app.get("/openapi.json", None).json();
    let mut paths = get_paths(&spec);
    assert!(paths.len() > 20, "{paths:?}");
    paths.push(format!("/api/v1/organisations/{org}"));
    for path in &paths {
        let get = app.get(path, Some(&admin()));
        let head = app.send("HEAD", path, Some(&admin()), None, &[]);
        assert_ne!(head.status, 405, "HEAD {path}");
        assert_eq!(head.status, get.status, "HEAD {path} answers as GET does");
        assert_eq!(head.text, "", "HEAD {path} has no body");
        assert_eq!(
            head.header("content-type"),
            get.header("content-type"),
            "HEAD {path}"
        );
        assert_eq!(head.header("etag"), get.header("etag"), "HEAD {path}");
    }
    // The ETag read with HEAD guards a change (the README's `extend` does so).
    let head = app.send(
        "HEAD",
        &format!("/api/v1/organisations/{org}"),
        None,
        None,
        &[],
    );
    let etag = head.header("etag").unwrap().to_owned();
    assert!(etag.starts_with("\"1-"), "{etag}");
    let res = app.patch(
        &format!("/api/v1/organisations/{org}"),
        Some(&admin()),
        &json!({"name": "Huvudföreningen i Lundby"}),
        Some(&etag),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = app.patch(
        &format!("/api/v1/organisations/{org}"),
        Some(&admin()),
        &json!({"name": "Stale"}),
        Some(&etag),
    );
    assert_eq!(res.status, 412, "{}", res.text);
    // A path with only POST still answers 405 to HEAD, listing what it has.
    let res = app.send(
        "HEAD",
        "/api/v1/grant-applications/x/submit",
        None,
        None,
        &[],
    );
    assert_eq!(res.status, 405);
    // The spec documents HEAD beside every GET.
    for (path, item) in spec["paths"].as_object().unwrap() {
        if item.get("get").is_some() {
            let head = &item["head"];
            assert!(head.is_object(), "HEAD documented for {path}");
            assert!(head["operationId"].as_str().unwrap().starts_with("head_"));
        }
    }
}

#[test]
fn cors_preflight_allows_every_method_the_api_uses() {
    let app = spawn_app();
    for method in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] {
        let res = app.send(
            "OPTIONS",
            "/api/v1/dialogue-events/x/attendance",
            None,
            None,
            &[
                ("Origin", ORIGIN),
                ("Access-Control-Request-Method", method),
                (
                    "Access-Control-Request-Headers",
                    "authorization, content-type, if-match",
                ),
            ],
        );
        assert_eq!(res.status, 200, "{method}: {}", res.text);
        assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
        let allowed = res.header("access-control-allow-methods").unwrap();
        assert!(allowed.contains(method), "{method} in {allowed}");
    }
}

#[test]
fn cors_refusals_are_problems() {
    let app = spawn_app();
    // An origin that is not configured.
    let res = app.send(
        "OPTIONS",
        "/api/v1/dialogue-events/x/attendance",
        None,
        None,
        &[
            ("Origin", "https://evil.example"),
            ("Access-Control-Request-Method", "PUT"),
        ],
    );
    assert_eq!(res.status, 400);
    assert_eq!(res.code(), "cors_refused");
    assert!(res.json()["detail"].as_str().unwrap().contains("Origin"));
    // A method the API does not use.
    let res = app.send(
        "OPTIONS",
        "/api/v1/organisations",
        None,
        None,
        &[
            ("Origin", ORIGIN),
            ("Access-Control-Request-Method", "TRACE"),
        ],
    );
    assert_eq!(res.status, 400);
    assert_eq!(res.code(), "cors_refused");
    assert_eq!(res.json()["instance"], "/api/v1/organisations");
    // The problem type is documented.
    assert_eq!(app.get("/problems/cors_refused", None).status, 200);
}

#[test]
fn swagger_ui_never_calls_an_external_validator() {
    let app = spawn_app();
    let res = app.get("/docs/swagger-initializer.js", None);
    assert_eq!(res.status, 200);
    assert!(
        res.text.contains(r#""validatorUrl": "none""#),
        "{}",
        res.text
    );
    assert!(res.text.contains("/openapi.json"), "{}", res.text);
}

#[test]
fn duplicate_keys_compressed_bodies_and_trailing_slashes_are_answered_plainly() {
    let app = spawn_app();
    // Duplicate keys: refused, naming the key; nothing created.
    let res = app.send(
        "POST",
        "/api/v1/organisations",
        Some(&admin()),
        Some(br#"{"name": "A", "name": "B", "legal_form": "foundation"}"#.to_vec()),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(res.status, 400, "{}", res.text);
    assert_eq!(res.code(), "malformed_json");
    assert!(
        res.json()["detail"]
            .as_str()
            .unwrap()
            .contains("`name` appears twice"),
        "{}",
        res.text
    );
    let res = app.send(
        "POST",
        "/api/v1/organisations",
        Some(&admin()),
        Some(br#"{"name": "A", "legal_form": "foundation", "districts": ["centrum"], "x": {"a": 1, "a": 2}}"#.to_vec()),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(res.status, 400, "nested duplicates too: {}", res.text);
    assert!(app.all_items("/api/v1/organisations", None).is_empty());
    // A gzip-encoded body is 415, not malformed JSON.
    let res = app.send(
        "POST",
        "/api/v1/organisations",
        Some(&admin()),
        Some(vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]),
        &[
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
    );
    assert_eq!(res.status, 415, "{}", res.text);
    assert_eq!(res.code(), "unsupported_media_type");
    // A trailing slash leads to the resource (308 keeps method and body).
    for (method, path, to) in [
        ("GET", "/api/v1/partnerships/", "/api/v1/partnerships"),
        (
            "GET",
            "/api/v1/organisations/?limit=2",
            "/api/v1/organisations?limit=2",
        ),
        ("POST", "/api/v1/organisations/", "/api/v1/organisations"),
    ] {
        let res = app.send(method, path, Some(&admin()), None, &[]);
        assert_eq!(res.status, 308, "{method} {path}: {}", res.text);
        assert_eq!(res.header("location"), Some(to));
    }
    assert_eq!(app.get("/api/v1/partnerships", None).status, 200);
    // A path that does not exist with or without the slash stays 404.
    assert_eq!(app.get("/api/v1/nothing/", None).status, 404);
}
