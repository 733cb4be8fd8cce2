//! The iCalendar feed as a calendar program reads it, with an independent
//! parser (the `ical` crate): local times with `TZID=Europe/Stockholm` that
//! the feed's own `VTIMEZONE` turns back into the instants the API holds,
//! across both changes of the clock; `SEQUENCE` and `LAST-MODIFIED` that
//! move; `ETag`/`If-None-Match`; filters; an organiser that is a unit.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};
use ical::parser::ical::component::{IcalCalendar, IcalEvent};
use ical::property::Property;
use serde_json::{json, Value};

use crate::builders::{EventBuilder, UnitBuilder, World, EVENTS};
use crate::helpers::*;

fn world() -> World {
    World::build()
        .with_unit(UnitBuilder::district("SDF Lundby", "lundby"))
        .with_other_unit(UnitBuilder::district("SDF Angered", "angered"))
        .create()
}

fn parse(text: &str) -> IcalCalendar {
    let mut calendars: Vec<_> = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("not iCalendar ({e}):\n{text}"));
    assert_eq!(calendars.len(), 1);
    calendars.remove(0)
}

fn find<'a>(properties: &'a [Property], name: &str) -> Option<&'a Property> {
    properties.iter().find(|p| p.name == name)
}

fn value<'a>(properties: &'a [Property], name: &str) -> Option<&'a str> {
    find(properties, name).and_then(|p| p.value.as_deref())
}

fn param<'a>(property: &'a Property, name: &str) -> Option<&'a str> {
    property
        .params
        .iter()
        .flatten()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| v.first())
        .map(String::as_str)
}

fn event<'a>(calendar: &'a IcalCalendar, id: &str) -> Option<&'a IcalEvent> {
    let uid = format!("{id}@samverkan");
    calendar
        .events
        .iter()
        .find(|e| value(&e.properties, "UID") == Some(uid.as_str()))
}

/// `+0200` as seconds east of UTC.
fn offset(text: &str) -> i64 {
    let sign = if text.starts_with('-') { -1 } else { 1 };
    let hours: i64 = text[1..3].parse().unwrap();
    let minutes: i64 = text[3..5].parse().unwrap();
    sign * (hours * 3600 + minutes * 60)
}

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S").unwrap()
}

/// The instant a `TZID=Europe/Stockholm` time names, read only through the
/// calendar's `VTIMEZONE`: the offset of the last observance that began at
/// or before it (RFC 5545 3.6.5; the onset is its `DTSTART` in the offset
/// before it).
fn through_vtimezone(calendar: &IcalCalendar, time: &Property) -> DateTime<Utc> {
    assert_eq!(param(time, "TZID"), Some("Europe/Stockholm"), "{time:?}");
    assert_eq!(calendar.timezones.len(), 1, "one VTIMEZONE");
    let zone = &calendar.timezones[0];
    assert_eq!(value(&zone.properties, "TZID"), Some("Europe/Stockholm"));
    let wall = local(time.value.as_deref().unwrap());
    let mut observances: Vec<(DateTime<Utc>, i64)> = zone
        .transitions
        .iter()
        .map(|t| {
            let from = offset(value(&t.properties, "TZOFFSETFROM").unwrap());
            let to = offset(value(&t.properties, "TZOFFSETTO").unwrap());
            let onset = local(value(&t.properties, "DTSTART").unwrap()) - Duration::seconds(from);
            (onset.and_utc(), to)
        })
        .collect();
    observances.sort();
    let (_, to) = observances
        .iter()
        .rev()
        .find(|(onset, to)| (wall - Duration::seconds(*to)).and_utc() >= *onset)
        .unwrap_or_else(|| panic!("no observance covers {wall}"));
    (wall - Duration::seconds(*to)).and_utc()
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let mut day = NaiveDate::from_ymd_opt(year, month + 1, 1).unwrap() - Duration::days(1);
    while day.weekday() != Weekday::Sun {
        day -= Duration::days(1);
    }
    day
}

