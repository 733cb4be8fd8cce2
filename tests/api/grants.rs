//! Grants: the whole handling, every refusal, deadlines, amount range,
//! delegation, conflict of interest, the budget under concurrent decisions,
//! payments, visibility and history.

use serde_json::{json, Value};

use crate::builders::{ApplicationBuilder, ProgrammeBuilder, RoundBuilder, World};
pub(crate) use crate::builders::{APPS, PROGRAMMES};
use crate::helpers::*;

/// An open programme of the world's unit for Västra Göteborg, with one round
/// whose deadline is `deadline_days` from now; returns (programme id, round id).
pub(crate) fn programme(
    w: &World,
    budget: i64,
    deadline_days: i64,
    late: bool,
) -> (String, String) {
    ProgrammeBuilder::new(&w.unit)
        .with_budget(budget)
        .with_districts(&["vastra_goteborg"])
        .with_rounds([RoundBuilder::new("Round 2")
            .closing_in(deadline_days)
            .accepting_late(late)])
        .open(&w.app)
        .and_round()
}

pub(crate) fn apply(w: &World, org: &str, programme: &(String, String), requested: i64) -> Res {
    ApplicationBuilder::new(org, programme)
        .with_requested(requested)
        .post(&w.app)
}

pub(crate) fn act(w: &World, id: &str, action: &str, token: &str, body: Option<Value>) -> Res {
    match body {
        Some(b) => w
            .app
            .post(&format!("{APPS}/{id}/{action}"), Some(token), &b),
        None => w.app.send(
            "POST",
            &format!("{APPS}/{id}/{action}"),
            Some(token),
            None,
            &[],
        ),
    }
}

pub(crate) fn under_review(
    w: &World,
    org: &str,
    programme: &(String, String),
    requested: i64,
) -> String {
    ApplicationBuilder::new(org, programme)
        .with_requested(requested)
        .under_review(&w.app, &staff(&w.unit))
        .id
}

