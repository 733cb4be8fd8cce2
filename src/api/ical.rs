//! iCalendar (RFC 5545) of public dialogue events, so that organisations and
//! officials can subscribe from Outlook, Google Calendar or Apple Calendar.
//!
//! The `icalendar` crate writes every property (escaping, line folding, the
//! date-time forms). Times are Stockholm wall-clock times with
//! `TZID=Europe/Stockholm`, described by a `VTIMEZONE` generated from the tz
//! database ([`local_time::transitions`]) for the span the events cover, so a
//! calendar program shows the posted local time whatever zone it runs in.
//! The crate has no `VTIMEZONE` component, so that block is assembled here
//! from the crate's own `Property` lines.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use icalendar::{Calendar, CalendarDateTime, Component, EventLike, Property};

use crate::domain::dialogue::{DialogueEvent, EventStatus};
use crate::domain::ids::CityUnitId;
use crate::domain::local_time::{self, TIME_ZONE};

/// One property line as the crate writes it (escaped, folded, CRLF).
fn line(property: Property) -> String {
    TryInto::<String>::try_into(property).unwrap_or_default()
}

/// `+0200`, as `TZOFFSETFROM`/`TZOFFSETTO` want it.
fn utc_offset(offset: chrono::FixedOffset) -> String {
    let seconds = offset.local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("{sign}{:02}{:02}", minutes / 60, minutes % 60)
}

