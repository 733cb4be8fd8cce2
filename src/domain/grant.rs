//! Grants (bidrag): programmes with rounds and yearly budgets, applications,
//! completions, decisions within delegation, payments and reports.

use chrono::{DateTime, NaiveDate, Utc};

use super::access::Principal;
use super::ids::CityUnitId;

text_enum!(
    /// Whether a programme takes applications.
    ProgrammeStatus {
        Draft => "draft",
        Open => "open",
        Closed => "closed",
    }
);

text_enum!(
    /// Where an application is in its handling.
    ApplicationStatus {
        Draft => "draft",
        Submitted => "submitted",
        UnderReview => "under_review",
        /// Staff asked for a completion (komplettering) instead of rejecting.
        CompletionRequested => "completion_requested",
        Decided => "decided",
        Paid => "paid",
        /// The organisation has filed its follow-up report.
        Reported => "reported",
        Closed => "closed",
        Withdrawn => "withdrawn",
    }
);

text_enum!(
    /// A state change of an application.
    ApplicationAction {
        Submit => "submit",
        StartReview => "start_review",
        RequestCompletion => "request_completion",
        Complete => "complete",
        Decide => "decide",
        /// Recorded by a payment, not called directly.
        Pay => "pay",
        Report => "report",
        Close => "close",
        Withdraw => "withdraw",
    }
);

text_enum!(
    /// The decision.
    DecisionOutcome {
        Granted => "granted",
        PartlyGranted => "partly_granted",
        Rejected => "rejected",
    }
);

impl ApplicationAction {
    /// The actions the applicant organisation takes; the others are the
    /// city's handling.
    pub fn is_applicants(self) -> bool {
        matches!(
            self,
            Self::Submit | Self::Complete | Self::Report | Self::Withdraw
        )
    }

    /// What a caller needs to take this action on an application of
    /// `organisation` to a programme of `owning_unit`.
    pub fn needed(
        self,
        organisation: super::ids::OrganisationId,
        owning_unit: CityUnitId,
    ) -> super::access::Action {
        if self.is_applicants() {
            super::access::Action::ApplyForGrant(organisation)
        } else {
            super::access::Action::ManageGrantProgramme(owning_unit)
        }
    }
}

/// Whether the caller sees all of an application: the city, and members of
/// the applicant organisation. Others see only public grants, in part.
pub fn sees_whole_application(
    principal: &Principal,
    organisation: super::ids::OrganisationId,
) -> bool {
    principal.is_city() || principal.is_member_of(organisation)
}

/// Decided grants that give money are public (openness); drafts,
/// applications in handling and rejections are not.
pub fn is_public_grant(status: ApplicationStatus, outcome: Option<DecisionOutcome>) -> bool {
    status.is_decided() && outcome.is_some_and(|o| o != DecisionOutcome::Rejected)
}

/// Whether a caller may know an application exists: the city and its own
/// organisation see it whole, anyone sees a public grant.
pub fn application_visible_to(
    principal: &Principal,
    organisation: super::ids::OrganisationId,
    status: ApplicationStatus,
    outcome: Option<DecisionOutcome>,
) -> bool {
    sees_whole_application(principal, organisation) || is_public_grant(status, outcome)
}

impl ProgrammeStatus {
    /// Drafts are the city's; open and closed programmes are public.
    pub fn is_public(self) -> bool {
        self != ProgrammeStatus::Draft
    }
}

impl ApplicationStatus {
    /// The state an action leads to. A decision without money goes straight
    /// to closing; payments and reports follow only a grant.
    pub fn after(
        self,
        action: ApplicationAction,
        outcome: Option<DecisionOutcome>,
    ) -> Option<ApplicationStatus> {
        use ApplicationAction as A;
        use ApplicationStatus as S;
        let granted = matches!(
            outcome,
            Some(DecisionOutcome::Granted | DecisionOutcome::PartlyGranted)
        );
        match (self, action) {
            (S::Draft, A::Submit) => Some(S::Submitted),
            (S::Submitted, A::StartReview) => Some(S::UnderReview),
            (S::UnderReview, A::RequestCompletion) => Some(S::CompletionRequested),
            (S::CompletionRequested, A::Complete) => Some(S::UnderReview),
            (S::UnderReview, A::Decide) => Some(S::Decided),
            (S::Decided, A::Pay) if granted => Some(S::Paid),
            (S::Paid, A::Pay) => Some(S::Paid),
            (S::Paid, A::Report) => Some(S::Reported),
            (S::Decided, A::Close) if !granted => Some(S::Closed),
            (S::Reported, A::Close) => Some(S::Closed),
            (S::Draft | S::Submitted | S::UnderReview | S::CompletionRequested, A::Withdraw) => {
                Some(S::Withdrawn)
            }
            _ => None,
        }
    }

