//! Issue #16, after review: programme edits have a history, merge-patch
//! `null` on a required field, one ETag per view, `allowed_actions` per
//! caller, messages that say what is wrong, strict dates in queries, and the
//! list rules on every list.

use serde_json::{json, Value};

use crate::builders::World;
use crate::grants::{act, declare, programme, under_review, APPS, PROGRAMMES};
use crate::helpers::*;

fn field_names(res: &Res) -> Vec<String> {
    res.json()["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {}", res.text))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

fn detail(res: &Res) -> String {
    res.json()["detail"].as_str().unwrap_or_default().to_owned()
}

/// Every page of `list` with `limit=1`, following `next_cursor` and `Link`.
fn pages(app: &TestApp, list: &str, token: Option<&str>) -> Vec<Value> {
    let mut items = Vec::new();
    let sep = if list.contains('?') { '&' } else { '?' };
    let mut next = format!("{list}{sep}limit=1");
    loop {
        let res = app.get(&next, token);
        assert_eq!(res.status, 200, "{next}: {}", res.text);
        let body = res.json();
        let page = body["items"].as_array().unwrap();
        assert!(page.len() <= 1, "{next}");
        items.extend(page.iter().cloned());
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                let link = res.header("link").unwrap_or_else(|| panic!("{next}: Link"));
                assert!(
                    link.contains(cursor) && link.contains("rel=\"next\""),
                    "{link}"
                );
                next = format!("{list}{sep}limit=1&cursor={cursor}");
            }
            None => return items,
        }
    }
}

/// The list rules of API.md on one list: unknown parameters and bad limits
/// are 400 problems, and `limit` pages through the same items.
fn follows_list_rules(app: &TestApp, list: &str, token: Option<&str>, at_least: usize) {
    let all = app.get(list, token);
    assert_eq!(all.status, 200, "{list}: {}", all.text);
    let all = all.json()["items"].as_array().unwrap().clone();
    assert!(all.len() >= at_least, "{list}: {all:?}");
    for query in [
        "foo=1",
        "foo=1&limit=0",
        "limit=0",
        "limit=501",
        "cursor=garbage",
    ] {
        let res = app.get(&format!("{list}?{query}"), token);
        assert_eq!(res.status, 400, "{list}?{query}: {}", res.text);
        assert_eq!(res.code(), "invalid_query_parameter", "{list}?{query}");
    }
    assert_eq!(pages(app, list, token), all, "{list} paged");
}

#[test]
fn programme_changes_have_a_history_that_names_who_changed_what() {
    let w = World::new();
    let (id, round) = programme(&w, 100_000, 30, false);
    let path = format!("{PROGRAMMES}/{id}");
    let history = format!("{path}/history");
    let version =
        |w: &crate::builders::World| w.app.get(&path, None).json()["version"].as_i64().unwrap();

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
    assert_eq!(field_names(&res), ["rounds[0].id", "rounds[1].deadline"]);
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
        let base = w.app.base.clone();
        let path = format!("{PROGRAMMES}/{id}");
        let (p, a, t) = (path.clone(), app_id.clone(), chef.clone());
        let _ = base;
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
        let _ = act;
    }
}

