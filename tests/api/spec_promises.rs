//! What API.md promises, declared in the spec where the service does it
//! (the Spectral ruleset `.ci/lint/spectral.yaml` checks the same on the
//! committed file): `Link` on lists, `Location` on 201s, `WWW-Authenticate`
//! on 401s, `Retry-After` on 503s, a 500 problem on every operation, the
//! Idempotency-Key's refusals on every POST, the programme's actions as an
//! enum; and the server sends what the spec declares.

use serde_json::{json, Value};

use crate::helpers::*;

const METHODS: [&str; 6] = ["get", "head", "post", "put", "patch", "delete"];

/// Every operation of the served spec: ("METHOD path", operation).
fn operations(spec: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                out.push((format!("{} {path}", method.to_uppercase()), op.clone()));
            }
        }
    }
    assert!(out.len() > 100, "only {} operations", out.len());
    out
}

fn served_spec(app: &TestApp) -> Value {
    let res = app.get("/openapi.json", None);
    assert_eq!(res.status, 200);
    res.json()
}

/// The component a `$ref` names.
fn component<'a>(spec: &'a Value, schema: &Value) -> Option<&'a Value> {
    let name = schema["$ref"]
        .as_str()?
        .strip_prefix("#/components/schemas/")?;
    spec["components"]["schemas"].get(name)
}

/// Whether a response body is a page: `items` and `next_cursor`.
fn is_page(spec: &Value, response: &Value) -> bool {
    let schema = &response["content"]["application/json"]["schema"];
    component(spec, schema).is_some_and(|c| {
        let mut fields: Vec<&str> = c["properties"]
            .as_object()
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        fields.sort_unstable();
        fields == ["items", "next_cursor"]
    })
}

#[test]
fn the_spec_names_its_server_contact_and_jwt_practice_and_describes_every_operation() {
    let app = spawn_app();
    let spec = served_spec(&app);
    assert!(spec["info"]["contact"]["name"].is_string());
    assert!(spec["servers"][0]["url"]
        .as_str()
        .is_some_and(|u| u.starts_with("http")));
    let bearer = spec["components"]["securitySchemes"]["bearer"]["description"]
        .as_str()
        .unwrap();
    // The OWASP ruleset looks for the RFC's number written without a space.
    assert!(bearer.contains("RFC8725"), "{bearer}");
    let undescribed: Vec<String> = operations(&spec)
        .into_iter()
        .filter(|(_, op)| op["description"].as_str().is_none_or(str::is_empty))
        .map(|(name, _)| name)
        .collect();
    assert!(undescribed.is_empty(), "no description: {undescribed:#?}");
}

#[test]
fn every_operation_documents_the_internal_error_problem() {
    let app = spawn_app();
    let spec = served_spec(&app);
    for (name, op) in operations(&spec) {
        let error = &op["responses"]["500"];
        assert!(
            error["content"]["application/problem+json"].is_object(),
            "{name}: 500 problem"
        );
        assert!(
            error["description"]
                .as_str()
                .is_some_and(|d| d.contains("`internal_error`")),
            "{name}: 500 names its code"
        );
    }
}

#[test]
fn every_401_declares_www_authenticate_with_the_values_the_server_sends() {
    let app = spawn_app();
    let spec = served_spec(&app);
    let mut declared = None;
    let mut count = 0;
    for (name, op) in operations(&spec) {
        if let Some(unauthorized) = op["responses"].get("401") {
            let header = &unauthorized["headers"]["WWW-Authenticate"];
            assert!(header.is_object(), "{name}: 401 without WWW-Authenticate");
            declared = Some(header["schema"]["enum"].clone());
            count += 1;
        }
    }
    assert!(count > 80, "only {count} operations document a 401");
    let values = declared.unwrap();
    let values = values.as_array().unwrap();

    // No token where one is needed; a token that does not verify.
    let res = app.get(
        &format!(
            "/api/v1/grant-applications/{}/payments",
            uuid::Uuid::now_v7()
        ),
        None,
    );
    assert_eq!(res.status, 401, "{}", res.text);
    let sent = res.header("www-authenticate").unwrap();
    assert_eq!(sent, "Bearer");
    assert!(values.contains(&json!(sent)), "{sent} not in {values:?}");
    let res = app.get("/api/v1/organisations", Some("not-a-jwt"));
    assert_eq!(res.status, 401, "{}", res.text);
    let sent = res.header("www-authenticate").unwrap();
    assert_eq!(sent, "Bearer error=\"invalid_token\"");
    assert!(values.contains(&json!(sent)), "{sent} not in {values:?}");
}

#[test]
fn every_list_declares_link_and_the_server_sends_it_in_that_syntax() {
    let app = spawn_app();
    let spec = served_spec(&app);
    let mut lists = 0;
    let mut pattern = None;
    for (name, op) in operations(&spec) {
        if !name.starts_with("GET ") {
            continue;
        }
        let ok = &op["responses"]["200"];
        if is_page(&spec, ok) {
            lists += 1;
            let link = &ok["headers"]["Link"];
            assert!(link.is_object(), "{name}: a list without Link");
            if let Some(p) = link["schema"]["pattern"].as_str() {
                pattern = Some(p.to_owned());
            }
        }
    }
    assert!(lists >= 19, "only {lists} lists");
    let pattern = regex_lite::Regex::new(&pattern.expect("a Link pattern")).unwrap();

    // Districts are fixed reference data: a page of one has a next page.
    let res = app.get("/api/v1/districts?limit=1", None);
    assert_eq!(res.status, 200, "{}", res.text);
    let link = res.header("link").expect("Link on a page with a next one");
    assert!(pattern.is_match(link), "{link} does not match {pattern}");
    let cursor = res.json()["next_cursor"].as_str().unwrap().to_owned();
    assert!(link.contains(&format!("cursor={cursor}")), "{link}");
}