fn feed(w: &World, query: &str) -> (Res, IcalCalendar) {
    let res = w.app.get(&format!("{EVENTS}.ics{query}"), None);
    assert_eq!(res.status, 200, "{}", res.text);
    let calendar = parse(&res.text);
    (res, calendar)
}

#[test]
fn local_times_read_back_through_the_feeds_vtimezone_across_both_clock_changes() {
    let w = world();
    let year = Utc::now().year() + 1;
    let spring = last_sunday(year, 3);
    let autumn = last_sunday(year, 10);
    let day = |d: NaiveDate, days: i64| (d + Duration::days(days)).format("%Y-%m-%d");
    // The evening before and the evening after each change; and the last
    // minute before and the first minute after the skipped hour.
    let posted = [
        (
            format!("{}T18:00", day(spring, -1)),
            format!("{}T20:00", day(spring, -1)),
        ),
        (
            format!("{}T01:59", day(spring, 0)),
            format!("{}T03:00", day(spring, 0)),
        ),
        (
            format!("{}T18:00", day(spring, 0)),
            format!("{}T20:00", day(spring, 0)),
        ),
        (
            format!("{}T18:00", day(autumn, -1)),
            format!("{}T20:00", day(autumn, -1)),
        ),
        (
            format!("{}T01:30", day(autumn, 0)),
            format!("{}T03:30", day(autumn, 0)),
        ),
        (
            format!("{}T18:00", day(autumn, 0)),
            format!("{}T20:00", day(autumn, 0)),
        ),
    ];
    let mut made = Vec::new();
    for (starts, ends) in &posted {
        let body = EventBuilder::new(&w.unit)
            .with("starts_at", json!(starts))
            .with("ends_at", json!(ends))
            .body();
        let res = w.app.post(EVENTS, Some(&staff(&w.unit)), &body);
        assert_eq!(res.status, 201, "{starts}: {}", res.text);
        let view = res.json();
        let id = view["id"].as_str().unwrap().to_owned();
        let publish = w.app.send(
            "POST",
            &format!("{EVENTS}/{id}/publish"),
            Some(&staff(&w.unit)),
            None,
            &[],
        );
        assert_eq!(publish.status, 200, "{}", publish.text);
        made.push((id, view));
    }
    let (_, calendar) = feed(&w, "");
    // The time zone says CET and CEST with this year's changes.
    let zone = &calendar.timezones[0];
    for (change, from, to) in [(spring, "+0100", "+0200"), (autumn, "+0200", "+0100")] {
        let hour = if from == "+0100" { "020000" } else { "030000" };
        let onset = format!("{}T{hour}", change.format("%Y%m%d"));
        assert!(
            zone.transitions.iter().any(|t| {
                value(&t.properties, "DTSTART") == Some(onset.as_str())
                    && value(&t.properties, "TZOFFSETFROM") == Some(from)
                    && value(&t.properties, "TZOFFSETTO") == Some(to)
            }),
            "the change of {change} in {zone:?}"
        );
    }
    for ((starts, ends), (id, view)) in posted.iter().zip(&made) {
        let e = event(&calendar, id).unwrap_or_else(|| panic!("{starts} in the feed"));
        for (name, posted, held) in [
            ("DTSTART", starts, &view["starts_at"]),
            ("DTEND", ends, &view["ends_at"]),
        ] {
            let time = find(&e.properties, name).unwrap();
            // The wall-clock time that was posted, as it was posted...
            let wall = local(time.value.as_deref().unwrap());
            assert_eq!(wall.format("%Y-%m-%dT%H:%M").to_string(), *posted, "{name}");
            // ...and, through the VTIMEZONE, the instant the API stored.
            let held: DateTime<Utc> = held.as_str().unwrap().parse().unwrap();
            assert_eq!(through_vtimezone(&calendar, time), held, "{name} {posted}");
        }
    }
}

