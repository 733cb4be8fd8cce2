//! The money and trust rules of grants hold under concurrency, across two
//! API servers on one database, and cannot be bent: payments within the
//! grant, decisions within the programme's range, the decider's delegation
//! and free of conflict, required documents, bounded amounts, multi-year
//! budgets and no personal data in open data.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::builders::World;
use crate::grants::{act, declare, programme, under_review, APPS, PROGRAMMES};
use crate::helpers::*;

/// How many times each race is run in one test: a race that loses one time
/// in five still fails CI.
const ROUNDS: usize = 5;

fn granted(w: &World, p: &(String, String), amount: i64, chef: &str) -> String {
    let id = under_review(w, &w.orgs[0], p, amount);
    declare(w, &id, chef, false);
    let res = act(
        w,
        &id,
        "decide",
        chef,
        Some(json!({"outcome": "granted", "granted_sek": amount, "motivation": "Fits"})),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    id
}

fn history_actions(w: &World, id: &str) -> Vec<String> {
    w.app
        .get(&format!("{APPS}/{id}/history"), Some(&staff(&w.unit)))
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn parallel_payments_on_two_servers_pay_exactly_what_fits_and_never_412() {
    let w = Arc::new(World::new());
    let replica = Arc::new(w.app.replica());
    let p = programme(&w, 1_000_000, 30, false);
    let chef = decider(&w.unit, 50_000, "chef");
    for round in 0..ROUNDS {
        let id = Arc::new(granted(&w, &p, 20_000, &chef));
        let (w2, r2, id2) = (w.clone(), replica.clone(), id.clone());
        let results = race(10, move |i| {
            let server = if i % 2 == 0 { &w2.app } else { &*r2 };
            server.post(
                &format!("{APPS}/{id2}/payments"),
                Some(&staff(&w2.unit)),
                &json!({"amount_sek": 5000, "paid_on": "2027-01-06"}),
            )
        });
        let statuses: Vec<u16> = results.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            4,
            "round {round}: {statuses:?}"
        );
        for refused in results.iter().filter(|r| r.status != 201) {
            assert_eq!(refused.status, 409, "round {round}: {}", refused.text);
            assert_eq!(refused.code(), "payment_exceeds_grant");
        }
        let a = w
            .app
            .get(&format!("{APPS}/{id}"), Some(&staff(&w.unit)))
            .json();
        assert_eq!(a["paid_sek"], 20_000);
        let payments = w
            .app
            .get(&format!("{APPS}/{id}/payments"), Some(&staff(&w.unit)))
            .json();
        assert_eq!(payments["items"].as_array().unwrap().len(), 4);
    }
    drop(replica);
}

/// A programme's figures are stored and kept by each decision and payment
/// (not summed at read time): payments on many of its applications at once,
/// from two servers, all land in its paid figure, and a budget edit keeps
/// what is granted and paid.
#[test]
fn parallel_payments_on_many_applications_all_land_in_the_programmes_figures() {
    let w = Arc::new(World::new());
    let replica = Arc::new(w.app.replica());
    let p = programme(&w, 1_000_000, 30, false);
    let chef = decider(&w.unit, 50_000, "chef");
    let mut paid = 0;
    for round in 0..ROUNDS {
        let ids: Arc<Vec<String>> =
            Arc::new((0..4).map(|_| granted(&w, &p, 10_000, &chef)).collect());
        let (w2, r2, ids2) = (w.clone(), replica.clone(), ids.clone());
        // Two payments of 5 000 on each of four applications, all at once.
        let results = race(8, move |i| {
            let server = if i % 2 == 0 { &w2.app } else { &*r2 };
            server.post(
                &format!("{APPS}/{}/payments", ids2[i / 2]),
                Some(&staff(&w2.unit)),
                &json!({"amount_sek": 5000, "paid_on": "2027-01-06"}),
            )
        });
        for res in &results {
            assert_eq!(res.status, 201, "round {round}: {}", res.text);
        }
        paid += 40_000;
        let figures =
            w.app.get(&format!("{PROGRAMMES}/{}", p.0), None).json()["figures"][0].clone();
        assert_eq!(
            figures["granted_sek"],
            40_000 * (round as i64 + 1),
            "round {round}"
        );
        assert_eq!(figures["paid_sek"], paid, "round {round}");
    }
    let res = w.app.patch(
        &format!("{PROGRAMMES}/{}", p.0),
        Some(&staff(&w.unit)),
        &json!({"budgets": [{"year": 2027, "budget_sek": 900_000}]}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let figures = res.json()["figures"][0].clone();
    assert_eq!(figures["budget_sek"], 900_000);
    assert_eq!(figures["granted_sek"], paid);
    assert_eq!(figures["paid_sek"], paid);
    assert_eq!(figures["remaining_sek"], 900_000 - paid);
    drop(replica);
}

#[test]
fn parallel_decisions_on_two_servers_never_overspend_a_year() {
    let w = Arc::new(World::new());
    let replica = Arc::new(w.app.replica());
    for round in 0..ROUNDS {
        let p = programme(&w, 100_000, 30, false);
        let ids: Vec<String> = (0..10)
            .map(|_| under_review(&w, &w.orgs[0], &p, 20_000))
            .collect();
        let tokens: Vec<String> = (0..10)
            .map(|i| decider(&w.unit, 50_000, &format!("d{round}-{i}")))
            .collect();
        for (id, token) in ids.iter().zip(&tokens) {
            declare(&w, id, token, false);
        }
        let (w2, r2) = (w.clone(), replica.clone());
        let ids = Arc::new(ids);
        let tokens = Arc::new(tokens);
        let results = race(10, move |i| {
            let server = if i % 2 == 0 { &w2.app } else { &*r2 };
            server.post(
                &format!("{APPS}/{}/decide", ids[i]),
                Some(&tokens[i]),
                &json!({"outcome": "granted", "granted_sek": 20000, "motivation": "Fits"}),
            )
        });
        let ok = results.iter().filter(|r| r.status == 200).count();
        assert_eq!(
            ok,
            5,
            "round {round}: {:?}",
            results.iter().map(|r| &r.text).collect::<Vec<_>>()
        );
        for refused in results.iter().filter(|r| r.status != 200) {
            assert_eq!(refused.code(), "over_budget", "round {round}");
        }
        let figures =
            w.app.get(&format!("{PROGRAMMES}/{}", p.0), None).json()["figures"][0].clone();
        assert_eq!(figures["granted_sek"], 100_000);
        assert_eq!(figures["remaining_sek"], 0);
    }
    drop(replica);
}

/// A conflict declared (on another application of the same organisation) at
/// the moment of a decision: either the declaration comes first and the
/// decision is refused, or the decision comes first and stands. Never a
/// decision by someone whose conflict was on record before it.
#[test]
fn a_conflict_declared_at_the_moment_of_a_decision_is_ordered_with_it() {
    let w = Arc::new(World::new());
    let replica = Arc::new(w.app.replica());
    let p = programme(&w, 10_000_000, 30, false);
    let mut refused = 0;
    for round in 0..ROUNDS * 2 {
        let who = format!("racer-{round}");
        let chef = decider(&w.unit, 50_000, &who);
        let x = under_review(&w, &w.orgs[0], &p, 20_000);
        let y = under_review(&w, &w.orgs[0], &p, 20_000);
        declare(&w, &x, &chef, false);
        let (w2, r2) = (w.clone(), replica.clone());
        let (x2, y2, chef2) = (x.clone(), y.clone(), chef.clone());
        let results = race(2, move |i| {
            if i == 0 {
                w2.app.post(
                    &format!("{APPS}/{x2}/decide"),
                    Some(&chef2),
                    &json!({"outcome": "granted", "granted_sek": 20000, "motivation": "Fits"}),
                )
            } else {
                r2.post(
                    &format!("{APPS}/{y2}/conflict-declarations"),
                    Some(&chef2),
                    &json!({"has_conflict": true, "note": "my sister chairs the board"}),
                )
            }
        });
        assert_eq!(results[1].status, 201, "{}", results[1].text);
        // Compared as instants: RFC 3339 texts of different precision
        // (".123Z" and ".123400Z") do not sort as text.
        let instant = |text: &str| {
            chrono::DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}"))
        };
        let declared_at = instant(results[1].json()["declared_at"].as_str().unwrap());
        match results[0].status {
            200 => {
                // The decision came first: it was made before the declaration.
                let history = w
                    .app
                    .get(&format!("{APPS}/{x}/history"), Some(&staff(&w.unit)))
                    .json();
                let decided_at = instant(
                    history["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|h| h["action"] == "decide")
                        .unwrap()["at"]
                        .as_str()
                        .unwrap(),
                );
                assert!(
                    decided_at <= declared_at,
                    "round {round}: decided {decided_at}, declared {declared_at}"
                );
            }
            403 => {
                assert_eq!(results[0].code(), "conflict_of_interest", "round {round}");
                refused += 1;
                let a = w
                    .app
                    .get(&format!("{APPS}/{x}"), Some(&staff(&w.unit)))
                    .json();
                assert_eq!(a["status"], "under_review");
            }
            other => panic!("round {round}: {other} {}", results[0].text),
        }
        // Afterwards the conflict binds, whatever the order was.
        let z = under_review(&w, &w.orgs[0], &p, 20_000);
        declare(&w, &z, &chef, false);
        let res = act(
            &w,
            &z,
            "decide",
            &chef,
            Some(json!({"outcome": "granted", "granted_sek": 20000, "motivation": "x"})),
        );
        assert_eq!(res.code(), "conflict_of_interest");
    }
    // Both orders are legal; the test only needs each run to be one of them.
    assert!(refused <= ROUNDS * 2);
    drop(replica);
}

#[test]
fn a_decision_below_the_programmes_minimum_is_refused_and_changes_nothing() {
    let w = World::new();
    let p = programme(&w, 1_000_000, 30, false);
    let chef = decider(&w.unit, 50_000, "chef");
    let id = under_review(&w, &w.orgs[0], &p, 30_000);
    declare(&w, &id, &chef, false);
    let before = w
        .app
        .get(&format!("{APPS}/{id}"), Some(&staff(&w.unit)))
        .json();
    let res = act(
        &w,
        &id,
        "decide",
        &chef,
        Some(json!({"outcome": "partly_granted", "granted_sek": 500, "motivation": "Small"})),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(res.code(), "validation_failed");
    let errors = res.json()["errors"].clone();
    assert_eq!(errors[0]["field"], "granted_sek");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("between 1000 and 50000"));
    let after = w
        .app
        .get(&format!("{APPS}/{id}"), Some(&staff(&w.unit)))
        .json();
    assert_eq!(after["status"], "under_review");
    assert_eq!(after["version"], before["version"]);
    let figures = w.app.get(&format!("{PROGRAMMES}/{}", p.0), None).json()["figures"][0].clone();
    assert_eq!(figures["granted_sek"], 0);
    // Exactly the minimum is fine.
    let res = act(
        &w,
        &id,
        "decide",
        &chef,
        Some(json!({"outcome": "partly_granted", "granted_sek": 1000, "motivation": "Small"})),
    );
    assert_eq!(res.status, 200, "{}", res.text);
}

fn programme_requiring_a_plan(w: &World) -> (String, String) {
    let res = w.app.post(
        PROGRAMMES,
        Some(&staff(&w.unit)),
        &json!({
            "title": "Föreningsbidrag 2027, Social resursförvaltning",
            "budgets": [{"year": 2027, "budget_sek": 1_000_000}],
            "min_sek": 1000, "max_sek": 50000,
            "required_documents": [{"key": "gender_equality_plan", "title": "Gender-equality plan"}],
            "rounds": [{"name": "2027", "opens_at": in_days(-10), "deadline": in_days(30)}]
        }),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let round = res.json()["rounds"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        w.app
            .send(
                "POST",
                &format!("{PROGRAMMES}/{id}/open"),
                Some(&staff(&w.unit)),
                None,
                &[]
            )
            .status,
        200
    );
    (id, round)
}

fn application_with_answers(w: &World, p: &(String, String), answers: Value) -> Res {
    w.app.post(
        APPS,
        Some(&partner(&w.orgs[0])),
        &json!({
            "organisation_id": w.orgs[0], "programme_id": p.0, "round_id": p.1,
            "title": "Kvinnojouren", "purpose": "Shelter nights", "requested_sek": 30000,
            "start_date": "2027-01-01", "end_date": "2027-12-31",
            "document_answers": answers
        }),
    )
}

#[test]
fn required_documents_are_answered_before_submission() {
    let w = World::new();
    let p = programme_requiring_a_plan(&w);
    // Unanswered: the draft may be saved, but not submitted.
    let res = application_with_answers(&w, &p, json!([]));
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let res = act(&w, &id, "submit", &partner(&w.orgs[0]), None);
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(res.code(), "validation_failed");
    let errors = res.json()["errors"].clone();
    assert_eq!(errors.as_array().unwrap().len(), 1);
    assert_eq!(errors[0]["field"], "document_answers.gender_equality_plan");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("Gender-equality plan"));
    let a = w
        .app
        .get(&format!("{APPS}/{id}"), Some(&partner(&w.orgs[0])))
        .json();
    assert_eq!(a["status"], "draft");
    assert_eq!(a["version"], 1);
    // A waiver with an empty reason is no answer.
    for answer in [
        json!({"key": "gender_equality_plan", "waiver_reason": ""}),
        json!({"key": "gender_equality_plan", "waiver_reason": "   ", "reference": ""}),
    ] {
        let res = application_with_answers(&w, &p, json!([answer]));
        assert_eq!(res.status, 422, "{}", res.text);
        assert_eq!(res.json()["errors"][0]["field"], "document_answers[0]");
    }
    // With a reasoned waiver request it goes in.
    let res = w.app.patch(
        &format!("{APPS}/{id}"),
        Some(&partner(&w.orgs[0])),
        &json!({"document_answers": [{"key": "gender_equality_plan", "waiver_reason": "We are a women's shelter; the template does not fit our work."}]}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = act(&w, &id, "submit", &partner(&w.orgs[0]), None);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "submitted");
}

#[test]
fn amounts_beyond_the_bound_are_refused_and_sums_never_wrap() {
    let w = World::new();
    // A budget of i64::MAX is not a budget.
    let res = w.app.post(
        PROGRAMMES,
        Some(&staff(&w.unit)),
        &json!({"title": "Huge", "budgets": [{"year": 2027, "budget_sek": i64::MAX}], "min_sek": 0, "max_sek": i64::MAX}),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    let fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        fields.contains(&"budgets[0].budget_sek".to_owned()),
        "{fields:?}"
    );
    assert!(fields.contains(&"max_sek".to_owned()), "{fields:?}");
    let list = w.app.get(PROGRAMMES, Some(&staff(&w.unit))).json();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing written"
    );

    // A fully paid grant: a payment of i64::MAX is a 422, not a wrap-around.
    let p = programme(&w, 1_000_000, 30, false);
    let chef = decider(&w.unit, 50_000, "chef");
    let id = granted(&w, &p, 30_000, &chef);
    let pay = |amount: i64| {
        w.app.post(
            &format!("{APPS}/{id}/payments"),
            Some(&staff(&w.unit)),
            &json!({"amount_sek": amount, "paid_on": "2027-01-06"}),
        )
    };
    assert_eq!(pay(30_000).status, 201);
    for amount in [i64::MAX, 1_000_000_000_001, 0, -5] {
        let res = pay(amount);
        assert_eq!(res.status, 422, "{amount}: {}", res.text);
        assert_eq!(res.json()["errors"][0]["field"], "amount_sek");
    }
    let res = pay(1);
    assert_eq!(res.code(), "payment_exceeds_grant");
    let a = w
        .app
        .get(&format!("{APPS}/{id}"), Some(&staff(&w.unit)))
        .json();
    assert_eq!(a["paid_sek"], 30_000);
    let figures = w.app.get(&format!("{PROGRAMMES}/{}", p.0), None).json()["figures"][0].clone();
    assert_eq!(figures["paid_sek"], 30_000);
    assert_eq!(figures["granted_sek"], 30_000);
    // A granted amount out of range is named.
    let other = under_review(&w, &w.orgs[0], &p, 20_000);
    declare(&w, &other, &chef, false);
    let res = act(
        &w,
        &other,
        "decide",
        &chef,
        Some(json!({"outcome": "partly_granted", "granted_sek": i64::MAX, "motivation": "x"})),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(res.json()["errors"][0]["field"], "granted_sek");
}

#[test]
fn a_declared_conflict_binds_until_an_admin_releases_it_with_a_reason() {
    let w = World::new();
    let p = programme(&w, 1_000_000, 30, false);
    let chef = decider(&w.unit, 50_000, "chef");
    let decision = json!({"outcome": "granted", "granted_sek": 20000, "motivation": "Fits"});
    let x = under_review(&w, &w.orgs[0], &p, 20_000);
    let res = w.app.post(
        &format!("{APPS}/{x}/conflict-declarations"),
        Some(&chef),
        &json!({"has_conflict": true, "note": "my sister chairs the board"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let declaration = res.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        act(&w, &x, "decide", &chef, Some(decision.clone())).code(),
        "conflict_of_interest"
    );
    // Taking it back is not possible: a new declaration is one more record.
    declare(&w, &x, &chef, false);
    assert_eq!(
        act(&w, &x, "decide", &chef, Some(decision.clone())).code(),
        "conflict_of_interest"
    );
    // It binds for the organisation, on its other applications too.
    let y = under_review(&w, &w.orgs[0], &p, 20_000);
    declare(&w, &y, &chef, false);
    assert_eq!(
        act(&w, &y, "decide", &chef, Some(decision.clone())).code(),
        "conflict_of_interest"
    );
    // ... but not for another organisation's.
    let other_org = under_review(&w, &w.orgs[1], &p, 20_000);
    declare(&w, &other_org, &chef, false);
    assert_eq!(
        act(&w, &other_org, "decide", &chef, Some(decision.clone())).status,
        200
    );
    // Every declaration is kept and in the history.
    let list = w
        .app
        .get(
            &format!("{APPS}/{x}/conflict-declarations"),
            Some(&staff(&w.unit)),
        )
        .json();
    let kept: Vec<bool> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["has_conflict"].as_bool().unwrap())
        .collect();
    assert_eq!(kept, [true, false]);
    assert_eq!(list["items"][0]["note"], "my sister chairs the board");
    let actions = history_actions(&w, &x);
    assert_eq!(
        actions.iter().filter(|a| *a == "declare_conflict").count(),
        2,
        "{actions:?}"
    );
    // The organisation sees that declarations were made, not the private note.
    let partner_history = w
        .app
        .get(&format!("{APPS}/{x}/history"), Some(&partner(&w.orgs[0])));
    assert_eq!(partner_history.status, 200);
    assert!(!partner_history.text.contains("sister"));
    assert_eq!(
        w.app
            .get(
                &format!("{APPS}/{x}/conflict-declarations"),
                Some(&partner(&w.orgs[0]))
            )
            .status,
        404
    );
    // Only an admin releases, and only with a reason.
    let release = format!("{APPS}/{x}/conflict-declarations/{declaration}/release");
    let reason = json!({"reason": "The sister left the board on 2027-03-01 (board minutes §4)."});
    let res = w.app.post(&release, Some(&staff(&w.unit)), &reason);
    assert_eq!(res.status, 403, "{}", res.text);
    assert_eq!(
        w.app
            .post(&release, Some(&partner(&w.orgs[0])), &reason)
            .status,
        404
    );
    let res = w
        .app
        .post(&release, Some(&admin()), &json!({"reason": " "}));
    assert_eq!(res.status, 422);
    assert_eq!(
        act(&w, &x, "decide", &chef, Some(decision.clone())).code(),
        "conflict_of_interest"
    );
    let res = w.app.post(&release, Some(&admin()), &reason);
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res.json()["released_at"].is_string());
    assert_eq!(
        w.app.post(&release, Some(&admin()), &reason).code(),
        "not_a_binding_conflict"
    );
    assert!(history_actions(&w, &x).contains(&"release_conflict".to_owned()));
    // Now the declaration of none on this application counts.
    let res = act(&w, &x, "decide", &chef, Some(decision));
    assert_eq!(res.status, 200, "{}", res.text);
}

#[test]
fn every_decider_needs_a_delegation_that_covers_the_amount_admins_too() {
    let w = World::new();
    let p = programme(&w, 10_000_000, 30, false);
    let admin_with = |limit: Option<i64>, who: &str| {
        let mut c = claims("city_admin");
        c["sub"] = json!(who);
        if let Some(limit) = limit {
            c["delegation_limit_sek"] = json!(limit);
        }
        sign_hs256(&c)
    };
    let id = under_review(&w, &w.orgs[0], &p, 50_000);
    let decision = json!({"outcome": "granted", "granted_sek": 50000, "motivation": "Fits"});
    for (token, why) in [
        (admin_with(Some(1000), "small-admin"), "a small delegation"),
        (admin_with(None, "plain-admin"), "no delegation"),
    ] {
        declare(&w, &id, &token, false);
        let res = act(&w, &id, "decide", &token, Some(decision.clone()));
        assert_eq!(res.status, 403, "{why}: {}", res.text);
        assert_eq!(res.code(), "over_delegation_limit", "{why}");
    }
    let a = w.app.get(&format!("{APPS}/{id}"), Some(&admin())).json();
    assert_eq!(a["status"], "under_review");
    // An integration never decides.
    let res = act(
        &w,
        &id,
        "decide",
        &integration(&w.unit),
        Some(decision.clone()),
    );
    assert_eq!(res.status, 403);
    let big = admin_with(Some(100_000), "head-of-unit");
    declare(&w, &id, &big, false);
    let res = act(&w, &id, "decide", &big, Some(decision));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["decision"]["decided_by_role"], "city_admin");
}

#[test]
fn public_decisions_name_the_unit_and_role_not_the_person() {
    let w = World::new();
    let p = programme(&w, 1_000_000, 30, false);
    let chef = decider(&w.unit, 50_000, "handlaggare@vastra.goteborg.se");
    let id = granted(&w, &p, 20_000, &chef);
    let public = w.app.get(&format!("{APPS}/{id}"), None);
    assert_eq!(public.status, 200);
    let decision = public.json()["decision"].clone();
    assert!(decision.get("decided_by").is_none(), "{decision}");
    assert_eq!(decision["decided_by_role"], "city_staff");
    assert_eq!(decision["decided_by_unit_id"], w.unit.as_str());
    let list = w.app.get(APPS, None);
    assert!(list.text.contains(&id));
    assert!(!list.text.contains("handlaggare@"), "{}", list.text);
    // Another organisation's partner reads it as the public does.
    let as_b = w
        .app
        .get(&format!("{APPS}/{id}"), Some(&partner(&w.orgs[1])));
    assert!(!as_b.text.contains("handlaggare@"));
    // The applicant and the city see who decided.
    for token in [partner(&w.orgs[0]), staff(&w.unit)] {
        let own = w.app.get(&format!("{APPS}/{id}"), Some(&token)).json();
        assert_eq!(
            own["decision"]["decided_by"],
            "handlaggare@vastra.goteborg.se"
        );
    }
}

#[test]
fn a_multi_year_grant_is_charged_to_each_years_budget() {
    let w = World::new();
    let res = w.app.post(
        PROGRAMMES,
        Some(&staff(&w.unit)),
        &json!({
            "title": "Långsiktigt stöd 2027–2028",
            "budgets": [{"year": 2027, "budget_sek": 10000}, {"year": 2028, "budget_sek": 10000}],
            "min_sek": 1000, "max_sek": 50000, "multi_year_allowed": true,
            "rounds": [{"name": "2027", "opens_at": in_days(-10), "deadline": in_days(30)}]
        }),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let pid = res.json()["id"].as_str().unwrap().to_owned();
    let p = (
        pid.clone(),
        res.json()["rounds"][0]["id"].as_str().unwrap().to_owned(),
    );
    assert_eq!(
        w.app
            .send(
                "POST",
                &format!("{PROGRAMMES}/{pid}/open"),
                Some(&staff(&w.unit)),
                None,
                &[]
            )
            .status,
        200
    );
    let chef = decider(&w.unit, 50_000, "chef");
    let apply_for = |amount: i64, start: &str, end: &str| -> String {
        let res = w.app.post(
            APPS,
            Some(&partner(&w.orgs[0])),
            &json!({
                "organisation_id": w.orgs[0], "programme_id": p.0, "round_id": p.1,
                "title": "Läxhjälp", "purpose": "Homework help", "requested_sek": amount,
                "start_date": start, "end_date": end
            }),
        );
        assert_eq!(res.status, 201, "{}", res.text);
        let id = res.json()["id"].as_str().unwrap().to_owned();
        assert_eq!(
            act(&w, &id, "submit", &partner(&w.orgs[0]), None).status,
            200
        );
        assert_eq!(
            act(&w, &id, "start_review", &staff(&w.unit), None).status,
            200
        );
        declare(&w, &id, &chef, false);
        id
    };
    let decide = |id: &str, amount: i64| {
        act(
            &w,
            id,
            "decide",
            &chef,
            Some(json!({"outcome": "granted", "granted_sek": amount, "motivation": "Fits"})),
        )
    };
    // 15 000 over 2027-07-01..2028-06-30: 184 days in 2027, 182 in 2028.
    let long = apply_for(15_000, "2027-07-01", "2028-06-30");
    let res = decide(&long, 15_000);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        res.json()["decision"]["allocation"],
        json!([{"year": 2027, "amount_sek": 7541}, {"year": 2028, "amount_sek": 7459}])
    );
    let figures = w.app.get(&format!("{PROGRAMMES}/{pid}"), None).json()["figures"].clone();
    assert_eq!(figures[0]["granted_sek"], 7541);
    assert_eq!(figures[1]["granted_sek"], 7459);
    // 2027 has 2 459 left: 5 000 there is over budget, and changes nothing.
    let too_much = apply_for(5_000, "2027-01-01", "2027-06-30");
    let res = decide(&too_much, 5_000);
    assert_eq!(res.code(), "over_budget");
    assert!(res.json()["detail"].as_str().unwrap().starts_with("2027"));
    let figures = w.app.get(&format!("{PROGRAMMES}/{pid}"), None).json()["figures"].clone();
    assert_eq!(figures[0]["granted_sek"], 7541);
    let fits = apply_for(2_459, "2027-01-01", "2027-06-30");
    assert_eq!(decide(&fits, 2_459).status, 200);
    // Payments fill the years in order.
    let res = w.app.post(
        &format!("{APPS}/{long}/payments"),
        Some(&staff(&w.unit)),
        &json!({"amount_sek": 10000, "paid_on": "2027-07-01"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let figures = w.app.get(&format!("{PROGRAMMES}/{pid}"), None).json()["figures"].clone();
    assert_eq!(figures[0]["paid_sek"], 7541);
    assert_eq!(figures[1]["paid_sek"], 2459);
    assert_eq!(figures[0]["remaining_sek"], 0);
}