    pub fn allowed_actions(self, outcome: Option<DecisionOutcome>) -> Vec<ApplicationAction> {
        ApplicationAction::ALL
            .iter()
            .copied()
            .filter(|a| self.after(*a, outcome).is_some())
            .collect()
    }

    /// The actions `principal` may take now: allowed from this state and by
    /// the role matrix ([`ApplicationAction::needed`]); `pay` is recorded by
    /// a payment and never offered. Members of the applicant see the
    /// applicant's actions, staff of the owning unit the handling.
    pub fn actions_for(
        self,
        outcome: Option<DecisionOutcome>,
        principal: &Principal,
        organisation: super::ids::OrganisationId,
        owning_unit: CityUnitId,
    ) -> Vec<ApplicationAction> {
        self.allowed_actions(outcome)
            .into_iter()
            .filter(|a| *a != ApplicationAction::Pay)
            .filter(|a| super::access::can(principal, a.needed(organisation, owning_unit)))
            .collect()
    }

    /// The organisation may change the application (a draft, or when asked to complete it).
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::CompletionRequested)
    }

    pub fn is_decided(self) -> bool {
        matches!(
            self,
            Self::Decided | Self::Paid | Self::Reported | Self::Closed
        )
    }
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

/// What is on record about one person's conflicts of interest with the
/// applicant organisation, read inside the decision's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConflictRecord {
    /// A declared conflict with the organisation (on any of its
    /// applications) that an admin has not released.
    pub binding_conflict: bool,
    /// A declaration of no conflict on this application.
    pub declared_none_here: bool,
}

/// Whether `principal` may decide `granted_sek` on an application of a
/// programme owned by `owning_unit`. Every decider needs a delegation that
/// covers the amount, whatever the role: staff of the owning unit, or an
/// admin whose token carries a delegation (admins manage the service; the
/// delegation order decides who decides). Integrations and partners never do.
pub fn may_decide(
    principal: &Principal,
    owning_unit: CityUnitId,
    granted_sek: i64,
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
        Some(limit_sek) if granted_sek > limit_sek => {
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
    requested_sek: i64,
    granted_sek: i64,
    range: (i64, i64),
) -> Result<(), String> {
    let (min_sek, max_sek) = range;
    match outcome {
        DecisionOutcome::Granted if granted_sek != requested_sek => {
            Err("a full grant is the amount requested".into())
        }
        DecisionOutcome::PartlyGranted if !(1..requested_sek).contains(&granted_sek) => {
            Err("a partial grant is more than 0 and less than the amount requested".into())
        }
        DecisionOutcome::Rejected if granted_sek != 0 => Err("a rejection grants 0".into()),
        DecisionOutcome::Granted | DecisionOutcome::PartlyGranted
            if !(min_sek..=max_sek).contains(&granted_sek) =>
        {
            Err(format!(
                "must be between {min_sek} and {max_sek} SEK for this programme"
            ))
        }
        _ => Ok(()),
    }
}

/// Splits a grant over the calendar years of its period, pro rata by days
/// (largest remainder, so the parts add up to the grant exactly; earlier
/// years take the odd kronor on a tie). A one-year period gives one part.
pub fn allocate(granted_sek: i64, start: NaiveDate, end: NaiveDate) -> Vec<(i32, i64)> {
    use chrono::Datelike;
    if granted_sek <= 0 || end < start {
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
            let exact = i128::from(granted_sek) * i128::from(*d);
            let whole = exact / i128::from(total_days);
            (*y, whole as i64, exact % i128::from(total_days))
        })
        .collect();
    let mut left = granted_sek - parts.iter().map(|(_, w, _)| w).sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| parts[*b].2.cmp(&parts[*a].2).then(a.cmp(b)));
    for i in order {
        if left == 0 {
            break;
        }
        parts[i].1 += 1;
        left -= 1;
    }
    parts.into_iter().map(|(y, w, _)| (y, w)).collect()
}