pub(crate) fn declare(w: &World, id: &str, token: &str, conflict: bool) {
    let res = w.app.post(
        &format!("{APPS}/{id}/conflict-declarations"),
        Some(token),
        &json!({"has_conflict": conflict}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
}

#[test]
fn apply_complete_decide_pay_report_close() {
    let w = World::new();
    let p = programme(&w, 1_500_000, 30, false);
    let res = apply(&w, &w.orgs[0], &p, 30000);
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.json()["status"], "draft");
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let chef = decider(&w.unit, 50000, "chef@vastra");
    assert_eq!(
        act(&w, &id, "submit", &partner(&w.orgs[0]), None).json()["status"],
        "submitted"
    );
    assert_eq!(
        act(&w, &id, "start_review", &chef, None).json()["status"],
        "under_review"
    );
    assert_eq!(act(&w, &id, "request_completion", &chef, None).status, 422);
    let res = act(
        &w,
        &id,
        "request_completion",
        &chef,
        Some(json!({"message": "Please add the budget for premises"})),
    );
    assert_eq!(res.json()["status"], "completion_requested");
    // The organisation completes its application, then hands it back.
    let res = w.app.patch(&format!("{APPS}/{id}"), Some(&partner(&w.orgs[0])), &json!({"budget_lines": [{"description": "Supervisor", "amount_sek": 20000}, {"description": "Premises", "amount_sek": 10000}]}), None);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        act(&w, &id, "complete", &partner(&w.orgs[0]), None).json()["status"],
        "under_review"
    );
    // Reviews are internal.
    assert_eq!(
        w.app
            .post(
                &format!("{APPS}/{id}/reviews"),
                Some(&chef),
                &json!({"note": "Premises cost high", "recommendation": "partly_granted"})
            )
            .status,
        201
    );
    assert_eq!(
        w.app
            .get(&format!("{APPS}/{id}/reviews"), Some(&partner(&w.orgs[0])))
            .status,
        404
    );
    assert_eq!(
        w.app
            .get(&format!("{APPS}/{id}/reviews"), Some(&chef))
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    declare(&w, &id, &chef, false);
    let res = act(
        &w,
        &id,
        "decide",
        &chef,
        Some(
            json!({"outcome": "partly_granted", "granted_sek": 25000, "motivation": "A good plan; premises cost high"}),
        ),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["decision"]["granted_sek"], 25000);
    // Payments never exceed the grant.
    let pay = |amount: i64| {
        w.app.post(
            &format!("{APPS}/{id}/payments"),
            Some(&chef),
            &json!({"amount_sek": amount, "paid_on": "2027-06-15"}),
        )
    };
    assert_eq!(pay(10000).status, 201);
    assert_eq!(pay(15001).status, 409);
    assert_eq!(pay(15000).json()["paid_sek"], 25000);
    assert_eq!(pay(1).json()["code"], "payment_exceeds_grant");
    assert_eq!(
        w.app
            .post(
                &format!("{APPS}/{id}/payments"),
                Some(&partner(&w.orgs[0])),
                &json!({"amount_sek": 1, "paid_on": "2027-06-15"})
            )
            .status,
        403
    );
    assert_eq!(
        act(
            &w,
            &id,
            "report",
            &partner(&w.orgs[0]),
            Some(json!({"report": "3 jobs and 10 internships"}))
        )
        .json()["status"],
        "reported"
    );
    assert_eq!(
        act(&w, &id, "close", &chef, None).json()["status"],
        "closed"
    );
    // The programme's figures.
    let figures = w.app.get(&format!("{PROGRAMMES}/{}", p.0), None).json()["figures"][0].clone();
    assert_eq!(
        figures,
        json!({"year": 2027, "budget_sek": 1500000, "granted_sek": 25000, "paid_sek": 25000, "remaining_sek": 1475000})
    );
    // The organisation follows every step.
    let history = w
        .app
        .get(&format!("{APPS}/{id}/history"), Some(&partner(&w.orgs[0])))
        .json();
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "create",
            "submit",
            "start_review",
            "request_completion",
            "edit",
            "complete",
            "declare_conflict",
            "decide",
            "pay",
            "pay",
            "report",
            "close"
        ]
    );
    // Anyone may read the decided grant, but not its internals.
    let public = w.app.get(&format!("{APPS}/{id}"), None).json();
    assert_eq!(public["decision"]["granted_sek"], 25000);
    assert!(public.get("budget_lines").is_none());
    assert!(public.get("report").is_none());
    assert_eq!(
        w.app
            .get(&format!("{APPS}/{id}/history"), Some(&partner(&w.orgs[1])))
            .status,
        404
    );
}

#[test]
fn partner_b_learns_nothing_of_partner_as_application() {
    let w = World::new();
    let p = programme(&w, 100000, 30, false);
    let id = under_review(&w, &w.orgs[0], &p, 20000);
    let b = partner(&w.orgs[1]);
    assert_eq!(w.app.get(&format!("{APPS}/{id}"), Some(&b)).status, 404);
    assert_eq!(w.app.get(&format!("{APPS}/{id}"), None).status, 404);
    for sub in ["history", "payments", "reviews"] {
        assert_eq!(
            w.app.get(&format!("{APPS}/{id}/{sub}"), Some(&b)).status,
            404,
            "{sub}"
        );
    }
    for action in ["submit", "complete", "withdraw", "report"] {
        assert_eq!(
            act(&w, &id, action, &b, Some(json!({"report": "x"}))).status,
            404,
            "{action}"
        );
    }
    assert_eq!(
        w.app
            .patch(
                &format!("{APPS}/{id}"),
                Some(&b),
                &json!({"title": "x"}),
                None
            )
            .status,
        404
    );
    assert!(w.app.all_items(APPS, Some(&b)).is_empty());
    assert_eq!(w.app.all_items(APPS, Some(&partner(&w.orgs[0]))).len(), 1);
    // Applying for another organisation is refused.
    let res = apply(&w, &w.orgs[0], &p, 1000);
    assert_eq!(res.status, 201);
    let res = w.app.post(APPS, Some(&b), &json!({"organisation_id": w.orgs[0], "programme_id": p.0, "round_id": p.1, "title": "x", "purpose": "y", "requested_sek": 1000, "start_date": "2027-01-01", "end_date": "2027-02-01"}));
    assert_eq!(res.status, 403);
    // A rejected application stays private.
    let chef = decider(&w.unit, 50000, "chef");
    declare(&w, &id, &chef, false);
    assert_eq!(act(&w, &id, "decide", &chef, Some(json!({"outcome": "rejected", "granted_sek": 0, "motivation": "Outside the programme's aim"}))).status, 200);
    assert_eq!(w.app.get(&format!("{APPS}/{id}"), None).status, 404);
    assert_eq!(
        w.app
            .get(&format!("{APPS}/{id}"), Some(&partner(&w.orgs[0])))
            .json()["decision"]["motivation"],
        "Outside the programme's aim"
    );
    assert_eq!(
        act(&w, &id, "close", &chef, None).json()["status"],
        "closed"
    );
}

