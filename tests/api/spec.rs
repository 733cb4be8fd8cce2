//! The committed spec is what the code generates, and it documents every
//! operation fully (summary, security, problem responses).

use serde_json::{json, Value};

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

/// The enum values the spec lists are the strings the service accepts: each
/// district and sort order of the spec filters the organisation list, and
/// each action of the spec reaches the action handler on a real partnership
/// and a real grant application (any answer but the 404 of an unknown
/// action), for partnerships and grant applications.
#[test]
fn enum_values_in_the_spec_are_the_strings_the_service_speaks() {
    let w = crate::grants::world();
    let app = &w.app;
    let spec = app.get("/openapi.json", None).json();
    let schemas = &spec["components"]["schemas"];
    let values = |name: &str| -> Vec<String> {
        schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has an enum"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let token = admin();
    let districts = values("District");
    assert_eq!(districts.len(), 10);
    for district in &districts {
        let res = app.get(
            &format!("/api/v1/organisations?district={district}"),
            Some(&token),
        );
        assert_eq!(res.status, 200, "district={district}: {}", res.text);
    }
    // The district list the service serves names exactly the spec's values.
    let served: Vec<String> = app
        .all_items("/api/v1/districts", None)
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(served, districts);
    for sort in values("OrganisationSort") {
        let res = app.get(&format!("/api/v1/organisations?sort={sort}"), Some(&token));
        assert_eq!(res.status, 200, "sort={sort}: {}", res.text);
    }

    let partnership = app.post(
        "/api/v1/partnerships",
        Some(&staff(&w.unit)),
        &json!({
            "title": "IOP Läxhjälp", "purpose": "Homework help", "form": "iop",
            "responsible_unit_id": w.unit, "districts": ["vastra_goteborg"],
            "start_date": "2027-01-01", "end_date": "2027-12-31",
            "parties": [{"organisation_id": w.a, "role": "member"}]
        }),
    );
    assert_eq!(partnership.status, 201, "{}", partnership.text);
    let programme = crate::grants::programme(&w, 1_000_000, 30, false);
    let application = crate::grants::apply(&w, &w.a, &programme, 20_000);
    assert_eq!(application.status, 201, "{}", application.text);
    for (resource, schema, id) in [
        (
            "partnerships",
            "PartnershipAction",
            partnership.json()["id"].clone(),
        ),
        (
            "grant-applications",
            "ApplicationActionName",
            application.json()["id"].clone(),
        ),
    ] {
        let id = id.as_str().unwrap();
        let path = format!("/api/v1/{resource}/{{id}}/{{action}}");
        let param = spec["paths"][&path]["post"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "action")
            .unwrap_or_else(|| panic!("{path} documents {{action}}"));
        assert_eq!(
            param["schema"]["$ref"],
            format!("#/components/schemas/{schema}")
        );
        let unknown = app.post(
            &format!("/api/v1/{resource}/{id}/no_such_action"),
            Some(&token),
            &json!({}),
        );
        assert_eq!(unknown.status, 404, "{}", unknown.text);
        for action in values(schema) {
            let res = app.post(
                &format!("/api/v1/{resource}/{id}/{action}"),
                Some(&token),
                &json!({}),
            );
            assert_ne!(res.status, 404, "{resource} {action}: {}", res.text);
        }
    }
}
