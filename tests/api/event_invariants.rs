//! Invariants of dialogue events that must hold under concurrency and at
//! the edges: places never overfill (on two servers at once), the waiting
//! list keeps its order, capacity changes keep it right, counts are bounded.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::builders::{EventBuilder, OrganisationBuilder, UnitBuilder, World, EVENTS};
use crate::helpers::*;

/// How often a race is run: a race that is lost one time in five still fails.
const ROUNDS: usize = 5;

/// A district unit (Lundby) and `n` organisations of its district.
fn world(n: usize) -> World {
    World::build()
        .with_unit(UnitBuilder::district("SDF Lundby", "lundby"))
        .with_other_unit(UnitBuilder::district("SDF Angered", "angered"))
        .with_organisations(OrganisationBuilder::associations(n))
        .create()
}

/// A dialogue café of the unit for `capacity` (`null`: no limit).
fn cafe(w: &World, capacity: Value) -> EventBuilder {
    EventBuilder::new(&w.unit)
        .with_title("Dialogue café on work integration")
        .with_kind("dialogue_meeting", "dialogue")
        .with_capacity(capacity)
}

/// Plans and publishes an event; returns its id.
fn published(w: &World, capacity: Value) -> String {
    cafe(w, capacity).published(&w.app).id
}

fn register(app: &TestApp, event: &str, org: &str, participants: i64) -> Res {
    app.post(
        &format!("{EVENTS}/{event}/registrations"),
        Some(&partner(org)),
        &json!({"organisation_id": org, "participants": participants}),
    )
}

/// Registers and returns the status given.
fn status_of_new(w: &World, event: &str, org: usize, participants: i64) -> String {
    let res = register(&w.app, event, &w.orgs[org], participants);
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()["status"].as_str().unwrap().to_owned()
}

/// The registrations as the API lists them (the order they came).
fn registrations(app: &TestApp, event: &str) -> Vec<Value> {
    let res = app.get(&format!("{EVENTS}/{event}/registrations"), None);
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["items"].as_array().unwrap().clone()
}

/// (organisation, status) of every registration, in the listed order.
fn standing(w: &World, event: &str) -> Vec<(usize, String)> {
    registrations(&w.app, event)
        .iter()
        .map(|r| {
            let org = w
                .orgs
                .iter()
                .position(|o| r["organisation_id"] == o.as_str())
                .unwrap();
            (org, r["status"].as_str().unwrap().to_owned())
        })
        .collect()
}

fn event(app: &TestApp, id: &str) -> Value {
    let res = app.get(&format!("{EVENTS}/{id}"), Some(&admin()));
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()
}

fn fields(res: &Res) -> Vec<String> {
    res.error_fields()
}

