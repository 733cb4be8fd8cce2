//! Dialogue events: lifecycle, visibility, registrations with capacity and
//! waiting list, attendance, minutes, outcomes, time zones, iCalendar.

use serde_json::{json, Value};

use crate::builders::{EventBuilder, OrganisationBuilder, UnitBuilder, World, EVENTS};
use crate::helpers::*;

/// The district administrations of Lundby (the unit) and Angered (the
/// other); Passalen, KFUM Göteborg and Reningsborg.
fn world() -> World {
    World::build()
        .with_unit(UnitBuilder::district("SDF Lundby", "lundby"))
        .with_other_unit(UnitBuilder::district("SDF Angered", "angered"))
        .with_organisations(vec![
            OrganisationBuilder::new("Passalen"),
            OrganisationBuilder::new("KFUM Göteborg"),
            OrganisationBuilder::new("Reningsborg").with_legal_form("social_enterprise"),
        ])
        .create()
}

/// The Idésluss of Lundby, co-organised by Reningsborg, for `capacity`.
fn idesluss(w: &World, capacity: i64) -> Value {
    EventBuilder::new(&w.unit)
        .with("description", json!("Matching meeting: ideas, needs and resources."))
        .with("topic", json!("Young people in Lundby"))
        .with("co_organiser_ids", json!([w.orgs[2]]))
        .with_district("lundby")
        .with_capacity(json!(capacity))
        .with(
            "agenda",
            json!([{"title": "Ideas, needs, resources", "duration_minutes": 60, "presenter": null}]),
        )
        .body()
}