#[test]
fn refused_transitions_and_roles() {
    let w = World::new();
    let p = programme(&w, 100000, 30, false);
    let res = apply(&w, &w.orgs[0], &p, 20000);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let chef = decider(&w.unit, 50000, "chef");
    let res = act(&w, &id, "start_review", &chef, None);
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "invalid_transition");
    assert_eq!(res.json()["current_state"], "draft");
    assert_eq!(res.json()["allowed_actions"], json!(["submit", "withdraw"]));
    assert_eq!(act(&w, &id, "submit", &chef, None).status, 403);
    assert_eq!(
        act(&w, &id, "submit", &partner(&w.orgs[0]), None).status,
        200
    );
    assert_eq!(
        act(&w, &id, "submit", &partner(&w.orgs[0]), None).status,
        409
    );
    assert_eq!(
        act(&w, &id, "start_review", &partner(&w.orgs[0]), None).status,
        403
    );
    assert_eq!(
        act(&w, &id, "start_review", &staff(&w.other_unit), None).status,
        403
    );
    assert_eq!(
        act(
            &w,
            &id,
            "decide",
            &chef,
            Some(json!({"outcome": "granted", "granted_sek": 20000, "motivation": "ok"}))
        )
        .status,
        409
    );
    assert_eq!(act(&w, &id, "start_review", &chef, None).status, 200);
    assert_eq!(
        w.app
            .patch(
                &format!("{APPS}/{id}"),
                Some(&partner(&w.orgs[0])),
                &json!({"title": "x"}),
                None
            )
            .status,
        409
    );
    assert_eq!(
        act(&w, &id, "withdraw", &partner(&w.orgs[0]), None).json()["status"],
        "withdrawn"
    );
    assert_eq!(
        act(&w, &id, "withdraw", &partner(&w.orgs[0]), None).status,
        409
    );
    assert_eq!(
        act(&w, &id, "celebrate", &partner(&w.orgs[0]), None).status,
        404
    );
    assert_eq!(act(&w, &id, "pay", &chef, None).status, 404);
}

#[test]
fn deadlines_late_rounds_and_amount_range() {
    let w = World::new();
    let closed = programme(&w, 100000, -1, false);
    let id = apply(&w, &w.orgs[0], &closed, 5000).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = act(&w, &id, "submit", &partner(&w.orgs[0]), None);
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "deadline_passed");
    let late = programme(&w, 100000, -1, true);
    let id = apply(&w, &w.orgs[0], &late, 5000).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = act(&w, &id, "submit", &partner(&w.orgs[0]), None);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["submitted_late"], true);
    let history = w
        .app
        .get(&format!("{APPS}/{id}/history"), Some(&partner(&w.orgs[0])))
        .json();
    assert!(history["items"][1]["note"]
        .as_str()
        .unwrap()
        .contains("after the deadline"));
    for amount in [999, 50001] {
        let res = apply(&w, &w.orgs[0], &late, amount);
        assert_eq!(res.status, 422, "{amount}");
        assert_eq!(res.json()["errors"][0]["field"], "requested_sek");
    }
    let res = w.app.post(APPS, Some(&partner(&w.orgs[0])), &json!({"organisation_id": w.orgs[0], "programme_id": late.0, "round_id": closed.1, "title": "", "purpose": "y", "requested_sek": 1000, "start_date": "2027-01-01", "end_date": "2026-01-01"}));
    assert_eq!(res.status, 422);
    assert_eq!(res.json()["errors"].as_array().unwrap().len(), 2);
    assert_eq!(w.app.all_items(APPS, Some(&admin())).len(), 2);
}

