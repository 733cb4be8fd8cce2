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

#[cfg(test)]
mod tests {
    use super::*;

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