/// Plans and publishes an event as staff of the organising unit.
fn published(w: &World, body: &Value) -> String {
    let res = w.app.post(EVENTS, Some(&staff(&w.unit)), body);
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

#[test]
fn planned_events_are_the_citys_until_published() {
    let w = world();
    let res = w.app.post(EVENTS, Some(&staff(&w.unit)), &idesluss(&w, 30));
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.json()["status"], "planned");
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let path = format!("{EVENTS}/{id}");
    for (who, token) in [("anonymous", None), ("partner", Some(partner(&w.orgs[0])))] {
        assert_eq!(w.app.get(&path, token.as_deref()).status, 404, "{who}");
        assert!(
            w.app.all_items(EVENTS, token.as_deref()).is_empty(),
            "{who}"
        );
        let res = w.app.send(
            "POST",
            &format!("{path}/publish"),
            token.as_deref(),
            None,
            &[],
        );
        assert_eq!(
            res.status,
            if token.is_some() { 404 } else { 401 },
            "{who} publish"
        );
        assert_eq!(
            w.app
                .get(&format!("{path}/calendar.ics"), token.as_deref())
                .status,
            404
        );
    }
    // Staff of another unit see it but do not act on it.
    assert_eq!(w.app.get(&path, Some(&staff(&w.other_unit))).status, 200);
    let res = w.app.send(
        "POST",
        &format!("{path}/publish"),
        Some(&staff(&w.other_unit)),
        None,
        &[],
    );
    assert_eq!(res.status, 403);
    // Staff may not plan for another unit; partners plan nothing.
    let mut other = idesluss(&w, 30);
    other["organiser_unit_id"] = json!(w.other_unit);
    assert_eq!(
        w.app.post(EVENTS, Some(&staff(&w.unit)), &other).status,
        403
    );
    assert_eq!(
        w.app
            .post(EVENTS, Some(&partner(&w.orgs[0])), &idesluss(&w, 30))
            .status,
        403
    );
    assert_eq!(w.app.post(EVENTS, None, &idesluss(&w, 30)).status, 401);

    let res = w.app.send(
        "POST",
        &format!("{path}/publish"),
        Some(&staff(&w.unit)),
        None,
        &[("If-Match", "\"1\"")],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "published");
    assert_eq!(w.app.get(&path, None).json()["title"], "Idésluss Lundby");
    // Publishing twice names the state and what is allowed.
    let res = w.app.send(
        "POST",
        &format!("{path}/publish"),
        Some(&staff(&w.unit)),
        None,
        &[],
    );
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "invalid_transition");
    assert_eq!(res.json()["current_state"], "published");
    assert_eq!(
        res.json()["allowed_actions"],
        json!(["cancel", "mark_held"])
    );
    // Not started: cannot be marked held.
    let res = w.app.send(
        "POST",
        &format!("{path}/mark-held"),
        Some(&staff(&w.unit)),
        None,
        &[],
    );
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "event_not_started");
    // Cancelled with a reason; then nothing more.
    let res = w.app.send(
        "POST",
        &format!("{path}/cancel"),
        Some(&admin()),
        Some(b"{}".to_vec()),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(res.status, 422);
    let res = w.app.post(
        &format!("{path}/cancel"),
        Some(&admin()),
        &json!({"reason": "The venue is closed"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["cancellation_reason"], "The venue is closed");
    let res = w.app.post(
        &format!("{path}/cancel"),
        Some(&admin()),
        &json!({"reason": "again"}),
    );
    assert_eq!(res.status, 409);
    assert_eq!(res.json()["allowed_actions"], json!([]));
    assert_eq!(
        w.app
            .patch(&path, Some(&admin()), &json!({"title": "X"}), None)
            .status,
        409
    );
}

#[test]
fn registrations_fill_places_then_wait_and_move_up() {
    let w = world();
    let id = published(&w, &idesluss(&w, 5));
    let regs = format!("{EVENTS}/{id}/registrations");
    let register = |org: &str, token: &str, participants: i64| {
        w.app.post(&regs, Some(token), &json!({"organisation_id": org, "participants": participants, "names": ["Anna A"], "needs": "Step-free access"}))
    };
    let a = register(&w.orgs[0], &partner(&w.orgs[0]), 3);
    assert_eq!(a.status, 201, "{}", a.text);
    assert_eq!(a.json()["status"], "registered");
    let b = register(&w.orgs[1], &partner(&w.orgs[1]), 3);
    assert_eq!(b.json()["status"], "waitlisted");
    // C would fit (2 of the 2 places left), but B waits: C queues behind it
    // (issue #15: a new registration never overtakes the waiting list).
    let c = register(&w.orgs[2], &partner(&w.orgs[2]), 2);
    assert_eq!(c.json()["status"], "waitlisted");
    let event = w.app.get(&format!("{EVENTS}/{id}"), None).json();
    assert_eq!(
        (event["places_taken"].clone(), event["waitlisted"].clone()),
        (json!(3), json!(2))
    );
    // A partner registering another organisation is refused; so is a second registration.
    let res = register(&w.orgs[1], &partner(&w.orgs[0]), 1);
    assert_eq!(res.status, 403);
    let res = register(&w.orgs[0], &partner(&w.orgs[0]), 1);
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "already_registered");
    for bad in [
        json!({"organisation_id": w.orgs[0], "participants": 0}),
        json!({"organisation_id": w.orgs[0], "participants": "two"}),
        json!({"participants": 1}),
    ] {
        assert_eq!(
            w.app.post(&regs, Some(&partner(&w.orgs[0])), &bad).status,
            422,
            "{bad}"
        );
    }
    // Names and needs: the city and the organisation itself only.
    let names_of = |token: Option<&str>| -> Vec<bool> {
        w.app.get(&regs, token).json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.get("names").is_some())
            .collect()
    };
    assert_eq!(names_of(None), [false, false, false]);
    assert_eq!(names_of(Some(&partner(&w.orgs[0]))), [true, false, false]);
    assert_eq!(names_of(Some(&staff(&w.other_unit))), [true, true, true]);
    // B may not cancel A's registration; A cancels and B moves up.
    let a_id = a.json()["id"].as_str().unwrap().to_owned();
    let cancel = format!("{regs}/{a_id}/cancel");
    assert_eq!(
        w.app
            .send("POST", &cancel, Some(&partner(&w.orgs[1])), None, &[])
            .status,
        403
    );
    let res = w
        .app
        .send("POST", &cancel, Some(&partner(&w.orgs[0])), None, &[]);
    assert_eq!(res.status, 200, "{}", res.text);
    let statuses: Vec<Value> = res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [json!("cancelled"), json!("registered"), json!("registered")]
    );
    assert_eq!(
        w.app
            .send("POST", &cancel, Some(&partner(&w.orgs[0])), None, &[])
            .status,
        409
    );
    // A registers again: now it waits.
    assert_eq!(
        register(&w.orgs[0], &partner(&w.orgs[0]), 1).json()["status"],
        "waitlisted"
    );
    // The organisation filter finds events an organisation is registered for.
    let found = w
        .app
        .all_items(&format!("{EVENTS}?organisation_id={}", w.orgs[1]), None);
    assert_eq!(found.len(), 1);
}