fn s(items: &[(usize, &str)]) -> Vec<(usize, String)> {
    items.iter().map(|(o, s)| (*o, s.to_string())).collect()
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

#[test]
fn lowering_the_capacity_and_registering_at_once_never_overfill() {
    let w = world(5);
    let primary = w.app.clone();
    let replica = Arc::new(w.app.replica());
    let orgs = Arc::new(w.orgs.clone());
    for round in 0..ROUNDS {
        let id = published(&w, json!(5));
        for org in 0..3 {
            assert_eq!(status_of_new(&w, &id, org, 1), "registered");
        }
        let (event_id, orgs_, primary_, replica_, unit) = (
            id.clone(),
            orgs.clone(),
            primary.clone(),
            replica.clone(),
            w.unit.clone(),
        );
        let answers = race(3, move |i| {
            let server = if i % 2 == 0 { &primary_ } else { &replica_ };
            let res = if i == 0 {
                server.patch(
                    &format!("{EVENTS}/{event_id}"),
                    Some(&staff(&unit)),
                    &json!({"capacity": 3}),
                    None,
                )
            } else {
                register(server, &event_id, &orgs_[2 + i], 1)
            };
            (res.status, res.text)
        });
        for (i, (status, text)) in answers.iter().enumerate() {
            let expected: &[u16] = if i == 0 { &[200, 409] } else { &[201] };
            assert!(expected.contains(status), "round {round}, {i}: {text}");
        }
        let e = event(&w.app, &id);
        let taken = e["places_taken"].as_i64().unwrap();
        let capacity = e["capacity"].as_i64().unwrap();
        assert!(taken <= capacity, "round {round}: {e}");
        // Either the capacity came first (both newcomers wait) or a newcomer did
        // (and the lower capacity was refused).
        let lowered = answers[0].0 == 200;
        assert_eq!(capacity, if lowered { 3 } else { 5 }, "round {round}");
        if lowered {
            assert_eq!(e["waitlisted"], 2, "round {round}");
        }
    }
    // The replica goes before the primary (which drops the database).
    drop(replica);
    drop(primary);
}

#[test]
fn a_newcomer_waits_behind_the_waiting_list_even_when_it_would_fit() {
    let w = world(4);
    let id = published(&w, json!(5));
    assert_eq!(status_of_new(&w, &id, 0, 3), "registered");
    // A group of 3 does not fit next to 3: it waits.
    assert_eq!(status_of_new(&w, &id, 1, 3), "waitlisted");
    // 1 would fit (4 of 5), but someone is waiting: it queues.
    assert_eq!(status_of_new(&w, &id, 2, 1), "waitlisted");
    let e = event(&w.app, &id);
    assert_eq!(
        (e["places_taken"].clone(), e["waitlisted"].clone()),
        (json!(3), json!(2))
    );
    // When the first leaves, the waiting list moves up in order.
    let first = registrations(&w.app, &id)[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = w.app.send(
        "POST",
        &format!("{EVENTS}/{id}/registrations/{first}/cancel"),
        Some(&partner(&w.orgs[0])),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        standing(&w, &id),
        s(&[(0, "cancelled"), (1, "registered"), (2, "registered")])
    );
    // Nobody waits now: a newcomer that fits is registered.
    assert_eq!(status_of_new(&w, &id, 3, 1), "registered");
    assert_eq!(event(&w.app, &id)["places_taken"], 5);
}

fn patch_capacity(w: &World, id: &str, capacity: Value) -> Res {
    w.app.patch(
        &format!("{EVENTS}/{id}"),
        Some(&staff(&w.unit)),
        &json!({ "capacity": capacity }),
        None,
    )
}

#[test]
fn a_capacity_below_the_places_taken_is_refused_and_nothing_changes() {
    let w = world(3);
    let id = published(&w, json!(5));
    assert_eq!(status_of_new(&w, &id, 0, 3), "registered");
    assert_eq!(status_of_new(&w, &id, 1, 2), "registered");
    assert_eq!(status_of_new(&w, &id, 2, 2), "waitlisted");
    let before = event(&w.app, &id);
    let res = patch_capacity(&w, &id, json!(4));
    assert_eq!(res.status, 409, "{}", res.text);
    assert_eq!(res.code(), "capacity_below_taken");
    let detail = res.json()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("5 places are taken"), "{detail}");
    // Documented like every problem code.
    assert!(res.json()["type"]
        .as_str()
        .unwrap()
        .ends_with("capacity_below_taken"));
    assert_eq!(event(&w.app, &id), before);
    assert_eq!(
        standing(&w, &id),
        s(&[(0, "registered"), (1, "registered"), (2, "waitlisted")])
    );
    // Other fields of a refused patch are not written either.
    let res = w.app.patch(
        &format!("{EVENTS}/{id}"),
        Some(&staff(&w.unit)),
        &json!({"capacity": 1, "title": "Renamed"}),
        None,
    );
    assert_eq!(res.status, 409);
    assert_eq!(event(&w.app, &id), before);
    // Down to exactly the places taken is fine.
    let roomy = published(&w, json!(10));
    assert_eq!(status_of_new(&w, &roomy, 0, 3), "registered");
    let res = patch_capacity(&w, &roomy, json!(3));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["capacity"], 3);
    assert_eq!(res.json()["places_taken"], 3);
}

#[test]
fn a_larger_capacity_moves_the_waiting_list_up_in_order() {
    let w = world(4);
    let id = published(&w, json!(5));
    assert_eq!(status_of_new(&w, &id, 0, 3), "registered");
    assert_eq!(status_of_new(&w, &id, 1, 3), "waitlisted");
    assert_eq!(status_of_new(&w, &id, 2, 2), "waitlisted");
    assert_eq!(status_of_new(&w, &id, 3, 1), "waitlisted");
    // 8 places: 3 + 3 + 2 fill them; the last one still waits.
    let res = patch_capacity(&w, &id, json!(8));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        (
            res.json()["places_taken"].clone(),
            res.json()["waitlisted"].clone()
        ),
        (json!(8), json!(1))
    );
    assert_eq!(
        standing(&w, &id),
        s(&[
            (0, "registered"),
            (1, "registered"),
            (2, "registered"),
            (3, "waitlisted")
        ])
    );
    let e = event(&w.app, &id);
    assert_eq!(
        (e["capacity"].clone(), e["places_taken"].clone()),
        (json!(8), json!(8))
    );
}

#[test]
fn no_capacity_lets_everyone_waiting_in() {
    let w = world(3);
    let id = published(&w, json!(2));
    assert_eq!(status_of_new(&w, &id, 0, 2), "registered");
    assert_eq!(status_of_new(&w, &id, 1, 1), "waitlisted");
    assert_eq!(status_of_new(&w, &id, 2, 4), "waitlisted");
    let res = patch_capacity(&w, &id, Value::Null);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["capacity"], Value::Null);
    assert_eq!(
        (
            res.json()["places_taken"].clone(),
            res.json()["waitlisted"].clone()
        ),
        (json!(7), json!(0))
    );
    assert_eq!(
        standing(&w, &id),
        s(&[(0, "registered"), (1, "registered"), (2, "registered")])
    );
}

