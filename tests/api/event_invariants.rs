//! Invariants of dialogue events that must hold under concurrency and at
//! the edges: places never overfill (on two servers at once), the waiting
//! list keeps its order, capacity changes keep it right, counts are bounded.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::helpers::*;

const EVENTS: &str = "/api/v1/dialogue-events";
/// How often a race is run: a race that is lost one time in five still fails.
const ROUNDS: usize = 5;

struct World {
    /// Shared with the threads of a race.
    app: Arc<TestApp>,
    unit: String,
    orgs: Vec<String>,
}

/// A district unit and `n` organisations of its district.
fn world(n: usize) -> World {
    let app = spawn_app();
    let res = app.post(
        "/api/v1/city-units",
        Some(&admin()),
        &json!({"name": "SDF Lundby", "kind": "district_administration", "district": "lundby"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let unit = res.json()["id"].as_str().unwrap().to_owned();
    let orgs = (0..n)
        .map(|i| {
            app.create_organisation(
                json!({"name": format!("Förening {i}"), "legal_form": "non_profit_association"}),
            )
        })
        .collect();
    World {
        app: Arc::new(app),
        unit,
        orgs,
    }
}

fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn event_body(w: &World, capacity: Value) -> Value {
    json!({
        "title": "Dialogue café on work integration",
        "kind": "dialogue_meeting",
        "participation_level": "dialogue",
        "organiser_unit_id": w.unit,
        "starts_at": in_days(10),
        "ends_at": in_days(11),
        "format": "in_person",
        "place": "Lundby district office",
        "capacity": capacity,
    })
}

/// Plans and publishes an event; returns its id.
fn published(w: &World, capacity: Value) -> String {
    let res = w
        .app
        .post(EVENTS, Some(&staff(&w.unit)), &event_body(w, capacity));
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let res = w.app.send(
        "POST",
        &format!("{EVENTS}/{id}/publish"),
        Some(&staff(&w.unit)),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    id
}

fn register(app: &TestApp, event: &str, org: &str, participants: i64) -> Res {
    app.post(
        &format!("{EVENTS}/{event}/registrations"),
        Some(&partner(org)),
        &json!({"organisation_id": org, "participants": participants}),
    )
}

/// The registrations as the API lists them (the order they came).
fn registrations(app: &TestApp, event: &str) -> Vec<Value> {
    let res = app.get(&format!("{EVENTS}/{event}/registrations"), None);
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["items"].as_array().unwrap().clone()
}

fn event(app: &TestApp, id: &str) -> Value {
    let res = app.get(&format!("{EVENTS}/{id}"), Some(&admin()));
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()
}

#[test]
fn ten_at_once_on_two_servers_fill_five_places_and_wait_in_arrival_order() {
    let w = world(10);
    let primary = w.app.clone();
    let replica = Arc::new(w.app.replica());
    let orgs = Arc::new(w.orgs.clone());
    for round in 0..ROUNDS {
        let id = published(&w, json!(5));
        let (event_id, orgs_, primary_, replica_) =
            (id.clone(), orgs.clone(), primary.clone(), replica.clone());
        let answers = race(10, move |i| {
            let server = if i % 2 == 0 { &primary_ } else { &replica_ };
            let res = register(server, &event_id, &orgs_[i], 1);
            (res.status, res.text)
        });
        let mut statuses = Vec::new();
        for (status, text) in &answers {
            assert_eq!(*status, 201, "round {round}: {text}");
            let body: Value = serde_json::from_str(text).unwrap();
            statuses.push(body["status"].as_str().unwrap().to_owned());
        }
        let count = |s: &str| statuses.iter().filter(|x| *x == s).count();
        assert_eq!(
            (count("registered"), count("waitlisted")),
            (5, 5),
            "round {round}: {statuses:?}"
        );
        // Listed by arrival: the five who came first hold the places, the
        // five after them wait, and no two arrived at the same instant.
        let list = registrations(&w.app, &id);
        let listed: Vec<&str> = list.iter().map(|r| r["status"].as_str().unwrap()).collect();
        assert_eq!(
            listed,
            [["registered"; 5], ["waitlisted"; 5]].concat(),
            "round {round}"
        );
        let arrivals: Vec<chrono::DateTime<chrono::Utc>> = list
            .iter()
            .map(|r| r["registered_at"].as_str().unwrap().parse().unwrap())
            .collect();
        assert!(
            arrivals.windows(2).all(|p| p[0] < p[1]),
            "round {round}: {arrivals:?}"
        );
        let e = event(&w.app, &id);
        assert_eq!(
            (e["places_taken"].clone(), e["waitlisted"].clone()),
            (json!(5), json!(5)),
            "round {round}"
        );
        // A freed place goes to the first who waits.
        let first_waiting = list[5]["id"].clone();
        let cancel = format!(
            "{EVENTS}/{id}/registrations/{}/cancel",
            list[0]["id"].as_str().unwrap()
        );
        let res = w.app.send("POST", &cancel, Some(&admin()), None, &[]);
        assert_eq!(res.status, 200, "{}", res.text);
        let after = registrations(&w.app, &id);
        let promoted: Vec<&Value> = after
            .iter()
            .filter(|r| r["status"] == "registered")
            .map(|r| &r["id"])
            .collect();
        assert!(promoted.contains(&&first_waiting), "round {round}");
        assert_eq!(event(&w.app, &id)["places_taken"], 5);
    }
    // The replica goes before the primary (which drops the database).
    drop(replica);
    drop(primary);
}

#[test]
fn the_same_organisation_twice_at_once_is_registered_once() {
    let w = world(1);
    let primary = w.app.clone();
    let replica = Arc::new(w.app.replica());
    for round in 0..ROUNDS {
        let id = published(&w, json!(10));
        let (event_id, org, primary_, replica_) = (
            id.clone(),
            w.orgs[0].clone(),
            primary.clone(),
            replica.clone(),
        );
        let mut answers = race(2, move |i| {
            let server = if i == 0 { &primary_ } else { &replica_ };
            let res = register(server, &event_id, &org, 2);
            let code = (res.status != 201).then(|| res.code());
            (res.status, code, res.text)
        });
        answers.sort_by_key(|(status, _, _)| *status);
        assert_eq!(
            (answers[0].0, answers[1].0),
            (201, 409),
            "round {round}: {answers:?}"
        );
        assert_eq!(
            answers[1].1.as_deref(),
            Some("already_registered"),
            "round {round}"
        );
        assert_eq!(registrations(&w.app, &id).len(), 1, "round {round}");
        assert_eq!(event(&w.app, &id)["places_taken"], 2);
    }
    // The replica goes before the primary (which drops the database).
    drop(replica);
    drop(primary);
}
