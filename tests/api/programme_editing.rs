//! Editing a grant programme: who may (admins and the owning unit's staff),
//! guarded by its ETag; a year's budget never drops below what is granted
//! that year, not even when the cut races a decision on two servers; every
//! change is in the programme's history, naming who made it.

use serde_json::{json, Value};

use crate::builders::World;
use crate::grants::{act, declare, programme, under_review, APPS, PROGRAMMES};
use crate::helpers::*;
use crate::list_rules::follows_list_rules;

#[test]
fn programmes_are_edited_by_admins_and_the_owning_unit_and_budgets_never_drop_below_granted() {
    let w = World::new();
    let (id, round) = programme(&w, 100_000, 30, false);
    let path = format!("{PROGRAMMES}/{id}");
    let version = |w: &World| w.app.get(&path, None).json()["version"].as_i64().unwrap();
    let v0 = version(&w);
    let patch = |token: Option<&str>, body: Value, if_match: Option<&str>| {
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
    assert_eq!(res.error_fields(), ["min_sek"]);
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
fn programme_changes_have_a_history_that_names_who_changed_what() {
    let w = World::new();
    let (id, round) = programme(&w, 100_000, 30, false);
    let path = format!("{PROGRAMMES}/{id}");
    let history = format!("{path}/history");
    let version = |w: &World| w.app.get(&path, None).json()["version"].as_i64().unwrap();

    // The city reads it; partners and the public do not (it names people).
    assert_eq!(w.app.get(&history, None).status, 401);
    let res = w.app.get(&history, Some(&partner(&w.orgs[0])));
    assert_eq!(res.status, 403, "{}", res.text);
    let opened = w.app.get(&history, Some(&staff(&w.other_unit)));
    assert_eq!(opened.status, 200, "{}", opened.text);
    let entries = opened.json()["items"].as_array().unwrap().clone();
    assert_eq!(entries.last().unwrap()["action"], "open");
    assert_eq!(
        entries.last().unwrap()["changes"],
        json!([{"field": "status", "from": "draft", "to": "open"}])
    );
    let before = entries.len();

    // A wrong role changes nothing and is not in the history.
    let res = w.app.patch(
        &path,
        Some(&staff(&w.other_unit)),
        &json!({"title": "X"}),
        None,
    );
    assert_eq!(res.status, 403, "{}", res.text);
    let res = w.app.patch(
        &path,
        Some(&partner(&w.orgs[0])),
        &json!({"title": "X"}),
        None,
    );
    assert!(matches!(res.status, 403 | 404), "{}", res.text);

    // The owning unit's staff change the title, a budget and a round.
    let mut chef = claims("city_staff");
    chef["unit"] = json!(w.unit);
    chef["sub"] = json!("anna.chef@vastra.goteborg.se");
    let chef = sign_hs256(&chef);
    let deadline = in_days(45);
    let res = w.app.patch(
        &path,
        Some(&chef),
        &json!({"title": "Utvecklingspotten 2027–2028",
                "budgets": [{"year": 2027, "budget_sek": 120000}, {"year": 2028, "budget_sek": 80000}],
                "rounds": [{"id": round, "deadline": deadline, "accepts_late_applications": true}]}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let body = res.json();
    assert_eq!(body["rounds"][0]["accepts_late_applications"], true);
    assert_eq!(body["rounds"][0]["deadline"], deadline);
    let v1 = version(&w);

    let entries = w.app.all_items(&history, Some(&admin()));
    assert_eq!(entries.len(), before + 1, "{entries:?}");
    let entry = entries.last().unwrap();
    assert_eq!(entry["actor"], "anna.chef@vastra.goteborg.se");
    assert_eq!(entry["actor_role"], "city_staff");
    assert_eq!(entry["action"], "update");
    let changes = entry["changes"].as_array().unwrap();
    let change = |field: &str| {
        changes
            .iter()
            .find(|c| c["field"] == field)
            .unwrap_or_else(|| panic!("{field} in {changes:?}"))
            .clone()
    };
    assert_eq!(
        change("title"),
        json!({"field": "title", "from": "Utvecklingspotten 2027", "to": "Utvecklingspotten 2027–2028"})
    );
    assert_eq!(change("budgets.2027")["from"], 100000);
    assert_eq!(change("budgets.2027")["to"], 120000);
    assert_eq!(change("budgets.2028")["from"], Value::Null);
    assert_eq!(change("budgets.2028")["to"], 80000);
    let round_change = change(&format!("rounds.{round}"));
    assert_eq!(round_change["from"]["accepts_late_applications"], false);
    assert_eq!(round_change["to"]["accepts_late_applications"], true);
    assert_eq!(changes.len(), 4, "{changes:?}");

    // A patch that changes nothing: same version, nothing in the history.
    let res = w.app.patch(
        &path,
        Some(&admin()),
        &json!({"title": "Utvecklingspotten 2027–2028", "budgets": [{"year": 2027, "budget_sek": 120000}]}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["version"], v1);
    assert_eq!(w.app.all_items(&history, Some(&admin())).len(), before + 1);
    // A round of another programme, or a deadline before the round opens: 422.
    let res = w.app.patch(
        &path,
        Some(&admin()),
        &json!({"rounds": [{"id": "01938f3e-0000-7000-8000-000000000000", "name": "X"},
                           {"id": round, "deadline": in_days(-90)}]}),
        None,
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(res.error_fields(), ["rounds[0].id", "rounds[1].deadline"]);
    assert_eq!(version(&w), v1);

    // The history follows the list rules.
    follows_list_rules(&w.app, &history, Some(&admin()), 2);
    // A draft programme's history is hidden from partners like the programme.
    let res = w.app.post(
        PROGRAMMES,
        Some(&staff(&w.unit)),
        &json!({"title": "Utkast", "budgets": [{"year": 2027, "budget_sek": 1000}], "min_sek": 1, "max_sek": 1000}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let draft = format!(
        "{PROGRAMMES}/{}/history",
        res.json()["id"].as_str().unwrap()
    );
    assert_eq!(w.app.get(&draft, Some(&partner(&w.orgs[0]))).status, 404);
    assert_eq!(w.app.get(&draft, Some(&staff(&w.unit))).status, 200);
}

#[test]
fn a_budget_cut_racing_a_decision_on_two_servers_never_leaves_the_year_overspent() {
    for round_no in 0..3 {
        let w = World::new();
        let (id, round) = programme(&w, 50_000, 30, false);
        let chef = decider(&w.unit, 50_000, "chef@vastra.goteborg.se");
        let app_id = under_review(&w, &w.orgs[0], &(id.clone(), round), 30_000);
        declare(&w, &app_id, &chef, false);
        let replica = std::sync::Arc::new(w.app.replica());
        let path = format!("{PROGRAMMES}/{id}");
        let (p, a, t) = (path.clone(), app_id.clone(), chef.clone());
        let answers = race(2, move |i| {
            if i == 0 {
                replica
                    .patch(
                        &p,
                        Some(&admin()),
                        &json!({"budgets": [{"year": 2027, "budget_sek": 20000}]}),
                        None,
                    )
                    .status
            } else {
                replica
                    .post(
                        &format!("{APPS}/{a}/decide"),
                        Some(&t),
                        &json!({"outcome": "granted", "granted_sek": 30000, "motivation": "Good"}),
                    )
                    .status
            }
        });
        let figures = w.app.get(&path, None).json()["figures"].clone();
        let year = figures
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["year"] == 2027)
            .unwrap()
            .clone();
        assert!(
            year["granted_sek"].as_i64().unwrap() <= year["budget_sek"].as_i64().unwrap(),
            "round {round_no}: {answers:?} {year}"
        );
        // Exactly one of the two went through.
        assert!(
            matches!(answers.as_slice(), [200, 409] | [409, 200]),
            "round {round_no}: {answers:?}"
        );
    }
}
