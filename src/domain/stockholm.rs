//! Local time in Sweden (Europe/Stockholm): CET (UTC+1) in winter, CEST
//! (UTC+2) from the last Sunday of March 01:00 UTC to the last Sunday of
//! October 01:00 UTC (the EU rule, in force in Sweden since 1996). Written out
//! here instead of pulling in a whole time zone database for one zone.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc, Weekday,
};

/// Why a wall-clock time in Stockholm does not name one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTimeError {
    /// Inside the hour skipped when clocks go forward in March.
    DoesNotExist,
    /// Inside the hour repeated when clocks go back in October.
    Ambiguous,
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .unwrap_or_default();
    let mut day = first_of_next - Duration::days(1);
    while day.weekday() != Weekday::Sun {
        day -= Duration::days(1);
    }
    day
}

/// The instants (UTC) when summer time starts and ends in `year`.
fn summer_time(year: i32) -> (NaiveDateTime, NaiveDateTime) {
    let one = NaiveTime::from_hms_opt(1, 0, 0).unwrap_or_default();
    (
        last_sunday(year, 3).and_time(one),
        last_sunday(year, 10).and_time(one),
    )
}

/// The UTC offset in force in Stockholm at an instant.
pub fn offset_at(instant: DateTime<Utc>) -> FixedOffset {
    let (start, end) = summer_time(instant.year());
    let t = instant.naive_utc();
    let hours = if t >= start && t < end { 2 } else { 1 };
    // 3600 and 7200 seconds are always valid offsets.
    FixedOffset::east_opt(hours * 3600).unwrap_or_else(|| Utc.fix())
}

/// The instant as Stockholm shows it, e.g. `2026-05-12T18:00:00+02:00`.
pub fn to_local(instant: DateTime<Utc>) -> DateTime<FixedOffset> {
    instant.with_timezone(&offset_at(instant))
}

/// The instant a Stockholm wall-clock time names, refusing the skipped and
/// the repeated hour (the caller must then give an explicit offset).
pub fn from_local(local: NaiveDateTime) -> Result<DateTime<Utc>, LocalTimeError> {
    let candidates: Vec<DateTime<Utc>> = [1i64, 2]
        .iter()
        .map(|h| Utc.from_utc_datetime(&(local - Duration::hours(*h))))
        .filter(|utc| to_local(*utc).naive_local() == local)
        .collect();
    match candidates.as_slice() {
        [] => Err(LocalTimeError::DoesNotExist),
        [one] => Ok(*one),
        _ => Err(LocalTimeError::Ambiguous),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }
    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn winter_and_summer_offsets() {
        assert_eq!(
            from_local(local("2026-01-28T18:00")),
            Ok(utc("2026-01-28T17:00:00Z"))
        );
        assert_eq!(
            from_local(local("2026-05-12T18:00")),
            Ok(utc("2026-05-12T16:00:00Z"))
        );
        assert_eq!(
            to_local(utc("2026-05-12T16:00:00Z")).to_rfc3339(),
            "2026-05-12T18:00:00+02:00"
        );
    }

    #[test]
    fn around_the_march_change() {
        // 2026-03-29: 02:00 local becomes 03:00.
        assert_eq!(
            from_local(local("2026-03-29T01:59")),
            Ok(utc("2026-03-29T00:59:00Z"))
        );
        assert_eq!(
            from_local(local("2026-03-29T02:30")),
            Err(LocalTimeError::DoesNotExist)
        );
        assert_eq!(
            from_local(local("2026-03-29T03:00")),
            Ok(utc("2026-03-29T01:00:00Z"))
        );
    }

    #[test]
    fn around_the_october_change() {
        // 2026-10-25: 03:00 local becomes 02:00 again.
        assert_eq!(
            from_local(local("2026-10-25T01:30")),
            Ok(utc("2026-10-24T23:30:00Z"))
        );
        assert_eq!(
            from_local(local("2026-10-25T02:30")),
            Err(LocalTimeError::Ambiguous)
        );
        assert_eq!(
            from_local(local("2026-10-25T03:30")),
            Ok(utc("2026-10-25T02:30:00Z"))
        );
        assert_eq!(
            to_local(utc("2026-10-25T00:30:00Z")).to_rfc3339(),
            "2026-10-25T02:30:00+02:00"
        );
        assert_eq!(
            to_local(utc("2026-10-25T01:30:00Z")).to_rfc3339(),
            "2026-10-25T02:30:00+01:00"
        );
    }
}
