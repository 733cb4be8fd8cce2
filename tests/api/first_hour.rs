//! Issue #16, "the first hour of an integrator": HTTP that behaves as the
//! RFCs say (HEAD, CORS for every method, problems for refusals, Swagger UI
//! that calls nobody).

use serde_json::Value;

use crate::helpers::{admin, spawn_app};

const ORIGIN: &str = "https://frontend.example.se";

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
    let org = app.create_organisation(serde_json::json!({
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
    assert_eq!(head.header("etag"), Some("\"1\""));
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
