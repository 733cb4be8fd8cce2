//! Partnerships: lifecycle, refused transitions, roles and visibility,
//! parties, contributions, commitments, follow-ups, history, concurrency.

use serde_json::{json, Value};

use crate::builders::{OrganisationBuilder, PartnershipBuilder, UnitBuilder, World};
use crate::helpers::*;

pub(crate) use crate::builders::PARTNERSHIPS as P;

/// Social resursförvaltning (the unit), the park administration (the other)
/// and `organisations` associations.
pub(crate) fn world(organisations: usize) -> World {
    World::build()
        .with_unit(UnitBuilder::specialist("Social resursförvaltning"))
        .with_other_unit(UnitBuilder::specialist("Park- och naturförvaltningen"))
        .with_organisations(OrganisationBuilder::associations(organisations))
        .create()
}

/// The IOP of the activity houses for 2015, with `parties` as members.
fn friskvard(w: &World, parties: &[&String]) -> PartnershipBuilder {
    PartnershipBuilder::new(&w.unit)
        .with("contact_name", json!("Samordnare aktivitetshus"))
        .with(
            "contact_email",
            json!("aktivitetshus@socialresurs.goteborg.se"),
        )
        .with("target_groups", json!(["people with mental illness"]))
        .with_districts(&["centrum", "norra_hisingen"])
        .with_dates("2015-01-01", "2015-12-31")
        .with("internal_notes", json!("Budget follow-up in October"))
        .with_members(parties)
}

fn iop(w: &World, parties: &[&String]) -> Value {
    friskvard(w, parties).body()
}

fn act(w: &World, id: &str, action: &str, token: &str, body: Option<Value>) -> Res {
    match body {
        Some(b) => w.app.post(&format!("{P}/{id}/{action}"), Some(token), &b),
        None => w.app.send(
            "POST",
            &format!("{P}/{id}/{action}"),
            Some(token),
            None,
            &[],
        ),
    }
}

/// A city-initiated partnership of `parties`, moved to `active`.
fn active(w: &World, parties: &[&String]) -> String {
    friskvard(w, parties).active(&w.app).id
}

