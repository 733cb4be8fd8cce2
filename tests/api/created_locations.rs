//! Every `201` carries a `Location` under `/api/v1/` that answers 200 to a
//! GET with the same token: for programmes, rounds, applications and their
//! sub-resources, partnerships and theirs, events and theirs.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::builders::{EventBuilder, PartnershipBuilder, World};
use crate::grants::{act, apply, programme, under_review, APPS, PROGRAMMES};
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

/// Every creating operation of the served spec (`POST`/`PUT` with a `201`),
/// as `METHOD path`.
fn creating_operations(app: &TestApp) -> BTreeSet<String> {
    let spec = app.get("/openapi.json", None).json();
    let mut found = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in ["post", "put"] {
            if item[method]["responses"]["201"].is_object() {
                found.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    found
}

/// The object a 201 created, found by the last segment of its `Location`:
/// the body itself, or, where the body is the case the object was added to
/// (a round: the programme) or every sibling (a party: the parties), the one
/// among them. A payment answers with the application it was added to, which
/// does not list payments: there it is the item of the collection it was
/// posted to, read with the same token.
fn created_object(
    app: &TestApp,
    what: &str,
    res: &Res,
    path: &str,
    token: &str,
    key: &str,
) -> Value {
    let body = res.json();
    if body["id"] == key {
        return body;
    }
    let siblings = body["items"].as_array().into_iter().flatten();
    let rounds = body["rounds"].as_array().into_iter().flatten();
    if let Some(found) = siblings
        .chain(rounds)
        .find(|o| o["id"] == key || o["organisation_id"] == key)
    {
        return found.clone();
    }
    assert_eq!(
        what, "POST /api/v1/grant-applications/{id}/payments",
        "the body does not hold {key}: {body}"
    );
    let listed = app.all_items(path, Some(token));
    listed
        .into_iter()
        .find(|o| o["id"] == key)
        .unwrap_or_else(|| panic!("{what}: {path} does not list {key}"))
}

/// Records what each creating operation answered, and checks it as it goes.
struct Creations<'a> {
    app: &'a TestApp,
    seen: BTreeSet<String>,
}

impl Creations<'_> {
    /// Sends `body` to `path` (an instance of `spec_path`) and follows the
    /// 201's `Location` with the same token: it is the collection's path and
    /// the created object's key, and its GET answers 200 with the object the
    /// 201 created, in the same representation and with the same ETag, as
    /// the collection lists it when it is a list.
    /// Returns the created object.
    fn create(&mut self, spec_path: &str, path: &str, token: &str, body: Value) -> Value {
        let res = self.app.post(path, Some(token), &body);
        let what = format!("POST {spec_path}");
        assert_eq!(res.status, 201, "{what}: {}", res.text);
        let location = res
            .header("location")
            .unwrap_or_else(|| panic!("{what}: 201 without Location"))
            .to_owned();
        let key = location
            .strip_prefix(&format!("{path}/"))
            .unwrap_or_else(|| panic!("{what}: Location {location} is not under {path}/"));
        assert!(!key.is_empty() && !key.contains('/'), "{what}: {location}");
        let mut created = created_object(self.app, &what, &res, path, token, key);
        // A webhook's secret is shown once, in the answer that creates it.
        if let Some(object) = created.as_object_mut() {
            object.remove("secret");
        }
        let got = self.app.get(&location, Some(token));
        assert_eq!(got.status, 200, "{what}: GET {location}: {}", got.text);
        assert_eq!(
            got.json(),
            created,
            "{what}: GET {location} is not the object created"
        );
        if let Some(tag) = res.header("etag") {
            assert_eq!(got.header("etag"), Some(tag), "{what}: GET {location}");
        }
        // Where the collection posted to is a list, it shows the object alike.
        if self.app.get(path, Some(token)).status == 200 {
            let listed = self.app.all_items(path, Some(token));
            let item = listed
                .iter()
                .find(|o| o["id"] == key || o["organisation_id"] == key)
                .unwrap_or_else(|| panic!("{what}: {path} does not list {key}"));
            assert_eq!(item, &created, "{what}: {path} lists it otherwise");
        }
        self.seen.insert(what);
        created
    }
}

