//! Dates and times as RFC 3339 / ISO 8601 strictly: `YYYY-MM-DD` with four
//! digits for the year (no sign, no fewer digits), times with seconds
//! 00–59, nothing past the year 9999 (also in Stockholm time). chrono alone
//! accepts `27-01-01`, `+12027-01-01` and `:60`; these checks run on the
//! JSON before it is read, so every date field of every body is held to it.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::domain::local_time::{self, LocalTimeError};
use crate::domain::FieldError;

const DATE_MESSAGE: &str =
    "must be a date YYYY-MM-DD with a four-digit year (0001 to 9999), e.g. 2027-01-01";
const TIME_MESSAGE: &str = "must be a date-time: RFC 3339 with an offset (2027-05-12T16:00:00Z) or Stockholm local time YYYY-MM-DDTHH:MM, seconds 00 to 59, year 0001 to 9999";

fn digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// A calendar date written exactly `YYYY-MM-DD`.
pub fn strict_date(text: &str) -> Result<NaiveDate, &'static str> {
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [y, m, d]
            if y.len() == 4
                && m.len() == 2
                && d.len() == 2
                && digits(y)
                && digits(m)
                && digits(d)
                && *y != "0000" =>
        {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| DATE_MESSAGE)
        }
        _ => Err(DATE_MESSAGE),
    }
}

/// The wall-clock part `YYYY-MM-DDTHH:MM[:SS[.fraction]]` and the rest (offset).
fn split_time(text: &str) -> Result<(NaiveDateTime, &str), &'static str> {
    let (date, time) = text.split_once(['T', 't']).ok_or(TIME_MESSAGE)?;
    let date = strict_date(date).map_err(|_| TIME_MESSAGE)?;
    let end = time.find(['Z', 'z', '+', '-']).unwrap_or(time.len());
    let (clock, offset) = time.split_at(end);
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) if digits(f) && f.len() <= 9 => (hms, Some(f)),
        Some(_) => return Err(TIME_MESSAGE),
        None => (clock, None),
    };
    let fields: Vec<&str> = hms.split(':').collect();
    let (h, m, s) = match fields.as_slice() {
        [h, m] if fraction.is_none() => (*h, *m, "00"),
        [h, m, s] => (*h, *m, *s),
        _ => return Err(TIME_MESSAGE),
    };
    if [h, m, s].iter().any(|f| f.len() != 2 || !digits(f)) {
        return Err(TIME_MESSAGE);
    }
    let (h, m, s): (u32, u32, u32) = (
        h.parse().unwrap_or(99),
        m.parse().unwrap_or(99),
        s.parse().unwrap_or(99),
    );
    if h > 23 || m > 59 || s > 59 {
        return Err(TIME_MESSAGE);
    }
    let nanos = fraction
        .map(|f| format!("{f:0<9}").parse::<u32>().unwrap_or(0))
        .unwrap_or(0);
    let clock = chrono::NaiveTime::from_hms_nano_opt(h, m, s, nanos).ok_or(TIME_MESSAGE)?;
    Ok((date.and_time(clock), offset))
}

/// An instant: RFC 3339 with an offset, or Stockholm wall-clock time.
pub fn strict_instant(text: &str) -> Result<DateTime<Utc>, &'static str> {
    let (local, offset) = split_time(text)?;
    let instant = if offset.is_empty() {
        match local_time::from_local(local) {
            Ok(t) => t,
            Err(LocalTimeError::DoesNotExist) => {
                return Err(
                    "this Stockholm time does not exist (clocks go forward); give an offset",
                )
            }
            Err(LocalTimeError::Ambiguous) => return Err(
                "this Stockholm time happens twice (clocks go back); give an offset such as +02:00",
            ),
        }
    } else {
        let valid_offset = offset.eq_ignore_ascii_case("z")
            || (offset.len() == 6
                && offset.as_bytes()[3] == b':'
                && digits(&offset[1..3])
                && digits(&offset[4..6])
                && offset[1..3].parse::<u32>().unwrap_or(99) < 24
                && offset[4..6].parse::<u32>().unwrap_or(99) < 60);
        if !valid_offset {
            return Err(TIME_MESSAGE);
        }
        DateTime::parse_from_rfc3339(text)
            .map_err(|_| TIME_MESSAGE)?
            .with_timezone(&Utc)
    };
    // Shown in UTC and in Stockholm time: both must stay within year 9999.
    let latest = chrono::Datelike::year(&local_time::to_local(instant));
    if chrono::Datelike::year(&instant) > 9999 || latest > 9999 {
        return Err(TIME_MESSAGE);
    }
    Ok(instant)
}

