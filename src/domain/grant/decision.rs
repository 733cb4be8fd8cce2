//! Deciding an application: who may decide what (delegation and conflicts
//! of interest), the amount for each outcome within the programme's range,
//! the grant split over the years of its period and each year's budget.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::application::ApplicationDetails;
use super::conflict::ConflictRecord;
use super::programme::Programme;
use crate::domain::access::Principal;
use crate::domain::ids::CityUnitId;
use crate::domain::money::Sek;

text_enum!(
    /// The decision.
    DecisionOutcome {
        Granted => "granted",
        PartlyGranted => "partly_granted",
        Rejected => "rejected",
    }
);

/// A decision as the decider gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision {
    pub outcome: DecisionOutcome,
    pub granted_sek: Sek,
    pub motivation: String,
}

/// The record kept of a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub outcome: DecisionOutcome,
    pub granted_sek: Sek,
    pub motivation: String,
    pub decided_by: String,
    /// The role the decider acted in (shown publicly instead of the person).
    pub decided_by_role: String,
    /// The unit on whose behalf the decision was made (the programme's owner).
    pub decided_by_unit: Option<CityUnitId>,
    pub decided_on: NaiveDate,
    /// The grant per year of its period.
    pub allocation: Vec<(i32, Sek)>,
}

impl NewDecision {
    /// The record of this decision, made by `decided_by` in `role` for the
    /// programme's owning `unit` on `decided_on`, charged to the years of
    /// `allocation` ([`check_decision`]).
    pub fn record(
        self,
        decided_by: &str,
        role: &str,
        unit: CityUnitId,
        decided_on: NaiveDate,
        allocation: Vec<(i32, Sek)>,
    ) -> Decision {
        Decision {
            outcome: self.outcome,
            granted_sek: self.granted_sek,
            motivation: self.motivation,
            decided_by: decided_by.to_owned(),
            decided_by_role: role.to_owned(),
            decided_by_unit: Some(unit),
            decided_on,
            allocation,
        }
    }
}

/// An internal review note: never shown to the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: uuid::Uuid,
    pub author: String,
    pub note: String,
    pub recommendation: Option<DecisionOutcome>,
    pub created_at: DateTime<Utc>,
}

/// Why a person may not decide an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionRefusal {
    /// Staff of another unit (or a role that never decides).
    NotTheOwningUnit,
    /// The token carries no delegation (delegationsordning) to decide grants.
    NoDelegation,
    OverLimit {
        limit_sek: i64,
    },
    /// The person declared a conflict of interest (jäv) with the
    /// organisation, and no admin has released it.
    ConflictOfInterest,
    /// The person has not declared, for this application, that they have no
    /// conflict of interest.
    DeclarationRequired,
}

/// Whether `principal` may decide `granted_sek` on an application of a
/// programme owned by `owning_unit`. Every decider needs a delegation that
/// covers the amount, whatever the role: staff of the owning unit, or an
/// admin whose token carries a delegation (admins manage the service; the
/// delegation order decides who decides). Integrations and partners never do.
pub fn may_decide(
    principal: &Principal,
    owning_unit: CityUnitId,
    granted_sek: Sek,
    conflicts: ConflictRecord,
) -> Result<(), DecisionRefusal> {
    let limit = match principal {
        Principal::CityStaff {
            unit,
            delegation_limit_sek,
            ..
        } if *unit == owning_unit => *delegation_limit_sek,
        Principal::CityAdmin {
            delegation_limit_sek,
            ..
        } => *delegation_limit_sek,
        _ => return Err(DecisionRefusal::NotTheOwningUnit),
    };
    match limit {
        None => return Err(DecisionRefusal::NoDelegation),
        Some(limit_sek) if granted_sek.kronor() > limit_sek => {
            return Err(DecisionRefusal::OverLimit { limit_sek })
        }
        Some(_) => {}
    }
    if conflicts.binding_conflict {
        return Err(DecisionRefusal::ConflictOfInterest);
    }
    if !conflicts.declared_none_here {
        return Err(DecisionRefusal::DeclarationRequired);
    }
    Ok(())
}