#[test]
fn merge_patch_null_on_a_required_field_is_a_422_and_a_patch_that_changes_nothing_keeps_the_version(
) {
    let w = World::new();
    let (programme_id, _) = programme(&w, 100_000, 30, false);
    let partnership = w.app.post(
        "/api/v1/partnerships",
        Some(&staff(&w.unit)),
        &json!({"title": "IOP Garaget", "purpose": "Summer jobs", "form": "iop",
                "responsible_unit_id": w.unit, "start_date": "2027-01-01", "end_date": "2027-12-31",
                "parties": [{"organisation_id": w.orgs[0], "role": "lead"}]}),
    );
    assert_eq!(partnership.status, 201, "{}", partnership.text);
    let event = w.app.post(
        "/api/v1/dialogue-events",
        Some(&staff(&w.unit)),
        &json!({"title": "Idésluss", "kind": "matching_meeting", "participation_level": "dialogue",
                "starts_at": in_days(20), "ends_at": in_days(21), "format": "in_person", "place": "Lundby"}),
    );
    assert_eq!(event.status, 201, "{}", event.text);
    let application = crate::grants::apply(
        &w,
        &w.orgs[0],
        &(
            programme_id.clone(),
            w.app
                .get(&format!("{PROGRAMMES}/{programme_id}"), None)
                .json()["rounds"][0]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        ),
        10_000,
    );
    assert_eq!(application.status, 201, "{}", application.text);
    let id = |res: &Res| res.json()["id"].as_str().unwrap().to_owned();
    let cases: Vec<(String, String, Vec<&str>, Value)> = vec![
        (
            format!("/api/v1/organisations/{}", w.orgs[0]),
            admin(),
            vec!["name", "legal_form", "districts"],
            json!({"name": "Reningsborg"}),
        ),
        (
            format!("/api/v1/city-units/{}", w.unit),
            admin(),
            vec!["name", "kind"],
            json!({"name": "SDF Västra Göteborg"}),
        ),
        (
            format!("/api/v1/partnerships/{}", id(&partnership)),
            staff(&w.unit),
            vec![
                "title",
                "purpose",
                "form",
                "target_groups",
                "districts",
                "start_date",
                "end_date",
            ],
            json!({"title": "IOP Garaget"}),
        ),
        (
            format!("/api/v1/dialogue-events/{}", id(&event)),
            staff(&w.unit),
            vec![
                "title",
                "kind",
                "participation_level",
                "co_organiser_ids",
                "starts_at",
                "ends_at",
                "format",
                "agenda",
            ],
            json!({"title": "Idésluss"}),
        ),
        (
            format!("{PROGRAMMES}/{programme_id}"),
            staff(&w.unit),
            vec!["title", "min_sek", "max_sek", "budgets", "rounds"],
            json!({"title": "Utvecklingspotten 2027"}),
        ),
        (
            format!("{APPS}/{}", id(&application)),
            partner(&w.orgs[0]),
            vec![
                "title",
                "purpose",
                "requested_sek",
                "start_date",
                "end_date",
                "budget_lines",
                "document_answers",
            ],
            json!({"title": "Garaget"}),
        ),
    ];
    for (path, token, required, unchanged) in cases {
        let before = w.app.get(&path, Some(&token)).json();
        let v0 = before["version"].as_i64().unwrap();
        let nulls: serde_json::Map<String, Value> = required
            .iter()
            .map(|f| (f.to_string(), Value::Null))
            .collect();
        let res = w
            .app
            .patch(&path, Some(&token), &Value::Object(nulls), None);
        assert_eq!(res.status, 422, "{path}: {}", res.text);
        let mut named = field_names(&res);
        named.sort();
        let mut expected: Vec<String> = required.iter().map(|f| f.to_string()).collect();
        expected.sort();
        assert_eq!(named, expected, "{path}");
        assert!(res.text.contains("cannot be null"), "{path}: {}", res.text);
        for field in &required {
            let res = w
                .app
                .patch(&path, Some(&token), &json!({ *field: null }), None);
            assert_eq!(res.status, 422, "{path} {field}: {}", res.text);
            assert_eq!(field_names(&res), [field.to_string()], "{path}");
        }
        assert_eq!(
            w.app.get(&path, Some(&token)).json()["version"],
            v0,
            "{path}"
        );
        // The same values again, or nothing at all: 200, no new version.
        for body in [unchanged.clone(), json!({})] {
            let res = w.app.patch(&path, Some(&token), &body, None);
            assert_eq!(res.status, 200, "{path} {body}: {}", res.text);
            assert_eq!(res.json()["version"], v0, "{path} {body}");
        }
        assert_eq!(w.app.get(&path, Some(&token)).json(), before, "{path}");
    }
}