pub fn is_date_field(key: &str) -> bool {
    key.ends_with("_date")
        || key.ends_with("_on")
        || matches!(key, "date" | "decided_from" | "decided_to")
}

pub fn is_time_field(key: &str) -> bool {
    matches!(
        key,
        "starts_at" | "ends_at" | "opens_at" | "deadline" | "registration_deadline"
    )
}

/// Names every date or time field of a JSON body that is not strict.
pub fn check_json_dates(value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_json_dates(item, &format!("{path}[{i}]"), errors);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let field = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match item {
                    Value::String(text) if is_date_field(key) => {
                        if let Err(message) = strict_date(text) {
                            errors.push(FieldError::new(field, message));
                        }
                    }
                    Value::String(text) if is_time_field(key) => {
                        if let Err(message) = strict_instant(text) {
                            errors.push(FieldError::new(field, message));
                        }
                    }
                    _ => check_json_dates(item, &field, errors),
                }
            }
        }
        _ => {}
    }
}

/// Query parameters that are dates (`decided_from`, `active_on`, ...).
pub fn is_date_parameter(name: &str) -> bool {
    is_date_field(name) || name == "ends_before"
}

/// Query parameters that are instants (`from`, `to`, `updated_since`, ...).
pub fn is_time_parameter(name: &str) -> bool {
    is_time_field(name) || matches!(name, "from" | "to" | "updated_since")
}

/// The query string with every date and time parameter held to the same
/// strictness as bodies: a 400 message naming the first bad parameter, or
/// the query with each instant written as RFC 3339 in UTC (so that Stockholm
/// wall-clock time reads as it does in bodies).
pub fn strict_query(query: &str) -> Result<Option<String>, String> {
    let mut changed = false;
    let mut pairs = Vec::new();
    for raw in query.split('&') {
        let decoded = actix_web::web::Query::<Vec<(String, String)>>::from_query(raw)
            .map(|q| q.into_inner())
            .unwrap_or_default();
        let Some((name, value)) = decoded.into_iter().next() else {
            pairs.push(raw.to_owned());
            continue;
        };
        if is_date_parameter(&name) {
            strict_date(&value).map_err(|m| format!("`{name}` {m}"))?;
        } else if is_time_parameter(&name) {
            let instant = strict_instant(&value).map_err(|m| format!("`{name}` {m}"))?;
            let canonical = instant.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
            if canonical != value {
                changed = true;
                pairs.push(format!(
                    "{}={canonical}",
                    raw.split('=').next().unwrap_or(&name)
                ));
                continue;
            }
        }
        pairs.push(raw.to_owned());
    }
    Ok(changed.then(|| pairs.join("&")))
}