/// How much may be granted for an outcome, within the programme's range
/// (`min_sek ..= max_sek`) for every grant that gives money.
pub fn check_granted(
    outcome: DecisionOutcome,
    requested_sek: Sek,
    granted_sek: Sek,
    range: (Sek, Sek),
) -> Result<(), String> {
    let (min_sek, max_sek) = range;
    let (requested, granted) = (requested_sek.kronor(), granted_sek.kronor());
    match outcome {
        DecisionOutcome::Granted if granted != requested => {
            Err("a full grant is the amount requested".into())
        }
        DecisionOutcome::PartlyGranted if !(1..requested).contains(&granted) => {
            Err("a partial grant is more than 0 and less than the amount requested".into())
        }
        DecisionOutcome::Rejected if granted != 0 => Err("a rejection grants 0".into()),
        DecisionOutcome::Granted | DecisionOutcome::PartlyGranted
            if !(min_sek..=max_sek).contains(&granted_sek) =>
        {
            Err(format!(
                "must be between {} and {} SEK for this programme",
                min_sek.kronor(),
                max_sek.kronor()
            ))
        }
        _ => Ok(()),
    }
}

/// Splits a grant over the calendar years of its period, pro rata by days
/// (largest remainder, so the parts add up to the grant exactly; earlier
/// years take the odd kronor on a tie). A one-year period gives one part.
pub fn allocate(granted_sek: Sek, start: NaiveDate, end: NaiveDate) -> Vec<(i32, Sek)> {
    let granted = granted_sek.kronor();
    if granted <= 0 || end < start {
        return Vec::new();
    }
    let days_in = |year: i32| -> i64 {
        let first = NaiveDate::from_ymd_opt(year, 1, 1)
            .unwrap_or(start)
            .max(start);
        let last = NaiveDate::from_ymd_opt(year, 12, 31)
            .unwrap_or(end)
            .min(end);
        (last - first).num_days() + 1
    };
    let years: Vec<(i32, i64)> = (start.year()..=end.year())
        .map(|y| (y, days_in(y)))
        .collect();
    let total_days: i64 = years.iter().map(|(_, d)| d).sum();
    // i128: granted (≤ 10^12) × days (≤ ~3.6 × 10^6) fits with room to spare.
    let mut parts: Vec<(i32, i64, i128)> = years
        .iter()
        .map(|(y, d)| {
            let exact = i128::from(granted) * i128::from(*d);
            let whole = exact / i128::from(total_days);
            (*y, whole as i64, exact % i128::from(total_days))
        })
        .collect();
    let mut left = granted - parts.iter().map(|(_, w, _)| w).sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| parts[*b].2.cmp(&parts[*a].2).then(a.cmp(b)));
    for i in order {
        if left == 0 {
            break;
        }
        parts[i].1 += 1;
        left -= 1;
    }
    parts
        .into_iter()
        // Each part lies within 0 ..= the grant, so it is an amount too.
        .map(|(y, w, _)| (y, Sek::new(w).unwrap_or(granted_sek)))
        .collect()
}

/// Whether the budget of a year holds one more grant.
pub fn check_budget(
    budget_sek: Option<Sek>,
    granted_so_far: Sek,
    granted_sek: Sek,
) -> Result<(), String> {
    let (so_far, granted) = (granted_so_far.kronor(), granted_sek.kronor());
    match budget_sek.map(Sek::kronor) {
        None => Err("the programme has no budget for the grant's year".into()),
        Some(b) if so_far.checked_add(granted).is_none_or(|t| t > b) => Err(format!(
            "{granted} SEK would exceed the year's budget: {b} SEK, of which {so_far} SEK is already granted"
        )),
        Some(_) => Ok(()),
    }
}

/// Why a decision is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecideRefusal {
    /// The amount does not fit the outcome or the programme's range
    /// ([`check_granted`]): a field error on `granted_sek`.
    Amount(String),
    /// The decider may not decide it ([`may_decide`]).
    NotAllowed(DecisionRefusal),
    /// A year of the grant's period has not the budget for its part
    /// ([`check_budget`]).
    OverBudget { year: i32, detail: String },
}

/// Checks a decision on the application `d` of `programme` by `principal`,
/// whose declarations say `conflicts`: the amount for the outcome and the
/// range, the delegation and conflicts, and each year's budget for the
/// year's part of the grant. The caller holds the programme's lock, so its
/// figures include every decision before this one. The grant per year.
pub fn check_decision(
    decision: &NewDecision,
    d: &ApplicationDetails,
    programme: &Programme,
    principal: &Principal,
    conflicts: ConflictRecord,
) -> Result<Vec<(i32, Sek)>, DecideRefusal> {
    let rules = &programme.details;
    check_amount(decision, d, programme)?;
    may_decide(
        principal,
        rules.owning_unit,
        decision.granted_sek,
        conflicts,
    )
    .map_err(DecideRefusal::NotAllowed)?;
    charge_to_budgets(decision, d, programme)
}