#[test]
fn a_partners_proposal_stays_between_it_and_the_city_until_agreed() {
    let w = world(2);
    let (a, b) = (&w.orgs[0], &w.orgs[1]);
    let res = w.app.post(
        P,
        Some(&partner(a)),
        &json!({"title": "Walks for health", "purpose": "Weekly walks", "form": "iop", "responsible_unit_id": w.unit, "start_date": "2027-01-01", "end_date": "2027-12-31"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let body = res.json();
    assert_eq!(body["status"], "proposal");
    assert_eq!(body["initiated_by"], "organisation");
    assert_eq!(
        body["parties"],
        json!([{"organisation_id": a, "role": "lead", "joined_on": "2027-01-01", "left_on": null, "status": "active"}])
    );
    let id = body["id"].as_str().unwrap().to_owned();
    let path = format!("{P}/{id}");

    // Partner B and anonymous callers learn nothing of it.
    for (who, token) in [("anonymous", None), ("partner B", Some(partner(b)))] {
        let token = token.as_deref();
        assert_eq!(w.app.get(&path, token).status, 404, "{who}");
        for sub in ["parties", "contributions", "commitments", "follow-ups"] {
            assert_eq!(
                w.app.get(&format!("{path}/{sub}"), token).status,
                404,
                "{who} {sub}"
            );
        }
        assert!(w.app.all_items(P, token).is_empty(), "{who} list");
    }
    assert_eq!(
        w.app
            .get(&format!("{path}/history"), Some(&partner(b)))
            .status,
        404
    );
    assert_eq!(act(&w, &id, "withdraw", &partner(b), None).status, 404);
    assert_eq!(w.app.post(&format!("{path}/follow-ups"), Some(&partner(b)), &json!({"held_on": "2027-02-01", "kind": "report", "summary": "x", "organisation_id": b})).status, 404);
    // A partner cannot propose for another organisation, nor set city fields.
    let res = w.app.post(P, Some(&partner(b)), &json!({"title": "X", "purpose": "Y", "form": "iop", "responsible_unit_id": w.unit, "initiating_organisation_id": a, "start_date": "2027-01-01", "end_date": "2027-12-31"}));
    assert_eq!(res.status, 403);
    let res = w.app.post(P, Some(&partner(b)), &json!({"title": "X", "purpose": "Y", "form": "iop", "responsible_unit_id": w.unit, "internal_notes": "z", "start_date": "2027-01-01", "end_date": "2027-12-31"}));
    assert_eq!(res.status, 403);

    // Staff of another unit read it but do not act on it.
    assert_eq!(w.app.get(&path, Some(&staff(&w.other_unit))).status, 200);
    let res = act(&w, &id, "start_dialogue", &staff(&w.other_unit), None);
    assert_eq!(res.status, 403);
    assert_eq!(res.code(), "forbidden");
    // The proposing partner may not move it forward.
    assert_eq!(
        act(&w, &id, "start_dialogue", &partner(a), None).status,
        403
    );
    assert_eq!(
        act(&w, &id, "start_dialogue", &staff(&w.unit), None).status,
        200
    );
    assert_eq!(act(&w, &id, "agree", &partner(a), None).status, 403);
    let res = act(
        &w,
        &id,
        "agree",
        &staff(&w.unit),
        Some(json!({"reason": "Agreed in the reference group"})),
    );
    assert_eq!(res.status, 200, "{}", res.text);

    // Agreed: public, without contact details and internal notes.
    let public = w.app.get(&path, None).json();
    assert_eq!(public["status"], "agreed");
    assert!(public.get("internal_notes").is_none());
    assert_eq!(w.app.all_items(P, Some(&partner(b))).len(), 1);
    assert_eq!(act(&w, &id, "activate", &partner(a), None).status, 403);
}

#[test]
fn lifecycle_with_funding_extension_and_conclusion_is_in_the_history() {
    let w = world(1);
    let a = &w.orgs[0];
    let id = active(&w, &[a]);
    let path = format!("{P}/{id}");
    let token = staff(&w.unit);
    let res = w.app.post(&format!("{path}/funding-lines"), Some(&token), &json!({"source_unit_id": w.unit, "source_name": "Activity houses", "year": 2015, "amount_sek": 100000}));
    assert_eq!(res.status, 201, "{}", res.text);
    let res = w.app.post(
        &format!("{path}/funding-lines"),
        Some(&token),
        &json!({"source_name": "State PRIO grant", "year": 2015, "amount_sek": 300000}),
    );
    assert_eq!(res.status, 201);
    let res = w.app.post(
        &format!("{path}/funding-lines"),
        Some(&token),
        &json!({"source_name": "Activity houses", "year": 2016, "amount_sek": 100000}),
    );
    assert_eq!(res.status, 201);
    let funding = w.app.get(&path, None).json()["funding"].clone();
    assert_eq!(funding["total_sek"], 500000);
    assert_eq!(
        funding["by_year"],
        json!([{"year": 2015, "amount_sek": 400000}, {"year": 2016, "amount_sek": 100000}])
    );
    assert_eq!(
        funding["by_source"],
        json!([{"source_name": "Activity houses", "amount_sek": 200000}, {"source_name": "State PRIO grant", "amount_sek": 300000}])
    );
    let res = w.app.post(&format!("{path}/in-kind-contributions"), Some(&partner(a)), &json!({"organisation_id": a, "kind": "volunteer_hours", "description": "Members lead the walks", "estimated_value_sek": 40000}));
    assert_eq!(res.status, 201, "{}", res.text);
    let contributions = w.app.get(&format!("{path}/contributions"), None).json();
    assert_eq!(contributions["in_kind_estimated_sek"], 40000);

    // Extended through 2016: the history keeps both periods.
    let res = act(
        &w,
        &id,
        "extend",
        &token,
        Some(json!({"new_end_date": "2015-06-30", "reason": "too early"})),
    );
    assert_eq!(res.status, 422);
    let res = act(
        &w,
        &id,
        "extend",
        &token,
        Some(json!({"new_end_date": "2016-12-31"})),
    );
    assert_eq!(res.status, 422);
    assert_eq!(res.json()["errors"][0]["field"], "reason");
    let res = act(
        &w,
        &id,
        "extend",
        &token,
        Some(json!({"new_end_date": "2016-12-31", "reason": "Extended through 2016"})),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["end_date"], "2016-12-31");
    assert_eq!(res.json()["status"], "active");
    let res = act(
        &w,
        &id,
        "amend",
        &token,
        Some(
            json!({"reason": "Two groups in Väster", "changes": {"districts": ["vastra_goteborg", "centrum"]}}),
        ),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        res.json()["districts"],
        json!(["centrum", "vastra_goteborg"])
    );
    let res = act(&w, &id, "conclude", &token, None);
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "concluded");
    // A concluded partnership no longer changes.
    assert_eq!(
        w.app
            .post(
                &format!("{path}/funding-lines"),
                Some(&token),
                &json!({"source_name": "X", "year": 2017, "amount_sek": 1})
            )
            .status,
        409
    );

    let history = w
        .app
        .get(&format!("{path}/history"), Some(&partner(a)))
        .json();
    let changes: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["change"].as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        [
            "created",
            "status",
            "status",
            "status",
            "funding",
            "funding",
            "funding",
            "funding",
            "period",
            "amendment",
            "status"
        ]
    );
    let extension = &history["items"][8];
    assert_eq!(
        extension["detail"],
        "extended: period 2015-01-01 to 2015-12-31 became 2015-01-01 to 2016-12-31"
    );
    assert_eq!(extension["reason"], "Extended through 2016");
    assert_eq!(extension["actor_role"], "city_staff");
    assert_eq!(history["items"][3]["to_status"], "active");
}

#[test]
fn termination_withdrawal_and_decline() {
    let w = world(2);
    let (a, b) = (&w.orgs[0], &w.orgs[1]);
    let id = active(&w, &[a]);
    assert_eq!(act(&w, &id, "terminate", &staff(&w.unit), None).status, 422);
    let res = act(
        &w,
        &id,
        "terminate",
        &staff(&w.unit),
        Some(json!({"reason": "The premises were lost"})),
    );
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "terminated");
    // The proposing organisation withdraws its own proposal; another cannot.
    let proposal = |org: &String| {
        let res = w.app.post(P, Some(&partner(org)), &json!({"title": "T", "purpose": "P", "form": "dialogue", "responsible_unit_id": w.unit, "start_date": "2027-01-01", "end_date": "2027-06-30"}));
        res.json()["id"].as_str().unwrap().to_owned()
    };
    let mine = proposal(a);
    assert_eq!(act(&w, &mine, "withdraw", &partner(b), None).status, 404);
    let res = act(
        &w,
        &mine,
        "withdraw",
        &partner(a),
        Some(json!({"reason": "We found other premises"})),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "withdrawn");
    let other = proposal(b);
    assert_eq!(act(&w, &other, "decline", &partner(b), None).status, 403);
    assert_eq!(
        act(
            &w,
            &other,
            "decline",
            &staff(&w.unit),
            Some(json!({"reason": "Fits the association grant better"}))
        )
        .json()["status"],
        "declined"
    );
    // Withdrawn and declined proposals stay hidden from the public.
    assert_eq!(w.app.get(&format!("{P}/{other}"), None).status, 404);
}

