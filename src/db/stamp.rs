//! Dates and timestamps read from rows without chrono's format parser.
//!
//! SQLite keeps them as text, and diesel reads that text by trying a list
//! of `strftime` formats (`%F %T%.f` first) with chrono's general parser:
//! for a list of 500 rows with a few timestamps each, a tenth of the
//! request. [`Stamp`] and [`Day`] read the text diesel itself writes
//! (`2026-11-30 12:34:56.123456`, `2026-11-30`) by hand and hand anything
//! else to diesel's own reading, so what they read is what diesel reads.
//! PostgreSQL sends them binary: read by diesel as before.
//!
//! A row field takes them with `#[diesel(deserialize_as = Stamp)]` and
//! keeps its `NaiveDateTime` (`NaiveDate`) type.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::{Date, Timestamp};
use diesel::sqlite::{Sqlite, SqliteValue};

use super::multi_connection_impl::MultiBackend;

/// A `TIMESTAMP` column's value.
#[derive(Debug, Clone, Copy, FromSqlRow)]
pub struct Stamp(pub NaiveDateTime);

/// A `DATE` column's value.
#[derive(Debug, Clone, Copy, FromSqlRow)]
pub struct Day(pub NaiveDate);

impl From<Stamp> for NaiveDateTime {
    fn from(s: Stamp) -> Self {
        s.0
    }
}

impl From<Day> for NaiveDate {
    fn from(d: Day) -> Self {
        d.0
    }
}

/// `n` ASCII digits as a number.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// `YYYY-MM-DD`, four-digit years only.
fn day(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(&b[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(&b[5..7])?, digits(&b[8..10])?)
}

/// `YYYY-MM-DD HH:MM:SS` with an optional fraction of 1 to 9 digits, as
/// diesel writes it (`%F %T%.f`); seconds 00 to 59 (a leap second is left
/// to chrono).
fn stamp(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let date = day(&b[..10])?;
    let (hour, minute, second) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if second > 59 {
        return None;
    }
    let nano = match &b[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            digits(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    NaiveTime::from_hms_nano_opt(hour, minute, second, nano).map(|t| date.and_time(t))
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if let Some(t) = stamp(value.read_text()) {
            return Ok(Stamp(t));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(
        value: <Pg as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, MultiBackend> for Stamp {
    fn from_sql(
        value: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

impl FromSql<Date, Sqlite> for Day {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if let Some(d) = day(value.read_text().as_bytes()) {
            return Ok(Day(d));
        }
        <NaiveDate as FromSql<Date, Sqlite>>::from_sql(value).map(Day)
    }
}

impl FromSql<Date, Pg> for Day {
    fn from_sql(
        value: <Pg as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        <NaiveDate as FromSql<Date, Pg>>::from_sql(value).map(Day)
    }
}

impl FromSql<Date, MultiBackend> for Day {
    fn from_sql(
        value: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        value.from_sql::<Self, Date>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What diesel's SQLite reading gives for the text (its first format).
    fn chrono(text: &str) -> Option<NaiveDateTime> {
        NaiveDateTime::parse_from_str(text, "%F %T%.f").ok()
    }

    #[test]
    fn the_text_diesel_writes_reads_as_chrono_reads_it() {
        for text in [
            "2026-11-30 12:34:56",
            "2026-11-30 12:34:56.1",
            "2026-11-30 12:34:56.123",
            "2026-11-30 12:34:56.123456",
            "2026-11-30 12:34:56.123456789",
            "2024-02-29 00:00:00.000001",
            "0001-01-01 23:59:59.999999",
        ] {
            assert_eq!(stamp(text), chrono(text), "{text}");
            assert!(stamp(text).is_some(), "{text}");
        }
        let t = NaiveDateTime::parse_from_str("2026-11-30 12:34:56", "%F %T").unwrap();
        assert_eq!(
            stamp(&t.format("%F %T%.f").to_string()),
            Some(t),
            "diesel's own encoding"
        );
    }

    #[test]
    fn anything_else_is_left_to_diesel() {
        for text in [
            "2026-11-30T12:34:56",
            "2026-11-30 12:34",
            "2026-11-30 12:34:60",
            "2026-11-30 12:34:56.",
            "2026-11-30 12:34:56.1234567890",
            "2026-11-30 12:34:56Z",
            "2026-11-30 12:34:56+01:00",
            "2023-02-29 12:34:56",
            "2026-13-01 00:00:00",
            "2026-11-30 24:00:00",
            "+2026-11-30 12:34:56",
            "2026-11-3a 12:34:56",
            "",
        ] {
            assert_eq!(stamp(text), None, "{text}");
        }
        assert_eq!(day(b"2026-11-30"), NaiveDate::from_ymd_opt(2026, 11, 30));
        for text in [
            "2026-11-31",
            "2026-1-30",
            "20261130",
            "2026-11-30 ",
            "+202-11-30",
        ] {
            assert_eq!(day(text.as_bytes()), None, "{text}");
        }
    }
}