/// Checks a decision made in the past and recorded by an import: the
/// amount for the outcome and the programme's range, and each year's
/// budget, as [`check_decision`] checks them. The delegation and conflict
/// rules are the decider's, checked when the decision was made; the caller
/// importing it is not the decider. The grant per year.
pub fn check_recorded_decision(
    decision: &NewDecision,
    d: &ApplicationDetails,
    programme: &Programme,
) -> Result<Vec<(i32, Sek)>, DecideRefusal> {
    check_amount(decision, d, programme)?;
    charge_to_budgets(decision, d, programme)
}

/// The amount for the outcome, within the programme's range.
fn check_amount(
    decision: &NewDecision,
    d: &ApplicationDetails,
    programme: &Programme,
) -> Result<(), DecideRefusal> {
    let rules = &programme.details;
    check_granted(
        decision.outcome,
        d.requested_sek,
        decision.granted_sek,
        (rules.min_sek, rules.max_sek),
    )
    .map_err(DecideRefusal::Amount)
}

/// The grant per year of its period, each within what is left of its year's budget.
fn charge_to_budgets(
    decision: &NewDecision,
    d: &ApplicationDetails,
    programme: &Programme,
) -> Result<Vec<(i32, Sek)>, DecideRefusal> {
    let allocation = allocate(decision.granted_sek, d.start_date, d.end_date);
    for (year, amount) in &allocation {
        let figures = programme.figures.iter().find(|f| f.year == *year);
        check_budget(
            figures.map(|f| f.budget_sek),
            figures.map_or(Sek::ZERO, |f| f.granted_sek),
            *amount,
        )
        .map_err(|detail| DecideRefusal::OverBudget {
            year: *year,
            detail,
        })?;
    }
    Ok(allocation)
}