#[test]
fn every_refused_transition_names_the_state_and_what_is_allowed() {
    let w = world(1);
    let a = &w.orgs[0];
    let token = staff(&w.unit);
    let all = [
        "start_dialogue",
        "agree",
        "activate",
        "extend",
        "amend",
        "terminate",
        "conclude",
        "withdraw",
        "decline",
    ];
    let body_for = |action: &str| match action {
        "extend" => Some(json!({"new_end_date": "2030-01-01", "reason": "r"})),
        "amend" => Some(json!({"reason": "r", "changes": {"title": "New"}})),
        "terminate" => Some(json!({"reason": "r"})),
        _ => None,
    };
    let res = w.app.post(P, Some(&token), &iop(&w, &[a]));
    let id = res.json()["id"].as_str().unwrap().to_owned();
    // (state reached by the path so far, the action that moves on)
    let path = [
        ("proposal", "start_dialogue"),
        ("in_dialogue", "agree"),
        ("agreed", "activate"),
        ("active", "conclude"),
        ("concluded", ""),
    ];
    let allowed: [(&str, &[&str]); 5] = [
        ("proposal", &["start_dialogue", "withdraw", "decline"]),
        ("in_dialogue", &["agree", "withdraw", "decline"]),
        ("agreed", &["activate"]),
        ("active", &["extend", "amend", "terminate", "conclude"]),
        ("concluded", &[]),
    ];
    for ((state, next), (_, ok)) in path.iter().zip(allowed) {
        for action in all.iter().filter(|a| !ok.contains(a)) {
            let res = act(&w, &id, action, &token, body_for(action));
            assert_eq!(res.status, 409, "{state} + {action}: {}", res.text);
            assert_eq!(res.code(), "invalid_transition");
            assert_eq!(res.json()["current_state"], *state);
            assert_eq!(res.json()["allowed_actions"], json!(ok), "{state}");
        }
        if !next.is_empty() {
            assert_eq!(
                act(&w, &id, next, &token, body_for(next)).status,
                200,
                "{state} + {next}"
            );
        }
    }
    assert_eq!(act(&w, &id, "celebrate", &token, None).status, 404);
}