/// The part of `paid_sek` that falls on each year of a grant's allocation:
/// payments fill the years in order (a payment is for the earliest year not
/// yet paid in full). In closed form, a year's part is
/// `min(amount, max(0, paid - allocated in earlier years))`: migration
/// 000012 (and `benches/national.sql`) sum the stored grants' figures that
/// way in SQL, and the table test below holds the two to the same numbers.
/// A payment adds to each year the difference this makes (`db::grants::add_paid`).
pub fn paid_per_year(allocation: &[(i32, i64)], paid_sek: i64) -> Vec<(i32, i64)> {
    let mut left = paid_sek.max(0);
    allocation
        .iter()
        .map(|(year, amount)| {
            let part = left.min(*amount);
            left -= part;
            (*year, part)
        })
        .collect()
}

/// A required document left without an answer that counts at submission: a
/// reference, or a waiver request with its reason.
pub fn unanswered_documents<'a>(
    required: impl IntoIterator<Item = (&'a str, &'a str)>,
    answered: impl Fn(&str) -> bool,
) -> Vec<super::FieldError> {
    required
        .into_iter()
        .filter(|(key, _)| !answered(key))
        .map(|(key, title)| {
            super::FieldError::new(
                format!("document_answers.{key}"),
                format!(
                    "the programme requires `{key}` ({title}): give a reference, or a waiver request with its reason"
                ),
            )
        })
        .collect()
}

/// Whether one more payment stays within the grant.
pub fn check_payment(granted_sek: i64, paid_sek: i64, amount_sek: i64) -> Result<(), String> {
    match paid_sek.checked_add(amount_sek) {
        Some(after) if after <= granted_sek => Ok(()),
        after => {
            Err(format!(
            "{amount_sek} SEK would bring payments to {}, more than the {granted_sek} SEK granted",
            after.map_or_else(|| "more than can be counted".to_owned(), |a| format!("{a} SEK"))
        ))
        }
    }
}

/// A round's window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlineRefusal {
    NotOpenYet,
    Passed,
}

/// Whether a submission now is allowed, and whether it is late.
pub fn check_deadline(
    opens_at: DateTime<Utc>,
    deadline: DateTime<Utc>,
    accepts_late: bool,
    now: DateTime<Utc>,
) -> Result<bool, DeadlineRefusal> {
    if now < opens_at {
        return Err(DeadlineRefusal::NotOpenYet);
    }
    if now <= deadline {
        return Ok(false);
    }
    if accepts_late {
        Ok(true)
    } else {
        Err(DeadlineRefusal::Passed)
    }
}

/// Whether the budget of a year holds one more grant.
pub fn check_budget(
    budget_sek: Option<i64>,
    granted_so_far: i64,
    granted_sek: i64,
) -> Result<(), String> {
    match budget_sek {
        None => Err("the programme has no budget for the grant's year".into()),
        Some(b) if granted_so_far.checked_add(granted_sek).is_none_or(|t| t > b) => Err(format!(
            "{granted_sek} SEK would exceed the year's budget: {b} SEK, of which {granted_so_far} SEK is already granted"
        )),
        Some(_) => Ok(()),
    }
}

