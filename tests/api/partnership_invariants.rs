//! Partnership invariants and trust rules: lock, check, write across two
//! servers; consent to be a party (invitations); bounded money and checked
//! sums; an organisation's rating is its own. After every refused request
//! the test reads back and shows that nothing changed.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::helpers::*;

use crate::builders::World;
use crate::partnerships::{world, P};

/// A proposal by a partner of `by`, naming `parties` (`[org, role]`).
fn propose(w: &World, by: &str, parties: &[(&str, &str)]) -> Value {
    let res = w.app.post(
        P,
        Some(&partner(by)),
        &json!({
            "title": "Planned IOP on overnight places",
            "purpose": "Overnight places for homeless people, run together.",
            "form": "iop",
            "responsible_unit_id": w.unit,
            "contact_name": "Samordnare",
            "contact_email": "samordnare@example.se",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "parties": parties.iter().map(|(o, role)| json!({"organisation_id": o, "role": role})).collect::<Vec<_>>()
        }),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()
}

fn post_empty(app: &TestApp, path: &str, token: Option<&str>) -> Res {
    app.send("POST", path, token, None, &[])
}

/// What must not change when a request is refused: the partnership as the
/// city sees it (version, status, parties), and the length of its history.
fn snapshot(w: &World, id: &str) -> (Value, usize) {
    let p = w.app.get(&format!("{P}/{id}"), Some(&admin())).json();
    let history = w
        .app
        .get(&format!("{P}/{id}/history"), Some(&admin()))
        .json()["items"]
        .as_array()
        .unwrap()
        .len();
    (
        json!({"version": p["version"], "status": p["status"], "parties": p["parties"], "title": p["title"], "funding": p["funding"]}),
        history,
    )
}

fn party_status(parties: &Value, org: &str) -> Option<String> {
    parties
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["organisation_id"] == org)
        .map(|p| p["status"].as_str().unwrap().to_owned())
}

