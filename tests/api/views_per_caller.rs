//! A resource reads differently for each caller (the public, the city, a
//! party): responses vary by `Authorization`, each view has its own ETag
//! that revalidates and guards writes for that caller only, and
//! `allowed_actions` lists only what this caller may do.

use serde_json::json;

use crate::builders::World;
use crate::grants::{act, apply, declare, programme, under_review, APPS};
use crate::helpers::*;
use crate::partnerships::world;

#[test]
fn reads_that_differ_by_caller_vary_by_authorization() {
    let app = spawn_app();
    let org = app.create_organisation(json!({
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

#[test]
fn each_view_has_its_own_etag_and_each_caller_revalidates_and_writes_with_its_own() {
    let w = world(1);
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
    let w = world(2);
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
    let res = apply(&g, &g.orgs[0], &(pid.clone(), round.clone()), 10_000);
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
