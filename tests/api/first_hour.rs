//! Issue #16, "the first hour of an integrator": HTTP that behaves as the
//! RFCs say (HEAD, CORS for every method, problems for refusals, Swagger UI
//! that calls nobody).

use serde_json::Value;

use crate::helpers::{admin, in_days, spawn_app};

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
    let etag = head.header("etag").unwrap().to_owned();
    assert!(etag.starts_with("\"1-"), "{etag}");
    let res = app.patch(
        &format!("/api/v1/organisations/{org}"),
        Some(&admin()),
        &serde_json::json!({"name": "Huvudföreningen i Lundby"}),
        Some(&etag),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = app.patch(
        &format!("/api/v1/organisations/{org}"),
        Some(&admin()),
        &serde_json::json!({"name": "Stale"}),
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

fn field_names(res: &crate::helpers::Res) -> Vec<String> {
    res.json()["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn control_characters_in_json_text_are_refused_naming_the_field_on_both_backends() {
    let app = spawn_app();
    for (name, why) in [
        ("Nul\u{0}Org", "NUL"),
        ("Esc\u{1b}Org", "ESC"),
        ("Bell\u{7}Org", "BEL"),
        ("Two\nlines", "a newline in a one-line field"),
        ("Tab\tOrg", "a tab in a one-line field"),
    ] {
        let res = app.post(
            "/api/v1/organisations",
            Some(&admin()),
            &serde_json::json!({"name": name, "legal_form": "foundation", "districts": ["centrum"]}),
        );
        assert_eq!(res.status, 422, "{why}: {}", res.text);
        assert_eq!(res.code(), "validation_failed");
        assert_eq!(field_names(&res), ["name"], "{why}");
    }
    // Newlines and tabs are fine where text is multi-line; nested fields are named.
    let res = app.post(
        "/api/v1/organisations",
        Some(&admin()),
        &serde_json::json!({"name": "Radbrytarna", "legal_form": "foundation", "districts": ["centrum"],
            "description": "First line.\nSecond line.\tIndented."}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(
        res.json()["description"],
        "First line.\nSecond line.\tIndented."
    );
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let res = app.post(
        "/api/v1/organisations",
        Some(&admin()),
        &serde_json::json!({"name": "Ok", "legal_form": "foundation", "districts": ["centrum"],
            "description": "NUL\u{0}here"}),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(field_names(&res), ["description"]);
    // A PATCH with a NUL changes nothing.
    let res = app.patch(
        &format!("/api/v1/organisations/{id}"),
        Some(&admin()),
        &serde_json::json!({"name": "Nul\u{0}"}),
        None,
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(field_names(&res), ["name"]);
    let now = app.get(&format!("/api/v1/organisations/{id}"), None).json();
    assert_eq!(
        (now["name"].as_str(), now["version"].as_i64()),
        (Some("Radbrytarna"), Some(1))
    );
    // Nested text: the JSON pointer-like path names it.
    let res = app.post(
        "/api/v1/dialogue-events",
        Some(&admin()),
        &serde_json::json!({"title": "Möte", "kind": "workshop", "participation_level": "dialogue",
            "starts_at": "2030-05-12T17:00", "ends_at": "2030-05-12T19:00", "format": "in_person",
            "agenda": ["ok", "bad\u{0}item"]}),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert!(
        field_names(&res).contains(&"agenda[1]".to_owned()),
        "{}",
        res.text
    );
}

#[test]
fn control_characters_in_queries_and_cursors_are_400s_not_500s() {
    let app = spawn_app();
    for list in [
        "organisations",
        "partnerships",
        "grant-applications",
        "grant-programmes",
        "dialogue-events",
    ] {
        for query in ["q=a%00b", "q=a%1bb", "q=ok&cursor=%00"] {
            let res = app.get(&format!("/api/v1/{list}?{query}"), Some(&admin()));
            assert_eq!(res.status, 400, "{list}?{query}: {}", res.text);
            assert_eq!(res.code(), "invalid_query_parameter");
            let detail = res.json()["detail"].as_str().unwrap().to_owned();
            let name = if query.contains("cursor") {
                "cursor"
            } else {
                "q"
            };
            assert!(detail.contains(&format!("`{name}`")), "{detail}");
        }
        // A forged cursor that decodes to text with a NUL.
        use base64::Engine;
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"s":"created_at","k":"2026-01-01T00:00:00.000000\u0000","i":"x\u0000"}"#);
        let res = app.get(&format!("/api/v1/{list}?cursor={forged}"), Some(&admin()));
        assert_eq!(res.status, 400, "{list} forged cursor: {}", res.text);
        assert_eq!(res.code(), "invalid_query_parameter");
    }
    // A cursor the service gave out, with a NUL forged into its id and key.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    for name in ["Första", "Andra"] {
        app.create_organisation(
            serde_json::json!({"name": name, "legal_form": "foundation", "districts": ["centrum"]}),
        );
    }
    let page = app.get("/api/v1/organisations?limit=1", None).json();
    let cursor = page["next_cursor"].as_str().unwrap();
    let mut decoded: serde_json::Value =
        serde_json::from_slice(&b64.decode(cursor).unwrap()).unwrap();
    assert_eq!(
        app.get(
            &format!("/api/v1/organisations?limit=1&cursor={cursor}"),
            None
        )
        .status,
        200
    );
    for part in ["i", "k"] {
        let original = decoded[part].as_str().unwrap().to_owned();
        decoded[part] = serde_json::json!(format!("{original}\u{0}"));
        let forged = b64.encode(decoded.to_string());
        let res = app.get(
            &format!("/api/v1/organisations?limit=1&cursor={forged}"),
            None,
        );
        assert_eq!(res.status, 400, "NUL in cursor {part}: {}", res.text);
        assert_eq!(res.code(), "invalid_query_parameter");
        decoded[part] = serde_json::json!(original);
    }
    // Non-ASCII text is not a control character.
    let res = app.get("/api/v1/organisations?q=G%C3%B6teborg", None);
    assert_eq!(res.status, 200, "{}", res.text);
}

fn errors_for(res: &crate::helpers::Res, field: &str) -> Vec<String> {
    assert_eq!(res.status, 422, "{}", res.text);
    res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["field"] == field)
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn dates_and_times_are_rfc_3339_strictly_and_name_the_field() {
    use crate::builders::World;
    use crate::grants::PROGRAMMES;
    use crate::helpers::staff;
    let w = World::new();
    let partnership = |start: &str, end: &str| {
        w.app.post(
            "/api/v1/partnerships",
            Some(&staff(&w.unit)),
            &serde_json::json!({"title": "Datum", "purpose": "Dates", "form": "iop",
                "responsible_unit_id": w.unit, "start_date": start, "end_date": end,
                "parties": [{"organisation_id": w.orgs[0], "role": "lead"}]}),
        )
    };
    for (start, end, field) in [
        ("27-01-01", "2027-12-31", "start_date"),
        ("2027-01-01", "+12027-01-01", "end_date"),
        ("2027-1-1", "2027-12-31", "start_date"),
        ("2027-01-01", "2027-02-30", "end_date"),
    ] {
        let res = partnership(start, end);
        let messages = errors_for(&res, field);
        assert_eq!(messages.len(), 1, "{start} {end}: {}", res.text);
        assert!(messages[0].contains("YYYY-MM-DD"), "{}", messages[0]);
        assert!(!res.text.contains("out of range") && !res.text.contains("premature end"));
    }
    let event = |starts: &str, ends: &str| {
        w.app.post(
            "/api/v1/dialogue-events",
            Some(&admin()),
            &serde_json::json!({"title": "Tider", "kind": "workshop", "participation_level": "dialogue",
                "starts_at": starts, "ends_at": ends, "format": "in_person"}),
        )
    };
    for (starts, ends, field) in [
        ("2026-05-12T18:00:60Z", "2026-05-12T20:00:00Z", "starts_at"),
        ("2026-05-12T18:00", "9999-12-31T23:00Z", "ends_at"),
        ("+12026-05-12T18:00Z", "2026-05-12T20:00:00Z", "starts_at"),
        ("2026-05-12 18:00", "2026-05-12T20:00:00Z", "starts_at"),
    ] {
        let res = event(starts, ends);
        let messages = errors_for(&res, field);
        assert_eq!(messages.len(), 1, "{starts} {ends}: {}", res.text);
        assert!(messages[0].contains("RFC 3339"), "{}", messages[0]);
    }
    // Round times accept Stockholm wall-clock time, as event times do.
    let res = w.app.post(
        PROGRAMMES,
        Some(&staff(&w.unit)),
        &serde_json::json!({"title": "Väggklocka", "budgets": [{"year": 2027, "budget_sek": 100000}],
            "min_sek": 1000, "max_sek": 50000,
            "rounds": [{"name": "Spring", "opens_at": "2027-03-01T00:00", "deadline": "2027-04-30T23:59"}]}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let round = &res.json()["rounds"][0];
    assert_eq!(round["opens_at"], "2027-02-28T23:00:00Z");
    assert_eq!(round["deadline"], "2027-04-30T21:59:00Z");
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let res = w.app.post(
        &format!("{PROGRAMMES}/{id}/rounds"),
        Some(&staff(&w.unit)),
        &serde_json::json!({"name": "Autumn", "opens_at": "2027-09-01T00:00", "deadline": "2027-10-31T23:59:60"}),
    );
    assert!(!errors_for(&res, "deadline").is_empty());
    let res = w.app.post(
        &format!("{PROGRAMMES}/{id}/rounds"),
        Some(&staff(&w.unit)),
        &serde_json::json!({"name": "Autumn", "opens_at": "2027-09-01T00:00", "deadline": "2027-10-31T23:59"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
}

/// A 201 with a `Location` under `/api/v1/` that answers 200 to a GET with
/// the same token.
fn assert_location_resolves(
    app: &crate::helpers::TestApp,
    what: &str,
    res: &crate::helpers::Res,
    token: &str,
) {
    assert_eq!(res.status, 201, "{what}: {}", res.text);
    let location = res
        .header("location")
        .unwrap_or_else(|| panic!("{what}: 201 without Location"));
    assert!(location.starts_with("/api/v1/"), "{what}: {location}");
    let got = app.get(location, Some(token));
    assert_eq!(got.status, 200, "{what}: GET {location}: {}", got.text);
}

#[test]
fn every_201_carries_a_location_that_answers_200_with_the_same_token() {
    use crate::builders::World;
    use crate::grants::{act, apply, APPS, PROGRAMMES};
    use crate::helpers::{decider, partner, staff};
    use serde_json::json;
    let w = World::new();
    let staff_token = staff(&w.unit);
    let chef = decider(&w.unit, 50_000, "chef@vastra.goteborg.se");
    let (a, b) = (w.orgs[0].clone(), w.orgs[1].clone());

    // Grants: programme, round, application, review, conflict declaration, payment.
    let res = w.app.post(
        PROGRAMMES,
        Some(&staff_token),
        &json!({"title": "Utvecklingspotten 2027", "budgets": [{"year": 2027, "budget_sek": 100000}],
            "min_sek": 1000, "max_sek": 50000,
            "rounds": [{"name": "Round 1", "opens_at": in_days(-10), "deadline": in_days(30)}]}),
    );
    assert_location_resolves(&w.app, "programme", &res, &staff_token);
    let programme = res.json()["id"].as_str().unwrap().to_owned();
    let round = res.json()["rounds"][0]["id"].as_str().unwrap().to_owned();
    let res = w.app.post(
        &format!("{PROGRAMMES}/{programme}/rounds"),
        Some(&staff_token),
        &json!({"name": "Round 2", "opens_at": in_days(40), "deadline": in_days(60)}),
    );
    assert_location_resolves(&w.app, "round", &res, &staff_token);
    let open = w.app.send(
        "POST",
        &format!("{PROGRAMMES}/{programme}/open"),
        Some(&staff_token),
        None,
        &[],
    );
    assert_eq!(open.status, 200, "{}", open.text);
    let res = apply(&w, &a, &(programme, round), 20_000);
    assert_location_resolves(&w.app, "application", &res, &partner(&a));
    let app_id = res.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(act(&w, &app_id, "submit", &partner(&a), None).status, 200);
    assert_eq!(act(&w, &app_id, "start_review", &chef, None).status, 200);
    let res = w.app.post(
        &format!("{APPS}/{app_id}/reviews"),
        Some(&chef),
        &json!({"note": "Fine", "recommendation": "granted"}),
    );
    assert_location_resolves(&w.app, "review", &res, &chef);
    let res = w.app.post(
        &format!("{APPS}/{app_id}/conflict-declarations"),
        Some(&chef),
        &json!({"has_conflict": false}),
    );
    assert_location_resolves(&w.app, "conflict declaration", &res, &chef);
    let res = act(
        &w,
        &app_id,
        "decide",
        &chef,
        Some(json!({"outcome": "granted", "granted_sek": 20000, "motivation": "Good"})),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = w.app.post(
        &format!("{APPS}/{app_id}/payments"),
        Some(&chef),
        &json!({"amount_sek": 20000, "paid_on": "2027-06-15"}),
    );
    assert_location_resolves(&w.app, "payment", &res, &chef);

    // Partnerships: the partnership, a party, funding, in kind, a commitment, a follow-up.
    let res = w.app.post(
        "/api/v1/partnerships",
        Some(&partner(&a)),
        &json!({"title": "Walks", "purpose": "Walks for health", "form": "iop",
            "responsible_unit_id": w.unit, "start_date": "2027-01-01", "end_date": "2027-12-31"}),
    );
    assert_location_resolves(&w.app, "partnership", &res, &partner(&a));
    let p = res.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/partnerships/{p}");
    for action in ["start_dialogue", "agree", "activate"] {
        let res = w.app.send(
            "POST",
            &format!("{path}/{action}"),
            Some(&staff_token),
            None,
            &[],
        );
        assert_eq!(res.status, 200, "{action}: {}", res.text);
    }
    let res = w.app.post(
        &format!("{path}/parties"),
        Some(&staff_token),
        &json!({"organisation_id": b}),
    );
    assert_location_resolves(&w.app, "party", &res, &staff_token);
    let res = w.app.post(
        &format!("{path}/funding-lines"),
        Some(&staff_token),
        &json!({"source_name": "State PRIO grant", "year": 2027, "amount_sek": 1000}),
    );
    assert_location_resolves(&w.app, "funding line", &res, &staff_token);
    let res = w.app.post(&format!("{path}/in-kind-contributions"), Some(&partner(&a)), &json!({"organisation_id": a, "kind": "volunteer_hours", "description": "Members lead the walks", "estimated_value_sek": 4000}));
    assert_location_resolves(&w.app, "in-kind contribution", &res, &partner(&a));
    let res = w.app.post(
        &format!("{path}/commitments"),
        Some(&staff_token),
        &json!({"owner_organisation_id": a, "description": "One walk a week"}),
    );
    assert_location_resolves(&w.app, "commitment", &res, &staff_token);
    let res = w.app.post(&format!("{path}/follow-ups"), Some(&partner(&a)), &json!({"held_on": "2027-02-01", "kind": "report", "summary": "4 walks", "organisation_id": a}));
    assert_location_resolves(&w.app, "follow-up", &res, &partner(&a));

    // Dialogue events: the event, a registration, an outcome (listed under the event).
    let res = w.app.post(
        "/api/v1/dialogue-events",
        Some(&staff_token),
        &json!({"title": "Idésluss", "kind": "matching_meeting", "participation_level": "partnership",
            "starts_at": in_days(20), "ends_at": in_days(21), "format": "in_person", "place": "Lundby district office"}),
    );
    assert_location_resolves(&w.app, "event", &res, &staff_token);
    let e = res.json()["id"].as_str().unwrap().to_owned();
    let epath = format!("/api/v1/dialogue-events/{e}");
    let res = w.app.send(
        "POST",
        &format!("{epath}/publish"),
        Some(&staff_token),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = w.app.post(
        &format!("{epath}/registrations"),
        Some(&partner(&b)),
        &json!({"organisation_id": b, "participants": 2}),
    );
    assert_location_resolves(&w.app, "registration", &res, &partner(&b));
    let res = w.app.post(
        &format!("{epath}/outcomes"),
        Some(&staff_token),
        &json!({"description": "A joint activity", "owner": "Passalen"}),
    );
    if res.status == 201 {
        assert_location_resolves(&w.app, "outcome", &res, &staff_token);
    }
}

#[test]
fn programmes_are_edited_by_admins_and_the_owning_unit_and_budgets_never_drop_below_granted() {
    use crate::builders::World;
    use crate::grants::{act, declare, programme, under_review, PROGRAMMES};
    use crate::helpers::{decider, partner, staff};
    use serde_json::json;
    let w = World::new();
    let (id, round) = programme(&w, 100_000, 30, false);
    let path = format!("{PROGRAMMES}/{id}");
    let version =
        |w: &crate::builders::World| w.app.get(&path, None).json()["version"].as_i64().unwrap();
    let v0 = version(&w);
    let patch = |token: Option<&str>, body: serde_json::Value, if_match: Option<&str>| {
        w.app.patch(&path, token, &body, if_match)
    };
    // Wrong callers change nothing.
    assert_eq!(patch(None, json!({"title": "X"}), None).status, 401);
    let res = patch(Some(&partner(&w.orgs[0])), json!({"title": "X"}), None);
    assert!(matches!(res.status, 403 | 404), "{}", res.text);
    let res = patch(Some(&staff(&w.other_unit)), json!({"title": "X"}), None);
    assert_eq!(res.status, 403, "{}", res.text);
    assert_eq!(version(&w), v0);
    // The owning unit's staff change title, description and range, guarded by the ETag.
    let etag = format!("\"{v0}\"");
    let res = patch(
        Some(&staff(&w.unit)),
        json!({"title": "Utvecklingspotten 2027 (extended)", "description": "Now with a larger range", "max_sek": 60000}),
        Some(&etag),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res
        .header("etag")
        .unwrap()
        .starts_with(&format!("\"{}-", v0 + 1)));
    let body = res.json();
    assert_eq!(body["title"], "Utvecklingspotten 2027 (extended)");
    assert_eq!(body["max_sek"], 60000);
    assert_eq!(
        patch(Some(&admin()), json!({"title": "Stale"}), Some(&etag)).status,
        412
    );
    let res = patch(Some(&admin()), json!({"min_sek": 70000}), None);
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(field_names(&res), ["min_sek"]);
    // A grant of 20 000 in 2027; the budget cannot drop below it.
    let chef = decider(&w.unit, 50_000, "chef@vastra.goteborg.se");
    let app_id = under_review(&w, &w.orgs[0], &(id.clone(), round), 20_000);
    declare(&w, &app_id, &chef, false);
    let res = act(
        &w,
        &app_id,
        "decide",
        &chef,
        Some(json!({"outcome": "granted", "granted_sek": 20000, "motivation": "Good"})),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let before = version(&w);
    let res = patch(
        Some(&admin()),
        json!({"budgets": [{"year": 2027, "budget_sek": 19999}]}),
        None,
    );
    assert_eq!(res.status, 409, "{}", res.text);
    assert_eq!(res.code(), "budget_below_granted");
    assert!(res.json()["detail"].as_str().unwrap().contains("2027"));
    assert_eq!(version(&w), before, "a refused change changes nothing");
    // Down to exactly what is granted, and a budget for the next year.
    let res = patch(
        Some(&admin()),
        json!({"budgets": [{"year": 2027, "budget_sek": 20000}, {"year": 2028, "budget_sek": 50000}]}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let figures = res.json()["figures"].clone();
    assert_eq!(figures[0]["year"], 2027);
    assert_eq!(figures[0]["budget_sek"], 20000);
    assert_eq!(figures[0]["granted_sek"], 20000);
    assert_eq!(figures[1]["year"], 2028);
    assert_eq!(figures[1]["budget_sek"], 50000);
    // The spec documents the new operation.
    let spec = w.app.get("/openapi.json", None).json();
    assert!(spec["paths"]["/api/v1/grant-programmes/{id}"]["patch"].is_object());
}

#[test]
fn sub_collections_refuse_unknown_parameters_and_paginate() {
    use crate::helpers::test_settings;
    let app = crate::helpers::spawn_app();
    let url = samverkan::config::DatabaseUrl::parse(app.database_url()).unwrap();
    let pool = samverkan::db::connect(&url, 1, test_settings().database_timeouts).unwrap();
    let ids = samverkan::demo::load(&mut pool.get().unwrap()).unwrap();
    let token = admin();
    let partnership = app.all_items("/api/v1/partnerships?q=friskv%C3%A5rd", Some(&token))[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let grant = app.all_items("/api/v1/grant-applications", Some(&token))[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let event = app
        .all_items("/api/v1/dialogue-events?district=lundby", None)
        .into_iter()
        .find(|e| e["title"].as_str().unwrap().contains("forming"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let _ = ids;
    let lists = [
        "/api/v1/districts".to_owned(),
        format!("/api/v1/dialogue-events/{event}/registrations"),
        format!("/api/v1/dialogue-events/{event}/outcomes"),
        format!("/api/v1/partnerships/{partnership}/parties"),
        format!("/api/v1/partnerships/{partnership}/commitments"),
        format!("/api/v1/partnerships/{partnership}/follow-ups"),
        format!("/api/v1/partnerships/{partnership}/history"),
        format!("/api/v1/grant-applications/{grant}/payments"),
        format!("/api/v1/grant-applications/{grant}/reviews"),
        format!("/api/v1/grant-applications/{grant}/conflict-declarations"),
        format!("/api/v1/grant-applications/{grant}/history"),
    ];
    for list in &lists {
        let ok = app.get(list, Some(&token));
        assert_eq!(ok.status, 200, "{list}: {}", ok.text);
        for query in [
            "foo=1&limit=0",
            "foo=1",
            "limit=0",
            "limit=501",
            "cursor=garbage",
        ] {
            let res = app.get(&format!("{list}?{query}"), Some(&token));
            assert_eq!(res.status, 400, "{list}?{query}: {}", res.text);
            assert_eq!(res.code(), "invalid_query_parameter", "{list}?{query}");
        }
        // Page by page with limit=1: the same items, in the same order.
        let all = ok.json()["items"].as_array().unwrap().clone();
        let mut paged = Vec::new();
        let mut next = format!("{list}?limit=1");
        loop {
            let res = app.get(&next, Some(&token));
            assert_eq!(res.status, 200, "{next}: {}", res.text);
            let body = res.json();
            let items = body["items"].as_array().unwrap();
            assert!(items.len() <= 1, "{next}");
            paged.extend(items.iter().cloned());
            match body["next_cursor"].as_str() {
                Some(cursor) => {
                    let link = res.header("link").unwrap_or_else(|| panic!("{next}: Link"));
                    assert!(
                        link.contains(cursor) && link.contains("rel=\"next\""),
                        "{link}"
                    );
                    next = format!("{list}?limit=1&cursor={cursor}");
                }
                None => break,
            }
        }
        assert_eq!(paged, all, "{list}");
    }
    // The districts are ten, so three pages of four.
    let page = app.get("/api/v1/districts?limit=4", None).json();
    assert_eq!(page["items"].as_array().unwrap().len(), 4);
    assert!(page["next_cursor"].is_string());
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

#[test]
fn staff_registering_to_their_own_planned_event_learn_it_is_closed_partners_learn_nothing() {
    use crate::builders::World;
    use crate::helpers::{partner, staff};
    let w = World::new();
    let res = w.app.post(
        "/api/v1/dialogue-events",
        Some(&staff(&w.unit)),
        &serde_json::json!({"title": "Planerat", "kind": "workshop", "participation_level": "dialogue",
            "starts_at": in_days(20), "ends_at": in_days(21),
            "format": "in_person", "place": "Lundby district office"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let path = format!(
        "/api/v1/dialogue-events/{}/registrations",
        res.json()["id"].as_str().unwrap()
    );
    let body = serde_json::json!({"organisation_id": w.orgs[0], "participants": 2});
    // Staff can read the planned event: 409, not 404.
    assert_eq!(
        w.app
            .get(&path.replace("/registrations", ""), Some(&staff(&w.unit)))
            .status,
        200
    );
    let res = w.app.post(&path, Some(&staff(&w.unit)), &body);
    assert_eq!(res.status, 409, "{}", res.text);
    assert_eq!(res.code(), "registration_closed");
    assert!(res.json()["detail"].as_str().unwrap().contains("planned"));
    // A partner may not know the event exists: 404.
    let res = w.app.post(&path, Some(&partner(&w.orgs[0])), &body);
    assert_eq!(res.status, 404, "{}", res.text);
    // Nothing was registered.
    let list = w.app.get(&path, Some(&staff(&w.unit))).json();
    assert!(list["items"].as_array().unwrap().is_empty());
}

#[test]
fn outcomes_need_a_held_event_like_minutes_and_attendance() {
    use crate::builders::World;
    use crate::helpers::staff;
    let w = World::new();
    let res = w.app.post(
        "/api/v1/dialogue-events",
        Some(&staff(&w.unit)),
        &serde_json::json!({"title": "Snart", "kind": "workshop", "participation_level": "dialogue",
            "starts_at": in_days(20), "ends_at": in_days(21),
            "format": "in_person", "place": "Lundby district office"}),
    );
    let path = format!(
        "/api/v1/dialogue-events/{}",
        res.json()["id"].as_str().unwrap()
    );
    let outcome = serde_json::json!({"description": "A joint activity", "owner": "Passalen"});
    for step in ["planned", "publish"] {
        if step == "publish" {
            let res = w.app.send(
                "POST",
                &format!("{path}/publish"),
                Some(&staff(&w.unit)),
                None,
                &[],
            );
            assert_eq!(res.status, 200, "{}", res.text);
        }
        let res = w
            .app
            .post(&format!("{path}/outcomes"), Some(&staff(&w.unit)), &outcome);
        assert_eq!(res.status, 409, "{step}: {}", res.text);
        assert_eq!(res.code(), "event_not_held");
    }
    let list = w
        .app
        .get(&format!("{path}/outcomes"), Some(&staff(&w.unit)))
        .json();
    assert!(list["items"].as_array().unwrap().is_empty());
}

#[test]
fn reads_that_differ_by_caller_vary_by_authorization() {
    let app = spawn_app();
    let org = app.create_organisation(serde_json::json!({
        "name": "Varierande", "legal_form": "foundation", "districts": ["centrum"],
        "contact_email": "info@example.se"
    }));
    let path = format!("/api/v1/organisations/{org}");
    let public = app.get(&path, None);
    let city = app.get(&path, Some(&admin()));
    assert_ne!(public.json(), city.json(), "the views differ by caller");
    for res in [&public, &city, &app.get("/api/v1/organisations", None)] {
        let vary = res.header("vary").unwrap_or_default().to_ascii_lowercase();
        assert!(vary.contains("authorization"), "Vary: {vary}");
    }
    let head = app.send("HEAD", &path, None, None, &[]);
    assert!(head
        .header("vary")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .contains("authorization"));
}