#[test]
fn delegation_and_conflict_of_interest_rule_the_decider() {
    let w = World::new();
    let p = programme(&w, 1_000_000, 30, false);
    let id = under_review(&w, &w.orgs[0], &p, 30000);
    let decision =
        json!({"outcome": "granted", "granted_sek": 30000, "motivation": "Fits the aim"});
    let small = decider(&w.unit, 20000, "small");
    declare(&w, &id, &small, false);
    let res = act(&w, &id, "decide", &small, Some(decision.clone()));
    assert_eq!(res.status, 403);
    assert_eq!(res.code(), "over_delegation_limit");
    let undeclared = decider(&w.unit, 50000, "undeclared");
    assert_eq!(
        act(&w, &id, "decide", &undeclared, Some(decision.clone())).code(),
        "conflict_declaration_required"
    );
    let conflicted = decider(&w.unit, 50000, "conflicted");
    declare(&w, &id, &conflicted, true);
    assert_eq!(
        act(&w, &id, "decide", &conflicted, Some(decision.clone())).code(),
        "conflict_of_interest"
    );
    let other = decider(&w.other_unit, 1_000_000, "other");
    assert_eq!(
        w.app
            .post(
                &format!("{APPS}/{id}/conflict-declarations"),
                Some(&other),
                &json!({"has_conflict": false})
            )
            .status,
        403
    );
    assert_eq!(
        act(&w, &id, "decide", &other, Some(decision.clone())).status,
        403
    );
    assert_eq!(
        act(&w, &id, "decide", &staff(&w.unit), Some(decision.clone())).status,
        403
    );
    let chef = decider(&w.unit, 50000, "chef");
    declare(&w, &id, &chef, false);
    let res = act(
        &w,
        &id,
        "decide",
        &chef,
        Some(json!({"outcome": "granted", "granted_sek": 29000, "motivation": "x"})),
    );
    assert_eq!(res.status, 422);
    let res = act(&w, &id, "decide", &chef, Some(decision));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["decision"]["decided_by"], "chef");
}

#[test]
fn the_budget_holds_under_concurrent_decisions() {
    let w = std::sync::Arc::new(World::new());
    let p = programme(&w, 100_000, 30, false);
    let ids: Vec<String> = (0..10)
        .map(|_| under_review(&w, &w.orgs[0], &p, 20000))
        .collect();
    let deciders: Vec<String> = (0..10)
        .map(|i| decider(&w.unit, 50000, &format!("decider-{i}")))
        .collect();
    for (id, token) in ids.iter().zip(&deciders) {
        declare(&w, id, token, false);
    }
    let handles: Vec<_> = ids
        .into_iter()
        .zip(deciders)
        .map(|(id, token)| {
            let w = w.clone();
            std::thread::spawn(move || {
                act(
                    &w,
                    &id,
                    "decide",
                    &token,
                    Some(json!({"outcome": "granted", "granted_sek": 20000, "motivation": "Fits"})),
                )
            })
        })
        .collect();
    let results: Vec<Res> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let granted = results.iter().filter(|r| r.status == 200).count();
    let refused: Vec<String> = results
        .iter()
        .filter(|r| r.status != 200)
        .map(|r| r.code())
        .collect();
    assert_eq!(
        granted,
        5,
        "{:?}",
        results
            .iter()
            .map(|r| (r.status, r.text.clone()))
            .collect::<Vec<_>>()
    );
    assert_eq!(refused, vec!["over_budget"; 5]);
    let figures = w.app.get(&format!("{PROGRAMMES}/{}", p.0), None).json()["figures"][0].clone();
    assert_eq!(figures["granted_sek"], 100_000);
    assert_eq!(figures["remaining_sek"], 0);
}