/// Holds date and time query parameters of the API to RFC 3339 strictly
/// ([`strict_query`]): 400 naming the parameter, as bodies name the field.
pub async fn strict_dates_in_query(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    if req.path().starts_with("/api/") && !req.query_string().is_empty() {
        match strict_query(req.query_string()) {
            Err(message) => {
                let err = crate::error::ApiError::bad_query(message);
                let response = actix_web::ResponseError::error_response(&err);
                return Ok(req.into_response(response));
            }
            Ok(Some(query)) => {
                let uri = format!("{}?{query}", req.path());
                if let Ok(uri) = uri.parse() {
                    req.head_mut().uri = uri;
                }
            }
            Ok(None) => {}
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Deserializes an instant given as RFC 3339 or as Stockholm wall-clock time.
pub fn instant<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(deserializer)?;
    strict_instant(&text).map_err(serde::de::Error::custom)
}

/// An instant in a JSON merge patch: absent is `None`, a value is read as
/// [`instant`] reads it, and `null` is refused as
/// [`crate::api::extract::required_in_patch`] refuses it.
pub fn instant_in_patch<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    crate::api::extract::required_in_patch::<String, D>(deserializer)?
        .map(|text| strict_instant(&text).map_err(serde::de::Error::custom))
        .transpose()
}

/// An instant that may be cleared, in a JSON merge patch: absent is
/// `None`, `null` is `Some(None)`, a value is read as [`instant`] reads it.
pub fn instant_or_null_in_patch<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<DateTime<Utc>>>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|text| strict_instant(&text).map_err(serde::de::Error::custom))
        .transpose()
        .map(Some)
}

/// An optional instant: absent or `null` is `None`, a value is read as
/// [`instant`] reads it.
pub fn optional_instant<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|text| strict_instant(&text).map_err(serde::de::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert!(strict_date("2027-01-01").is_ok());
        for bad in [
            "27-01-01",
            "+12027-01-01",
            "2027-1-01",
            "12027-01-01",
            "0000-01-01",
            "2027-02-30",
            "2027-01-01T00:00",
        ] {
            assert!(strict_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn query_dates_are_strict_and_name_the_parameter() {
        assert_eq!(strict_query("limit=2&q=x"), Ok(None));
        assert_eq!(strict_query("decided_from=2027-01-01"), Ok(None));
        assert_eq!(
            strict_query("from=2026-05-12T18:00&limit=2"),
            Ok(Some("from=2026-05-12T16:00:00Z&limit=2".into()))
        );
        assert_eq!(strict_query("to=2026-05-12T16:00:00Z"), Ok(None));
        for (bad, name) in [
            ("from=2026-05-12", "from"),
            (
                "limit=1&updated_since=2026-05-12T18:00:60Z",
                "updated_since",
            ),
            ("decided_to=27-01-01", "decided_to"),
            ("active_on=%2B12027-01-01", "active_on"),
            ("ends_before=2027-1-1", "ends_before"),
        ] {
            let message = strict_query(bad).unwrap_err();
            assert!(
                message.starts_with(&format!("`{name}` must be a date")),
                "{message}"
            );
        }
    }

    #[test]
    fn times_are_strict() {
        for good in [
            "2026-05-12T18:00",
            "2026-05-12T18:00:59",
            "2026-05-12T16:00:00Z",
            "2026-05-12T18:00:00.5+02:00",
        ] {
            assert!(strict_instant(good).is_ok(), "{good}");
        }
        for bad in [
            "2026-05-12T18:00:60Z",
            "2026-05-12T24:00",
            "+12026-05-12T18:00Z",
            "9999-12-31T23:00:00Z",
            "2026-05-12T18:00+2",
            "2026-03-29T02:30",
            "2026-10-25T02:30",
        ] {
            assert!(strict_instant(bad).is_err(), "{bad}");
        }
        // The skipped and the repeated hour, told apart; with an offset, taken.
        assert!(strict_instant("2027-03-28T02:00")
            .unwrap_err()
            .contains("does not exist"));
        assert!(strict_instant("2027-10-31T02:59")
            .unwrap_err()
            .contains("happens twice"));
        assert_eq!(
            strict_instant("2027-10-31T02:30:00+02:00").map(|t| t.to_rfc3339()),
            Ok("2027-10-31T00:30:00+00:00".to_owned())
        );
        assert_eq!(
            strict_instant("2027-10-31T02:30:00+01:00").map(|t| t.to_rfc3339()),
            Ok("2027-10-31T01:30:00+00:00".to_owned())
        );
    }
}