#[test]
fn every_201_declares_location_and_every_503_retry_after() {
    let app = spawn_app();
    let spec = served_spec(&app);
    let (mut created, mut unavailable) = (0, 0);
    for (name, op) in operations(&spec) {
        let responses = &op["responses"];
        if let Some(response) = responses.get("201") {
            created += 1;
            assert!(
                response["headers"]["Location"].is_object(),
                "{name}: 201 without Location"
            );
        }
        for status in ["503", "504", "507"] {
            if let Some(response) = responses.get(status) {
                unavailable += 1;
                assert!(
                    response["headers"]["Retry-After"].is_object(),
                    "{name}: {status} without Retry-After"
                );
            }
        }
    }
    assert!(created >= 18, "only {created} operations create");
    assert!(
        unavailable > 200,
        "only {unavailable} 503/504/507 responses"
    );
}

#[test]
fn every_post_documents_both_refusals_of_its_idempotency_key() {
    let app = spawn_app();
    let spec = served_spec(&app);
    let mut posts = 0;
    for (name, op) in operations(&spec) {
        let takes_key = op["parameters"].as_array().is_some_and(|ps| {
            ps.iter()
                .any(|p| p["in"] == "header" && p["name"] == "Idempotency-Key")
        });
        if !takes_key {
            continue;
        }
        posts += 1;
        let says = |status: &str, code: &str| {
            let response = &op["responses"][status];
            assert!(
                response["content"]["application/problem+json"].is_object(),
                "{name}: {status} problem"
            );
            let description = response["description"].as_str().unwrap().to_lowercase();
            assert!(
                description.contains(code) || description.contains("idempotency-key"),
                "{name}: {status} does not mention {code}: {description}"
            );
        };
        says("409", "idempotency_request_in_progress");
        says("422", "idempotency_key_reused");
        assert!(
            op["responses"]["409"]["headers"]["Retry-After"].is_object(),
            "{name}: 409 without Retry-After"
        );
    }
    assert!(
        posts >= 29,
        "only {posts} operations take an Idempotency-Key"
    );
}

/// A draft programme of a new unit, and a staff token of that unit.
fn draft_programme(app: &TestApp) -> (String, String) {
    let res = app.post(
        "/api/v1/city-units",
        Some(&admin()),
        &json!({"name": "SDF Angered", "kind": "district_administration", "district": "angered"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let staff = staff(res.json()["id"].as_str().unwrap());
    let res = app.post(
        "/api/v1/grant-programmes",
        Some(&staff),
        &json!({
            "title": "Föreningsbidrag 2027",
            "budgets": [{"year": 2027, "budget_sek": 100000}],
            "min_sek": 1000, "max_sek": 50000,
            "districts": ["angered"],
            "rounds": [{"name": "Spring", "opens_at": in_days(-1), "deadline": in_days(30), "accepts_late_applications": false}]
        }),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    (res.json()["id"].as_str().unwrap().to_owned(), staff)
}

#[test]
fn the_programme_actions_are_an_enum_of_what_the_server_takes() {
    let app = spawn_app();
    let spec = served_spec(&app);
    let op = &spec["paths"]["/api/v1/grant-programmes/{id}/{action}"]["post"];
    let action = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["in"] == "path" && p["name"] == "action")
        .unwrap();
    let schema = component(&spec, &action["schema"]).expect("a named enum");
    assert_eq!(schema["enum"], json!(["open", "close"]));

    let (id, staff) = draft_programme(&app);
    let act = |action: &str| {
        app.send(
            "POST",
            &format!("/api/v1/grant-programmes/{id}/{action}"),
            Some(&staff),
            None,
            &[],
        )
    };
    let res = act("reopen");
    assert_eq!(res.status, 404, "an action not in the enum: {}", res.text);
    for action in schema["enum"].as_array().unwrap() {
        let res = act(action.as_str().unwrap());
        assert_eq!(res.status, 200, "{action}: {}", res.text);
    }
    assert_eq!(
        app.get(&format!("/api/v1/grant-programmes/{id}"), Some(&staff))
            .json()["status"],
        "closed"
    );
}

#[test]
fn a_bodiless_action_answers_the_documented_422_for_a_reused_key() {
    let app = spawn_app();
    let spec = served_spec(&app);
    let documented = &spec["paths"]["/api/v1/grant-programmes/{id}/{action}"]["post"]["responses"]
        ["422"]["description"];
    assert!(
        documented
            .as_str()
            .is_some_and(|d| d.contains("idempotency_key_reused")),
        "{documented}"
    );
    let (id, staff) = draft_programme(&app);
    let key = [("Idempotency-Key", "open-it-once")];
    let open = format!("/api/v1/grant-programmes/{id}/open");
    let res = app.send("POST", &open, Some(&staff), None, &key);
    assert_eq!(res.status, 200, "{}", res.text);
    // The same key again: the first answer.
    let res = app.send("POST", &open, Some(&staff), None, &key);
    assert_eq!(res.status, 200, "{}", res.text);
    // The same key for another action: refused, nothing done.
    let res = app.send(
        "POST",
        &format!("/api/v1/grant-programmes/{id}/close"),
        Some(&staff),
        None,
        &key,
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(res.code(), "idempotency_key_reused");
    assert_eq!(
        app.get(&format!("/api/v1/grant-programmes/{id}"), Some(&staff))
            .json()["status"],
        "open"
    );
}