#[test]
fn programmes_are_the_owning_units_and_drafts_are_private() {
    let w = World::new();
    let body = json!({"title": "Föreningsbidrag 2027", "budgets": [{"year": 2027, "budget_sek": 500000}], "min_sek": 5000, "max_sek": 100000});
    assert_eq!(
        w.app
            .post(PROGRAMMES, Some(&partner(&w.orgs[0])), &body)
            .status,
        403
    );
    assert_eq!(w.app.post(PROGRAMMES, None, &body).status, 401);
    let mut other = body.clone();
    other["owning_unit_id"] = json!(w.other_unit);
    assert_eq!(
        w.app.post(PROGRAMMES, Some(&staff(&w.unit)), &other).status,
        403
    );
    let bad = json!({"title": "", "budgets": [], "min_sek": 100, "max_sek": 50});
    let res = w.app.post(PROGRAMMES, Some(&staff(&w.unit)), &bad);
    assert_eq!(res.status, 422);
    assert_eq!(res.json()["errors"].as_array().unwrap().len(), 3);
    let res = w.app.post(PROGRAMMES, Some(&staff(&w.unit)), &body);
    assert_eq!(res.status, 201);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(w.app.get(&format!("{PROGRAMMES}/{id}"), None).status, 404);
    assert_eq!(
        w.app
            .get(&format!("{PROGRAMMES}/{id}"), Some(&partner(&w.orgs[0])))
            .status,
        404
    );
    assert_eq!(
        w.app
            .send(
                "POST",
                &format!("{PROGRAMMES}/{id}/open"),
                Some(&staff(&w.other_unit)),
                None,
                &[]
            )
            .status,
        403
    );
    assert_eq!(
        w.app
            .send(
                "POST",
                &format!("{PROGRAMMES}/{id}/close"),
                Some(&staff(&w.unit)),
                None,
                &[]
            )
            .status,
        409
    );
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
    assert_eq!(
        w.app.get(&format!("{PROGRAMMES}/{id}"), None).json()["status"],
        "open"
    );
    let res = w.app.post(
        &format!("{PROGRAMMES}/{id}/rounds"),
        Some(&staff(&w.unit)),
        &json!({"name": "Round 1", "opens_at": in_days(1), "deadline": in_days(0)}),
    );
    assert_eq!(res.status, 422);
    assert_eq!(w.app.all_items(PROGRAMMES, None).len(), 1);
    assert_eq!(
        w.app
            .get(&format!("{PROGRAMMES}?status=pending"), None)
            .status,
        400
    );
}

#[test]
fn application_lists_filter_and_refuse_bad_parameters() {
    let w = World::new();
    let p = programme(&w, 1_000_000, 30, false);
    let small = under_review(&w, &w.orgs[0], &p, 5000);
    let large = under_review(&w, &w.orgs[1], &p, 40000);
    let chef = decider(&w.unit, 50000, "chef");
    declare(&w, &large, &chef, false);
    assert_eq!(
        act(
            &w,
            &large,
            "decide",
            &chef,
            Some(json!({"outcome": "granted", "granted_sek": 40000, "motivation": "ok"}))
        )
        .status,
        200
    );
    let ids = |query: &str| -> Vec<String> {
        w.app
            .all_items(&format!("{APPS}?{query}"), Some(&admin()))
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids("status=under_review"), [small.as_str()]);
    assert_eq!(
        ids(&format!("organisation_id={}", w.orgs[1])),
        [large.as_str()]
    );
    assert_eq!(ids("min_sek=10000"), [large.as_str()]);
    assert_eq!(ids("max_sek=10000"), [small.as_str()]);
    // A decision is dated by the city's day (Stockholm), not UTC's.
    let today = samverkan::domain::local_time::today();
    assert_eq!(
        ids(&format!("decided_from={today}&decided_to={today}")),
        [large.as_str()]
    );
    assert_eq!(
        ids(&format!("programme_id={}&round_id={}", p.0, p.1)).len(),
        2
    );
    assert_eq!(ids("q=GARAGET").len(), 2);
    assert_eq!(ids("district=lundby").len(), 0);
    // Anonymous: only the decided grant.
    assert_eq!(w.app.all_items(APPS, None).len(), 1);
    for bad in [
        "status=granted",
        "min_sek=lots",
        "decided_from=yesterday",
        "colour=red",
    ] {
        assert_eq!(
            w.app.get(&format!("{APPS}?{bad}"), None).status,
            400,
            "{bad}"
        );
    }
}