#[test]
fn parties_grow_from_seven_to_nine_and_leave_on_record() {
    let w = world(9);
    let seven: Vec<&String> = w.orgs[..7].iter().collect();
    let id = active(&w, &seven);
    let parties = format!("{P}/{id}/parties");
    assert_eq!(
        w.app.get(&parties, None).json()["items"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    for org in &w.orgs[7..] {
        assert_eq!(
            w.app
                .post(
                    &parties,
                    Some(&partner(org)),
                    &json!({"organisation_id": org})
                )
                .status,
            403
        );
        let res = w.app.post(
            &parties,
            Some(&staff(&w.unit)),
            &json!({"organisation_id": org, "joined_on": "2015-09-01"}),
        );
        assert_eq!(res.status, 201, "{}", res.text);
    }
    let res = w.app.post(
        &parties,
        Some(&staff(&w.unit)),
        &json!({"organisation_id": w.orgs[8]}),
    );
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "already_party");
    assert_eq!(
        w.app
            .post(
                &parties,
                Some(&staff(&w.unit)),
                &json!({"organisation_id": uuid::Uuid::now_v7()})
            )
            .status,
        422
    );
    let res = w.app.delete(
        &format!("{parties}/{}?left_on=2015-12-31", w.orgs[0]),
        Some(&staff(&w.unit)),
    );
    assert_eq!(res.status, 204, "{}", res.text);
    let list = w.app.get(&parties, None).json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 9);
    assert_eq!(items.iter().filter(|p| p["left_on"].is_null()).count(), 8);
    // A party that left no longer sees the history.
    let history = w
        .app
        .get(&format!("{P}/{id}/history"), Some(&staff(&w.other_unit)))
        .json();
    let party_changes = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["change"] == "party")
        .count();
    assert_eq!(party_changes, 3);
    assert_eq!(
        w.app
            .get(&format!("{P}/{id}/history"), Some(&partner(&w.orgs[0])))
            .status,
        403
    );
    assert_eq!(
        w.app
            .get(&format!("{P}/{id}/history"), Some(&partner(&w.orgs[8])))
            .status,
        200
    );
}

