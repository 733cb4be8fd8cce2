//! A grant application: what it says, its states and who moves it, who sees
//! it, and its checks against the programme, when written and when
//! submitted.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::decision::{Decision, DecisionOutcome};
use super::programme::{Programme, ProgrammeStatus};
use crate::domain::access::{Action, Principal};
use crate::domain::district::District;
use crate::domain::ids::{
    CityUnitId, GrantApplicationId, GrantProgrammeId, GrantRoundId, OrganisationId,
};
use crate::domain::money::Sek;
use crate::domain::organisation::LegalForm;
use crate::domain::FieldError;

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
    pub fn needed(self, organisation: OrganisationId, owning_unit: CityUnitId) -> Action {
        if self.is_applicants() {
            Action::ApplyForGrant(organisation)
        } else {
            Action::ManageGrantProgramme(owning_unit)
        }
    }
}

/// Whether the caller sees all of an application: the city, and members of
/// the applicant organisation. Others see only public grants, in part.
pub fn sees_whole_application(principal: &Principal, organisation: OrganisationId) -> bool {
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
    organisation: OrganisationId,
    status: ApplicationStatus,
    outcome: Option<DecisionOutcome>,
) -> bool {
    sees_whole_application(principal, organisation) || is_public_grant(status, outcome)
}

/// Who may learn of a change of an application (or of a part of it): the
/// callers [`application_visible_to`] admits, as it stands after the change.
pub fn application_audience(
    organisation: OrganisationId,
    status: ApplicationStatus,
    outcome: Option<DecisionOutcome>,
) -> crate::domain::change::Audience {
    crate::domain::change::Audience::by_rule([organisation], |principal| {
        application_visible_to(principal, organisation, status, outcome)
    })
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
        organisation: OrganisationId,
        owning_unit: CityUnitId,
    ) -> Vec<ApplicationAction> {
        self.allowed_actions(outcome)
            .into_iter()
            .filter(|a| *a != ApplicationAction::Pay)
            .filter(|a| crate::domain::access::can(principal, a.needed(organisation, owning_unit)))
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

/// A budget line of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLine {
    pub description: String,
    pub amount_sek: Sek,
}

/// An answer to a required document: a reference, or a request to waive it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentAnswer {
    pub key: String,
    /// A URL or registry reference to the document.
    pub reference: Option<String>,
    pub note: Option<String>,
    /// Why the requirement does not fit the organisation (a waiver request).
    pub waiver_reason: Option<String>,
}

impl DocumentAnswer {
    /// An answer that meets a requirement: a reference, or a waiver request
    /// with its reason (DOMAIN.md: a requirement must be waivable with a reason).
    pub fn counts(&self) -> bool {
        let given = |t: &Option<String>| t.as_deref().is_some_and(|t| !t.trim().is_empty());
        given(&self.reference) || given(&self.waiver_reason)
    }
}

/// What an application says.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationDetails {
    pub organisation: OrganisationId,
    pub programme: GrantProgrammeId,
    pub round: GrantRoundId,
    pub title: String,
    pub purpose: String,
    pub target_group: Option<String>,
    pub districts: Vec<District>,
    pub requested_sek: Sek,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub budget_lines: Vec<BudgetLine>,
    pub document_answers: Vec<DocumentAnswer>,
    pub registry_number: Option<String>,
    pub external_id: Option<String>,
}