#[test]
fn each_view_has_its_own_etag_and_each_caller_revalidates_and_writes_with_its_own() {
    let w = crate::partnerships::world(1);
    let org = &w.orgs[0];
    let res = w.app.post(
        "/api/v1/partnerships",
        Some(&staff(&w.unit)),
        &json!({"title": "IOP Friskvårdsklubben", "purpose": "Activities", "form": "iop",
                "responsible_unit_id": w.unit, "start_date": "2015-01-01", "end_date": "2015-12-31",
                "internal_notes": "Budget follow-up in October",
                "contact_name": "Samordnare aktivitetshus", "contact_email": "aktivitetshus@socialresurs.goteborg.se",
                "parties": [{"organisation_id": org, "role": "lead"}]}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let path = format!(
        "/api/v1/partnerships/{}",
        res.json()["id"].as_str().unwrap()
    );
    for action in ["start_dialogue", "agree", "activate"] {
        let res = w.app.send(
            "POST",
            &format!("{path}/{action}"),
            Some(&staff(&w.unit)),
            None,
            &[],
        );
        assert_eq!(res.status, 200, "{action}: {}", res.text);
    }
    let staff_token = staff(&w.unit);
    let public = w.app.get(&path, None);
    let city = w.app.get(&path, Some(&staff_token));
    let party = w.app.get(&path, Some(&partner(org)));
    assert!(public.json().get("internal_notes").is_none());
    assert_eq!(city.json()["internal_notes"], "Budget follow-up in October");
    let (public_tag, city_tag, party_tag) = (
        public.header("etag").unwrap().to_owned(),
        city.header("etag").unwrap().to_owned(),
        party.header("etag").unwrap().to_owned(),
    );
    assert_ne!(public_tag, city_tag, "public and staff views differ");
    assert_ne!(public_tag, party_tag);
    assert_ne!(party_tag, city_tag);
    // The same view gets the same tag again.
    assert_eq!(
        w.app.get(&path, None).header("etag"),
        Some(public_tag.as_str())
    );
    // Each caller's own tag revalidates; another view's tag does not.
    for (token, tag, other) in [
        (None, &public_tag, &city_tag),
        (Some(staff_token.clone()), &city_tag, &public_tag),
        (Some(partner(org)), &party_tag, &city_tag),
    ] {
        for method in ["GET", "HEAD"] {
            let res = w.app.send(
                method,
                &path,
                token.as_deref(),
                None,
                &[("If-None-Match", tag)],
            );
            assert_eq!(res.status, 304, "{method} {tag}: {}", res.text);
            assert_eq!(res.text, "");
            assert_eq!(res.header("etag"), Some(tag.as_str()));
            assert!(res
                .header("vary")
                .unwrap_or_default()
                .to_ascii_lowercase()
                .contains("authorization"));
        }
        let res = w.app.send(
            "GET",
            &path,
            token.as_deref(),
            None,
            &[("If-None-Match", other)],
        );
        assert_eq!(res.status, 200, "{other}");
        assert_eq!(res.header("etag"), Some(tag.as_str()));
    }
    // The staff's tag guards the staff's write; once changed, it is stale.
    let res = w.app.patch(
        &path,
        Some(&staff_token),
        &json!({"internal_notes": "Checked"}),
        Some(&city_tag),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let new_tag = res.header("etag").unwrap().to_owned();
    assert_ne!(new_tag, city_tag);
    assert_eq!(
        w.app.get(&path, Some(&staff_token)).header("etag"),
        Some(new_tag.as_str())
    );
    let res = w.app.patch(
        &path,
        Some(&staff_token),
        &json!({"internal_notes": "Again"}),
        Some(&city_tag),
    );
    assert_eq!(res.status, 412, "{}", res.text);
    // The old tag no longer revalidates.
    let res = w.app.send(
        "GET",
        &path,
        Some(&staff_token),
        None,
        &[("If-None-Match", &city_tag)],
    );
    assert_eq!(res.status, 200);
    // Applications: the applicant's view and the public's differ too.
    let g = World::new();
    let (pid, round) = programme(&g, 100_000, 30, false);
    let chef = decider(&g.unit, 50_000, "chef@vastra.goteborg.se");
    let app_id = under_review(&g, &g.orgs[0], &(pid, round), 20_000);
    declare(&g, &app_id, &chef, false);
    let res = act(
        &g,
        &app_id,
        "decide",
        &chef,
        Some(json!({"outcome": "granted", "granted_sek": 20000, "motivation": "Good"})),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let apath = format!("{APPS}/{app_id}");
    let public = g.app.get(&apath, None);
    let applicant = g.app.get(&apath, Some(&partner(&g.orgs[0])));
    assert_ne!(public.json(), applicant.json());
    assert_ne!(public.header("etag"), applicant.header("etag"));
}

#[test]
fn allowed_actions_lists_only_what_this_caller_may_do() {
    let w = crate::partnerships::world(2);
    let (a, b) = (&w.orgs[0], &w.orgs[1]);
    let res = w.app.post(
        "/api/v1/partnerships",
        Some(&partner(a)),
        &json!({"title": "Walks for health", "purpose": "Weekly walks", "form": "iop",
                "responsible_unit_id": w.unit, "start_date": "2027-01-01", "end_date": "2027-12-31"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(
        res.json()["allowed_actions"],
        json!(["withdraw"]),
        "the proposer, on its answer"
    );
    let path = format!(
        "/api/v1/partnerships/{}",
        res.json()["id"].as_str().unwrap()
    );
    let actions = |token: Option<&str>| w.app.get(&path, token).json()["allowed_actions"].clone();
    assert_eq!(actions(Some(&partner(a))), json!(["withdraw"]));
    assert_eq!(
        actions(Some(&staff(&w.unit))),
        json!(["start_dialogue", "withdraw", "decline"])
    );
    assert_eq!(
        actions(Some(&admin())),
        json!(["start_dialogue", "withdraw", "decline"])
    );
    assert_eq!(actions(Some(&staff(&w.other_unit))), json!([]));
    // What is offered can be done; what is not offered is refused.
    let res = w.app.send(
        "POST",
        &format!("{path}/decline"),
        Some(&partner(a)),
        None,
        &[],
    );
    assert_eq!(res.status, 403, "{}", res.text);
    let res = w.app.send(
        "POST",
        &format!("{path}/start_dialogue"),
        Some(&staff(&w.unit)),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        res.json()["allowed_actions"],
        json!(["agree", "withdraw", "decline"])
    );
    assert_eq!(actions(Some(&partner(a))), json!(["withdraw"]));
    // Once agreed it is public: the public and another partner see none.
    let res = w.app.send(
        "POST",
        &format!("{path}/agree"),
        Some(&staff(&w.unit)),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(actions(None), json!([]));
    assert_eq!(actions(Some(&partner(b))), json!([]));
    assert_eq!(actions(Some(&partner(a))), json!([]));
    assert_eq!(actions(Some(&staff(&w.unit))), json!(["activate"]));
    // In lists too.
    let listed = w.app.all_items("/api/v1/partnerships", Some(&partner(a)));
    assert_eq!(listed[0]["allowed_actions"], json!([]));
    let listed = w
        .app
        .all_items("/api/v1/partnerships", Some(&staff(&w.unit)));
    assert_eq!(listed[0]["allowed_actions"], json!(["activate"]));

    // Applications: the applicant sees its actions, the owning unit the handling.
    let g = World::new();
    let (pid, round) = programme(&g, 100_000, 30, false);
    let res = crate::grants::apply(&g, &g.orgs[0], &(pid.clone(), round.clone()), 10_000);
    let apath = format!("{APPS}/{}", res.json()["id"].as_str().unwrap());
    assert_eq!(res.json()["allowed_actions"], json!(["submit", "withdraw"]));
    let actions = |token: &str| g.app.get(&apath, Some(token)).json()["allowed_actions"].clone();
    assert_eq!(actions(&staff(&g.unit)), json!([]));
    let res = g.app.send(
        "POST",
        &format!("{apath}/submit"),
        Some(&partner(&g.orgs[0])),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["allowed_actions"], json!(["withdraw"]));
    assert_eq!(actions(&staff(&g.unit)), json!(["start_review"]));
    assert_eq!(actions(&admin()), json!(["start_review"]));
    assert_eq!(actions(&staff(&g.other_unit)), json!([]));
    let listed = g.app.all_items(APPS, Some(&staff(&g.unit)));
    assert_eq!(listed[0]["allowed_actions"], json!(["start_review"]));
    let listed = g.app.all_items(APPS, Some(&staff(&g.other_unit)));
    assert_eq!(listed[0]["allowed_actions"], json!([]));
}

#[test]
fn messages_say_what_is_wrong() {
    let w = World::new();
    // The same Idempotency-Key on another endpoint says so.
    let key = [("Idempotency-Key", "import-2027-0001")];
    let body = json!({"name": "Samma", "legal_form": "foundation"});
    let res = w
        .app
        .post_with("/api/v1/organisations", Some(&admin()), &body, &key);
    assert_eq!(res.status, 201, "{}", res.text);
    let res = w
        .app
        .post_with("/api/v1/city-units", Some(&admin()), &body, &key);
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(res.code(), "idempotency_key_reused");
    assert!(detail(&res).contains("another endpoint"), "{}", res.text);
    assert!(
        !detail(&res).contains("different request body"),
        "{}",
        res.text
    );
    // A token without `exp` names the claim.
    let mut no_exp = claims("city_admin");
    no_exp.as_object_mut().unwrap().remove("exp");
    let res = w
        .app
        .post("/api/v1/organisations", Some(&sign_hs256(&no_exp)), &body);
    assert_eq!(res.status, 401);
    assert!(
        detail(&res).contains("`exp` claim is missing"),
        "{}",
        res.text
    );
    let mut mayor = claims("city_admin");
    mayor["role"] = json!("mayor");
    let res = w
        .app
        .post("/api/v1/organisations", Some(&sign_hs256(&mayor)), &body);
    assert_eq!(res.status, 401);
    assert!(detail(&res).contains("`role` claim"), "{}", res.text);
    // Dates: what the format is, never chrono's words.
    let (pid, round) = programme(&w, 100_000, 30, false);
    let res = crate::grants::apply(&w, &w.orgs[0], &(pid, round), 10_000);
    let app_path = format!("{APPS}/{}", res.json()["id"].as_str().unwrap());
    for bad in ["27-01-01", "2027-13-01", "2027-01", "", "+12027-01-01"] {
        let res = w.app.patch(
            &app_path,
            Some(&partner(&w.orgs[0])),
            &json!({"start_date": bad}),
            None,
        );
        assert_eq!(res.status, 422, "{bad}: {}", res.text);
        let message = res.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains("YYYY-MM-DD"), "{bad}: {message}");
        for chrono_words in ["premature", "out of range", "input contains invalid"] {
            assert!(!message.contains(chrono_words), "{bad}: {message}");
        }
    }
    // `granted_sek: -1` names the range, not "is required".
    let chef = decider(&w.unit, 50_000, "chef@vastra.goteborg.se");
    let (pid, round) = programme(&w, 100_000, 30, false);
    let id = under_review(&w, &w.orgs[1], &(pid, round), 20_000);
    declare(&w, &id, &chef, false);
    let res = act(
        &w,
        &id,
        "decide",
        &chef,
        Some(json!({"outcome": "granted", "granted_sek": -1, "motivation": "x"})),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    let message = res.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(field_names(&res), ["granted_sek"]);
    assert!(!message.contains("is required"), "{message}");
    assert!(message.contains("from 0 to"), "names the range: {message}");
}

#[test]
fn date_and_time_query_parameters_are_as_strict_as_bodies_and_name_the_parameter() {
    let w = World::new();
    let app = &w.app;
    for (list, name, bad) in [
        ("/api/v1/dialogue-events", "from", "2027-05-12"),
        ("/api/v1/dialogue-events", "to", "2026-05-12T18:00:60Z"),
        (
            "/api/v1/dialogue-events",
            "updated_since",
            "+12027-01-01T00:00:00Z",
        ),
        ("/api/v1/organisations", "updated_since", "yesterday"),
        ("/api/v1/partnerships", "active_on", "27-01-01"),
        ("/api/v1/partnerships", "ends_before", "2027-1-1"),
        ("/api/v1/grant-applications", "decided_from", "2027-02-30"),
        ("/api/v1/grant-applications", "decided_to", "12027-01-01"),
    ] {
        let res = app.get(&format!("{list}?limit=5&{name}={bad}"), Some(&admin()));
        assert_eq!(res.status, 400, "{list}?{name}={bad}: {}", res.text);
        assert_eq!(res.code(), "invalid_query_parameter");
        let detail = detail(&res);
        assert!(detail.contains(&format!("`{name}`")), "{detail}");
        assert!(detail.contains("must be a date"), "{detail}");
        assert!(
            !detail.contains("premature") && !detail.contains("input"),
            "{detail}"
        );
    }
    // What bodies accept, queries accept: Stockholm wall-clock time as well.
    let res = app.post(
        "/api/v1/dialogue-events",
        Some(&staff(&w.unit)),
        &json!({"title": "Idésluss", "kind": "matching_meeting", "participation_level": "dialogue",
                "starts_at": "2027-05-12T18:00", "ends_at": "2027-05-12T20:00", "format": "in_person", "place": "Lundby"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let count = |query: &str| {
        let res = app.get(&format!("/api/v1/dialogue-events?{query}"), Some(&admin()));
        assert_eq!(res.status, 200, "{query}: {}", res.text);
        res.json()["items"].as_array().unwrap().len()
    };
    assert_eq!(count("from=2027-05-12T17:30"), 1);
    assert_eq!(count("from=2027-05-12T15:30:00Z"), 1);
    assert_eq!(count("from=2027-05-12T18:30&limit=5"), 0);
    assert_eq!(count("to=2027-05-12T18:30"), 1);
    // The Link of a page repeats the query as it was understood.
    let page = app.get(
        "/api/v1/dialogue-events?limit=1&from=2027-01-01T00:00",
        Some(&admin()),
    );
    assert_eq!(page.status, 200, "{}", page.text);
}

#[test]
fn event_invitations_and_every_sub_collection_follow_the_list_rules() {
    let w = World::new();
    let res = w.app.post(
        "/api/v1/dialogue-events",
        Some(&staff(&w.unit)),
        &json!({"title": "Informationsmöte", "kind": "dialogue_meeting", "participation_level": "information",
                "starts_at": in_days(20), "ends_at": in_days(21), "format": "in_person", "place": "Västra Göteborg"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let path = format!(
        "/api/v1/dialogue-events/{}/invitations",
        res.json()["id"].as_str().unwrap()
    );
    let res = w.app.post(
        &path,
        Some(&staff(&w.unit)),
        &json!({"organisation_ids": [w.orgs[0], w.orgs[1]]}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        res.json()["items"].as_array().unwrap().len(),
        2,
        "{}",
        res.text
    );
    follows_list_rules(&w.app, &path, Some(&staff(&w.unit)), 2);
    let invited: Vec<Value> = w
        .app
        .all_items(&path, Some(&staff(&w.unit)))
        .into_iter()
        .map(|i| i["organisation_id"].clone())
        .collect();
    assert!(
        invited.contains(&json!(w.orgs[0])) && invited.contains(&json!(w.orgs[1])),
        "{invited:?}"
    );
    follows_list_rules(&w.app, "/api/v1/districts", None, 10);
}