#[test]
fn parties_read_history_and_file_their_own_reports() {
    let w = world(2);
    let (a, b) = (&w.orgs[0], &w.orgs[1]);
    let id = active(&w, &[a]);
    let path = format!("{P}/{id}");
    assert_eq!(
        w.app
            .get(&format!("{path}/history"), Some(&partner(a)))
            .status,
        200
    );
    assert_eq!(
        w.app
            .get(&format!("{path}/history"), Some(&partner(b)))
            .status,
        403
    );
    assert_eq!(w.app.get(&format!("{path}/history"), None).status, 401);
    let report = |org: &String, kind: &str| json!({"held_on": "2015-12-10", "kind": kind, "summary": "Weekly activities at five houses", "perceived_reception": 4, "effects": "Two new groups", "organisation_id": org});
    let res = w.app.post(
        &format!("{path}/follow-ups"),
        Some(&partner(a)),
        &report(a, "report"),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.json()["filed_by_organisation_id"], json!(a));
    assert_eq!(
        w.app
            .post(
                &format!("{path}/follow-ups"),
                Some(&partner(a)),
                &report(a, "evaluation")
            )
            .status,
        403
    );
    assert_eq!(
        w.app
            .post(
                &format!("{path}/follow-ups"),
                Some(&partner(b)),
                &report(b, "report")
            )
            .status,
        403
    );
    assert_eq!(
        w.app
            .post(
                &format!("{path}/follow-ups"),
                Some(&staff(&w.other_unit)),
                &report(a, "meeting")
            )
            .status,
        403
    );
    assert_eq!(w.app.post(&format!("{path}/follow-ups"), Some(&staff(&w.unit)), &json!({"held_on": "2015-11-01", "kind": "meeting", "summary": "Reference group", "participants": "SRF, Friskvårdsklubben"})).status, 201);
    let res = w.app.post(&format!("{path}/follow-ups"), Some(&partner(a)), &json!({"held_on": "2015-12-10", "kind": "report", "summary": "", "perceived_reception": 7, "organisation_id": a}));
    assert_eq!(res.status, 422);
    assert_eq!(res.json()["errors"].as_array().unwrap().len(), 2);
    assert_eq!(
        w.app.get(&format!("{path}/follow-ups"), None).json()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Who took part may name people: the public and other organisations
    // see null, the city and the parties see it.
    let participants = |token: Option<&str>| -> Vec<Value> {
        w.app.get(&format!("{path}/follow-ups"), token).json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["participants"].clone())
            .collect()
    };
    let named = Value::from("SRF, Friskvårdsklubben");
    for outsider in [None, Some(partner(b))] {
        assert!(
            !participants(outsider.as_deref()).contains(&named),
            "{outsider:?}"
        );
    }
    for insider in [partner(a), staff(&w.unit), staff(&w.other_unit)] {
        assert!(participants(Some(&insider)).contains(&named));
    }

    // Commitments: the unit adds; the owning organisation reports on its own.
    let res = w.app.post(&format!("{path}/commitments"), Some(&staff(&w.unit)), &json!({"owner_organisation_id": a, "description": "One activity per week per term at the Hisingen activity house", "recurrence": "weekly during terms"}));
    assert_eq!(res.status, 201, "{}", res.text);
    let commitment = res.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        w.app
            .post(
                &format!("{path}/commitments"),
                Some(&partner(a)),
                &json!({"owner_organisation_id": a, "description": "x"})
            )
            .status,
        403
    );
    let cpath = format!("{path}/commitments/{commitment}");
    assert_eq!(
        w.app
            .patch(&cpath, Some(&partner(b)), &json!({"status": "met"}), None)
            .status,
        403
    );
    assert_eq!(
        w.app
            .patch(
                &cpath,
                Some(&partner(a)),
                &json!({"status": "ongoing"}),
                Some("\"1\"")
            )
            .status,
        200
    );
    assert_eq!(
        w.app
            .patch(
                &cpath,
                Some(&staff(&w.unit)),
                &json!({"status": "met"}),
                Some("\"1\"")
            )
            .status,
        412
    );
    assert_eq!(
        w.app
            .patch(
                &cpath,
                Some(&staff(&w.unit)),
                &json!({"status": "done"}),
                None
            )
            .status,
        422
    );
    assert_eq!(
        w.app.get(&format!("{path}/commitments"), None).json()["items"][0]["status"],
        "ongoing"
    );
    // In kind: a party records its own, not another's.
    assert_eq!(
        w.app
            .post(
                &format!("{path}/in-kind-contributions"),
                Some(&partner(b)),
                &json!({"organisation_id": a, "kind": "premises", "description": "x"})
            )
            .status,
        403
    );
}

#[test]
fn invalid_input_is_named_and_writes_nothing() {
    let w = world(1);
    let a = &w.orgs[0];
    let mut body = iop(&w, &[a]);
    body["title"] = json!("");
    body["end_date"] = json!("2014-01-01");
    body["contact_email"] = json!("not-an-email");
    body["target_groups"] = json!([""]);
    let res = w.app.post(P, Some(&staff(&w.unit)), &body);
    assert_eq!(res.status, 422, "{}", res.text);
    let errors = res.json()["errors"].clone();
    let fields: Vec<&str> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["contact_email", "end_date", "target_groups[0]", "title"]
    );
    let mut body = iop(&w, &[a]);
    body["form"] = json!("contract");
    assert_eq!(w.app.post(P, Some(&staff(&w.unit)), &body).status, 422);
    let mut body = iop(&w, &[a]);
    body["start_date"] = json!("2015-13-01");
    assert_eq!(w.app.post(P, Some(&staff(&w.unit)), &body).status, 422);
    let mut body = iop(&w, &[a]);
    body["responsible_unit_id"] = json!(uuid::Uuid::now_v7());
    assert_eq!(w.app.post(P, Some(&admin()), &body).status, 422);
    assert_eq!(
        w.app
            .post(P, Some(&staff(&w.other_unit)), &iop(&w, &[a]))
            .status,
        403
    );
    assert_eq!(w.app.post(P, None, &iop(&w, &[a])).status, 401);
    assert!(w.app.all_items(P, Some(&admin())).is_empty());

    let id = active(&w, &[a]);
    for bad in [
        json!({"source_name": "X", "year": 2015, "amount_sek": 0}),
        json!({"year": 2015, "amount_sek": 5}),
        json!({"source_name": "X", "year": 15, "amount_sek": 5}),
        json!({"source_name": "X", "year": 2015, "amount_sek": 1.5}),
    ] {
        assert_eq!(
            w.app
                .post(
                    &format!("{P}/{id}/funding-lines"),
                    Some(&staff(&w.unit)),
                    &bad
                )
                .status,
            422,
            "{bad}"
        );
    }
    assert_eq!(
        w.app.get(&format!("{P}/{id}/contributions"), None).json()["funding"]["total_sek"],
        0
    );
}

