//! `GET /organisations/{id}/cases`: everything an organisation is party to
//! (partnerships, applications, registrations) with status and the latest
//! history entry, for the organisation itself and the city; another
//! organisation is refused; statements do not grow with the cases.

use serde_json::{json, Value};

use crate::builders::{
    ApplicationBuilder, EventBuilder, OrganisationBuilder, PartnershipBuilder, ProgrammeBuilder,
    World, APPS, EVENTS, ORGS, PARTNERSHIPS,
};
use crate::helpers::*;

fn cases_path(org: &str) -> String {
    format!("{ORGS}/{org}/cases")
}

/// The cases `token` reads of `org`, following every page of `limit`.
fn cases(app: &TestApp, org: &str, token: &str, limit: usize) -> Vec<Value> {
    app.all_items(&format!("{}?limit={limit}", cases_path(org)), Some(token))
}

fn find<'a>(items: &'a [Value], id: &str) -> Option<&'a Value> {
    items.iter().find(|c| c["id"] == id)
}

/// B proposes a partnership naming `invited`: B a party, `invited` invited.
fn proposal(w: &World, by: &str, invited: &str) -> String {
    let res = w.app.post(
        PARTNERSHIPS,
        Some(&partner(by)),
        &json!({
            "title": "Planned IOP on overnight places",
            "purpose": "Overnight places, run together.",
            "form": "iop",
            "responsible_unit_id": w.unit,
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "parties": [{"organisation_id": invited, "role": "member"}]
        }),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()["id"].as_str().unwrap().to_owned()
}

/// What the test made for organisation A.
struct Made {
    active: String,
    invitation: String,
    draft: String,
    reviewed: String,
    registration: String,
    event: String,
    others_draft: String,
}

fn make(w: &World) -> Made {
    let (app, a, b) = (&w.app, &w.orgs[0], &w.orgs[1]);
    let city = staff(&w.unit);
    let active = PartnershipBuilder::new(&w.unit)
        .with_title("IOP Reningsborg")
        .with_members(&[a])
        .active(app)
        .id;
    let invitation = proposal(w, b, a);
    let programme = ProgrammeBuilder::new(&w.unit).open(app).and_round();
    let draft = ApplicationBuilder::new(a, &programme)
        .with_title("Läxhjälp")
        .create(app)
        .id;
    let reviewed = ApplicationBuilder::new(a, &programme)
        .with_title("Garaget")
        .under_review(app, &city)
        .id;
    let others_draft = ApplicationBuilder::new(b, &programme)
        .with_title("Passalens ansökan")
        .create(app)
        .id;
    let event = EventBuilder::new(&w.unit)
        .with_title("Idésluss i Lundby")
        .with_capacity(json!(50))
        .published(app)
        .id;
    let res = app.post(
        &format!("{EVENTS}/{event}/registrations"),
        Some(&partner(a)),
        &json!({"organisation_id": a, "participants": 2, "names": ["Anna A"]}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let registration = res.json()["id"].as_str().unwrap().to_owned();
    Made {
        active,
        invitation,
        draft,
        reviewed,
        registration,
        event,
        others_draft,
    }
}

#[test]
fn an_organisation_follows_its_cases_and_the_city_sees_them_too() {
    let w = World::new();
    let (app, a) = (&w.app, &w.orgs[0]);
    let m = make(&w);

    // Pages of 2 until the end: every case once, oldest first.
    let mine = cases(app, a, &partner(a), 2);
    let ids: Vec<&str> = mine.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        vec![
            m.active.as_str(),
            &m.invitation,
            &m.draft,
            &m.reviewed,
            &m.registration
        ],
        "{mine:#?}"
    );
    assert!(find(&mine, &m.others_draft).is_none());

    let active = find(&mine, &m.active).unwrap();
    assert_eq!(active["kind"], "partnership");
    assert_eq!(active["title"], "IOP Reningsborg");
    assert_eq!(active["status"], "active");
    assert_eq!(active["href"], format!("{PARTNERSHIPS}/{}", m.active));
    assert_eq!(active["latest"]["action"], "status");
    assert_eq!(active["latest"]["to_status"], "active");
    // The latest entry is the last of the partnership's own history.
    let history = app.all_items(
        &format!("{PARTNERSHIPS}/{}/history", m.active),
        Some(&partner(a)),
    );
    assert_eq!(active["latest"]["at"], history.last().unwrap()["at"]);

    // Invited only: the proposal without its history.
    let invitation = find(&mine, &m.invitation).unwrap();
    assert_eq!(invitation["status"], "proposal");
    assert_eq!(invitation["latest"], Value::Null);

    // Its own draft, and the application in review with its last step.
    let draft = find(&mine, &m.draft).unwrap();
    assert_eq!(
        (&draft["kind"], &draft["status"]),
        (&json!("grant_application"), &json!("draft"))
    );
    let reviewed = find(&mine, &m.reviewed).unwrap();
    assert_eq!(reviewed["status"], "under_review");
    assert_eq!(reviewed["latest"]["action"], "start_review");
    assert_eq!(reviewed["latest"]["to_status"], "under_review");
    assert_eq!(reviewed["href"], format!("{APPS}/{}", m.reviewed));

    // The registration, under its event, titled by it.
    let registration = find(&mine, &m.registration).unwrap();
    assert_eq!(registration["kind"], "dialogue_registration");
    assert_eq!(registration["title"], "Idésluss i Lundby");
    assert_eq!(registration["status"], "registered");
    assert_eq!(registration["latest"]["action"], "registered");
    assert_eq!(
        registration["href"],
        format!("{EVENTS}/{}/registrations/{}", m.event, m.registration)
    );
    let href = registration["href"].as_str().unwrap();
    assert_eq!(app.get(href, Some(&partner(a))).status, 200);

    // The city sees the same cases, and the invitation's history too.
    for token in [staff(&w.other_unit), admin(), integration(&w.unit)] {
        let seen = cases(app, a, &token, 50);
        assert_eq!(seen.len(), 5, "{seen:#?}");
        assert_eq!(
            find(&seen, &m.invitation).unwrap()["latest"]["action"],
            "created"
        );
    }
}

#[test]
fn another_organisation_and_the_anonymous_are_refused() {
    let w = World::new();
    let (app, a, b) = (&w.app, &w.orgs[0], &w.orgs[1]);
    make(&w);
    let res = app.get(&cases_path(a), Some(&partner(b)));
    assert_eq!(res.status, 403, "{}", res.text);
    assert_eq!(res.code(), "forbidden");
    assert!(!res.text.contains("Läxhjälp"));
    let res = app.get(&cases_path(a), None);
    assert_eq!(res.status, 401, "{}", res.text);
    // B's own list holds its proposal and its draft, none of A's.
    let bs = cases(app, b, &partner(b), 50);
    let titles: Vec<&str> = bs.iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        vec!["Planned IOP on overnight places", "Passalens ansökan"]
    );
}

#[test]
fn an_unknown_organisation_or_parameter_is_refused() {
    let w = World::new();
    let unknown = "0193516a-0000-7000-8000-00000000dead";
    let res = w.app.get(&cases_path(unknown), Some(&admin()));
    assert_eq!(res.status, 404, "{}", res.text);
    let res = w.app.get(
        &format!("{}?kind=partnership", cases_path(&w.orgs[0])),
        Some(&admin()),
    );
    assert_eq!(res.status, 400, "{}", res.text);
    let res = w.app.get(
        &format!("{}?limit=501", cases_path(&w.orgs[0])),
        Some(&admin()),
    );
    assert_eq!(res.status, 400, "{}", res.text);
}

/// An organisation with `n` cases of every kind, and the statements and
/// items of reading them all in one page.
fn statements_for(n: usize) -> (String, usize) {
    let w = World::build()
        .with_settings(|s| s.count_statements = true)
        .with_organisations(vec![OrganisationBuilder::new("Reningsborg")])
        .create();
    let (app, a) = (&w.app, &w.orgs[0]);
    let city = staff(&w.unit);
    let programme = ProgrammeBuilder::new(&w.unit).open(app).and_round();
    for i in 0..n {
        PartnershipBuilder::new(&w.unit)
            .with_title(&format!("IOP {i}"))
            .with_members(&[a])
            .active(app);
        ApplicationBuilder::new(a, &programme)
            .with_title(&format!("Ansökan {i}"))
            .under_review(app, &city);
        let event = EventBuilder::new(&w.unit)
            .with_title(&format!("Idésluss {i}"))
            .with_capacity(json!(50))
            .published(app)
            .id;
        let res = app.post(
            &format!("{EVENTS}/{event}/registrations"),
            Some(&partner(a)),
            &json!({"organisation_id": a, "participants": 1, "names": ["Bo B"]}),
        );
        assert_eq!(res.status, 201, "{}", res.text);
    }
    let res = app.get(&format!("{}?limit=500", cases_path(a)), Some(&partner(a)));
    assert_eq!(res.status, 200, "{}", res.text);
    let count = res.header("x-statement-count").unwrap().to_owned();
    (count, res.json()["items"].as_array().unwrap().len())
}

#[test]
fn the_statements_do_not_grow_with_the_cases() {
    let (few, few_items) = statements_for(2);
    let (many, many_items) = statements_for(6);
    assert_eq!((few_items, many_items), (6, 18));
    assert_eq!(few, many, "statements for 6 cases and for 18");
}
