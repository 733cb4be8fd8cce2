//! Money and counts. Amounts are whole Swedish kronor (`*_sek`), bounded so
//! that no sum the service makes can overflow: an amount is at most
//! [`MAX_SEK`] (one trillion kronor, far above any municipal budget), and a
//! sum is made with checked arithmetic all the same.

use serde::Serialize;

/// The largest amount a field may hold: 10^12 SEK.
pub const MAX_SEK: i64 = 1_000_000_000_000;

/// The largest head count a field may hold (participants, attendees,
/// walk-ins, capacity).
pub const MAX_COUNT: i32 = 100_000;

/// An amount of whole kronor, 0 ..= [`MAX_SEK`]. It can only be made from a
/// value in range, so code that holds one never checks it again (hence no
/// `Deserialize`: requests carry `i64` and convert with [`Sek::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Sek(i64);

/// Why an amount was refused, in words for a 422.
pub const SEK_RANGE: &str = "must be a whole number of kronor from 0 to 1000000000000";

impl Sek {
    pub const ZERO: Sek = Sek(0);

    /// An amount in range, or the message for the field.
    pub fn new(kronor: i64) -> Result<Sek, &'static str> {
        if (0..=MAX_SEK).contains(&kronor) {
            Ok(Sek(kronor))
        } else {
            Err(SEK_RANGE)
        }
    }

    /// A positive amount in range (payments, requests).
    pub fn positive(kronor: i64) -> Result<Sek, &'static str> {
        if (1..=MAX_SEK).contains(&kronor) {
            Ok(Sek(kronor))
        } else {
            Err("must be a whole number of kronor from 1 to 1000000000000")
        }
    }

    pub fn kronor(self) -> i64 {
        self.0
    }

    /// The sum, if it is still an amount (at most [`MAX_SEK`]).
    pub fn checked_add(self, other: Sek) -> Option<Sek> {
        self.0.checked_add(other.0).and_then(|k| Sek::new(k).ok())
    }

    /// What is left after taking `other` away, never below nothing.
    pub fn saturating_sub(self, other: Sek) -> Sek {
        Sek((self.0 - other.0).max(0))
    }
}

impl std::fmt::Display for Sek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} SEK", self.0)
    }
}

/// A sum that did not fit in 64 bits (only possible with corrupt data, since
/// every stored amount is bounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a sum of amounts does not fit in 64 bits")]
pub struct Overflow;

/// The checked sum of amounts or counts.
pub fn total<T>(values: impl IntoIterator<Item = T>) -> Result<T, Overflow>
where
    T: CheckedAdd + Default,
{
    values
        .into_iter()
        .try_fold(T::default(), |sum, v| sum.checked_add_to(v).ok_or(Overflow))
}

/// Integer types that [`total`] can sum.
pub trait CheckedAdd: Sized {
    fn checked_add_to(self, other: Self) -> Option<Self>;
}

impl CheckedAdd for i64 {
    fn checked_add_to(self, other: Self) -> Option<Self> {
        self.checked_add(other)
    }
}

impl CheckedAdd for i32 {
    fn checked_add_to(self, other: Self) -> Option<Self> {
        self.checked_add(other)
    }
}

/// A head count in range, or the message for the field.
pub fn count(n: i32, min: i32) -> Result<i32, String> {
    if (min..=MAX_COUNT).contains(&n) {
        Ok(n)
    } else {
        Err(format!("must be a whole number from {min} to {MAX_COUNT}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_bounded() {
        assert!(Sek::new(-1).is_err());
        assert_eq!(Sek::new(0).unwrap().kronor(), 0);
        assert_eq!(Sek::new(MAX_SEK).unwrap().kronor(), MAX_SEK);
        assert!(Sek::new(MAX_SEK + 1).is_err());
        assert!(Sek::new(i64::MAX).is_err());
        assert!(Sek::positive(0).is_err());
        assert!(Sek::positive(1).is_ok());
    }

    #[test]
    fn amounts_add_and_subtract_within_the_bound() {
        let sek = |k| Sek::new(k).unwrap();
        let cases = [
            (sek(1), sek(2), Some(sek(3)), sek(0)),
            (sek(5), sek(3), Some(sek(8)), sek(2)),
            (sek(MAX_SEK), sek(0), Some(sek(MAX_SEK)), sek(MAX_SEK)),
            (sek(MAX_SEK), sek(1), None, sek(MAX_SEK - 1)),
            (sek(0), sek(MAX_SEK), Some(sek(MAX_SEK)), sek(0)),
        ];
        for (a, b, sum, difference) in cases {
            assert_eq!(a.checked_add(b), sum, "{a} + {b}");
            assert_eq!(a.saturating_sub(b), difference, "{a} - {b}");
        }
    }

    #[test]
    fn sums_are_checked() {
        assert_eq!(total([1i64, 2, 3]), Ok(6));
        assert_eq!(total([i64::MAX, 1]), Err(Overflow));
        assert_eq!(total([i32::MAX, 1]), Err(Overflow));
        assert_eq!(total(Vec::<i32>::new()), Ok(0));
        assert!(count(0, 1).is_err());
        assert!(count(MAX_COUNT + 1, 0).is_err());
        assert_eq!(count(5, 0), Ok(5));
    }
}