#[test]
fn a_wall_clock_time_in_the_skipped_hour_is_refused_naming_the_field() {
    let w = world();
    let spring = last_sunday(Utc::now().year() + 1, 3);
    for (field, clock) in [("starts_at", "02:00"), ("ends_at", "02:59")] {
        let mut body = EventBuilder::new(&w.unit)
            .with("starts_at", json!(format!("{spring}T01:00")))
            .with("ends_at", json!(format!("{spring}T04:00")))
            .body();
        body[field] = json!(format!("{spring}T{clock}"));
        let res = w.app.post(EVENTS, Some(&staff(&w.unit)), &body);
        assert_eq!(res.status, 422, "{}", res.text);
        assert_eq!(res.code(), "validation_failed");
        assert_eq!(res.error_fields(), [field]);
        assert!(res.text.contains("does not exist"), "{}", res.text);
    }
    let autumn = last_sunday(Utc::now().year() + 1, 10);
    let body = EventBuilder::new(&w.unit)
        .with("starts_at", json!(format!("{autumn}T02:30")))
        .with("ends_at", json!(format!("{autumn}T04:00")))
        .body();
    let res = w.app.post(EVENTS, Some(&staff(&w.unit)), &body);
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(res.error_fields(), ["starts_at"]);
    assert!(res.text.contains("happens twice"), "{}", res.text);
}

/// The event's ETag, for `If-Match`.
fn etag_of(w: &World, id: &str) -> String {
    let res = w.app.get(&format!("{EVENTS}/{id}"), None);
    res.header("etag").unwrap().to_owned()
}

