//! The contract as a fuzzer reads it (`.ci/fuzz.sh`, schemathesis): what the
//! spec allows, the server takes; what the server refuses, the spec says.

use serde_json::{json, Value};

use crate::helpers::*;

fn served_spec(app: &TestApp) -> Value {
    let res = app.get("/openapi.json", None);
    assert_eq!(res.status, 200);
    res.json()
}

/// Every operation of the served spec: (path, method, operation).
fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "head", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.push((path.clone(), method.clone(), op.clone()));
            }
        }
    }
    out
}

fn parameter<'a>(op: &'a Value, place: &str, name: &str) -> Option<&'a Value> {
    op["parameters"]
        .as_array()?
        .iter()
        .find(|p| p["in"] == place && p["name"].as_str().unwrap().eq_ignore_ascii_case(name))
}

#[test]
fn the_cursor_parameter_states_its_syntax_and_a_made_up_cursor_is_a_documented_400() {
    let app = spawn_app();
    let spec = served_spec(&app);
    let mut lists = 0;
    for (path, method, op) in operations(&spec) {
        let Some(cursor) = parameter(&op, "query", "cursor") else {
            continue;
        };
        lists += 1;
        assert_eq!(
            cursor["schema"]["pattern"], "^[A-Za-z0-9_-]*$",
            "{method} {path}: the cursor's syntax"
        );
        assert!(
            op["responses"]["400"].is_object(),
            "{method} {path} does not document the 400 of a bad cursor"
        );
    }
    assert!(lists > 10, "only {lists} lists have a cursor");

    // A cursor of the right syntax that the service never gave out: 400.
    let res = app.get("/api/v1/organisations?cursor=AAAA", None);
    assert_eq!(res.status, 400, "{}", res.text);
    assert_eq!(res.code(), "invalid_query_parameter");
    // The empty cursor is the first page.
    let res = app.get("/api/v1/organisations?cursor=", None);
    assert_eq!(res.status, 200, "{}", res.text);
}

#[test]
fn string_query_parameters_state_that_control_characters_are_refused() {
    let app = spawn_app();
    let spec = served_spec(&app);
    let q = parameter(&spec["paths"]["/api/v1/organisations"]["get"], "query", "q")
        .expect("organisations take ?q=");
    let pattern = q["schema"]["pattern"].as_str().expect("q has a pattern");
    let re = regex_lite::Regex::new(pattern).unwrap();
    assert!(re.is_match("stadsmission"));
    assert!(!re.is_match("stads\u{1}mission"));
    // The server refuses what the pattern refuses, and takes what it takes.
    assert_eq!(app.get("/api/v1/organisations?q=a%01b", None).status, 400);
    assert_eq!(app.get("/api/v1/organisations?q=%C2%84", None).status, 200);
    assert!(re.is_match("\u{84}"));
}