/// The record kept of a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub outcome: DecisionOutcome,
    pub granted_sek: i64,
    pub motivation: String,
    pub decided_by: String,
    /// The role the decider acted in (shown publicly instead of the person).
    pub decided_by_role: String,
    /// The unit on whose behalf the decision was made (the programme's owner).
    pub decided_by_unit: Option<CityUnitId>,
    pub decided_on: NaiveDate,
    /// The grant per year of its period.
    pub allocation: Vec<(i32, i64)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicationAction as A;
    use ApplicationStatus as S;

    #[test]
    fn each_caller_is_offered_only_the_actions_it_may_take() {
        use crate::domain::ids::OrganisationId;
        let unit = CityUnitId(uuid::Uuid::now_v7());
        let other_unit = CityUnitId(uuid::Uuid::now_v7());
        let a = OrganisationId(uuid::Uuid::now_v7());
        let b = OrganisationId(uuid::Uuid::now_v7());
        let staff = |u| Principal::CityStaff {
            subject: "s".into(),
            unit: u,
            delegation_limit_sek: Some(50_000),
        };
        let partner = |o| Principal::Partner {
            subject: "p".into(),
            organisation: o,
        };
        let admin = Principal::CityAdmin {
            subject: "a".into(),
            delegation_limit_sek: None,
        };
        let granted = Some(DecisionOutcome::Granted);
        type Case = (&'static str, Principal, S, Option<DecisionOutcome>, Vec<A>);
        let cases: Vec<Case> = vec![
            (
                "applicant, draft",
                partner(a),
                S::Draft,
                None,
                vec![A::Submit, A::Withdraw],
            ),
            (
                "applicant, submitted",
                partner(a),
                S::Submitted,
                None,
                vec![A::Withdraw],
            ),
            (
                "another organisation, draft",
                partner(b),
                S::Draft,
                None,
                vec![],
            ),
            ("owning unit, draft", staff(unit), S::Draft, None, vec![]),
            (
                "owning unit, submitted",
                staff(unit),
                S::Submitted,
                None,
                vec![A::StartReview],
            ),
            (
                "another unit, submitted",
                staff(other_unit),
                S::Submitted,
                None,
                vec![],
            ),
            (
                "another unit, under review",
                staff(other_unit),
                S::UnderReview,
                None,
                vec![],
            ),
            (
                "admin, under review",
                admin.clone(),
                S::UnderReview,
                None,
                S::UnderReview
                    .allowed_actions(None)
                    .into_iter()
                    .filter(|x| !x.is_applicants())
                    .collect(),
            ),
            (
                "owning unit, decided",
                staff(unit),
                S::Decided,
                granted,
                vec![],
            ),
            (
                "applicant, decided",
                partner(a),
                S::Decided,
                granted,
                S::Decided
                    .allowed_actions(granted)
                    .into_iter()
                    .filter(|x| x.is_applicants())
                    .collect(),
            ),
            (
                "anonymous, decided",
                Principal::Anonymous,
                S::Decided,
                granted,
                vec![],
            ),
        ];
        for (case, principal, status, outcome, expected) in cases {
            let offered = status.actions_for(outcome, &principal, a, unit);
            assert_eq!(offered, expected, "{case}");
            assert!(!offered.contains(&A::Pay), "{case}");
        }
    }

    #[test]
    fn every_state_and_action() {
        let granted = Some(DecisionOutcome::Granted);
        let rejected = Some(DecisionOutcome::Rejected);
        let expected = [
            (S::Draft, A::Submit, None, Some(S::Submitted)),
            (S::Submitted, A::StartReview, None, Some(S::UnderReview)),
            (
                S::UnderReview,
                A::RequestCompletion,
                None,
                Some(S::CompletionRequested),
            ),
            (
                S::CompletionRequested,
                A::Complete,
                None,
                Some(S::UnderReview),
            ),
            (S::UnderReview, A::Decide, None, Some(S::Decided)),
            (S::Decided, A::Pay, granted, Some(S::Paid)),
            (S::Decided, A::Pay, rejected, None),
            (S::Paid, A::Pay, granted, Some(S::Paid)),
            (S::Paid, A::Report, granted, Some(S::Reported)),
            (S::Decided, A::Close, rejected, Some(S::Closed)),
            (S::Decided, A::Close, granted, None),
            (S::Reported, A::Close, granted, Some(S::Closed)),
            (S::Draft, A::Withdraw, None, Some(S::Withdrawn)),
            (S::Submitted, A::Withdraw, None, Some(S::Withdrawn)),
            (S::UnderReview, A::Withdraw, None, Some(S::Withdrawn)),
            (
                S::CompletionRequested,
                A::Withdraw,
                None,
                Some(S::Withdrawn),
            ),
            (S::Decided, A::Withdraw, granted, None),
        ];
        for (state, action, outcome, next) in expected {
            assert_eq!(state.after(action, outcome), next, "{state} + {action}");
        }
        // Every other pair is refused.
        let mut allowed = 0;
        for state in S::ALL {
            for action in A::ALL {
                for outcome in [None, granted, rejected] {
                    if state.after(*action, outcome).is_some() {
                        allowed += 1;
                        assert!(
                            expected
                                .iter()
                                .any(|(s, a, _, n)| s == state && a == action && n.is_some()),
                            "{state} + {action} unexpectedly allowed"
                        );
                    }
                }
            }
        }
        assert!(allowed > 0);
        assert!(S::Closed.allowed_actions(granted).is_empty());
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
                may_decide(&who, owner, amount, conflicts),
                expected,
                "{who:?} {amount}"
            );
        }
        let range = (1_000, 50_000);
        assert!(check_granted(DecisionOutcome::Granted, 30_000, 30_000, range).is_ok());
        assert!(check_granted(DecisionOutcome::PartlyGranted, 75_000, 75_000, range).is_err());
        assert!(check_granted(DecisionOutcome::PartlyGranted, 30_000, 500, range).is_err());
        assert!(check_granted(DecisionOutcome::PartlyGranted, 30_000, 1_000, range).is_ok());
        assert!(check_granted(DecisionOutcome::Rejected, 75_000, 1, range).is_err());
        assert!(check_granted(DecisionOutcome::Rejected, 75_000, 0, range).is_ok());
        assert!(check_budget(Some(100), 60, 40).is_ok());
        assert!(check_budget(Some(100), 60, 41).is_err());
        assert!(check_budget(None, 0, 1).is_err());
        assert!(check_budget(Some(i64::MAX), i64::MAX, 1_000).is_err());
        assert!(check_payment(20_000, 15_000, 5_000).is_ok());
        assert!(check_payment(20_000, 15_001, 5_000).is_err());
        assert!(check_payment(100_000, 100_000, i64::MAX).is_err());
    }

    #[test]
    fn multi_year_grants_are_split_by_days() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        // 2027-07-01..2027-12-31 is 184 days, 2028-01-01..2028-06-30 is 182.
        assert_eq!(
            allocate(15_000, d(2027, 7, 1), d(2028, 6, 30)),
            vec![(2027, 7_541), (2028, 7_459)]
        );
        assert_eq!(
            allocate(30_000, d(2027, 6, 1), d(2027, 8, 31)),
            vec![(2027, 30_000)]
        );
        let three = allocate(100, d(2026, 12, 31), d(2028, 1, 1));
        assert_eq!(three.iter().map(|(_, a)| a).sum::<i64>(), 100);
        assert_eq!(three.len(), 3);
        assert!(allocate(0, d(2027, 1, 1), d(2027, 2, 1)).is_empty());
        assert_eq!(
            paid_per_year(&[(2027, 7_541), (2028, 7_459)], 10_000),
            vec![(2027, 7_541), (2028, 2_459)]
        );
    }

    #[test]
    fn paid_per_year_is_its_closed_form() {
        let closed = |allocation: &[(i32, i64)], paid: i64| -> Vec<(i32, i64)> {
            let mut earlier = 0;
            allocation
                .iter()
                .map(|(year, amount)| {
                    let part = (*amount).min((paid - earlier).max(0));
                    earlier += amount;
                    (*year, part)
                })
                .collect()
        };
        let allocations: [&[(i32, i64)]; 5] = [
            &[],
            &[(2027, 10_000)],
            &[(2027, 7_541), (2028, 7_459)],
            &[(2026, 1), (2027, 0), (2028, 99)],
            &[(2026, 300), (2027, 400), (2028, 300)],
        ];
        for allocation in allocations {
            let granted: i64 = allocation.iter().map(|(_, a)| a).sum();
            for paid in [
                -5,
                0,
                1,
                299,
                300,
                301,
                700,
                701,
                granted - 1,
                granted,
                granted + 1,
            ] {
                assert_eq!(
                    paid_per_year(allocation, paid),
                    closed(allocation, paid),
                    "{allocation:?}, paid {paid}"
                );
            }
        }
    }

    #[test]
    fn required_documents_need_a_reference_or_a_reasoned_waiver() {
        let required = [
            ("gender_equality_plan", "Gender-equality plan"),
            ("budget", "Budget"),
        ];
        let missing = unanswered_documents(required, |key| key == "budget");
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].field, "document_answers.gender_equality_plan");
        assert!(unanswered_documents(required, |_| true).is_empty());
    }

    #[test]
    fn deadlines() {
        let t = |d: i64| DateTime::<Utc>::from_timestamp(d * 86400, 0).unwrap();
        assert_eq!(
            check_deadline(t(10), t(20), false, t(5)),
            Err(DeadlineRefusal::NotOpenYet)
        );
        assert_eq!(check_deadline(t(10), t(20), false, t(15)), Ok(false));
        assert_eq!(
            check_deadline(t(10), t(20), false, t(21)),
            Err(DeadlineRefusal::Passed)
        );
        assert_eq!(check_deadline(t(10), t(20), true, t(21)), Ok(true));
    }
}
