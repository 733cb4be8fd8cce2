//! Every operation of the served spec × every kind of caller, on real
//! objects, with the status each must get. The test fails when the spec has
//! an operation without a row, or a row the spec does not have.
//!
//! Objects belong to organisation A and unit U; B and V are the others.
//! Creates are sent with valid bodies (the allowed callers create, in the
//! order of `CALLERS`, so later ones may meet a 409); changes and actions are
//! sent with a stale `If-Match` (412 shows the caller got past the checks of
//! who may act, and nothing changes). The table was reviewed row by row
//! against the role matrix (`domain::access`) and API.md. Partner B gets 404
//! on everything of A's that is not public, and no answer to B or to the
//! public contains the id of such an object.

use std::collections::BTreeMap;

use serde_json::json;

use crate::builders::World;
use crate::grants::{act, apply, declare, programme, under_review, APPS, PROGRAMMES};
use crate::helpers::*;

/// A's objects that neither partner B nor the public may know of.
const HIDDEN: [&str; 4] = [
    "proposal",
    "planned",
    "draft_programme",
    "draft_application",
];

/// The callers, in the order they are tried.
const CALLERS: [&str; 8] = ["anon", "pB", "pA", "sV", "sU", "iV", "iU", "admin"];

struct Objects {
    ids: BTreeMap<&'static str, String>,
}

fn id(res: &Res) -> String {
    assert!(matches!(res.status, 200 | 201), "{}", res.text);
    res.json()["id"].as_str().unwrap().to_owned()
}

