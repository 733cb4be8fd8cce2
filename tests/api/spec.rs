//! The committed spec is what the code generates, and it documents every
//! operation fully (summary, security, problem responses).

use serde_json::Value;

use crate::helpers::*;

#[test]
fn committed_openapi_json_is_current() {
    let app = spawn_app();
    let served = app.get("/openapi.json", None).json();
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .expect("openapi/openapi.json exists"),
    )
    .expect("openapi/openapi.json is JSON");
    assert!(
        served == committed,
        "openapi/openapi.json is stale: regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
    assert!(served["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[test]
fn every_operation_is_fully_documented() {
    let app = spawn_app();
    let spec = app.get("/openapi.json", None).json();
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let name = format!("{method} {path}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: summary"
            );
            assert!(op["operationId"].is_string(), "{name}: operationId");
            assert!(op["security"].is_array(), "{name}: security");
            let responses = op["responses"].as_object().unwrap();
            let secured = op["security"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s.get("bearer").is_some());
            if secured && path.starts_with("/api/") {
                assert!(responses.contains_key("401"), "{name}: documents 401");
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{name} {status}: problem schema"
                    );
                }
            }
            let needs_body = op.get("requestBody").is_some();
            if needs_body && path.starts_with("/api/") {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{name}: documents {status}");
                }
            }
        }
    }
    assert!(operations >= 13, "{operations} operations");
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}
