//! Payments of a grant: never more than granted, and the part of each year
//! of the grant that they pay.

use chrono::NaiveDate;

use crate::domain::money::Sek;

/// A payment of a granted application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    pub id: uuid::Uuid,
    pub amount_sek: Sek,
    pub paid_on: NaiveDate,
}

/// Whether one more payment stays within the grant.
pub fn check_payment(granted_sek: Sek, paid_sek: Sek, amount_sek: Sek) -> Result<(), String> {
    let (granted, amount) = (granted_sek.kronor(), amount_sek.kronor());
    match paid_sek.kronor().checked_add(amount) {
        Some(after) if after <= granted => Ok(()),
        after => Err(format!(
            "{amount} SEK would bring payments to {}, more than the {granted} SEK granted",
            after.map_or_else(
                || "more than can be counted".to_owned(),
                |a| format!("{a} SEK")
            )
        )),
    }
}

/// The part of `paid_sek` that falls on each year of a grant's allocation:
/// payments fill the years in order (a payment is for the earliest year not
/// yet paid in full). In closed form, a year's part is
/// `min(amount, max(0, paid - allocated in earlier years))`: migration
/// 000012 (and `benches/national.sql`) sum the stored grants' figures that
/// way in SQL, and the table test below holds the two to the same numbers.
/// A payment adds to each year the difference this makes (`db::grants::add_paid`).
pub fn paid_per_year(allocation: &[(i32, Sek)], paid_sek: Sek) -> Vec<(i32, Sek)> {
    let mut left = paid_sek;
    allocation
        .iter()
        .map(|(year, amount)| {
            let part = left.min(*amount);
            left = left.saturating_sub(part);
            (*year, part)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::MAX_SEK;

    fn sek(kronor: i64) -> Sek {
        Sek::new(kronor).unwrap()
    }

    #[test]
    fn payments_stay_within_the_grant() {
        let cases = [
            (20_000, 15_000, 5_000, Ok(())),
            (
                20_000,
                15_001,
                5_000,
                Err("5000 SEK would bring payments to 20001 SEK, more than the 20000 SEK granted"),
            ),
            (20_000, 0, 20_000, Ok(())),
            (0, 0, 0, Ok(())),
            (
                0,
                0,
                1,
                Err("1 SEK would bring payments to 1 SEK, more than the 0 SEK granted"),
            ),
            (
                100_000,
                100_000,
                MAX_SEK,
                Err("1000000000000 SEK would bring payments to 1000000100000 SEK, more than the 100000 SEK granted"),
            ),
            (MAX_SEK, MAX_SEK - 1, 1, Ok(())),
        ];
        for (granted, paid, amount, expected) in cases {
            assert_eq!(
                check_payment(sek(granted), sek(paid), sek(amount)),
                expected.map_err(String::from),
                "{granted} {paid} {amount}"
            );
        }
    }

    #[test]
    fn paid_per_year_is_its_closed_form() {
        let closed = |allocation: &[(i32, Sek)], paid: i64| -> Vec<(i32, Sek)> {
            let mut earlier = 0;
            allocation
                .iter()
                .map(|(year, amount)| {
                    let part = amount.kronor().min((paid - earlier).max(0));
                    earlier += amount.kronor();
                    (*year, sek(part))
                })
                .collect()
        };
        let allocations: [Vec<(i32, Sek)>; 5] = [
            vec![],
            vec![(2027, sek(10_000))],
            vec![(2027, sek(7_541)), (2028, sek(7_459))],
            vec![(2026, sek(1)), (2027, sek(0)), (2028, sek(99))],
            vec![(2026, sek(300)), (2027, sek(400)), (2028, sek(300))],
        ];
        for allocation in &allocations {
            let granted: i64 = allocation.iter().map(|(_, a)| a.kronor()).sum();
            for paid in [
                0,
                1,
                299,
                300,
                301,
                700,
                701,
                granted.saturating_sub(1).max(0),
                granted,
                granted + 1,
            ] {
                assert_eq!(
                    paid_per_year(allocation, sek(paid)),
                    closed(allocation, paid),
                    "{allocation:?}, paid {paid}"
                );
            }
        }
        assert_eq!(
            paid_per_year(&[(2027, sek(7_541)), (2028, sek(7_459))], sek(10_000)),
            vec![(2027, sek(7_541)), (2028, sek(2_459))]
        );
    }
}