#[test]
fn concurrent_edits_are_refused_with_412() {
    let w = world(1);
    let id = active(&w, &[&w.orgs[0]]);
    let path = format!("{P}/{id}");
    let etag = w.app.get(&path, None).header("etag").unwrap().to_owned();
    let res = w.app.patch(
        &path,
        Some(&staff(&w.unit)),
        &json!({"internal_notes": "First"}),
        Some(&etag),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = w.app.patch(
        &path,
        Some(&staff(&w.unit)),
        &json!({"internal_notes": "Second"}),
        Some(&etag),
    );
    assert_eq!(res.status, 412);
    let res = w.app.send(
        "POST",
        &format!("{path}/conclude"),
        Some(&staff(&w.unit)),
        None,
        &[("If-Match", etag.as_str())],
    );
    assert_eq!(res.status, 412);
    assert_eq!(
        w.app.get(&path, Some(&admin())).json()["internal_notes"],
        "First"
    );
    // The period of an active partnership changes only through extend.
    let res = w.app.patch(
        &path,
        Some(&staff(&w.unit)),
        &json!({"end_date": "2020-01-01"}),
        None,
    );
    assert_eq!(res.status, 409);
    // Only the responsible unit edits.
    assert_eq!(
        w.app
            .patch(
                &path,
                Some(&staff(&w.other_unit)),
                &json!({"title": "X"}),
                None
            )
            .status,
        403
    );
    assert_eq!(
        w.app
            .patch(
                &path,
                Some(&partner(&w.orgs[0])),
                &json!({"title": "X"}),
                None
            )
            .status,
        403
    );
}

#[test]
fn lists_filter_by_what_integrations_ask() {
    let w = world(2);
    let (a, b) = (&w.orgs[0], &w.orgs[1]);
    let first = active(&w, &[a]);
    let mut body = iop(&w, &[b]);
    body["title"] = json!("IOP Reningsborg – jobs for young people");
    body["form"] = json!("association_grant");
    body["districts"] = json!(["vastra_goteborg"]);
    body["start_date"] = json!("2016-01-01");
    body["end_date"] = json!("2017-12-31");
    let res = w.app.post(P, Some(&staff(&w.unit)), &body);
    let second = res.json()["id"].as_str().unwrap().to_owned();
    let ids = |query: &str| -> Vec<String> {
        w.app
            .all_items(&format!("{P}?{query}"), Some(&admin()))
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids("status=active"), [first.as_str()]);
    assert_eq!(ids("form=association_grant"), [second.as_str()]);
    assert_eq!(ids(&format!("organisation_id={b}")), [second.as_str()]);
    assert_eq!(ids(&format!("city_unit_id={}", w.unit)).len(), 2);
    assert_eq!(ids("district=norra_hisingen"), [first.as_str()]);
    assert_eq!(ids("active_on=2015-06-01"), [first.as_str()]);
    assert_eq!(ids("ends_before=2016-06-01"), [first.as_str()]);
    assert_eq!(ids("q=RENINGSBORG"), [second.as_str()]);
    assert_eq!(ids("limit=1").len(), 2);
    // Anonymous callers see only the public one.
    assert_eq!(w.app.all_items(P, None).len(), 1);
    for bad in ["status=running", "active_on=soon", "colour=red", "limit=0"] {
        assert_eq!(w.app.get(&format!("{P}?{bad}"), None).status, 400, "{bad}");
    }
}