#[test]
fn every_201_location_names_the_created_object_and_reads_it_back_as_created() {
    let w = World::new();
    let app = &w.app;
    let staff_token = staff(&w.unit);
    let chef = decider(&w.unit, 50_000, "chef@vastra.goteborg.se");
    let (a, b) = (w.orgs[0].clone(), w.orgs[1].clone());
    let mut c = Creations {
        app,
        seen: BTreeSet::new(),
    };

    // Registers: a city unit, an organisation.
    c.create(
        "/api/v1/city-units",
        "/api/v1/city-units",
        &admin(),
        json!({"name": "Kulturförvaltningen", "kind": "specialist_administration"}),
    );
    c.create(
        "/api/v1/organisations",
        "/api/v1/organisations",
        &staff_token,
        json!({"name": "Föreningen Gårdstensbostäder", "legal_form": "non_profit_association"}),
    );

    // Grants: programme, round, application, review, conflict declaration, payment.
    let programme = c.create(
        PROGRAMMES,
        PROGRAMMES,
        &staff_token,
        json!({"title": "Utvecklingspotten 2027", "budgets": [{"year": 2027, "budget_sek": 100000}],
            "min_sek": 1000, "max_sek": 50000,
            "rounds": [{"name": "Round 1", "opens_at": in_days(-10), "deadline": in_days(30)}]}),
    );
    let programme_id = programme["id"].as_str().unwrap().to_owned();
    let round = programme["rounds"][0]["id"].as_str().unwrap().to_owned();
    let programme_path = format!("{PROGRAMMES}/{programme_id}");
    c.create(
        "/api/v1/grant-programmes/{id}/rounds",
        &format!("{programme_path}/rounds"),
        &staff_token,
        json!({"name": "Round 2", "opens_at": in_days(40), "deadline": in_days(60)}),
    );
    let open = app.send(
        "POST",
        &format!("{programme_path}/open"),
        Some(&staff_token),
        None,
        &[],
    );
    assert_eq!(open.status, 200, "{}", open.text);
    let application = c.create(
        APPS,
        APPS,
        &partner(&a),
        json!({"organisation_id": a, "programme_id": programme_id, "round_id": round,
            "title": "Sommarlov i Gårdsten", "purpose": "Activities for children",
            "districts": ["vastra_goteborg"], "requested_sek": 20000,
            "start_date": "2027-06-01", "end_date": "2027-08-31",
            "budget_lines": [{"description": "Leaders", "amount_sek": 20000}]}),
    );
    let app_id = application["id"].as_str().unwrap().to_owned();
    assert_eq!(act(&w, &app_id, "submit", &partner(&a), None).status, 200);
    assert_eq!(act(&w, &app_id, "start_review", &chef, None).status, 200);
    let app_path = format!("{APPS}/{app_id}");
    c.create(
        "/api/v1/grant-applications/{id}/reviews",
        &format!("{app_path}/reviews"),
        &chef,
        json!({"note": "Fine", "recommendation": "granted"}),
    );
    c.create(
        "/api/v1/grant-applications/{id}/conflict-declarations",
        &format!("{app_path}/conflict-declarations"),
        &chef,
        json!({"has_conflict": false}),
    );
    let res = act(
        &w,
        &app_id,
        "decide",
        &chef,
        Some(json!({"outcome": "granted", "granted_sek": 20000, "motivation": "Good"})),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let payment = c.create(
        "/api/v1/grant-applications/{id}/payments",
        &format!("{app_path}/payments"),
        &chef,
        json!({"amount_sek": 20000, "paid_on": "2027-06-15"}),
    );
    assert_eq!(payment["amount_sek"], 20000);
    assert_eq!(payment["paid_on"], "2027-06-15");

    // Partnerships: the partnership, a party, funding, in kind, a commitment, a follow-up.
    let partnership = c.create(
        "/api/v1/partnerships",
        "/api/v1/partnerships",
        &partner(&a),
        json!({"title": "Walks", "purpose": "Walks for health", "form": "iop",
            "responsible_unit_id": w.unit, "start_date": "2027-01-01", "end_date": "2027-12-31"}),
    );
    let p = partnership["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/partnerships/{p}");
    for action in ["start_dialogue", "agree", "activate"] {
        let res = app.send(
            "POST",
            &format!("{path}/{action}"),
            Some(&staff_token),
            None,
            &[],
        );
        assert_eq!(res.status, 200, "{action}: {}", res.text);
    }
    c.create(
        "/api/v1/partnerships/{id}/parties",
        &format!("{path}/parties"),
        &staff_token,
        json!({"organisation_id": b}),
    );
    c.create(
        "/api/v1/partnerships/{id}/funding-lines",
        &format!("{path}/funding-lines"),
        &staff_token,
        json!({"source_name": "State PRIO grant", "year": 2027, "amount_sek": 1000}),
    );
    c.create(
        "/api/v1/partnerships/{id}/in-kind-contributions",
        &format!("{path}/in-kind-contributions"),
        &partner(&a),
        json!({"organisation_id": a, "kind": "volunteer_hours",
            "description": "Members lead the walks", "estimated_value_sek": 4000}),
    );
    c.create(
        "/api/v1/partnerships/{id}/commitments",
        &format!("{path}/commitments"),
        &staff_token,
        json!({"owner_organisation_id": a, "description": "One walk a week"}),
    );
    let follow_up = c.create(
        "/api/v1/partnerships/{id}/follow-ups",
        &format!("{path}/follow-ups"),
        &partner(&a),
        json!({"held_on": "2027-02-01", "kind": "report", "summary": "4 walks",
            "participants": "The walk leaders", "organisation_id": a}),
    );
    assert_eq!(follow_up["participants"], "The walk leaders");

    // Dialogue events: the event and a registration; a held one with an
    // outcome and a co-organiser's contribution to its minutes.
    let event = c.create(
        "/api/v1/dialogue-events",
        "/api/v1/dialogue-events",
        &staff_token,
        json!({"title": "Idésluss", "kind": "matching_meeting", "participation_level": "partnership",
            "starts_at": in_days(20), "ends_at": in_days(21), "format": "in_person", "place": "Lundby district office"}),
    );
    let epath = format!("/api/v1/dialogue-events/{}", event["id"].as_str().unwrap());
    let res = app.send(
        "POST",
        &format!("{epath}/publish"),
        Some(&staff_token),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let registration = c.create(
        "/api/v1/dialogue-events/{id}/registrations",
        &format!("{epath}/registrations"),
        &partner(&b),
        json!({"organisation_id": b, "participants": 2, "names": ["Anna Andersson", "Ali Hassan"]}),
    );
    assert_eq!(registration["names"][1], "Ali Hassan");
    let held = EventBuilder::new(&w.unit)
        .in_days(-2)
        .with("co_organiser_ids", json!([a]))
        .held(app);
    let hpath = format!("/api/v1/dialogue-events/{}", held.id);
    let outcome = c.create(
        "/api/v1/dialogue-events/{id}/outcomes",
        &format!("{hpath}/outcomes"),
        &staff_token,
        json!({"description": "A joint activity", "owner": "Passalen", "partnership_id": p}),
    );
    assert_eq!(outcome["partnership_id"], p.as_str());
    c.create(
        "/api/v1/dialogue-events/{id}/minutes/contributions",
        &format!("{hpath}/minutes/contributions"),
        &partner(&a),
        json!({"organisation_id": a, "text": "Our notes"}),
    );

    // A webhook subscription.
    c.create(
        "/api/v1/webhook-subscriptions",
        "/api/v1/webhook-subscriptions",
        &admin(),
        json!({"url": "https://diarie.example.se/samverkan", "event_types": ["grant_application.decide"]}),
    );

    // Every creating operation of the spec was followed above.
    let expected = creating_operations(app);
    let missing: Vec<&String> = expected.difference(&c.seen).collect();
    assert!(missing.is_empty(), "not followed: {missing:?}");
}

/// Adds to the partnership at `path` one of each sub-resource, as `token`
/// (staff of its unit) and `org`'s partner; returns their URLs, the party
/// (`org`) first.
fn partnership_parts(app: &TestApp, path: &str, token: &str, org: &str) -> Vec<String> {
    let mut urls = vec![format!("{path}/parties/{org}")];
    for (sub, token, body) in [
        (
            "funding-lines",
            token.to_owned(),
            json!({"source_name": "State PRIO grant", "year": 2027, "amount_sek": 1000}),
        ),
        (
            "in-kind-contributions",
            partner(org),
            json!({"organisation_id": org, "kind": "premises", "description": "Our hall on Tuesdays"}),
        ),
        (
            "commitments",
            token.to_owned(),
            json!({"owner_organisation_id": org, "description": "One walk a week"}),
        ),
        (
            "follow-ups",
            partner(org),
            json!({"held_on": "2027-02-01", "kind": "report", "summary": "4 walks", "organisation_id": org}),
        ),
    ] {
        let res = app.post(&format!("{path}/{sub}"), Some(&token), &body);
        assert_eq!(res.status, 201, "{sub}: {}", res.text);
        urls.push(res.header("location").unwrap().to_owned());
    }
    urls
}

/// An application of `org` under review with a review note and a declaration
/// of no conflict by `chef`, then granted and paid: the URLs of the review,
/// the declaration and the payment.
fn grant_parts(w: &World, org: &str, chef: &str) -> Vec<String> {
    let p = programme(w, 1_000_000, 30, false);
    let id = under_review(w, org, &p, 20_000);
    let path = format!("{APPS}/{id}");
    let mut urls = Vec::new();
    for (sub, body) in [
        (
            "reviews",
            json!({"note": "Solid plan", "recommendation": "granted"}),
        ),
        ("conflict-declarations", json!({"has_conflict": false})),
    ] {
        let res = w.app.post(&format!("{path}/{sub}"), Some(chef), &body);
        assert_eq!(res.status, 201, "{sub}: {}", res.text);
        urls.push(res.header("location").unwrap().to_owned());
    }
    let res = act(
        w,
        &id,
        "decide",
        chef,
        Some(json!({"outcome": "granted", "granted_sek": 20000, "motivation": "Good"})),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = w.app.post(
        &format!("{path}/payments"),
        Some(chef),
        &json!({"amount_sek": 5000, "paid_on": "2027-06-15"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    urls.push(res.header("location").unwrap().to_owned());
    urls
}

/// A draft programme of `unit` with one round: the round's URL.
fn draft_round(w: &World) -> String {
    let res = w.app.post(
        PROGRAMMES,
        Some(&staff(&w.unit)),
        &json!({"title": "Utkast", "budgets": [{"year": 2027, "budget_sek": 100000}],
            "min_sek": 1000, "max_sek": 50000,
            "rounds": [{"name": "Round 1", "opens_at": in_days(10), "deadline": in_days(30)}]}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let body = res.json();
    format!(
        "{PROGRAMMES}/{}/rounds/{}",
        body["id"].as_str().unwrap(),
        body["rounds"][0]["id"].as_str().unwrap()
    )
}

#[test]
fn what_hangs_on_a_hidden_case_is_404_to_another_organisations_partner_and_the_public() {
    let w = World::new();
    let app = &w.app;
    let (a, b) = (&w.orgs[0], &w.orgs[1]);
    let staff_token = staff(&w.unit);
    // A's proposal is A's and the city's until it is agreed.
    let res = app.post(
        "/api/v1/partnerships",
        Some(&partner(a)),
        &json!({"title": "Läxhjälp i Gårdsten", "purpose": "Homework help", "form": "iop",
            "responsible_unit_id": w.unit, "start_date": "2027-01-01", "end_date": "2027-12-31"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let path = format!(
        "/api/v1/partnerships/{}",
        res.json()["id"].as_str().unwrap()
    );
    for url in partnership_parts(app, &path, &staff_token, a) {
        for (who, token) in [("anonymous", None), ("partner B", Some(partner(b)))] {
            let res = app.get(&url, token.as_deref());
            assert_eq!(res.status, 404, "{who}: GET {url}: {}", res.text);
            assert_eq!(res.code(), "not_found", "{who}: GET {url}");
        }
        for (who, token) in [("partner A", partner(a)), ("staff", staff_token.clone())] {
            let res = app.get(&url, Some(&token));
            assert_eq!(res.status, 200, "{who}: GET {url}: {}", res.text);
        }
    }
    // A planned event is the city's: nothing under it is shown to the others.
    let planned = EventBuilder::new(&w.unit).create(app);
    let published = EventBuilder::new(&w.unit).published(app);
    let res = app.post(
        &format!("/api/v1/dialogue-events/{}/registrations", published.id),
        Some(&partner(a)),
        &json!({"organisation_id": a, "participants": 1}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let registration = res.json()["id"].as_str().unwrap().to_owned();
    let under_planned = format!(
        "/api/v1/dialogue-events/{}/registrations/{registration}",
        planned.id
    );
    for token in [
        None,
        Some(partner(b)),
        Some(partner(a)),
        Some(staff_token.clone()),
    ] {
        let res = app.get(&under_planned, token.as_deref());
        assert_eq!(
            res.status, 404,
            "{token:?}: GET {under_planned}: {}",
            res.text
        );
    }

    // A draft programme is the city's, rounds and all.
    let round = draft_round(&w);
    for token in [None, Some(partner(b)), Some(partner(a))] {
        let res = app.get(&round, token.as_deref());
        assert_eq!(res.status, 404, "{token:?}: GET {round}: {}", res.text);
    }
    assert_eq!(app.get(&round, Some(&staff_token)).status, 200);

    // An application's review notes and declarations are the city's, its
    // payments the applicant's and the city's, even once it is a public
    // grant. As their lists, they ask for a token (401 without one).
    let chef = decider(&w.unit, 50_000, "chef@vastra.goteborg.se");
    let urls = grant_parts(&w, a, &chef);
    let [review, declaration, payment] = [&urls[0], &urls[1], &urls[2]];
    for (url, a_status) in [(review, 404), (declaration, 404), (payment, 200)] {
        assert_eq!(app.get(url, None).status, 401, "anonymous: GET {url}");
        let res = app.get(url, Some(&partner(b)));
        assert_eq!(res.status, 404, "partner B: GET {url}: {}", res.text);
        assert_eq!(res.code(), "not_found", "partner B: GET {url}");
        let res = app.get(url, Some(&partner(a)));
        assert_eq!(res.status, a_status, "partner A: GET {url}: {}", res.text);
        assert_eq!(app.get(url, Some(&staff_token)).status, 200, "GET {url}");
    }
}

#[test]
fn a_sub_resource_id_that_is_not_of_the_case_named_is_404() {
    let w = World::new();
    let app = &w.app;
    let (a, b) = (&w.orgs[0], &w.orgs[1]);
    let staff_token = staff(&w.unit);
    // Two public partnerships, A a party to the first, B to the second: the
    // city sees both, so a 404 says only that the id is not the case's.
    let first = format!(
        "/api/v1/partnerships/{}",
        PartnershipBuilder::new(&w.unit)
            .with_members(&[a])
            .active(app)
            .id
    );
    let second = format!(
        "/api/v1/partnerships/{}",
        PartnershipBuilder::new(&w.unit)
            .with_members(&[b])
            .active(app)
            .id
    );
    let own = partnership_parts(app, &first, &staff_token, a);
    let others = partnership_parts(app, &second, &staff_token, b);

    // Events: registrations under a published one, outcomes and
    // contributions to the minutes under held ones, one of each per event.
    let held_parts = |org: &str| {
        let held = EventBuilder::new(&w.unit)
            .in_days(-2)
            .with("co_organiser_ids", json!([org]))
            .held(app);
        let path = format!("/api/v1/dialogue-events/{}", held.id);
        let mut urls = Vec::new();
        for (sub, token, body) in [
            (
                "outcomes",
                staff_token.clone(),
                json!({"description": "A joint activity", "owner": "Passalen"}),
            ),
            (
                "minutes/contributions",
                partner(org),
                json!({"organisation_id": org, "text": "Our notes"}),
            ),
        ] {
            let res = app.post(&format!("{path}/{sub}"), Some(&token), &body);
            assert_eq!(res.status, 201, "{sub}: {}", res.text);
            urls.push(res.header("location").unwrap().to_owned());
        }
        urls
    };
    let registration = |org: &str| {
        let event = EventBuilder::new(&w.unit).published(app);
        let res = app.post(
            &format!("/api/v1/dialogue-events/{}/registrations", event.id),
            Some(&partner(org)),
            &json!({"organisation_id": org, "participants": 1}),
        );
        assert_eq!(res.status, 201, "{}", res.text);
        res.header("location").unwrap().to_owned()
    };
    // Grants: an application's review, declaration and payment; a round.
    let chef = decider(&w.unit, 100_000, "chef@vastra.goteborg.se");
    let own = own
        .into_iter()
        .chain(held_parts(a))
        .chain([registration(a)])
        .chain(grant_parts(&w, a, &chef))
        .chain([draft_round(&w)]);
    let others = others
        .into_iter()
        .chain(held_parts(b))
        .chain([registration(b)])
        .chain(grant_parts(&w, b, &chef))
        .chain([draft_round(&w)]);

    let random = "01a25000-0000-7000-8000-000000000000";
    for (own, other) in own.zip(others) {
        assert_eq!(app.get(&own, Some(&admin())).status, 200, "GET {own}");
        let (case, _) = own.rsplit_once('/').unwrap();
        let other_key = other.rsplit('/').next().unwrap();
        for wrong in [other_key, random, "not-an-id"] {
            let url = format!("{case}/{wrong}");
            for token in [admin(), staff_token.clone()] {
                let res = app.get(&url, Some(&token));
                assert_eq!(res.status, 404, "GET {url}: {}", res.text);
                assert_eq!(res.code(), "not_found", "GET {url}");
            }
        }
    }
}