/// A stored application.
#[derive(Debug, Clone)]
pub struct Application {
    pub id: GrantApplicationId,
    pub details: ApplicationDetails,
    pub status: ApplicationStatus,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_late: bool,
    pub completion_message: Option<String>,
    pub decision: Option<Decision>,
    pub grant_year: Option<i32>,
    pub report: Option<String>,
    pub paid_sek: Sek,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Checks what an application says against its programme: open, the round
/// is its own, the amount in its range, the period one year unless it funds
/// several, the organisation (`legal_form`: `None` when there is no such
/// organisation) of an eligible legal form, and each document answer for a
/// document the programme asks for and one that counts. Every field that
/// fails is named.
pub fn check_application(
    d: &ApplicationDetails,
    programme: &Programme,
    legal_form: Option<LegalForm>,
) -> Result<(), Vec<FieldError>> {
    check_application_as(d, programme, legal_form, true)
}

/// [`check_application`] for an application an import records as already
/// submitted in the past: its programme may have closed since.
pub fn check_recorded_application(
    d: &ApplicationDetails,
    programme: &Programme,
    legal_form: Option<LegalForm>,
) -> Result<(), Vec<FieldError>> {
    check_application_as(d, programme, legal_form, false)
}

fn check_application_as(
    d: &ApplicationDetails,
    programme: &Programme,
    legal_form: Option<LegalForm>,
    must_be_open: bool,
) -> Result<(), Vec<FieldError>> {
    let rules = &programme.details;
    let mut errors = Vec::new();
    if must_be_open && programme.status != ProgrammeStatus::Open {
        errors.push(FieldError::new(
            "programme_id",
            format!("the programme is {}, not open", programme.status),
        ));
    }
    if !programme.rounds.iter().any(|r| r.id == d.round) {
        errors.push(FieldError::new("round_id", "not a round of this programme"));
    }
    if !(rules.min_sek..=rules.max_sek).contains(&d.requested_sek) {
        errors.push(FieldError::new(
            "requested_sek",
            format!(
                "must be between {} and {} SEK for this programme",
                rules.min_sek.kronor(),
                rules.max_sek.kronor()
            ),
        ));
    }
    if !rules.multi_year_allowed && d.end_date.year() != d.start_date.year() {
        errors.push(FieldError::new(
            "end_date",
            "this programme funds one year at a time",
        ));
    }
    match legal_form {
        None => errors.push(FieldError::new("organisation_id", "no such organisation")),
        Some(form) => {
            let forms = &rules.eligible_legal_forms;
            if !forms.is_empty() && !forms.contains(&form) {
                errors.push(FieldError::new(
                    "organisation_id",
                    format!("organisations of legal form {form} may not apply to this programme"),
                ));
            }
        }
    }
    for (i, answer) in d.document_answers.iter().enumerate() {
        if !rules.required_documents.iter().any(|r| r.key == answer.key) {
            errors.push(FieldError::new(
                format!("document_answers[{i}].key"),
                "the programme asks for no such document",
            ));
        } else if !answer.counts() {
            errors.push(FieldError::new(
                format!("document_answers[{i}]"),
                "give a `reference`, or a `waiver_reason` that says why the requirement does not fit",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A required document left without an answer that counts at submission: a
/// reference, or a waiver request with its reason.
pub fn unanswered_documents<'a>(
    required: impl IntoIterator<Item = (&'a str, &'a str)>,
    answered: impl Fn(&str) -> bool,
) -> Vec<FieldError> {
    required
        .into_iter()
        .filter(|(key, _)| !answered(key))
        .map(|(key, title)| {
            FieldError::new(
                format!("document_answers.{key}"),
                format!(
                    "the programme requires `{key}` ({title}): give a reference, or a waiver request with its reason"
                ),
            )
        })
        .collect()
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

/// Why an application cannot be submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmissionRefusal {
    /// It does not fit the programme ([`check_application`]), or a required
    /// document has no answer that counts.
    Invalid(Vec<FieldError>),
    /// The round has not opened.
    NotOpenYet { opens_at: DateTime<Utc> },
    /// The round's deadline has passed and it takes no late applications.
    DeadlinePassed { deadline: DateTime<Utc> },
}

/// Whether what an application says may be submitted to `programme` `now`:
/// it fits the programme, every required document is answered, and the
/// round is open (or takes late applications). `Ok(true)`: it is late.
pub fn check_submission(
    d: &ApplicationDetails,
    programme: &Programme,
    legal_form: Option<LegalForm>,
    now: DateTime<Utc>,
) -> Result<bool, SubmissionRefusal> {
    check_application(d, programme, legal_form).map_err(SubmissionRefusal::Invalid)?;
    let missing = unanswered_documents(
        programme
            .details
            .required_documents
            .iter()
            .map(|r| (r.key.as_str(), r.title.as_str())),
        |key| {
            d.document_answers
                .iter()
                .any(|a| a.key == key && a.counts())
        },
    );
    if !missing.is_empty() {
        return Err(SubmissionRefusal::Invalid(missing));
    }
    let Some(round) = programme.rounds.iter().find(|r| r.id == d.round) else {
        // check_application has named it already; kept for the type's sake.
        return Err(SubmissionRefusal::Invalid(vec![FieldError::new(
            "round_id",
            "not a round of this programme",
        )]));
    };
    check_deadline(round.opens_at, round.deadline, round.accepts_late, now).map_err(|r| match r {
        DeadlineRefusal::NotOpenYet => SubmissionRefusal::NotOpenYet {
            opens_at: round.opens_at,
        },
        DeadlineRefusal::Passed => SubmissionRefusal::DeadlinePassed {
            deadline: round.deadline,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::grant::{ProgrammeDetails, RequiredDocument, Round};
    use ApplicationAction as A;
    use ApplicationStatus as S;

    #[test]
    fn each_caller_is_offered_only_the_actions_it_may_take() {
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
    fn each_action_needs_the_applicant_or_the_owning_unit() {
        let unit = CityUnitId::new();
        let organisation = OrganisationId::new();
        for action in A::ALL {
            let expected = match action {
                A::Submit | A::Complete | A::Report | A::Withdraw => {
                    Action::ApplyForGrant(organisation)
                }
                A::StartReview | A::RequestCompletion | A::Decide | A::Pay | A::Close => {
                    Action::ManageGrantProgramme(unit)
                }
            };
            assert_eq!(action.needed(organisation, unit), expected, "{action}");
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

    fn at(day: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(day * 86_400, 0).unwrap()
    }

    fn sek(kronor: i64) -> Sek {
        Sek::new(kronor).unwrap()
    }

    /// An open programme of 1 000 ..= 50 000 SEK for associations, one year
    /// at a time, asking for a gender-equality plan; its round is open from
    /// day 10 to day 20.
    fn programme() -> Programme {
        Programme {
            id: GrantProgrammeId::new(),
            details: ProgrammeDetails {
                title: "Utvecklingspotten".into(),
                description: None,
                owning_unit: CityUnitId::new(),
                min_sek: sek(1_000),
                max_sek: sek(50_000),
                eligible_legal_forms: vec![LegalForm::NonProfitAssociation],
                districts: Vec::new(),
                required_documents: vec![RequiredDocument {
                    key: "gender_equality_plan".into(),
                    title: "Gender-equality plan".into(),
                }],
                multi_year_allowed: false,
                budgets: vec![(2027, sek(100_000))],
                external_id: None,
            },
            status: ProgrammeStatus::Open,
            rounds: vec![Round {
                id: GrantRoundId::new(),
                name: "Spring".into(),
                opens_at: at(10),
                deadline: at(20),
                accepts_late: false,
            }],
            figures: Vec::new(),
            version: 1,
            created_at: at(0),
            updated_at: at(0),
        }
    }

    fn application(p: &Programme) -> ApplicationDetails {
        let day = |m, d| NaiveDate::from_ymd_opt(2027, m, d).unwrap();
        ApplicationDetails {
            organisation: OrganisationId::new(),
            programme: p.id,
            round: p.rounds[0].id,
            title: "Läxhjälp".into(),
            purpose: "Homework help".into(),
            target_group: None,
            districts: Vec::new(),
            requested_sek: sek(30_000),
            start_date: day(3, 1),
            end_date: day(6, 30),
            budget_lines: Vec::new(),
            document_answers: vec![DocumentAnswer {
                key: "gender_equality_plan".into(),
                reference: Some("https://example.se/plan.pdf".into()),
                note: None,
                waiver_reason: None,
            }],
            registry_number: None,
            external_id: None,
        }
    }

    #[test]
    fn an_application_fits_its_programme_or_names_each_field() {
        let p = programme();
        let association = Some(LegalForm::NonProfitAssociation);
        let answer = |key: &str, reference: Option<&str>| DocumentAnswer {
            key: key.into(),
            reference: reference.map(Into::into),
            note: None,
            waiver_reason: None,
        };
        type Change = Box<dyn Fn(&mut ApplicationDetails, &mut Programme)>;
        let cases: Vec<(&str, Change, Option<LegalForm>, Vec<&str>)> = vec![
            ("fits", Box::new(|_, _| {}), association, vec![]),
            (
                "a closed programme",
                Box::new(|_, p| p.status = ProgrammeStatus::Closed),
                association,
                vec!["programme_id"],
            ),
            (
                "a draft programme",
                Box::new(|_, p| p.status = ProgrammeStatus::Draft),
                association,
                vec!["programme_id"],
            ),
            (
                "another programme's round",
                Box::new(|d, _| d.round = GrantRoundId::new()),
                association,
                vec!["round_id"],
            ),
            (
                "below the range",
                Box::new(|d, _| d.requested_sek = sek(999)),
                association,
                vec!["requested_sek"],
            ),
            (
                "the range's ends",
                Box::new(|d, _| d.requested_sek = sek(50_000)),
                association,
                vec![],
            ),
            (
                "above the range",
                Box::new(|d, _| d.requested_sek = sek(50_001)),
                association,
                vec!["requested_sek"],
            ),
            (
                "two years where one is funded",
                Box::new(|d, _| d.end_date = NaiveDate::from_ymd_opt(2028, 1, 1).unwrap()),
                association,
                vec!["end_date"],
            ),
            (
                "two years where several are funded",
                Box::new(|d, p| {
                    d.end_date = NaiveDate::from_ymd_opt(2028, 1, 1).unwrap();
                    p.details.multi_year_allowed = true;
                }),
                association,
                vec![],
            ),
            (
                "no such organisation",
                Box::new(|_, _| {}),
                None,
                vec!["organisation_id"],
            ),
            (
                "a legal form not eligible",
                Box::new(|_, _| {}),
                Some(LegalForm::Foundation),
                vec!["organisation_id"],
            ),
            (
                "every legal form when none is named",
                Box::new(|_, p| p.details.eligible_legal_forms.clear()),
                Some(LegalForm::Foundation),
                vec![],
            ),
            (
                "a document not asked for, and an answer that does not count",
                Box::new(move |d, _| {
                    d.document_answers = vec![
                        answer("budget", Some("x")),
                        answer("gender_equality_plan", Some(" ")),
                    ]
                }),
                association,
                vec!["document_answers[0].key", "document_answers[1]"],
            ),
            (
                "everything at once, in order",
                Box::new(|d, p| {
                    p.status = ProgrammeStatus::Closed;
                    d.round = GrantRoundId::new();
                    d.requested_sek = sek(0);
                    d.end_date = NaiveDate::from_ymd_opt(2028, 1, 1).unwrap();
                    d.document_answers[0].key = "other".into();
                }),
                None,
                vec![
                    "programme_id",
                    "round_id",
                    "requested_sek",
                    "end_date",
                    "organisation_id",
                    "document_answers[0].key",
                ],
            ),
        ];
        for (case, change, form, expected) in cases {
            let mut programme = p.clone();
            let mut d = application(&p);
            change(&mut d, &mut programme);
            let named: Vec<String> = match check_application(&d, &programme, form) {
                Ok(()) => Vec::new(),
                Err(errors) => errors.into_iter().map(|e| e.field).collect(),
            };
            assert_eq!(named, expected, "{case}");
        }
    }

    #[test]
    fn a_submission_fits_documents_and_the_round() {
        let p = programme();
        let form = Some(LegalForm::NonProfitAssociation);
        let d = application(&p);
        let mut unanswered = d.clone();
        unanswered.document_answers.clear();
        let mut late_round = p.clone();
        late_round.rounds[0].accepts_late = true;
        type Case<'a> = (
            &'a str,
            &'a ApplicationDetails,
            &'a Programme,
            i64,
            Result<bool, &'a str>,
        );
        let cases: Vec<Case> = vec![
            ("in time", &d, &p, 15, Ok(false)),
            ("at the deadline", &d, &p, 20, Ok(false)),
            ("before the round opens", &d, &p, 5, Err("round_not_open")),
            ("after the deadline", &d, &p, 21, Err("deadline_passed")),
            ("late, where late is taken", &d, &late_round, 21, Ok(true)),
            (
                "a required document unanswered",
                &unanswered,
                &p,
                15,
                Err("document_answers.gender_equality_plan"),
            ),
        ];
        for (case, d, programme, day, expected) in cases {
            let got = check_submission(d, programme, form, at(day)).map_err(|r| match r {
                SubmissionRefusal::Invalid(errors) => errors[0].field.clone(),
                SubmissionRefusal::NotOpenYet { opens_at } => {
                    assert_eq!(opens_at, at(10));
                    "round_not_open".into()
                }
                SubmissionRefusal::DeadlinePassed { deadline } => {
                    assert_eq!(deadline, at(20));
                    "deadline_passed".into()
                }
            });
            assert_eq!(got, expected.map_err(String::from), "{case}");
        }
        // What does not fit the programme is named before the window.
        let mut closed = p.clone();
        closed.status = ProgrammeStatus::Closed;
        assert!(matches!(
            check_submission(&d, &closed, form, at(5)),
            Err(SubmissionRefusal::Invalid(_))
        ));
    }
}