/// Who made a decision that an import records, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedDecision {
    pub decided_by: String,
    pub decided_on: NaiveDate,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::grant::{ProgrammeDetails, ProgrammeStatus, YearFigures};
    use crate::domain::ids::{GrantProgrammeId, GrantRoundId, OrganisationId};
    use crate::domain::money::MAX_SEK;

    fn sek(kronor: i64) -> Sek {
        Sek::new(kronor).unwrap()
    }

    #[test]
    fn delegation_conflicts_and_amounts() {
        let unit = CityUnitId::new();
        let staff = |limit| Principal::CityStaff {
            subject: "s".into(),
            unit,
            delegation_limit_sek: limit,
        };
        let admin = |limit| Principal::CityAdmin {
            subject: "a".into(),
            delegation_limit_sek: limit,
        };
        let clear = ConflictRecord {
            binding_conflict: false,
            declared_none_here: true,
        };
        type Case = (
            Principal,
            CityUnitId,
            i64,
            ConflictRecord,
            Result<(), DecisionRefusal>,
        );
        let cases: Vec<Case> = vec![
            (staff(Some(50_000)), unit, 50_000, clear, Ok(())),
            (
                staff(Some(50_000)),
                unit,
                50_001,
                clear,
                Err(DecisionRefusal::OverLimit { limit_sek: 50_000 }),
            ),
            (
                staff(None),
                unit,
                1,
                clear,
                Err(DecisionRefusal::NoDelegation),
            ),
            (
                staff(Some(1_000_000)),
                CityUnitId::new(),
                1,
                clear,
                Err(DecisionRefusal::NotTheOwningUnit),
            ),
            (
                admin(None),
                unit,
                1,
                clear,
                Err(DecisionRefusal::NoDelegation),
            ),
            (
                admin(Some(1_000)),
                unit,
                100_000,
                clear,
                Err(DecisionRefusal::OverLimit { limit_sek: 1_000 }),
            ),
            (admin(Some(100_000)), unit, 100_000, clear, Ok(())),
            (
                Principal::Integration {
                    subject: "i".into(),
                    unit,
                },
                unit,
                1,
                clear,
                Err(DecisionRefusal::NotTheOwningUnit),
            ),
            (
                staff(Some(50_000)),
                unit,
                1,
                ConflictRecord {
                    binding_conflict: true,
                    declared_none_here: true,
                },
                Err(DecisionRefusal::ConflictOfInterest),
            ),
            (
                staff(Some(50_000)),
                unit,
                1,
                ConflictRecord::default(),
                Err(DecisionRefusal::DeclarationRequired),
            ),
        ];
        for (who, owner, amount, conflicts, expected) in cases {
            assert_eq!(
                may_decide(&who, owner, sek(amount), conflicts),
                expected,
                "{who:?} {amount}"
            );
        }
        let range = (sek(1_000), sek(50_000));
        let granted = |outcome, requested, granted| {
            check_granted(outcome, sek(requested), sek(granted), range)
        };
        assert!(granted(DecisionOutcome::Granted, 30_000, 30_000).is_ok());
        assert!(granted(DecisionOutcome::Granted, 30_000, 29_999).is_err());
        assert!(granted(DecisionOutcome::Granted, 75_000, 75_000).is_err());
        assert!(granted(DecisionOutcome::PartlyGranted, 75_000, 75_000).is_err());
        assert!(granted(DecisionOutcome::PartlyGranted, 30_000, 500).is_err());
        assert!(granted(DecisionOutcome::PartlyGranted, 30_000, 0).is_err());
        assert!(granted(DecisionOutcome::PartlyGranted, 30_000, 1_000).is_ok());
        assert!(granted(DecisionOutcome::Rejected, 75_000, 1).is_err());
        assert!(granted(DecisionOutcome::Rejected, 75_000, 0).is_ok());
        assert!(check_budget(Some(sek(100)), sek(60), sek(40)).is_ok());
        assert!(check_budget(Some(sek(100)), sek(60), sek(41)).is_err());
        assert!(check_budget(None, sek(0), sek(1)).is_err());
        assert!(check_budget(Some(sek(MAX_SEK)), sek(MAX_SEK), sek(MAX_SEK)).is_err());
    }

    #[test]
    fn multi_year_grants_are_split_by_days() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        // 2027-07-01..2027-12-31 is 184 days, 2028-01-01..2028-06-30 is 182.
        assert_eq!(
            allocate(sek(15_000), d(2027, 7, 1), d(2028, 6, 30)),
            vec![(2027, sek(7_541)), (2028, sek(7_459))]
        );
        assert_eq!(
            allocate(sek(30_000), d(2027, 6, 1), d(2027, 8, 31)),
            vec![(2027, sek(30_000))]
        );
        let three = allocate(sek(100), d(2026, 12, 31), d(2028, 1, 1));
        assert_eq!(three.iter().map(|(_, a)| a.kronor()).sum::<i64>(), 100);
        assert_eq!(three.len(), 3);
        assert!(allocate(sek(0), d(2027, 1, 1), d(2027, 2, 1)).is_empty());
        let most = allocate(sek(MAX_SEK), d(2026, 1, 1), d(2036, 12, 31));
        assert_eq!(most.iter().map(|(_, a)| a.kronor()).sum::<i64>(), MAX_SEK);
    }

    #[test]
    fn a_decision_fits_the_range_the_delegation_and_each_years_budget() {
        let unit = CityUnitId::new();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let programme = Programme {
            id: GrantProgrammeId::new(),
            details: ProgrammeDetails {
                title: "Utvecklingspotten".into(),
                description: None,
                owning_unit: unit,
                min_sek: sek(1_000),
                max_sek: sek(50_000),
                eligible_legal_forms: Vec::new(),
                districts: Vec::new(),
                required_documents: Vec::new(),
                multi_year_allowed: true,
                budgets: vec![(2027, sek(100_000)), (2028, sek(10_000))],
                external_id: None,
            },
            status: ProgrammeStatus::Open,
            rounds: Vec::new(),
            figures: vec![
                YearFigures {
                    year: 2027,
                    budget_sek: sek(100_000),
                    granted_sek: sek(80_000),
                    paid_sek: sek(0),
                },
                YearFigures {
                    year: 2028,
                    budget_sek: sek(10_000),
                    granted_sek: sek(0),
                    paid_sek: sek(0),
                },
            ],
            version: 1,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        };
        let application = |requested, start, end| ApplicationDetails {
            organisation: OrganisationId::new(),
            programme: programme.id,
            round: GrantRoundId::new(),
            title: "Läxhjälp".into(),
            purpose: "Homework help".into(),
            target_group: None,
            districts: Vec::new(),
            requested_sek: sek(requested),
            start_date: start,
            end_date: end,
            budget_lines: Vec::new(),
            document_answers: Vec::new(),
            registry_number: None,
            external_id: None,
        };
        let chef = Principal::CityStaff {
            subject: "chef".into(),
            unit,
            delegation_limit_sek: Some(30_000),
        };
        let clear = ConflictRecord {
            binding_conflict: false,
            declared_none_here: true,
        };
        let decide = |outcome, granted| NewDecision {
            outcome,
            granted_sek: sek(granted),
            motivation: "Fits".into(),
        };
        let in_2027 = application(20_000, day(2027, 3, 1), day(2027, 6, 30));
        // 2027-07-01..2027-12-31 is 184 days, 2028-01-01..2028-06-30 is 182.
        let over_new_year = application(30_000, day(2027, 7, 1), day(2028, 6, 30));
        type Case = (
            &'static str,
            NewDecision,
            ApplicationDetails,
            Principal,
            ConflictRecord,
            Result<Vec<(i32, Sek)>, DecideRefusal>,
        );
        let cases: Vec<Case> = vec![
            (
                "a grant that fits",
                decide(DecisionOutcome::Granted, 20_000),
                in_2027.clone(),
                chef.clone(),
                clear,
                Ok(vec![(2027, sek(20_000))]),
            ),
            (
                "a rejection charges no year",
                decide(DecisionOutcome::Rejected, 0),
                in_2027.clone(),
                chef.clone(),
                clear,
                Ok(vec![]),
            ),
            (
                "a full grant of another amount",
                decide(DecisionOutcome::Granted, 19_000),
                in_2027.clone(),
                chef.clone(),
                clear,
                Err(DecideRefusal::Amount(
                    "a full grant is the amount requested".into(),
                )),
            ),
            (
                "a partial grant below the range",
                decide(DecisionOutcome::PartlyGranted, 999),
                in_2027.clone(),
                chef.clone(),
                clear,
                Err(DecideRefusal::Amount(
                    "must be between 1000 and 50000 SEK for this programme".into(),
                )),
            ),
            (
                "the amount is checked before the decider",
                decide(DecisionOutcome::Rejected, 5),
                in_2027.clone(),
                Principal::Anonymous,
                ConflictRecord::default(),
                Err(DecideRefusal::Amount("a rejection grants 0".into())),
            ),
            (
                "over the delegation",
                decide(DecisionOutcome::PartlyGranted, 19_000),
                over_new_year.clone(),
                Principal::CityStaff {
                    subject: "s".into(),
                    unit,
                    delegation_limit_sek: Some(10_000),
                },
                clear,
                Err(DecideRefusal::NotAllowed(DecisionRefusal::OverLimit {
                    limit_sek: 10_000,
                })),
            ),
            (
                "without a declaration",
                decide(DecisionOutcome::Granted, 20_000),
                in_2027.clone(),
                chef.clone(),
                ConflictRecord::default(),
                Err(DecideRefusal::NotAllowed(
                    DecisionRefusal::DeclarationRequired,
                )),
            ),
            (
                "the decider is checked before the budget",
                decide(DecisionOutcome::Granted, 30_000),
                over_new_year.clone(),
                Principal::CityStaff {
                    subject: "other unit".into(),
                    unit: CityUnitId::new(),
                    delegation_limit_sek: Some(50_000),
                },
                clear,
                Err(DecideRefusal::NotAllowed(DecisionRefusal::NotTheOwningUnit)),
            ),
            (
                "each year within its budget",
                decide(DecisionOutcome::PartlyGranted, 19_000),
                over_new_year.clone(),
                chef.clone(),
                clear,
                Ok(vec![(2027, sek(9_552)), (2028, sek(9_448))]),
            ),
            (
                "a year over its budget is named",
                decide(DecisionOutcome::Granted, 30_000),
                over_new_year.clone(),
                chef.clone(),
                clear,
                Err(DecideRefusal::OverBudget {
                    year: 2028,
                    detail: "14918 SEK would exceed the year's budget: 10000 SEK, of which 0 SEK is already granted".into(),
                }),
            ),
            (
                "a year without a budget",
                decide(DecisionOutcome::Granted, 20_000),
                application(20_000, day(2029, 1, 1), day(2029, 2, 1)),
                chef.clone(),
                clear,
                Err(DecideRefusal::OverBudget {
                    year: 2029,
                    detail: "the programme has no budget for the grant's year".into(),
                }),
            ),
        ];
        for (case, decision, d, principal, conflicts, expected) in cases {
            assert_eq!(
                check_decision(&decision, &d, &programme, &principal, conflicts),
                expected,
                "{case}"
            );
        }
    }
}