#[test]
fn sequence_and_last_modified_move_when_the_event_changes_and_the_feed_answers_304_until_then() {
    let w = world();
    let id = EventBuilder::new(&w.unit).published(&w.app).id;
    let path = format!("{EVENTS}/{id}/calendar.ics");
    let read = |res: &Res| {
        let calendar = parse(&res.text);
        let e = event(&calendar, &id).expect("the event");
        (
            value(&e.properties, "SEQUENCE")
                .unwrap()
                .parse::<u32>()
                .unwrap(),
            local(
                value(&e.properties, "LAST-MODIFIED")
                    .unwrap()
                    .trim_end_matches('Z'),
            ),
        )
    };
    let (before, before_one) = (feed(&w, "").0, w.app.get(&path, None));
    let (sequence, modified) = read(&before);
    assert_eq!(read(&before_one), (sequence, modified));
    for (path, res) in [
        (format!("{EVENTS}.ics"), &before),
        (path.clone(), &before_one),
    ] {
        let tag = res.header("etag").expect("an ETag").to_owned();
        assert!(tag.starts_with('"') && !tag.starts_with("W/"), "{tag}");
        let again = w
            .app
            .send("GET", &path, None, None, &[("If-None-Match", &tag)]);
        assert_eq!(again.status, 304, "{path}");
        assert!(again.text.is_empty());
        assert_eq!(again.header("etag"), Some(tag.as_str()));
    }

    // LAST-MODIFIED has whole seconds.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let res = w.app.patch(
        &format!("{EVENTS}/{id}"),
        Some(&staff(&w.unit)),
        &json!({"title": "Idésluss Lundby (new room)"}),
        Some(&etag_of(&w, &id)),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    for (path, old) in [
        (format!("{EVENTS}.ics"), &before),
        (path.clone(), &before_one),
    ] {
        let tag = old.header("etag").unwrap();
        let now = w
            .app
            .send("GET", &path, None, None, &[("If-None-Match", tag)]);
        assert_eq!(now.status, 200, "{path}: a change is not a 304");
        assert_ne!(now.header("etag"), Some(tag));
        let (after, modified_after) = read(&now);
        assert!(after > sequence, "{path}: SEQUENCE {sequence} → {after}");
        assert!(modified_after > modified, "{path}: LAST-MODIFIED");
        assert!(now.text.contains("SUMMARY:Idésluss Lundby (new room)"));
    }

    // Cancelled: still in the feed, as cancelled, one step further.
    let res = w.app.post(
        &format!("{EVENTS}/{id}/cancel"),
        Some(&staff(&w.unit)),
        &json!({"reason": "The venue is closed."}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let (res, calendar) = feed(&w, "");
    let e = event(&calendar, &id).unwrap();
    assert_eq!(value(&e.properties, "STATUS"), Some("CANCELLED"));
    assert!(read(&res).0 > sequence + 1);
}

#[test]
fn the_feed_is_filtered_by_unit_district_kind_and_level_and_names_units_not_people() {
    let w = world();
    let lundby = EventBuilder::new(&w.unit)
        .with_district("lundby")
        .with_kind("matching_meeting", "partnership")
        .published(&w.app)
        .id;
    let angered = EventBuilder::new(&w.other_unit)
        .with_district("angered")
        .with_kind("dialogue_meeting", "dialogue")
        .published(&w.app)
        .id;
    let planned = EventBuilder::new(&w.unit).create(&w.app).id;
    let ids = |query: &str| -> Vec<String> {
        let (_, calendar) = feed(&w, query);
        let mut found: Vec<String> = calendar
            .events
            .iter()
            .map(|e| {
                value(&e.properties, "UID")
                    .unwrap()
                    .trim_end_matches("@samverkan")
                    .to_owned()
            })
            .collect();
        found.sort();
        found
    };
    let mut both = vec![lundby.clone(), angered.clone()];
    both.sort();
    assert_eq!(
        ids(""),
        both,
        "public events only, not the planned {planned}"
    );
    assert_eq!(
        ids(&format!("?organiser_unit_id={}", w.unit)),
        [lundby.as_str()]
    );
    assert_eq!(
        ids(&format!("?organiser_unit_id={}", w.other_unit)),
        [angered.as_str()]
    );
    assert_eq!(ids("?district=lundby"), [lundby.as_str()]);
    assert_eq!(ids("?district=angered"), [angered.as_str()]);
    assert_eq!(ids("?kind=dialogue_meeting"), [angered.as_str()]);
    assert_eq!(ids("?participation_level=partnership"), [lundby.as_str()]);
    assert!(ids(&format!("?district=angered&organiser_unit_id={}", w.unit)).is_empty());
    for bad in [
        "district=narnia",
        "organiser_unit_id=lundby",
        "kind=party",
        "participation_level=all",
        "colour=red",
        "organisation_id=0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e",
    ] {
        let res = w.app.get(&format!("{EVENTS}.ics?{bad}"), None);
        assert_eq!(res.status, 400, "{bad}: {}", res.text);
        assert_eq!(
            res.header("content-type"),
            Some("application/problem+json"),
            "{bad}"
        );
    }

    // ORGANIZER: the unit by name and by its address in the API.
    let (_, calendar) = feed(&w, "");
    for (id, unit, name) in [
        (&lundby, &w.unit, "SDF Lundby"),
        (&angered, &w.other_unit, "SDF Angered"),
    ] {
        let e = event(&calendar, id).unwrap();
        let organiser = find(&e.properties, "ORGANIZER").expect("an ORGANIZER");
        assert_eq!(param(organiser, "CN"), Some(name));
        let uri = organiser.value.as_deref().unwrap();
        assert!(
            uri.ends_with(&format!("/api/v1/city-units/{unit}")),
            "{uri}"
        );
        assert!(
            !uri.contains('@') && !uri.to_lowercase().starts_with("mailto:"),
            "{uri}"
        );
        let url = value(&e.properties, "URL").unwrap();
        assert!(
            url.starts_with("http") && url.ends_with(&format!("/api/v1/dialogue-events/{id}")),
            "{url}"
        );
        let categories = value(&e.properties, "CATEGORIES").unwrap();
        let view: Value = w.app.get(&format!("{EVENTS}/{id}"), None).json();
        assert_eq!(
            categories,
            format!(
                "{},{}",
                view["kind"].as_str().unwrap(),
                view["participation_level"].as_str().unwrap()
            )
        );
    }
    assert!(
        !calendar.events.iter().any(|e| e.properties.iter().any(|p| p
            .value
            .as_deref()
            .is_some_and(|v| v.to_lowercase().contains("mailto:"))))
    );
}