#[test]
fn the_same_party_added_on_two_servers_at_once_is_added_once() {
    let w = world(6);
    let res = w.app.post(
        P,
        Some(&staff(&w.unit)),
        &json!({"title": "IOP unaccompanied minors", "purpose": "Housing", "form": "iop", "start_date": "2015-03-01", "end_date": "2016-12-31", "parties": [{"organisation_id": w.orgs[0]}]}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let replica = w.app.replica();
    let bases = Arc::new([w.app.base.clone(), replica.base.clone()]);
    for round in 1..=5 {
        let org = w.orgs[round].clone();
        let (before, history_before) = snapshot(&w, &id);
        let (path, token) = (format!("{P}/{id}/parties"), staff(&w.unit));
        let body = json!({"organisation_id": org, "role": "member"});
        let servers = bases.clone();
        // One request per server, released together.
        let answers = race(2, move |i| post_json(&servers[i], &path, &token, &body));
        let mut statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
        statuses.sort();
        assert_eq!(statuses, [201, 409], "round {round}: {answers:?}");
        let conflict = answers.iter().find(|(s, _)| *s == 409).unwrap();
        assert_eq!(conflict.1, "already_party", "round {round}");
        // Read back: the organisation once, one history entry, version + 1.
        let (after, history_after) = snapshot(&w, &id);
        assert_eq!(history_after, history_before + 1, "round {round}");
        assert_eq!(
            after["version"].as_i64().unwrap(),
            before["version"].as_i64().unwrap() + 1
        );
        let parties = after["parties"].as_array().unwrap();
        assert_eq!(parties.len(), round + 1);
        assert_eq!(
            parties
                .iter()
                .filter(|p| p["organisation_id"] == org.as_str())
                .count(),
            1
        );
        assert_eq!(party_status(&after["parties"], &org).unwrap(), "active");
    }
    // The replica goes before the primary.
    drop(replica);
    drop(w);
}

/// POSTs JSON to a server by its base URL; the status and problem code.
fn post_json(base: &str, path: &str, token: &str, body: &Value) -> (u16, String) {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    );
    let mut res = agent
        .post(format!("{base}{path}"))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .expect("HTTP exchange");
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().unwrap_or_default();
    let code = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (status, code)
}

#[test]
fn an_organisation_named_by_another_is_invited_until_it_accepts() {
    let w = world(3);
    let (a, b, c) = (&w.orgs[0], &w.orgs[1], &w.orgs[2]);
    // B proposes with A as lead: B is a party, A only invited.
    let created = propose(&w, b, &[(a, "lead")]);
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("{P}/{id}");
    assert_eq!(party_status(&created["parties"], b).unwrap(), "active");
    assert_eq!(party_status(&created["parties"], a).unwrap(), "invited");
    let history = w.app.get(&format!("{path}/history"), Some(&admin())).json();
    assert!(
        history["items"][0]["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("{a} (lead, invited)")),
        "{history}"
    );

    // A sees the proposal as an invitation: the partnership and its parties
    // with its own status, without contact details or history.
    let seen = w.app.get(&path, Some(&partner(a)));
    assert_eq!(seen.status, 200, "{}", seen.text);
    let seen = seen.json();
    assert_eq!(party_status(&seen["parties"], a).unwrap(), "invited");
    assert!(seen.get("contact_name").is_none());
    assert!(seen.get("contact_email").is_none());
    assert_eq!(
        w.app.all_items(P, Some(&partner(a))).len(),
        1,
        "listed as an invitation"
    );
    let parties = w.app.get(&format!("{path}/parties"), Some(&partner(a)));
    assert_eq!(parties.status, 200);
    assert_eq!(
        party_status(&parties.json()["items"], a).unwrap(),
        "invited"
    );
    assert_eq!(
        w.app
            .get(&format!("{path}/history"), Some(&partner(a)))
            .status,
        403
    );

    // A cannot act on the proposal: every attempt refused, nothing changed.
    let (before, history_before) = snapshot(&w, &id);
    let res = w.app.post(
        &format!("{path}/withdraw"),
        Some(&partner(a)),
        &json!({"reason": "Not ours"}),
    );
    assert_eq!(res.status, 403, "{}", res.text);
    assert_eq!(res.code(), "forbidden");
    let res = w.app.patch(
        &path,
        Some(&partner(a)),
        &json!({"title": "Ours now"}),
        None,
    );
    assert_eq!(res.status, 403);
    let res = w.app.post(
        &format!("{path}/parties"),
        Some(&partner(a)),
        &json!({"organisation_id": c}),
    );
    assert_eq!(res.status, 403);
    let res = w.app.post(
        &format!("{path}/in-kind-contributions"),
        Some(&partner(a)),
        &json!({"organisation_id": a, "kind": "premises", "description": "Our hall"}),
    );
    assert_eq!(res.status, 403);
    let res = w.app.post(
        &format!("{path}/follow-ups"),
        Some(&partner(a)),
        &json!({"held_on": "2027-02-01", "kind": "report", "summary": "x", "organisation_id": a}),
    );
    assert_eq!(res.status, 403);
    // Nobody else answers for A: C (a third organisation) learns nothing,
    // the city is refused by the role matrix, B cannot accept for A.
    let accept_a = format!("{path}/parties/{a}/accept");
    assert_eq!(w.app.get(&path, Some(&partner(c))).status, 404);
    let res = post_empty(&w.app, &accept_a, Some(&partner(c)));
    assert_eq!(res.status, 404);
    assert_eq!(res.code(), "not_found");
    assert_eq!(
        post_empty(
            &w.app,
            &format!("{path}/parties/{c}/accept"),
            Some(&partner(c))
        )
        .status,
        404
    );
    assert_eq!(
        post_empty(
            &w.app,
            &format!("{path}/parties/{a}/decline"),
            Some(&partner(c))
        )
        .status,
        404
    );
    assert_eq!(post_empty(&w.app, &accept_a, Some(&partner(b))).status, 404);
    for token in [staff(&w.unit), admin(), integration(&w.unit)] {
        let res = post_empty(&w.app, &accept_a, Some(&token));
        assert_eq!(res.status, 403, "{}", res.text);
        assert_eq!(res.code(), "forbidden");
    }
    assert_eq!(post_empty(&w.app, &accept_a, None).status, 401);
    // A answers only for itself, and only an open invitation.
    assert_eq!(
        post_empty(
            &w.app,
            &format!("{path}/parties/{b}/accept"),
            Some(&partner(a))
        )
        .status,
        404
    );
    assert_eq!(
        w.app
            .post(&accept_a, Some(&partner(a)), &json!({"reason": ""}))
            .status,
        422
    );
    assert_eq!(snapshot(&w, &id), (before.clone(), history_before));
    assert_eq!(
        w.app
            .get(&format!("{path}/contributions"), Some(&admin()))
            .json()["in_kind"],
        json!([])
    );
    assert_eq!(
        w.app
            .get(&format!("{path}/follow-ups"), Some(&admin()))
            .json()["items"],
        json!([])
    );

    // A accepts: a party, in the history.
    let res = post_empty(&w.app, &accept_a, Some(&partner(a)));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(party_status(&res.json()["items"], a).unwrap(), "active");
    let history = w.app.get(&format!("{path}/history"), Some(&partner(a)));
    assert_eq!(history.status, 200, "a party reads the history");
    let last = history.json()["items"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["change"], "party");
    assert_eq!(
        last["detail"],
        format!("{a} accepted the invitation and is a party")
    );
    assert_eq!(last["actor_role"], "partner");
    let seen = w.app.get(&path, Some(&partner(a))).json();
    assert_eq!(seen["contact_name"], "Samordnare");
    assert_eq!(
        seen["version"].as_i64().unwrap(),
        before["version"].as_i64().unwrap() + 1
    );
    // Nothing left to answer.
    let res = post_empty(&w.app, &accept_a, Some(&partner(a)));
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "not_invited");
    // Still not the proposer: withdrawing stays with B.
    assert_eq!(
        post_empty(&w.app, &format!("{path}/withdraw"), Some(&partner(a))).status,
        403
    );
    // As a party, A records its own contribution.
    let res = w.app.post(
        &format!("{path}/in-kind-contributions"),
        Some(&partner(a)),
        &json!({"organisation_id": a, "kind": "premises", "description": "Our hall"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
}

#[test]
fn an_invited_organisation_may_decline_and_invitations_stay_private() {
    let w = world(5);
    let (a, b, c, d, e) = (&w.orgs[0], &w.orgs[1], &w.orgs[2], &w.orgs[3], &w.orgs[4]);
    let created = propose(&w, b, &[(a, "member")]);
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("{P}/{id}");

    // A declines, with a reason: the invitation is gone, the history keeps it.
    let (before, _) = snapshot(&w, &id);
    let res = w.app.post(
        &format!("{path}/parties/{a}/decline"),
        Some(&partner(a)),
        &json!({"reason": "No capacity this year"}),
    );
    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(w.app.get(&path, Some(&partner(a))).status, 404);
    let after = w.app.get(&path, Some(&partner(b))).json();
    assert_eq!(party_status(&after["parties"], a), None);
    assert_eq!(after["parties"].as_array().unwrap().len(), 1);
    assert_eq!(
        after["version"].as_i64().unwrap(),
        before["version"].as_i64().unwrap() + 1
    );
    let history = w
        .app
        .get(&format!("{path}/history"), Some(&partner(b)))
        .json();
    let last = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["detail"], format!("{a} declined the invitation"));
    assert_eq!(last["reason"], "No capacity this year");
    // Once declined, there is nothing to answer.
    assert_eq!(
        post_empty(
            &w.app,
            &format!("{path}/parties/{a}/decline"),
            Some(&partner(a))
        )
        .status,
        404
    );

    // B invites C to its proposal; the city adds D (a party at once).
    let res = w.app.post(
        &format!("{path}/parties"),
        Some(&partner(b)),
        &json!({"organisation_id": c}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(party_status(&res.json()["items"], c).unwrap(), "invited");
    let (before, history_before) = snapshot(&w, &id);
    let res = w.app.post(
        &format!("{path}/parties"),
        Some(&partner(b)),
        &json!({"organisation_id": c}),
    );
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "already_invited");
    // The city does not turn an invitation into a party: C answers itself.
    let res = w.app.post(
        &format!("{path}/parties"),
        Some(&staff(&w.unit)),
        &json!({"organisation_id": c}),
    );
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "already_invited");
    assert_eq!(snapshot(&w, &id), (before, history_before));
    let res = w.app.post(
        &format!("{path}/parties"),
        Some(&staff(&w.unit)),
        &json!({"organisation_id": d}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(party_status(&res.json()["items"], d).unwrap(), "active");

    // Once past the proposal, B no longer invites.
    for action in ["start_dialogue", "agree"] {
        let res = post_empty(&w.app, &format!("{path}/{action}"), Some(&staff(&w.unit)));
        assert_eq!(res.status, 200, "{}", res.text);
    }
    let (before, history_before) = snapshot(&w, &id);
    let res = w.app.post(
        &format!("{path}/parties"),
        Some(&partner(b)),
        &json!({"organisation_id": e}),
    );
    assert_eq!(res.status, 403);
    assert_eq!(snapshot(&w, &id), (before, history_before));

    // Agreed, so public: others see the parties, not C's open invitation.
    for token in [None, Some(partner(e))] {
        let public = w.app.get(&path, token.as_deref()).json();
        assert_eq!(party_status(&public["parties"], c), None);
        assert_eq!(party_status(&public["parties"], b).unwrap(), "active");
        let listed = w
            .app
            .get(&format!("{path}/parties"), token.as_deref())
            .json();
        assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    }
    // C, B and the city see it.
    for token in [partner(c), partner(b), staff(&w.other_unit)] {
        let seen = w.app.get(&path, Some(&token)).json();
        assert_eq!(party_status(&seen["parties"], c).unwrap(), "invited");
    }
    // An invitation does not make C a party in the list filter.
    assert!(w
        .app
        .all_items(&format!("{P}?organisation_id={c}"), Some(&admin()))
        .is_empty());
    assert_eq!(
        w.app
            .all_items(&format!("{P}?organisation_id={d}"), Some(&admin()))
            .len(),
        1
    );
    // C may still accept while the partnership is open.
    let res = post_empty(
        &w.app,
        &format!("{path}/parties/{c}/accept"),
        Some(&partner(c)),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let public = w.app.get(&path, None).json();
    assert_eq!(party_status(&public["parties"], c).unwrap(), "active");
}

#[test]
fn funding_and_in_kind_amounts_are_bounded_and_totals_checked() {
    let w = world(1);
    let a = &w.orgs[0];
    let res = w.app.post(
        P,
        Some(&staff(&w.unit)),
        &json!({"title": "IOP Friskvårdsklubben", "purpose": "Activity", "form": "iop", "start_date": "2015-01-01", "end_date": "2016-12-31", "parties": [{"organisation_id": a}]}),
    );
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let lines = format!("{P}/{id}/funding-lines");
    let token = staff(&w.unit);
    let (before, history_before) = snapshot(&w, &id);
    // Two lines of i64::MAX would have wrapped the total: each is refused.
    for _ in 0..2 {
        let res = w.app.post(
            &lines,
            Some(&token),
            &json!({"source_name": "State PRIO grant", "year": 2015, "amount_sek": 9223372036854775807_i64}),
        );
        assert_eq!(res.status, 422, "{}", res.text);
        assert_eq!(res.code(), "validation_failed");
        assert_eq!(res.json()["errors"][0]["field"], "amount_sek");
    }
    for bad in [-1_i64, 0, 1_000_000_000_001, i64::MIN] {
        let res = w.app.post(
            &lines,
            Some(&token),
            &json!({"source_name": "X", "year": 2015, "amount_sek": bad}),
        );
        assert_eq!(res.status, 422, "{bad}: {}", res.text);
        assert_eq!(res.json()["errors"][0]["field"], "amount_sek", "{bad}");
    }
    assert_eq!(snapshot(&w, &id), (before, history_before));
    let contributions = w
        .app
        .get(&format!("{P}/{id}/contributions"), Some(&admin()))
        .json();
    assert_eq!(contributions["funding"]["total_sek"], 0);
    assert_eq!(contributions["funding"]["lines"], json!([]));

    // The largest amount is accepted, and sums of them stay exact and positive.
    for year in [2015, 2015, 2016] {
        let res = w.app.post(
            &lines,
            Some(&token),
            &json!({"source_name": "State PRIO grant", "year": year, "amount_sek": 1_000_000_000_000_i64}),
        );
        assert_eq!(res.status, 201, "{}", res.text);
    }
    let funding = w.app.get(&format!("{P}/{id}"), None);
    assert_eq!(funding.status, 404, "a proposal is not public");
    let funding = w.app.get(&format!("{P}/{id}"), Some(&admin())).json()["funding"].clone();
    assert_eq!(funding["total_sek"], 3_000_000_000_000_i64);
    assert_eq!(
        funding["by_year"],
        json!([{"year": 2015, "amount_sek": 2_000_000_000_000_i64}, {"year": 2016, "amount_sek": 1_000_000_000_000_i64}])
    );

    // In kind: 0 ..= 10^12, an unestimated value may be left out.
    let in_kind = format!("{P}/{id}/in-kind-contributions");
    let (before, history_before) = snapshot(&w, &id);
    for bad in [i64::MAX, -5, 1_000_000_000_001] {
        let res = w.app.post(
            &in_kind,
            Some(&token),
            &json!({"unit_id": w.unit, "kind": "premises", "description": "Activity house", "estimated_value_sek": bad}),
        );
        assert_eq!(res.status, 422, "{bad}: {}", res.text);
        assert_eq!(res.json()["errors"][0]["field"], "estimated_value_sek");
    }
    assert_eq!(snapshot(&w, &id), (before, history_before));
    for value in [json!(1_000_000_000_000_i64), json!(0), Value::Null] {
        let res = w.app.post(
            &in_kind,
            Some(&token),
            &json!({"unit_id": w.unit, "kind": "premises", "description": "Activity house", "estimated_value_sek": value}),
        );
        assert_eq!(res.status, 201, "{}", res.text);
    }
    let contributions = w
        .app
        .get(&format!("{P}/{id}/contributions"), Some(&admin()))
        .json();
    assert_eq!(
        contributions["in_kind_estimated_sek"],
        1_000_000_000_000_i64
    );
    assert!(contributions["funding"]["total_sek"].as_i64().unwrap() > 0);

    // The bounds are in the spec.
    let spec = w.app.get("/openapi.json", None).json();
    let amount = &spec["components"]["schemas"]["CreateFundingLine"]["properties"]["amount_sek"];
    assert_eq!(amount["minimum"], 1);
    assert_eq!(amount["maximum"], 1_000_000_000_000_i64);
    let value = &spec["components"]["schemas"]["CreateInKind"]["properties"]["estimated_value_sek"];
    assert_eq!(value["minimum"], 0);
    assert_eq!(value["maximum"], 1_000_000_000_000_i64);
}

#[test]
fn only_the_organisation_records_its_own_rating() {
    let w = world(2);
    let (a, b) = (&w.orgs[0], &w.orgs[1]);
    let res = w.app.post(
        P,
        Some(&staff(&w.unit)),
        &json!({"title": "IOP Friskvårdsklubben", "purpose": "Activity", "form": "iop", "start_date": "2015-01-01", "end_date": "2016-12-31", "parties": [{"organisation_id": a}]}),
    );
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let follow_ups = format!("{P}/{id}/follow-ups");
    let meeting = json!({"held_on": "2015-11-01", "kind": "meeting", "summary": "Reference group"});
    let with = |extra: Value| {
        let mut body = meeting.clone();
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let fields = |res: &Res| res.error_fields();
    let count = || {
        w.app.get(&follow_ups, Some(&admin())).json()["items"]
            .as_array()
            .unwrap()
            .len()
    };

    // Staff of the responsible unit (and admins) cannot set the rating.
    for token in [staff(&w.unit), admin()] {
        let res = w.app.post(
            &follow_ups,
            Some(&token),
            &with(json!({"perceived_reception": 2})),
        );
        assert_eq!(res.status, 422, "{}", res.text);
        assert_eq!(fields(&res), ["perceived_reception"]);
        assert_eq!(
            res.json()["errors"][0]["message"],
            "only the organisation records its own rating"
        );
        let res = w.app.post(
            &follow_ups,
            Some(&token),
            &with(json!({"effects": "None seen"})),
        );
        assert_eq!(res.status, 422);
        assert_eq!(fields(&res), ["effects"]);
        // A field for partners only is refused, not dropped.
        let res = w.app.post(
            &follow_ups,
            Some(&token),
            &with(json!({"organisation_id": a})),
        );
        assert_eq!(res.status, 422);
        assert_eq!(fields(&res), ["organisation_id"]);
        // Every bad field at once, each once (perceived_reception is both
        // out of range and not the city's to give: named once).
        let res = w.app.post(
            &follow_ups,
            Some(&token),
            &with(json!({"organisation_id": a, "perceived_reception": 9, "effects": "x", "summary": ""})),
        );
        assert_eq!(res.status, 422);
        let mut all = fields(&res);
        all.sort();
        assert_eq!(
            all,
            [
                "effects",
                "organisation_id",
                "perceived_reception",
                "summary"
            ]
        );
    }
    // Who may not file at all hears that first.
    let res = w.app.post(
        &follow_ups,
        Some(&staff(&w.other_unit)),
        &with(json!({"perceived_reception": 2})),
    );
    assert_eq!(res.status, 403);
    assert_eq!(count(), 0, "nothing was filed");

    // Staff file the meeting as the city.
    let res = w.app.post(&follow_ups, Some(&staff(&w.unit)), &meeting);
    assert_eq!(res.status, 201, "{}", res.text);
    assert!(res.json()["filed_by_organisation_id"].is_null());
    assert!(res.json()["perceived_reception"].is_null());
    // The organisation rates its own reception, and only its own.
    let report = |org: &String| json!({"held_on": "2015-12-10", "kind": "report", "summary": "Weekly activities", "perceived_reception": 4, "effects": "Two new groups", "organisation_id": org});
    let res = w.app.post(&follow_ups, Some(&partner(b)), &report(a));
    assert_eq!(res.status, 404, "B is not party to a proposal");
    let res = w.app.post(&follow_ups, Some(&partner(a)), &report(a));
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.json()["perceived_reception"], 4);
    assert_eq!(res.json()["filed_by_organisation_id"], json!(a));
    assert_eq!(count(), 2);
}
