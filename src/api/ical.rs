//! iCalendar (RFC 5545) rendering of published dialogue events, so that
//! organisations can subscribe from their calendars.

use chrono::{DateTime, Utc};

use crate::domain::dialogue::{DialogueEvent, EventStatus};

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes TEXT values (RFC 5545 3.3.11).
fn text(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets, never inside a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// A VCALENDAR with one VEVENT per event; `base` is the public URL of the API.
pub fn calendar(name: &str, events: &[DialogueEvent], base: &str) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//samverkan//dialogue events//SV".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        format!("X-WR-CALNAME:{}", text(name)),
    ];
    for e in events {
        let d = &e.details;
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}@samverkan", e.id));
        lines.push(format!("DTSTAMP:{}", stamp(e.updated_at)));
        lines.push(format!("DTSTART:{}", stamp(d.starts_at)));
        lines.push(format!("DTEND:{}", stamp(d.ends_at)));
        lines.push(format!("SUMMARY:{}", text(&d.title)));
        let mut description = d.description.clone().unwrap_or_default();
        if let Some(topic) = &d.topic {
            description = if description.is_empty() {
                topic.clone()
            } else {
                format!("{description}\n\n{topic}")
            };
        }
        if !description.is_empty() {
            lines.push(format!("DESCRIPTION:{}", text(&description)));
        }
        let location: Vec<&str> = [d.place.as_deref(), d.address.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if !location.is_empty() {
            lines.push(format!("LOCATION:{}", text(&location.join(", "))));
        } else if let Some(link) = &d.online_link {
            lines.push(format!("LOCATION:{}", text(link)));
        }
        lines.push(format!(
            "URL:{}/api/v1/dialogue-events/{}",
            base.trim_end_matches('/'),
            e.id
        ));
        lines.push(format!("CATEGORIES:{}", d.kind));
        lines.push(format!(
            "STATUS:{}",
            if e.status == EventStatus::Cancelled {
                "CANCELLED"
            } else {
                "CONFIRMED"
            }
        ));
        lines.push(format!("SEQUENCE:{}", e.version - 1));
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in &lines {
        fold(line, &mut out);
    }
    out
}

/// The lines of the demo's Idésluss in Lundby, as `calendar` writes them;
/// shared by the examples below.
macro_rules! example_event_lines {
    () => {
        concat!(
            "BEGIN:VEVENT\r\n",
            "UID:0193516a-6b4f-7cc0-9d1e-3f2a8b1c0e01@samverkan\r\n",
            "DTSTAMP:20160513T090000Z\r\n",
            "DTSTART:20160512T150000Z\r\n",
            "DTEND:20160512T173000Z\r\n",
            "SUMMARY:Idésluss Lundby: ideas\\, needs and resources\r\n",
            "DESCRIPTION:First matching meeting: each actor brings its ideas\\, needs and\r\n",
            "  resources.\\n\\nCollaboration for young people in Lundby\r\n",
            "LOCATION:Lundby district office\\, Wieselgrensplatsen 2\\, Göteborg\r\n",
            "URL:https://samverkan.goteborg.se/api/v1/dialogue-events/0193516a-6b4f-7cc0\r\n",
            " -9d1e-3f2a8b1c0e01\r\n",
            "CATEGORIES:matching_meeting\r\n",
            "STATUS:CONFIRMED\r\n",
            "SEQUENCE:4\r\n",
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
    example_event_lines!(),
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
    example_event_lines!(),
    "END:VCALENDAR\r\n",
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's examples are what `calendar` writes for the event of
    /// `DialogueEventView`'s example.
    #[test]
    fn the_spec_examples_are_what_calendar_writes() {
        use crate::domain::dialogue::{
            DialogueEventKind, EventDetails, EventFormat, ParticipationLevel,
        };
        let time = |t: &str| t.parse::<DateTime<Utc>>().unwrap();
        let title = "Idésluss Lundby: ideas, needs and resources";
        let event = DialogueEvent {
            id: "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0e01".parse().unwrap(),
            details: EventDetails {
                title: title.into(),
                description: Some(
                    "First matching meeting: each actor brings its ideas, needs and resources."
                        .into(),
                ),
                kind: DialogueEventKind::MatchingMeeting,
                participation_level: ParticipationLevel::Partnership,
                topic: Some("Collaboration for young people in Lundby".into()),
                organiser_unit: Some("0193516a-0000-7000-8000-00000000000b".parse().unwrap()),
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
        let base = "https://samverkan.goteborg.se";
        let events = [event];
        assert_eq!(calendar("Dialogue events", &events, base), EXAMPLE_FEED);
        assert_eq!(calendar(title, &events, base), EXAMPLE_EVENT);
    }

    #[test]
    fn long_lines_fold_without_splitting_characters() {
        let mut out = String::new();
        fold(&format!("SUMMARY:{}", "Ö".repeat(60)), &mut out);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{}\r\n", "Ö".repeat(60)));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