#[test]
fn text_fields_state_the_control_characters_the_server_refuses() {
    let app = spawn_app();
    let spec = served_spec(&app);
    let create = &spec["components"]["schemas"]["CreateOrganisation"]["properties"];
    let one_line = regex_lite::Regex::new(create["name"]["pattern"].as_str().unwrap()).unwrap();
    let multi_line =
        regex_lite::Regex::new(create["description"]["pattern"].as_str().unwrap()).unwrap();
    assert!(!one_line.is_match("Rening\nsborg"));
    assert!(!one_line.is_match("Rening\u{85}sborg"));
    assert!(multi_line.is_match("Second-hand shops.\nSince 1990.\tGothenburg"));
    assert!(!multi_line.is_match("Second-hand\u{7}shops"));

    // What the patterns say is what the server does.
    let res = app.post(
        "/api/v1/organisations",
        Some(&admin()),
        &json!({"name": "Rening\nsborg", "legal_form": "social_enterprise"}),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    let res = app.post(
        "/api/v1/organisations",
        Some(&admin()),
        &json!({"name": "Reningsborg", "legal_form": "social_enterprise",
                "description": "Second-hand shops.\nSince 1990.\tGothenburg"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
}

#[test]
fn headers_are_never_null_and_checked_headers_document_their_400() {
    let app = spawn_app();
    let spec = served_spec(&app);
    let mut checked = 0;
    for (path, method, op) in operations(&spec) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["in"] != "header" {
                continue;
            }
            let types = &p["schema"]["type"];
            assert!(
                !(types == "null"
                    || types
                        .as_array()
                        .is_some_and(|ts| ts.contains(&json!("null")))),
                "{method} {path}: header {} may be null",
                p["name"]
            );
            let name = p["name"].as_str().unwrap().to_ascii_lowercase();
            if name == "if-match" || name == "idempotency-key" {
                checked += 1;
                assert!(
                    op["responses"]["400"].is_object(),
                    "{method} {path} checks {name} but does not document 400"
                );
            }
        }
    }
    assert!(checked > 40, "only {checked} checked headers");
}

#[test]
fn web_addresses_and_target_groups_are_what_the_spec_patterns_say() {
    let app = spawn_app();
    let spec = served_spec(&app);
    let schemas = &spec["components"]["schemas"];
    let website = regex_lite::Regex::new(
        schemas["CreateOrganisation"]["properties"]["website"]["pattern"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    for (i, (url, taken)) in [
        ("https://reningsborg.se", true),
        ("http://www.example.org:8080/a/b?c=d#e", true),
        ("", false),
        ("https://", false),
        ("https://999.1", false),
        ("ftp://example.org", false),
        ("https://exa mple.org", false),
        ("https://example..org", false),
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(website.is_match(url), taken, "the spec on {url:?}");
        let res = app.post(
            "/api/v1/organisations",
            Some(&admin()),
            &json!({"name": format!("Förening {i}"), "legal_form": "non_profit_association",
                    "website": url}),
        );
        assert_eq!(
            res.status,
            if taken { 201 } else { 422 },
            "{url:?}: {}",
            res.text
        );
        if !taken {
            assert_eq!(
                res.json()["errors"],
                json!([{"field": "website", "message": "must be an http or https URL"}])
            );
        }
    }

    let group = &schemas["TargetGroup"];
    assert_eq!(group["minLength"], 1);
    assert_eq!(group["maxLength"], 200);
    let group = regex_lite::Regex::new(group["pattern"].as_str().unwrap()).unwrap();
    assert!(group.is_match("unemployed young people 16–24"));
    assert!(!group.is_match("   "));
    assert!(!group.is_match("\u{a0}\u{3000}"));
    let org =
        app.create_organisation(json!({"name": "Reningsborg", "legal_form": "social_enterprise"}));
    let res = app.post(
        "/api/v1/partnerships",
        Some(&admin()),
        &json!({"title": "IOP", "purpose": "Work training", "form": "iop",
                "responsible_unit_id": some_unit(), "parties": [{"organisation_id": org}],
                "start_date": "2027-01-01", "end_date": "2027-12-31",
                "target_groups": ["young people", "   "]}),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    let errors = res.json()["errors"].clone();
    assert!(
        errors
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "target_groups[1]"),
        "{errors}"
    );
    assert!(
        !errors
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "target_groups[0]"),
        "{errors}"
    );
}

#[test]
fn every_bad_field_is_named_once_at_once_and_nothing_is_written() {
    let app = spawn_app();
    let fields = |res: &Res| res.error_fields();
    // A type error does not hide the other fields' errors.
    let res = app.post(
        "/api/v1/organisations",
        Some(&admin()),
        &json!({"name": "", "organisation_number": "802000-0001", "legal_form": "nope"}),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    let mut named = fields(&res);
    named.sort();
    assert_eq!(
        named,
        ["legal_form", "name", "organisation_number"],
        "{}",
        res.text
    );
    assert_eq!(res.json()["detail"], "3 fields are invalid");
    let legal_form = &res.json()["errors"][0]["message"];
    assert!(
        legal_form
            .as_str()
            .unwrap()
            .starts_with("must be one of non_profit_association"),
        "{legal_form}"
    );
    // A field wrong in two ways is named once.
    let res = app.post(
        "/api/v1/organisations",
        Some(&admin()),
        &json!({"name": "", "legal_form": "cooperative"}),
    );
    assert_eq!(fields(&res), ["name"], "{}", res.text);
    // Syntax, type, enum, unknown field and field checks together.
    let res = app.post(
        "/api/v1/organisations",
        Some(&admin()),
        &json!({"name": "  ", "website": "ftp://x", "founded": "2020-02-30", "legal_form": 5,
                "districts": ["nowhere", "lundby"], "contact_email": "no"}),
    );
    let mut named = fields(&res);
    named.sort();
    assert_eq!(
        named,
        [
            "contact_email",
            "districts[0]",
            "founded",
            "legal_form",
            "name",
            "website"
        ],
        "{}",
        res.text
    );
    // A nested type error names the nested field, not its parent as missing.
    let res = app.post(
        "/api/v1/partnerships",
        Some(&admin()),
        &json!({"title": "", "purpose": "Work training", "form": "iop",
                "parties": [{"organisation_id": 5}],
                "start_date": "2027-01-01", "end_date": "2027-02-30"}),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    let named = fields(&res);
    assert!(
        named.contains(&"parties[0].organisation_id".to_owned()),
        "{named:?}"
    );
    assert!(named.contains(&"end_date".to_owned()), "{named:?}");
    assert!(named.contains(&"title".to_owned()), "{named:?}");
    assert!(!named.contains(&"parties".to_owned()), "{named:?}");
    let mut unique = named.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), named.len(), "{named:?}");
    // Nothing was written.
    assert_eq!(
        app.all_items("/api/v1/organisations", Some(&admin())).len(),
        0
    );
    assert_eq!(
        app.all_items("/api/v1/partnerships", Some(&admin())).len(),
        0
    );
}