fn build(w: &World) -> Objects {
    let app = &w.app;
    let (u, a) = (&w.unit, &w.orgs[0]);
    let mut ids = BTreeMap::new();
    ids.insert("org", a.clone());
    ids.insert("org_b", w.orgs[1].clone());
    ids.insert("unit", u.clone());

    // Partnerships: A's proposal (between A and the city) and an active one.
    let proposal = app.post(
        "/api/v1/partnerships",
        Some(&partner(a)),
        &json!({"title": "Förslag från A", "purpose": "Läxhjälp", "form": "iop",
                "responsible_unit_id": u, "start_date": "2027-01-01", "end_date": "2027-12-31"}),
    );
    ids.insert("proposal", id(&proposal));
    let active = id(&app.post(
        "/api/v1/partnerships",
        Some(&staff(u)),
        &json!({"title": "IOP Aktiv", "purpose": "Mötesplats", "form": "iop",
                "responsible_unit_id": u, "start_date": "2027-01-01", "end_date": "2027-12-31",
                "parties": [{"organisation_id": a, "role": "member"}]}),
    ));
    let accept = app.post(
        &format!("/api/v1/partnerships/{active}/parties/{a}/accept"),
        Some(&partner(a)),
        &json!({}),
    );
    assert!(matches!(accept.status, 200 | 409), "{}", accept.text);
    for action in ["start_dialogue", "agree", "activate"] {
        let res = app.post(
            &format!("/api/v1/partnerships/{active}/{action}"),
            Some(&staff(u)),
            &json!({}),
        );
        assert_eq!(res.status, 200, "{action}: {}", res.text);
    }
    let commitment = app.post(
        &format!("/api/v1/partnerships/{active}/commitments"),
        Some(&staff(u)),
        &json!({"owner_unit_id": u, "description": "Lokal varje tisdag"}),
    );
    ids.insert("commitment", id(&commitment));
    // What is added to a partnership, each addressable on its own.
    let funding_line = app.post(
        &format!("/api/v1/partnerships/{active}/funding-lines"),
        Some(&staff(u)),
        &json!({"year": 2027, "amount_sek": 5000, "source_name": "Statligt bidrag"}),
    );
    ids.insert("funding_line", id(&funding_line));
    let in_kind = app.post(
        &format!("/api/v1/partnerships/{active}/in-kind-contributions"),
        Some(&partner(a)),
        &json!({"kind": "premises", "description": "Lokalen på tisdagar", "organisation_id": a}),
    );
    ids.insert("in_kind", id(&in_kind));
    let follow_up = app.post(
        &format!("/api/v1/partnerships/{active}/follow-ups"),
        Some(&partner(a)),
        &json!({"held_on": "2027-03-01", "kind": "report", "summary": "Fyra träffar",
                "participants": "Styrelsen", "organisation_id": a}),
    );
    ids.insert("follow_up", id(&follow_up));
    ids.insert("active", active);
    // Under A's proposal: a commitment only those who see the proposal may read.
    let proposal_commitment = app.post(
        &format!("/api/v1/partnerships/{}/commitments", ids["proposal"]),
        Some(&staff(u)),
        &json!({"owner_unit_id": u, "description": "Svar inom en månad"}),
    );
    ids.insert("proposal_commitment", id(&proposal_commitment));

    // Events: planned (the city's until published) and published, with A registered.
    let event = |title: &str| {
        json!({"title": title, "kind": "dialogue_meeting", "participation_level": "dialogue",
               "organiser_unit_id": u, "starts_at": in_days(10), "ends_at": in_days(11),
               "format": "in_person", "place": "Lundby stadsdelshus", "capacity": 30})
    };
    ids.insert(
        "planned",
        id(&app.post(
            "/api/v1/dialogue-events",
            Some(&staff(u)),
            &event("Planerat"),
        )),
    );
    let published = id(&app.post(
        "/api/v1/dialogue-events",
        Some(&staff(u)),
        &event("Publicerat"),
    ));
    let res = app.post(
        &format!("/api/v1/dialogue-events/{published}/publish"),
        Some(&staff(u)),
        &json!({}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let registration = app.post(
        &format!("/api/v1/dialogue-events/{published}/registrations"),
        Some(&partner(a)),
        &json!({"organisation_id": a, "participants": 2}),
    );
    ids.insert("registration", id(&registration));
    // Outcomes are recorded once an event is held: one that took place.
    let mut past = event("Genomfört");
    past["starts_at"] = json!(in_days(-3));
    past["ends_at"] = json!(in_days(-2));
    past["co_organiser_ids"] = json!([a]);
    let held = id(&app.post("/api/v1/dialogue-events", Some(&staff(u)), &past));
    for action in ["publish", "mark-held"] {
        let res = app.post(
            &format!("/api/v1/dialogue-events/{held}/{action}"),
            Some(&staff(u)),
            &json!({}),
        );
        assert_eq!(res.status, 200, "{action}: {}", res.text);
    }
    let outcome = app.post(
        &format!("/api/v1/dialogue-events/{held}/outcomes"),
        Some(&staff(u)),
        &json!({"description": "Gemensam sommaraktivitet", "owner": "A"}),
    );
    ids.insert("outcome", id(&outcome));
    let contribution = app.post(
        &format!("/api/v1/dialogue-events/{held}/minutes/contributions"),
        Some(&partner(a)),
        &json!({"organisation_id": a, "text": "Våra anteckningar"}),
    );
    ids.insert("contribution", id(&contribution));
    ids.insert("held", held);
    ids.insert("published", published);

    // Grants: a draft programme, an open one with A's draft and a decided application.
    let draft_programme = app.post(
        PROGRAMMES,
        Some(&staff(u)),
        &json!({"title": "Utkast", "budgets": [{"year": 2027, "budget_sek": 100000}], "min_sek": 1000, "max_sek": 50000}),
    );
    ids.insert("draft_programme", id(&draft_programme));
    let draft_round = app.post(
        &format!("{PROGRAMMES}/{}/rounds", ids["draft_programme"]),
        Some(&staff(u)),
        &json!({"name": "Utkastomgång", "opens_at": in_days(30), "deadline": in_days(60)}),
    );
    assert_eq!(draft_round.status, 201, "{}", draft_round.text);
    ids.insert(
        "draft_round",
        draft_round.json()["rounds"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    let open = programme(w, 1_000_000, 30, false);
    ids.insert("programme", open.0.clone());
    ids.insert("round", open.1.clone());
    ids.insert("draft_application", id(&apply(w, a, &open, 20_000)));
    let decided = under_review(w, a, &open, 20_000);
    let chef = decider(u, 100_000, "chef@u");
    declare(w, &decided, &chef, false);
    let res = act(
        w,
        &decided,
        "decide",
        &chef,
        Some(json!({"outcome": "granted", "granted_sek": 20_000, "motivation": "Fits"})),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let review = app.post(
        &format!("{APPS}/{decided}/reviews"),
        Some(&chef),
        &json!({"note": "Rimlig budget", "recommendation": "granted"}),
    );
    ids.insert("review", id(&review));
    let payment = app.post(
        &format!("{APPS}/{decided}/payments"),
        Some(&chef),
        &json!({"amount_sek": 5_000, "paid_on": "2027-01-15"}),
    );
    assert_eq!(payment.status, 201, "{}", payment.text);
    let payment = payment
        .header("location")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    ids.insert("payment", payment.to_owned());
    let declarations = app.get(
        &format!("{APPS}/{decided}/conflict-declarations"),
        Some(&admin()),
    );
    ids.insert(
        "declaration",
        declarations.json()["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    ids.insert("decided", decided);

    // A webhook subscription (to an address nothing answers at) and a ping of it.
    let webhook = id(&app.post(
        "/api/v1/webhook-subscriptions",
        Some(&admin()),
        &json!({"url": "https://hooks.example.se/samverkan", "event_types": ["partnership.*"]}),
    ));
    let ping = app.post(
        &format!("/api/v1/webhook-subscriptions/{webhook}/ping"),
        Some(&admin()),
        &json!({}),
    );
    assert_eq!(ping.status, 202, "{}", ping.text);
    ids.insert(
        "webhook_delivery",
        ping.json()["id"].as_str().unwrap().to_owned(),
    );
    ids.insert("webhook", webhook);
    Objects { ids }
}

/// (method, spec path, path with object names in braces, the JSON body with
/// object names in braces ("" for `{}`), expected statuses for `CALLERS`).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    [u16; 8],
);

const ROWS: &[Row] = &include!("security_matrix_rows.in");

fn token(caller: &str, w: &World) -> Option<String> {
    match caller {
        "anon" => None,
        "pA" => Some(partner(&w.orgs[0])),
        "pB" => Some(partner(&w.orgs[1])),
        "sU" => Some(decider(&w.unit, 100_000, "staff-u@goteborg.se")),
        "sV" => Some(decider(&w.other_unit, 100_000, "staff-v@goteborg.se")),
        "iU" => Some(integration(&w.unit)),
        "iV" => Some(integration(&w.other_unit)),
        "admin" => Some(admin()),
        other => panic!("unknown caller {other}"),
    }
}

fn fill(template: &str, objects: &Objects) -> String {
    let mut path = template.to_owned();
    for (name, id) in &objects.ids {
        path = path.replace(&format!("{{{name}}}"), id);
    }
    path
}

fn call(w: &World, method: &str, path: &str, body: &str, token: Option<&str>) -> Res {
    let body: serde_json::Value =
        serde_json::from_str(if body.is_empty() { "{}" } else { body }).unwrap();
    let stale = [("If-Match", "\"999999\"")];
    match method {
        "GET" => w.app.get(path, token),
        "HEAD" => w.app.send("HEAD", path, token, None, &[]),
        "DELETE" => w.app.send("DELETE", path, token, None, &stale),
        "PATCH" => w.app.patch(path, token, &body, Some("\"999999\"")),
        "POST" | "PUT" => w.app.send(
            method,
            path,
            token,
            Some(body.to_string().into_bytes()),
            &[("Content-Type", "application/json"), stale[0]],
        ),
        other => panic!("method {other}"),
    }
}

#[test]
fn every_operation_answers_every_caller_as_the_table_says() {
    let w = World::new();
    let objects = build(&w);
    let spec = w.app.get("/openapi.json", None).json();
    // HEAD answers every caller as the GET beside it does (RFC 9110): each
    // GET row stands for its HEAD too.
    let rows: Vec<Row> = ROWS
        .iter()
        .copied()
        .chain(
            ROWS.iter()
                .filter(|r| r.0 == "GET")
                .map(|r| ("HEAD", r.1, r.2, r.3, r.4)),
        )
        .collect();

    // Every operation of the spec has a row, and every row is in the spec.
    let mut operations: Vec<(String, String)> = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push((method.to_uppercase(), path.clone()));
        }
    }
    for (method, path) in &operations {
        assert!(
            rows.iter().any(|r| r.0 == method && r.1 == path),
            "{method} {path} has no row in the security matrix"
        );
    }
    for row in &rows {
        assert!(
            operations.iter().any(|(m, p)| m == row.0 && p == row.1),
            "row {} {} is not an operation of the spec",
            row.0,
            row.1
        );
    }

    let print = std::env::var("SECURITY_MATRIX_PRINT").is_ok();
    let mut failures = Vec::new();
    for &(method, spec_path, template, body, expected) in &rows {
        let path = fill(template, &objects);
        assert!(!path.contains('{'), "unfilled {path}");
        let filled_body = fill(body, &objects);
        let mut seen = [0u16; 8];
        for (i, caller) in CALLERS.iter().enumerate() {
            let res = call(
                &w,
                method,
                &path,
                &filled_body,
                token(caller, &w).as_deref(),
            );
            seen[i] = res.status;
            // What is A's and not public never shows in what B or the
            // public are given: not in lists filtered by A's id, histories,
            // embedded links or anywhere else.
            if matches!(*caller, "anon" | "pB") && (200..300).contains(&res.status) {
                for hidden in HIDDEN {
                    let hidden_id = &objects.ids[hidden];
                    if res.text.contains(hidden_id.as_str()) {
                        failures.push(format!(
                            "{method} {template} {caller}: shows {hidden} ({hidden_id})"
                        ));
                    }
                }
            }
            if res.status >= 400 {
                // Every refusal is a problem whose status is the HTTP status.
                if res.header("content-type") == Some("application/problem+json") {
                    // A HEAD answer carries the problem's headers, not its body.
                    if method != "HEAD" {
                        assert_eq!(res.json()["status"], res.status, "{method} {path}");
                    }
                } else {
                    failures.push(format!(
                        "{method} {template} {caller}: {} without a problem body",
                        res.status
                    ));
                }
            }
        }
        if print {
            println!("    (\"{method}\", \"{spec_path}\", \"{template}\", {body:?}, {seen:?}),");
        }
        if seen != expected {
            let diff: Vec<String> = CALLERS
                .iter()
                .zip(seen.iter().zip(expected.iter()))
                .filter(|(_, (s, e))| s != e)
                .map(|(c, (s, e))| format!("{c}: {s} (expected {e})"))
                .collect();
            failures.push(format!("{method} {template}: {}", diff.join(", ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Partner B probing A's ids that are not public gets 404 on every
/// operation that names them, whatever the method.
#[test]
fn partner_b_gets_404_for_every_operation_on_as_hidden_objects() {
    let rows_on_hidden: Vec<&Row> = ROWS
        .iter()
        .filter(|r| HIDDEN.iter().any(|h| r.2.contains(&format!("{{{h}}}"))))
        .collect();
    assert!(rows_on_hidden.len() >= 15);
    for row in rows_on_hidden {
        let pb = row.4[CALLERS.iter().position(|c| *c == "pB").unwrap()];
        let anon = row.4[0];
        if row.0 == "GET" {
            assert_eq!(pb, 404, "{} {}", row.0, row.2);
            assert!(matches!(anon, 401 | 404), "{} {}", row.0, row.2);
        } else {
            // A write that names A's hidden object: 404, or a 422 about the
            // body that any id (existing or not) gets alike.
            assert!(matches!(pb, 404 | 422), "{} {}: {pb}", row.0, row.2);
        }
    }
}
