//! Every `201` carries a `Location` under `/api/v1/` that answers 200 to a
//! GET with the same token: for programmes, rounds, applications and their
//! sub-resources, partnerships and theirs, events and theirs.

use serde_json::json;

use crate::builders::World;
use crate::grants::{act, apply, APPS, PROGRAMMES};
use crate::helpers::*;

/// A 201 with a `Location` under `/api/v1/` that answers 200 to a GET with
/// the same token.
fn assert_location_resolves(app: &TestApp, what: &str, res: &Res, token: &str) {
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