#[test]
fn head_counts_are_bounded_and_nothing_out_of_range_is_written() {
    let w = world(2);
    // Capacity: 1 ..= 100000, on create and on patch.
    let res = w.app.post(
        EVENTS,
        Some(&staff(&w.unit)),
        &cafe(&w, json!(100_001)).body(),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(fields(&res), ["capacity"]);
    assert!(w.app.all_items(EVENTS, Some(&admin())).is_empty());
    let id = published(&w, json!(100_000));
    let before = event(&w.app, &id);
    for bad in [json!(0), json!(100_001), json!(-1), json!(i32::MAX)] {
        let res = patch_capacity(&w, &id, bad.clone());
        assert_eq!(res.status, 422, "{bad}: {}", res.text);
        assert_eq!(fields(&res), ["capacity"], "{bad}");
    }
    assert_eq!(event(&w.app, &id), before);
    // Participants: 1 ..= 1000 (the limit the API already had).
    for bad in [0, 1001, i64::from(i32::MAX)] {
        let res = register(&w.app, &id, &w.orgs[0], bad);
        assert_eq!(res.status, 422, "{bad}: {}", res.text);
        assert_eq!(fields(&res), ["participants"], "{bad}");
    }
    assert!(registrations(&w.app, &id).is_empty());

    // Attendance: 0 ..= 100000 for every count, and a checked total.
    let res = w.app.post(EVENTS, Some(&staff(&w.unit)), &{
        let mut body = cafe(&w, json!(30)).body();
        body["starts_at"] = json!(in_days(-2));
        body["ends_at"] = json!(in_days(-1));
        body
    });
    assert_eq!(res.status, 201, "{}", res.text);
    let held = res.json()["id"].as_str().unwrap().to_owned();
    for action in ["publish", "mark-held"] {
        let res = w.app.send(
            "POST",
            &format!("{EVENTS}/{held}/{action}"),
            Some(&staff(&w.unit)),
            None,
            &[],
        );
        assert_eq!(res.status, 200, "{}", res.text);
    }
    let put = |body: &Value| {
        w.app.send(
            "PUT",
            &format!("{EVENTS}/{held}/attendance"),
            Some(&staff(&w.unit)),
            Some(body.to_string().into_bytes()),
            &[("Content-Type", "application/json")],
        )
    };
    let res = put(
        &json!({"organisations": [{"organisation_id": w.orgs[0], "attendees": 100_000}, {"organisation_id": w.orgs[1], "attendees": 0}], "walk_ins": 100_000}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["total"], 200_000);
    let recorded = w
        .app
        .get(&format!("{EVENTS}/{held}/attendance"), None)
        .json();
    let before = event(&w.app, &held);
    assert_eq!(before["attendance_total"], 200_000);
    let res = put(
        &json!({"organisations": [{"organisation_id": w.orgs[0], "attendees": 2147483647}], "walk_ins": 2147483647}),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(fields(&res), ["organisations[0].attendees", "walk_ins"]);
    for bad in [
        json!({"organisations": [{"organisation_id": w.orgs[0], "attendees": 100_001}], "walk_ins": 0}),
        json!({"organisations": [{"organisation_id": w.orgs[0], "attendees": 1}, {"organisation_id": w.orgs[1], "attendees": -1}], "walk_ins": 0}),
        json!({"organisations": [], "walk_ins": 100_001}),
    ] {
        let res = put(&bad);
        assert_eq!(res.status, 422, "{bad}: {}", res.text);
        assert_eq!(fields(&res).len(), 1, "{bad}");
    }
    assert_eq!(
        w.app
            .get(&format!("{EVENTS}/{held}/attendance"), None)
            .json(),
        recorded
    );
    assert_eq!(event(&w.app, &held), before);
}

#[test]
fn the_spec_states_the_bounds_of_every_head_count() {
    let app = spawn_app();
    let spec = app.get("/openapi.json", None).json();
    let schemas = &spec["components"]["schemas"];
    for (schema, field, minimum, maximum) in [
        ("CreateDialogueEvent", "capacity", 1, 100_000),
        ("UpdateDialogueEvent", "capacity", 1, 100_000),
        ("DialogueEventView", "capacity", 1, 100_000),
        ("CreateRegistration", "participants", 1, 1000),
        ("OrganisationAttendance", "attendees", 0, 100_000),
        ("AttendanceRecord", "walk_ins", 0, 100_000),
    ] {
        let property = &schemas[schema]["properties"][field];
        assert_eq!(property["minimum"], minimum, "{schema}.{field}: {property}");
        assert_eq!(property["maximum"], maximum, "{schema}.{field}: {property}");
    }
}
