//! Small order and shape faults of issue #8: authentication before the
//! Idempotency-Key's syntax, an empty cursor, a `null` action body, whole
//! numbers written with a fraction, a NUL byte in a header.

use std::io::{Read, Write};

use serde_json::json;

use crate::builders::World;
use crate::grants::PROGRAMMES;
use crate::helpers::*;

#[test]
fn authentication_comes_before_a_malformed_idempotency_key() {
    let app = spawn_app();
    let body = json!({"name": "Föreningen Nyckel", "legal_form": "non_profit_association"});
    for key in ["two words", "å", &"x".repeat(256)] {
        let res = app.post_with(
            "/api/v1/organisations",
            None,
            &body,
            &[("Idempotency-Key", key)],
        );
        assert_eq!(res.status, 401, "anonymous, key {key:?}: {}", res.text);
        assert_eq!(res.code(), "authentication_required");
        let res = app.post_with(
            "/api/v1/organisations",
            Some("not.a.token"),
            &body,
            &[("Idempotency-Key", key)],
        );
        assert_eq!(res.status, 401, "bad token, key {key:?}: {}", res.text);
        let res = app.post_with(
            "/api/v1/organisations",
            Some(&admin()),
            &body,
            &[("Idempotency-Key", key)],
        );
        assert_eq!(res.status, 400, "admin, key {key:?}: {}", res.text);
        assert_eq!(res.code(), "invalid_idempotency_key");
    }
    assert!(app
        .all_items("/api/v1/organisations", Some(&admin()))
        .is_empty());
}

#[test]
fn an_empty_cursor_is_the_first_page() {
    let app = spawn_app();
    for i in 0..3 {
        app.create_organisation(
            json!({"name": format!("Förening {i}"), "legal_form": "non_profit_association"}),
        );
    }
    let token = admin();
    for path in [
        "/api/v1/organisations",
        "/api/v1/city-units",
        "/api/v1/partnerships",
        "/api/v1/grant-programmes",
        "/api/v1/grant-applications",
        "/api/v1/dialogue-events",
    ] {
        let first = app.get(&format!("{path}?limit=2"), Some(&token));
        assert_eq!(first.status, 200, "{path}: {}", first.text);
        let empty = app.get(&format!("{path}?limit=2&cursor="), Some(&token));
        assert_eq!(empty.status, 200, "{path}?cursor=: {}", empty.text);
        assert_eq!(empty.json(), first.json(), "{path}");
    }
    // A cursor that is not one is still refused.
    let res = app.get("/api/v1/organisations?cursor=nonsense", Some(&token));
    assert_eq!(res.status, 400, "{}", res.text);
}

#[test]
fn action_endpoints_take_a_null_body_as_no_body() {
    let w = World::new();
    let staff = staff(&w.unit);
    let created = w.app.post(
        "/api/v1/partnerships",
        Some(&staff),
        &json!({
            "title": "IOP Läxhjälp", "purpose": "Homework help", "form": "iop",
            "responsible_unit_id": w.unit, "districts": ["vastra_goteborg"],
            "start_date": "2027-01-01", "end_date": "2027-12-31",
            "parties": [{"organisation_id": w.orgs[0], "role": "member"}]
        }),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let res = w.app.post(
        &format!("/api/v1/partnerships/{id}/start_dialogue"),
        Some(&staff),
        &serde_json::Value::Null,
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "in_dialogue");

    let programme = crate::grants::programme(&w, 1_000_000, 30, false);
    let app_res = crate::grants::apply(&w, &w.orgs[0], &programme, 20_000);
    assert_eq!(app_res.status, 201, "{}", app_res.text);
    let application = app_res.json()["id"].as_str().unwrap().to_owned();
    let res = w.app.post(
        &format!("/api/v1/grant-applications/{application}/submit"),
        Some(&partner(&w.orgs[0])),
        &serde_json::Value::Null,
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "submitted");

    // A body that must be there is not `null`, and other non-objects stay malformed.
    let res = w.app.post(
        "/api/v1/organisations",
        Some(&admin()),
        &serde_json::Value::Null,
    );
    assert_eq!(res.status, 400, "{}", res.text);
    assert_eq!(res.code(), "malformed_json");
    let res = w.app.post(
        &format!("/api/v1/partnerships/{id}/agree"),
        Some(&staff),
        &json!([]),
    );
    assert_eq!(res.status, 400, "{}", res.text);
    assert_eq!(res.code(), "malformed_json");
}

#[test]
fn a_whole_number_written_with_a_fraction_is_an_integer() {
    let w = World::new();
    let res = w.app.post(
        PROGRAMMES,
        Some(&staff(&w.unit)),
        &json!({
            "title": "Utvecklingspotten 2028",
            "budgets": [{"year": 2028.0, "budget_sek": 1000000.0}],
            "min_sek": 1000.0, "max_sek": 5e4,
        }),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let body = res.json();
    assert_eq!(body["min_sek"], 1000);
    assert_eq!(body["max_sek"], 50000);
    assert_eq!(body["figures"][0]["year"], 2028);
    assert_eq!(body["figures"][0]["budget_sek"], 1_000_000);
    // A fraction is still refused, and named.
    let res = w.app.post(
        PROGRAMMES,
        Some(&staff(&w.unit)),
        &json!({
            "title": "Utvecklingspotten 2029",
            "budgets": [{"year": 2029, "budget_sek": 1000000}],
            "min_sek": 1000.5, "max_sek": 50000,
        }),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert!(res.text.contains("min_sek"), "{}", res.text);
}

#[test]
fn a_nul_byte_in_a_header_is_a_bad_request() {
    let app = spawn_app();
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\x00b\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // The server is unharmed.
    assert_eq!(app.get("/healthz", None).status, 200);
}
