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

/// Who may decide: staff of the owning unit (or an admin) whose delegation
/// covers the amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DelegationRefusal {
    NotTheOwningUnit,
    NoDelegation,
    OverLimit { limit_sek: i64 },
}

pub fn check_delegation(
    principal: &Principal,
    owning_unit: CityUnitId,
    granted_sek: i64,
) -> Result<(), DelegationRefusal> {
    let limit = match principal {
        Principal::CityStaff {
            unit,
            delegation_limit_sek,
            ..
        } if *unit == owning_unit => *delegation_limit_sek,
        Principal::CityAdmin { .. } => return Ok(()),
        _ => return Err(DelegationRefusal::NotTheOwningUnit),
    };
    match limit {
        None => Err(DelegationRefusal::NoDelegation),
        Some(limit_sek) if granted_sek > limit_sek => {
            Err(DelegationRefusal::OverLimit { limit_sek })
        }
        Some(_) => Ok(()),
    }
}

/// How much may be granted for an outcome.
pub fn check_granted(
    outcome: DecisionOutcome,
    requested_sek: i64,
    granted_sek: i64,
) -> Result<(), &'static str> {
    match outcome {
        DecisionOutcome::Granted if granted_sek != requested_sek => {
            Err("a full grant is the amount requested")
        }
        DecisionOutcome::PartlyGranted if !(1..requested_sek).contains(&granted_sek) => {
            Err("a partial grant is more than 0 and less than the amount requested")
        }
        DecisionOutcome::Rejected if granted_sek != 0 => Err("a rejection grants 0"),
        _ => Ok(()),
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
        Some(b) if granted_so_far + granted_sek > b => Err(format!(
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
    pub decided_on: NaiveDate,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicationAction as A;
    use ApplicationStatus as S;

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
    fn delegation_and_amounts() {
        let unit = CityUnitId::new();
        let staff = |limit| Principal::CityStaff {
            subject: "s".into(),
            unit,
            delegation_limit_sek: limit,
        };
        assert_eq!(check_delegation(&staff(Some(50_000)), unit, 50_000), Ok(()));
        assert_eq!(
            check_delegation(&staff(Some(50_000)), unit, 50_001),
            Err(DelegationRefusal::OverLimit { limit_sek: 50_000 })
        );
        assert_eq!(
            check_delegation(&staff(None), unit, 1),
            Err(DelegationRefusal::NoDelegation)
        );
        assert_eq!(
            check_delegation(&staff(Some(1_000_000)), CityUnitId::new(), 1),
            Err(DelegationRefusal::NotTheOwningUnit)
        );
        assert!(check_granted(DecisionOutcome::Granted, 75_000, 75_000).is_ok());
        assert!(check_granted(DecisionOutcome::PartlyGranted, 75_000, 75_000).is_err());
        assert!(check_granted(DecisionOutcome::Rejected, 75_000, 1).is_err());
        assert!(check_budget(Some(100), 60, 40).is_ok());
        assert!(check_budget(Some(100), 60, 41).is_err());
        assert!(check_budget(None, 0, 1).is_err());
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