/// The `VTIMEZONE` of Europe/Stockholm for `from`..`to`: the observance in
/// force at `from` and one `STANDARD` or `DAYLIGHT` per change of offset
/// after it, each starting at the local time before the change (RFC 5545
/// 3.6.5). No `RRULE`: each change is listed, so a change of rule in the tz
/// database shows in the feed as it is.
fn time_zone(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let mut out = String::from("BEGIN:VTIMEZONE\r\n");
    out += &line(Property::new("TZID", TIME_ZONE));
    for t in local_time::transitions(from, to) {
        let kind = if t.summer_time {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        let starts = t.at.with_timezone(&t.offset_before).naive_local();
        out += &format!("BEGIN:{kind}\r\n");
        out += &line(Property::new(
            "DTSTART",
            starts.format("%Y%m%dT%H%M%S").to_string(),
        ));
        out += &line(Property::new("TZOFFSETFROM", utc_offset(t.offset_before)));
        out += &line(Property::new("TZOFFSETTO", utc_offset(t.offset_after)));
        out += &line(Property::new("TZNAME", t.abbreviation));
        out += &format!("END:{kind}\r\n");
    }
    out += "END:VTIMEZONE\r\n";
    out
}

/// A Stockholm wall-clock date-time with its `TZID`.
fn local(instant: DateTime<Utc>) -> CalendarDateTime {
    CalendarDateTime::WithTimezone {
        date_time: local_time::to_local(instant).naive_local(),
        tzid: TIME_ZONE.into(),
    }
}

/// The organising unit as `ORGANIZER`: its name and the unit's address in
/// the API, never a person's e-mail.
fn organiser(base: &str, id: CityUnitId, name: &str) -> Property {
    // A parameter value cannot hold a double quote (RFC 5545 3.1).
    let name = name.replace('"', "'");
    Property::new("ORGANIZER", format!("{base}/api/v1/city-units/{id}"))
        .add_parameter("CN", &name)
        .done()
}

fn event(e: &DialogueEvent, units: &HashMap<CityUnitId, String>, base: &str) -> String {
    let d = &e.details;
    let mut v = icalendar::Event::new();
    v.uid(&format!("{}@samverkan", e.id))
        // The last change, not the time of the request: the feed's bytes (and
        // so its ETag) only move when an event does.
        .timestamp(e.updated_at)
        .last_modified(e.updated_at)
        .created(e.created_at)
        // The event's version counts its changes from 1.
        .sequence(u32::try_from(e.version - 1).unwrap_or(0))
        .starts(local(d.starts_at))
        .ends(local(d.ends_at))
        .summary(&d.title)
        .url(&format!("{base}/api/v1/dialogue-events/{}", e.id))
        .categories([d.kind.to_string(), d.participation_level.to_string()])
        .status(if e.status == EventStatus::Cancelled {
            icalendar::EventStatus::Cancelled
        } else {
            icalendar::EventStatus::Confirmed
        });
    let description = [d.description.as_deref(), d.topic.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n\n");
    if !description.is_empty() {
        v.description(&description);
    }
    let location = [d.place.as_deref(), d.address.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    if !location.is_empty() {
        v.location(&location);
    } else if let Some(link) = &d.online_link {
        v.location(link);
    }
    if let Some((unit, name)) = d
        .organiser_unit
        .and_then(|u| units.get(&u).map(|name| (u, name)))
    {
        v.append_property(organiser(base, unit, name));
    }
    v.try_into_string().unwrap_or_default()
}

/// A VCALENDAR with a VTIMEZONE and one VEVENT per event; `units` names
/// the organising units, `base` is the public URL of the service.
pub fn calendar(
    name: &str,
    events: &[DialogueEvent],
    units: &HashMap<CityUnitId, String>,
    base: &str,
) -> String {
    let base = base.trim_end_matches('/');
    let mut header = Calendar::empty();
    header
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//samverkan//dialogue events//SV"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        // Not `.name()`: the crate leaves its `NAME` line unescaped.
        .append_property(Property::new("X-WR-CALNAME", name))
        .timezone(TIME_ZONE);
    let header = header.to_string();
    let mut out = header
        .strip_suffix("END:VCALENDAR\r\n")
        .unwrap_or(&header)
        .to_owned();
    let span = events.iter().map(|e| e.details.starts_at).min().zip(
        events
            .iter()
            .map(|e| e.details.ends_at.max(e.details.starts_at))
            .max(),
    );
    if let Some((from, to)) = span {
        out += &time_zone(from, to);
    }
    for e in events {
        out += &event(e, units, base);
    }
    out += "END:VCALENDAR\r\n";
    out
}

/// The time zone and the event of the examples below, as `calendar` writes
/// them for the event of `DialogueEventView`'s example.
macro_rules! example_body {
    () => {
        concat!(
            "BEGIN:VTIMEZONE\r\n",
            "TZID:Europe/Stockholm\r\n",
            "BEGIN:DAYLIGHT\r\n",
            "DTSTART:20160327T020000\r\n",
            "TZOFFSETFROM:+0100\r\n",
            "TZOFFSETTO:+0200\r\n",
            "TZNAME:CEST\r\n",
            "END:DAYLIGHT\r\n",
            "END:VTIMEZONE\r\n",
            "BEGIN:VEVENT\r\n",
            "CREATED:20160420T080000Z\r\n",
            "DESCRIPTION:First matching meeting: each actor brings its ideas\\, needs an\r\n",
            " d resources.\\n\\nCollaboration for young people in Lundby\r\n",
            "DTEND;TZID=Europe/Stockholm:20160512T193000\r\n",
            "DTSTAMP:20160513T090000Z\r\n",
            "DTSTART;TZID=Europe/Stockholm:20160512T170000\r\n",
            "LAST-MODIFIED:20160513T090000Z\r\n",
            "LOCATION:Lundby district office\\, Wieselgrensplatsen 2\\, Göteborg\r\n",
            "ORGANIZER;CN=SDF Lundby:https://samverkan.goteborg.se/api/v1/city-units/019\r\n",
            " 3516a-0000-7000-8000-00000000000b\r\n",
            "SEQUENCE:4\r\n",
            "STATUS:CONFIRMED\r\n",
            "SUMMARY:Idésluss Lundby: ideas\\, needs and resources\r\n",
            "UID:0193516a-6b4f-7cc0-9d1e-3f2a8b1c0e01@samverkan\r\n",
            "URL:https://samverkan.goteborg.se/api/v1/dialogue-events/0193516a-6b4f-7cc0\r\n",
            " -9d1e-3f2a8b1c0e01\r\n",
            "CATEGORIES:matching_meeting,partnership\r\n",
            "END:VEVENT\r\n",
        )
    };
}

/// The spec's example of the feed: the event of `DialogueEventView`'s example.
pub const EXAMPLE_FEED: &str = concat!(
    "BEGIN:VCALENDAR\r\n",
    "VERSION:2.0\r\n",
    "PRODID:-//samverkan//dialogue events//SV\r\n",
    "CALSCALE:GREGORIAN\r\n",
    "METHOD:PUBLISH\r\n",
    "X-WR-CALNAME:Dialogue events\r\n",
    "X-WR-TIMEZONE:Europe/Stockholm\r\n",
    example_body!(),
    "END:VCALENDAR\r\n",
);

/// The spec's example of one event's calendar file.
pub const EXAMPLE_EVENT: &str = concat!(
    "BEGIN:VCALENDAR\r\n",
    "VERSION:2.0\r\n",
    "PRODID:-//samverkan//dialogue events//SV\r\n",
    "CALSCALE:GREGORIAN\r\n",
    "METHOD:PUBLISH\r\n",
    "X-WR-CALNAME:Idésluss Lundby: ideas\\, needs and resources\r\n",
    "X-WR-TIMEZONE:Europe/Stockholm\r\n",
    example_body!(),
    "END:VCALENDAR\r\n",
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dialogue::{
        DialogueEventKind, EventDetails, EventFormat, ParticipationLevel,
    };

    fn time(t: &str) -> DateTime<Utc> {
        t.parse().unwrap()
    }

    /// The event of `DialogueEventView`'s example.
    pub(crate) fn example_event() -> (DialogueEvent, HashMap<CityUnitId, String>) {
        let unit: CityUnitId = "0193516a-0000-7000-8000-00000000000b".parse().unwrap();
        let event = DialogueEvent {
            id: "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0e01".parse().unwrap(),
            details: EventDetails {
                title: "Idésluss Lundby: ideas, needs and resources".into(),
                description: Some(
                    "First matching meeting: each actor brings its ideas, needs and resources."
                        .into(),
                ),
                kind: DialogueEventKind::MatchingMeeting,
                participation_level: ParticipationLevel::Partnership,
                topic: Some("Collaboration for young people in Lundby".into()),
                organiser_unit: Some(unit),
                co_organisers: Vec::new(),
                starts_at: time("2016-05-12T15:00:00Z"),
                ends_at: time("2016-05-12T17:30:00Z"),
                format: EventFormat::InPerson,
                place: Some("Lundby district office".into()),
                address: Some("Wieselgrensplatsen 2, Göteborg".into()),
                online_link: None,
                district: Some(crate::domain::district::District::Lundby),
                capacity: Some(30),
                registration_deadline: Some(time("2016-05-10T22:00:00Z")),
                agenda: Vec::new(),
                external_id: None,
            },
            status: EventStatus::Held,
            cancellation_reason: None,
            minutes: Some("9 actors came; 4 collaboration ideas were noted.".into()),
            walk_ins: Some(3),
            version: 5,
            created_at: time("2016-04-20T08:00:00Z"),
            updated_at: time("2016-05-13T09:00:00Z"),
        };
        let units = HashMap::from([(unit, "SDF Lundby".to_owned())]);
        (event, units)
    }

    /// The spec's examples are what `calendar` writes for the event of
    /// `DialogueEventView`'s example.
    #[test]
    fn the_spec_examples_are_what_calendar_writes() {
        let (event, units) = example_event();
        let title = event.details.title.clone();
        let base = "https://samverkan.goteborg.se";
        let events = [event];
        assert_eq!(
            calendar("Dialogue events", &events, &units, base),
            EXAMPLE_FEED
        );
        assert_eq!(calendar(&title, &events, &units, base), EXAMPLE_EVENT);
    }

    #[test]
    fn times_are_stockholm_wall_clock_with_a_time_zone_covering_them() {
        let (mut winter, units) = example_event();
        winter.details.starts_at = time("2027-01-20T17:00:00Z");
        winter.details.ends_at = time("2027-01-20T19:00:00Z");
        let mut summer = winter.clone();
        summer.details.starts_at = time("2027-06-20T16:00:00Z");
        summer.details.ends_at = time("2027-06-20T18:00:00Z");
        let text = calendar("x", &[winter, summer], &units, "http://x");
        assert!(text.contains("DTSTART;TZID=Europe/Stockholm:20270120T180000\r\n"));
        assert!(text.contains("DTSTART;TZID=Europe/Stockholm:20270620T180000\r\n"));
        // In force in January (since October 2026), then the March change.
        assert!(text.contains(concat!(
            "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\n",
            "TZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\n",
            "BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\nTZOFFSETFROM:+0100\r\n",
            "TZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
        )));
        assert!(
            !text.contains("DTSTART:2027103"),
            "no change after the span"
        );
        assert!(text.contains("ORGANIZER;CN=SDF Lundby:http://x/api/v1/city-units/"));
        assert!(!text.contains('@') || !text.contains("mailto:"));
    }

    #[test]
    fn an_empty_feed_has_no_time_zone() {
        let text = calendar("x", &[], &HashMap::new(), "http://x");
        assert!(!text.contains("VTIMEZONE"));
        assert!(text.ends_with("X-WR-TIMEZONE:Europe/Stockholm\r\nEND:VCALENDAR\r\n"));
    }

    #[test]
    fn long_lines_fold_without_splitting_characters() {
        let (mut event, units) = example_event();
        event.details.title = "Ö".repeat(60);
        let text = calendar("x", &[event], &units, "http://x");
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        assert!(text
            .replace("\r\n ", "")
            .contains(&format!("SUMMARY:{}\r\n", "Ö".repeat(60))));
    }
}