#[test]
fn registration_deadline_and_closed_events() {
    let w = world();
    let mut body = idesluss(&w, 30);
    body["registration_deadline"] = json!(in_days(-1));
    let id = published(&w, &body);
    let res = w.app.post(
        &format!("{EVENTS}/{id}/registrations"),
        Some(&partner(&w.orgs[0])),
        &json!({"organisation_id": w.orgs[0], "participants": 1}),
    );
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "registration_deadline_passed");
    assert!(w
        .app
        .get(&format!("{EVENTS}/{id}/registrations"), None)
        .json()["items"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn attendance_minutes_and_outcomes_after_the_event() {
    let w = world();
    let mut body = idesluss(&w, 30);
    body["starts_at"] = json!(in_days(-2));
    body["ends_at"] = json!(in_days(-1));
    let id = published(&w, &body);
    let path = format!("{EVENTS}/{id}");
    let record = json!({"organisations": [{"organisation_id": w.orgs[0], "attendees": 3}, {"organisation_id": w.orgs[2], "attendees": 2}], "walk_ins": 4});
    let res = w.app.send(
        "PUT",
        &format!("{path}/attendance"),
        Some(&staff(&w.unit)),
        Some(record.to_string().into_bytes()),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "event_not_held");
    let res = w.app.send(
        "POST",
        &format!("{path}/mark-held"),
        Some(&staff(&w.unit)),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let put = |token: &str, body: &Value| {
        w.app.send(
            "PUT",
            &format!("{path}/attendance"),
            Some(token),
            Some(body.to_string().into_bytes()),
            &[("Content-Type", "application/json")],
        )
    };
    assert_eq!(put(&partner(&w.orgs[0]), &record).status, 403);
    assert_eq!(put(&staff(&w.other_unit), &record).status, 403);
    let res = put(
        &staff(&w.unit),
        &json!({"organisations": [{"organisation_id": w.orgs[0], "attendees": -1}], "walk_ins": -2}),
    );
    assert_eq!(res.status, 422);
    assert_eq!(res.json()["errors"].as_array().unwrap().len(), 2);
    let res = put(&staff(&w.unit), &record);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["total"], 9);
    assert_eq!(
        w.app.get(&format!("{path}/attendance"), None).json()["total"],
        9
    );
    assert_eq!(w.app.get(&path, None).json()["attendance_total"], 9);

    // Minutes: staff write; the co-organiser contributes; others may not.
    let minutes = json!({"text": "9 actors came; two collaborations were formed."});
    assert_eq!(
        w.app
            .send(
                "PUT",
                &format!("{path}/minutes"),
                Some(&partner(&w.orgs[2])),
                Some(minutes.to_string().into_bytes()),
                &[("Content-Type", "application/json")]
            )
            .status,
        403
    );
    let res = w.app.send(
        "PUT",
        &format!("{path}/minutes"),
        Some(&staff(&w.unit)),
        Some(minutes.to_string().into_bytes()),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let contribution = |org: &str| json!({"organisation_id": org, "text": "Our notes"});
    assert_eq!(
        w.app
            .post(
                &format!("{path}/minutes/contributions"),
                Some(&partner(&w.orgs[2])),
                &contribution(&w.orgs[2])
            )
            .status,
        201
    );
    assert_eq!(
        w.app
            .post(
                &format!("{path}/minutes/contributions"),
                Some(&partner(&w.orgs[0])),
                &contribution(&w.orgs[0])
            )
            .status,
        403
    );
    assert_eq!(
        w.app
            .post(
                &format!("{path}/minutes/contributions"),
                Some(&partner(&w.orgs[0])),
                &contribution(&w.orgs[2])
            )
            .status,
        403
    );
    let read = w.app.get(&format!("{path}/minutes"), None).json();
    assert_eq!(
        read["text"],
        "9 actors came; two collaborations were formed."
    );
    assert_eq!(read["contributions"].as_array().unwrap().len(), 1);

    // Outcomes: links are not leaked to callers who may not see the case.
    // The link is to a proposal, visible only to the city and its parties (org A).
    let unknown = uuid::Uuid::now_v7().to_string();
    let res = w.app.post(
        &format!("{path}/outcomes"),
        Some(&staff(&w.unit)),
        &json!({"description": "x", "owner": "y", "partnership_id": unknown}),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    let proposal = w.app.post(
        "/api/v1/partnerships",
        Some(&partner(&w.orgs[0])),
        &json!({"title": "Summer activity", "purpose": "Joint leisure activity", "form": "iop", "responsible_unit_id": w.unit, "start_date": "2027-06-01", "end_date": "2027-08-31"}),
    );
    assert_eq!(proposal.status, 201, "{}", proposal.text);
    let case = proposal.json()["id"].as_str().unwrap().to_owned();
    let res = w.app.post(&format!("{path}/outcomes"), Some(&staff(&w.unit)), &json!({"description": "Passalen and KFUM start a summer activity", "owner": "Passalen", "partnership_id": case}));
    assert_eq!(res.status, 201, "{}", res.text);
    let outcome = res.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        w.app
            .post(
                &format!("{path}/outcomes"),
                Some(&partner(&w.orgs[0])),
                &json!({"description": "x", "owner": "y"})
            )
            .status,
        403
    );
    assert_eq!(
        w.app
            .post(
                &format!("{path}/outcomes"),
                Some(&staff(&w.unit)),
                &json!({"description": "", "owner": "", "status": "done"})
            )
            .status,
        422
    );
    let link_for = |token: Option<&str>| {
        w.app.get(&format!("{path}/outcomes"), token).json()["items"][0]["partnership_id"].clone()
    };
    assert_eq!(link_for(Some(&staff(&w.other_unit))), json!(case));
    assert_eq!(link_for(Some(&partner(&w.orgs[0]))), json!(case));
    assert_eq!(link_for(None), json!(null));
    assert_eq!(link_for(Some(&partner(&w.orgs[1]))), json!(null));
    let res = w.app.patch(
        &format!("{path}/outcomes/{outcome}"),
        Some(&staff(&w.unit)),
        &json!({"status": "realised"}),
        Some("\"1\""),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        w.app
            .patch(
                &format!("{path}/outcomes/{outcome}"),
                Some(&staff(&w.unit)),
                &json!({"status": "dropped"}),
                Some("\"1\"")
            )
            .status,
        412
    );
    assert_eq!(
        w.app.get(&format!("{path}/outcomes"), None).json()["items"][0]["status"],
        "realised"
    );
}

#[test]
fn stockholm_times_around_daylight_saving_changes() {
    let w = world();
    let create = |starts: &str, ends: &str| {
        let mut body = idesluss(&w, 30);
        body["starts_at"] = json!(starts);
        body["ends_at"] = json!(ends);
        w.app.post(EVENTS, Some(&staff(&w.unit)), &body)
    };
    // The night clocks go forward (29 March 2026, 02:00 → 03:00).
    let res = create("2026-03-29T01:30", "2026-03-29T03:30");
    assert_eq!(res.status, 201, "{}", res.text);
    let e = res.json();
    assert_eq!(e["starts_at"], "2026-03-29T00:30:00Z");
    assert_eq!(e["starts_at_local"], "2026-03-29T01:30:00+01:00");
    assert_eq!(e["ends_at"], "2026-03-29T01:30:00Z");
    assert_eq!(e["ends_at_local"], "2026-03-29T03:30:00+02:00");
    assert_eq!(e["time_zone"], "Europe/Stockholm");
    let res = create("2026-03-29T02:30", "2026-03-29T04:00");
    assert_eq!(res.status, 422);
    assert_eq!(res.json()["errors"][0]["field"], "starts_at");
    // The night clocks go back (25 October 2026, 03:00 → 02:00): 02:30 happens twice.
    let res = create("2026-10-25T02:30", "2026-10-25T04:00");
    assert_eq!(res.status, 422);
    let res = create("2026-10-25T02:30:00+01:00", "2026-10-25T04:00");
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.json()["starts_at"], "2026-10-25T01:30:00Z");
    assert_eq!(res.json()["ends_at"], "2026-10-25T03:00:00Z");
    // Summer and winter evenings.
    let res = create("2026-05-12T18:00", "2026-05-12T20:00");
    assert_eq!(res.json()["starts_at"], "2026-05-12T16:00:00Z");
    let res = create("2026-01-28T18:00", "2026-01-28T20:00");
    assert_eq!(res.json()["starts_at"], "2026-01-28T17:00:00Z");
}

#[test]
fn every_invalid_field_is_named_and_nothing_is_written() {
    let w = world();
    let res = w.app.post(
        EVENTS,
        Some(&staff(&w.unit)),
        &json!({
            "title": "",
            "kind": "dialogue_meeting",
            "participation_level": "dialogue",
            "starts_at": "2026-05-12T18:00",
            "ends_at": "2027-05-12T17:00",
            "format": "online",
            "capacity": 0,
            "agenda": [{"title": "", "duration_minutes": 0, "presenter": null}]
        }),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    let fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    for field in [
        "title",
        "capacity",
        "agenda[0].title",
        "agenda[0].duration_minutes",
    ] {
        assert!(fields.contains(&field.to_owned()), "{field} in {fields:?}");
    }
    let mut body = idesluss(&w, 30);
    body["organiser_unit_id"] = json!(uuid::Uuid::now_v7());
    assert_eq!(w.app.post(EVENTS, Some(&admin()), &body).status, 422);
    let mut body = idesluss(&w, 30);
    body["format"] = json!("hybrid");
    assert_eq!(
        w.app.post(EVENTS, Some(&admin()), &body).json()["errors"][0]["field"],
        "online_link"
    );
    let mut body = idesluss(&w, 30);
    body["kind"] = json!("party");
    assert_eq!(w.app.post(EVENTS, Some(&admin()), &body).status, 422);
    assert!(w.app.all_items(EVENTS, Some(&admin())).is_empty());
    // A stale If-Match changes nothing.
    let id = published(&w, &idesluss(&w, 30));
    let res = w.app.patch(
        &format!("{EVENTS}/{id}"),
        Some(&staff(&w.unit)),
        &json!({"capacity": 40}),
        Some("\"1\""),
    );
    assert_eq!(res.status, 412);
    let res = w.app.patch(
        &format!("{EVENTS}/{id}"),
        Some(&staff(&w.unit)),
        &json!({"capacity": 40}),
        Some("\"2\""),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["capacity"], 40);
}

#[test]
fn filters_and_bad_parameters() {
    let w = world();
    let first = published(&w, &idesluss(&w, 30));
    let mut forum = idesluss(&w, 120);
    forum["title"] = json!("Chefsforum: Göteborgs Stadsmission");
    forum["kind"] = json!("leadership_forum");
    forum["participation_level"] = json!("information");
    forum["district"] = json!("vastra_goteborg");
    forum["starts_at"] = json!(in_days(20));
    forum["ends_at"] = json!(in_days(21));
    let second = published(&w, &forum);
    let ids = |query: &str| -> Vec<String> {
        w.app
            .all_items(&format!("{EVENTS}?{query}"), None)
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids("kind=leadership_forum"), [second.as_str()]);
    assert_eq!(ids("participation_level=partnership"), [first.as_str()]);
    assert_eq!(ids("district=lundby"), [first.as_str()]);
    assert_eq!(ids("q=STADSMISSION"), [second.as_str()]);
    assert_eq!(
        ids(&format!("organisation_id={}", w.orgs[2])),
        [first.as_str(), second.as_str()]
    );
    assert_eq!(
        ids(&format!("from={}", in_days(15).replace('+', "%2B"))),
        [second.as_str()]
    );
    assert_eq!(
        ids(&format!("to={}", in_days(15).replace('+', "%2B"))),
        [first.as_str()]
    );
    assert_eq!(ids("limit=1"), [first, second]);
    for bad in [
        "kind=party",
        "level=dialogue",
        "from=tomorrow",
        "limit=501",
        "status=draft",
    ] {
        assert_eq!(
            w.app.get(&format!("{EVENTS}?{bad}"), None).status,
            400,
            "{bad}"
        );
    }
}

fn property<'a>(
    event: &'a ical::parser::ical::component::IcalEvent,
    name: &str,
) -> Option<&'a str> {
    event
        .properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

#[test]
fn published_events_are_an_icalendar_feed() {
    let w = world();
    let mut body = idesluss(&w, 30);
    body["title"] = json!("Idésluss Lundby, del 2; matchning");
    body["starts_at"] = json!("2027-05-12T17:00");
    body["ends_at"] = json!("2027-05-12T19:30");
    let held = published(&w, &body);
    let cancelled = published(&w, &idesluss(&w, 30));
    assert_eq!(
        w.app
            .post(
                &format!("{EVENTS}/{cancelled}/cancel"),
                Some(&admin()),
                &json!({"reason": "Too few registrations"})
            )
            .status,
        200
    );
    let planned = w
        .app
        .post(EVENTS, Some(&staff(&w.unit)), &idesluss(&w, 30))
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let res = w.app.get(&format!("{EVENTS}.ics"), None);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        res.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    assert!(res.text.contains("\r\n"));
    let calendars: Vec<_> = ical::IcalParser::new(std::io::BufReader::new(res.text.as_bytes()))
        .collect::<Result<_, _>>()
        .expect("a valid iCalendar");
    assert_eq!(calendars.len(), 1);
    let events = &calendars[0].events;
    assert_eq!(events.len(), 2);
    let uid = |id: &str| format!("{id}@samverkan");
    let find = |id: &str| {
        events
            .iter()
            .find(|e| property(e, "UID") == Some(uid(id).as_str()))
    };
    let e = find(&held).expect("the published event");
    // Stockholm wall-clock time, as posted (the time zone: tests/api/calendars.rs).
    assert_eq!(property(e, "DTSTART"), Some("20270512T170000"));
    assert_eq!(property(e, "DTEND"), Some("20270512T193000"));
    assert_eq!(
        property(e, "SUMMARY"),
        Some("Idésluss Lundby\\, del 2\\; matchning")
    );
    assert_eq!(property(e, "STATUS"), Some("CONFIRMED"));
    assert_eq!(property(e, "LOCATION"), Some("Lundby district office"));
    assert_eq!(
        property(find(&cancelled).expect("the cancelled event"), "STATUS"),
        Some("CANCELLED")
    );
    assert!(find(&planned).is_none());

    let one = w.app.get(&format!("{EVENTS}/{held}/calendar.ics"), None);
    assert_eq!(one.status, 200);
    let calendars: Vec<_> = ical::IcalParser::new(std::io::BufReader::new(one.text.as_bytes()))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(calendars[0].events.len(), 1);
    assert_eq!(
        w.app.get(&format!("{EVENTS}.ics?colour=red"), None).status,
        400
    );
}

#[test]
fn staff_invite_organisations() {
    let w = world();
    let id = published(&w, &idesluss(&w, 30));
    let path = format!("{EVENTS}/{id}/invitations");
    let body = json!({"organisation_ids": [w.orgs[0], w.orgs[1]]});
    assert_eq!(
        w.app.post(&path, Some(&partner(&w.orgs[0])), &body).status,
        403
    );
    assert_eq!(
        w.app.post(&path, Some(&staff(&w.other_unit)), &body).status,
        403
    );
    assert_eq!(w.app.post(&path, None, &body).status, 401);
    let res = w.app.post(
        &path,
        Some(&staff(&w.unit)),
        &json!({"organisation_ids": [uuid::Uuid::now_v7()]}),
    );
    assert_eq!(res.status, 422);
    assert_eq!(res.json()["errors"][0]["field"], "organisation_ids[0]");
    let res = w.app.post(&path, Some(&staff(&w.unit)), &body);
    assert_eq!(res.status, 200, "{}", res.text);
    // Inviting again changes nothing.
    let res = w.app.post(
        &path,
        Some(&staff(&w.unit)),
        &json!({"organisation_ids": [w.orgs[1]]}),
    );
    assert_eq!(res.json()["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        w.app.get(&path, None).json()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let invited = w
        .app
        .all_items(&format!("{EVENTS}?organisation_id={}", w.orgs[1]), None);
    assert_eq!(invited.len(), 1);
}

#[test]
fn event_times_follow_the_spec_pattern_and_the_one_syntax_of_the_api() {
    let w = world();
    let spec = w.app.get("/openapi.json", None).json();
    let pattern = spec["components"]["schemas"]["CreateDialogueEvent"]["properties"]["starts_at"]
        ["pattern"]
        .as_str()
        .unwrap()
        .to_owned();
    let pattern = regex_lite::Regex::new(&pattern).unwrap();
    let create = |starts: &str, ends: &str| {
        let mut body = idesluss(&w, 30);
        body["starts_at"] = json!(starts);
        body["ends_at"] = json!(ends);
        w.app.post(EVENTS, Some(&staff(&w.unit)), &body)
    };
    for (starts, taken) in [
        // RFC 3339 allows a lower-case `t` and `z`.
        ("2031-05-12t16:00:00z", true),
        ("2031-05-12T18:00:00.5+02:00", true),
        ("2031-05-12T18:00", true),
        ("2032-02-29T10:00", true),
        // An offset needs the seconds; a day must be in its month.
        ("2031-05-12T16:00Z", false),
        ("2031-02-29T10:00", false),
        ("2031-06-31T10:00", false),
    ] {
        assert_eq!(pattern.is_match(starts), taken, "the spec on {starts}");
        let res = create(starts, "2033-01-01T10:00:00Z");
        assert_eq!(
            res.status,
            if taken { 201 } else { 422 },
            "{starts}: {}",
            res.text
        );
        if !taken {
            assert_eq!(
                res.json()["errors"][0]["field"],
                "starts_at",
                "{}",
                res.text
            );
        }
    }
}

#[test]
fn staff_registering_to_their_own_planned_event_learn_it_is_closed_partners_learn_nothing() {
    let w = World::new();
    let res = w.app.post(
        "/api/v1/dialogue-events",
        Some(&staff(&w.unit)),
        &json!({"title": "Planerat", "kind": "workshop", "participation_level": "dialogue",
            "starts_at": in_days(20), "ends_at": in_days(21),
            "format": "in_person", "place": "Lundby district office"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let path = format!(
        "/api/v1/dialogue-events/{}/registrations",
        res.json()["id"].as_str().unwrap()
    );
    let body = json!({"organisation_id": w.orgs[0], "participants": 2});
    // Staff can read the planned event: 409, not 404.
    assert_eq!(
        w.app
            .get(&path.replace("/registrations", ""), Some(&staff(&w.unit)))
            .status,
        200
    );
    let res = w.app.post(&path, Some(&staff(&w.unit)), &body);
    assert_eq!(res.status, 409, "{}", res.text);
    assert_eq!(res.code(), "registration_closed");
    assert!(res.json()["detail"].as_str().unwrap().contains("planned"));
    // A partner may not know the event exists: 404.
    let res = w.app.post(&path, Some(&partner(&w.orgs[0])), &body);
    assert_eq!(res.status, 404, "{}", res.text);
    // Nothing was registered.
    let list = w.app.get(&path, Some(&staff(&w.unit))).json();
    assert!(list["items"].as_array().unwrap().is_empty());
}

#[test]
fn outcomes_need_a_held_event_like_minutes_and_attendance() {
    let w = World::new();
    let res = w.app.post(
        "/api/v1/dialogue-events",
        Some(&staff(&w.unit)),
        &json!({"title": "Snart", "kind": "workshop", "participation_level": "dialogue",
            "starts_at": in_days(20), "ends_at": in_days(21),
            "format": "in_person", "place": "Lundby district office"}),
    );
    let path = format!(
        "/api/v1/dialogue-events/{}",
        res.json()["id"].as_str().unwrap()
    );
    let outcome = json!({"description": "A joint activity", "owner": "Passalen"});
    for step in ["planned", "publish"] {
        if step == "publish" {
            let res = w.app.send(
                "POST",
                &format!("{path}/publish"),
                Some(&staff(&w.unit)),
                None,
                &[],
            );
            assert_eq!(res.status, 200, "{}", res.text);
        }
        let res = w
            .app
            .post(&format!("{path}/outcomes"), Some(&staff(&w.unit)), &outcome);
        assert_eq!(res.status, 409, "{step}: {}", res.text);
        assert_eq!(res.code(), "event_not_held");
    }
    let list = w
        .app
        .get(&format!("{path}/outcomes"), Some(&staff(&w.unit)))
        .json();
    assert!(list["items"].as_array().unwrap().is_empty());
}
