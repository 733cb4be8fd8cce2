//! A grant programme (a call): its description, yearly budgets with what is
//! granted and paid of them, its rounds, its states, and what a change of it
//! changes.

use chrono::{DateTime, Utc};

use crate::domain::district::District;
use crate::domain::ids::{CityUnitId, GrantProgrammeId, GrantRoundId};
use crate::domain::money::Sek;
use crate::domain::organisation::LegalForm;
use crate::domain::FieldError;

text_enum!(
    /// Whether a programme takes applications.
    ProgrammeStatus {
        Draft => "draft",
        Open => "open",
        Closed => "closed",
    }
);

text_enum!(
    /// A state change of a programme.
    ProgrammeAction {
        Open => "open",
        Close => "close",
    }
);

impl ProgrammeStatus {
    /// Who may learn of a change of a programme in this state: anyone once
    /// open, the city while a draft.
    pub fn audience(self) -> crate::domain::change::Audience {
        if self.is_public() {
            crate::domain::change::Audience::public()
        } else {
            crate::domain::change::Audience::city()
        }
    }

    /// Drafts are the city's; open and closed programmes are public.
    pub fn is_public(self) -> bool {
        self != ProgrammeStatus::Draft
    }

    /// The state an action leads to: a draft opens, an open programme
    /// closes, a closed one stays closed.
    pub fn after(self, action: ProgrammeAction) -> Option<ProgrammeStatus> {
        use ProgrammeAction as A;
        use ProgrammeStatus as S;
        match (self, action) {
            (S::Draft, A::Open) => Some(S::Open),
            (S::Open, A::Close) => Some(S::Closed),
            _ => None,
        }
    }

    /// The actions this state allows.
    pub fn allowed_actions(self) -> Vec<ProgrammeAction> {
        ProgrammeAction::ALL
            .iter()
            .copied()
            .filter(|a| self.after(*a).is_some())
            .collect()
    }
}

/// A document a programme asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredDocument {
    pub key: String,
    pub title: String,
}

/// A programme's description.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeDetails {
    pub title: String,
    pub description: Option<String>,
    pub owning_unit: CityUnitId,
    pub min_sek: Sek,
    pub max_sek: Sek,
    pub eligible_legal_forms: Vec<LegalForm>,
    pub districts: Vec<District>,
    pub required_documents: Vec<RequiredDocument>,
    pub multi_year_allowed: bool,
    /// The budget of each year.
    pub budgets: Vec<(i32, Sek)>,
    pub external_id: Option<String>,
}

/// A round of a programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub id: GrantRoundId,
    pub name: String,
    pub opens_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub accepts_late: bool,
}

/// A year's budget with what is granted and paid of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearFigures {
    pub year: i32,
    pub budget_sek: Sek,
    pub granted_sek: Sek,
    pub paid_sek: Sek,
}

/// A stored programme with its rounds and figures.
#[derive(Debug, Clone)]
pub struct Programme {
    pub id: GrantProgrammeId,
    pub details: ProgrammeDetails,
    pub status: ProgrammeStatus,
    pub rounds: Vec<Round>,
    pub figures: Vec<YearFigures>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a `PATCH` of a programme changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProgrammePatch {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub min_sek: Option<Sek>,
    pub max_sek: Option<Sek>,
    /// Budgets set per year (years not named keep theirs).
    pub budgets: Vec<(i32, Sek)>,
    /// Rounds changed, by id (rounds not named keep theirs).
    pub rounds: Vec<RoundPatch>,
}

/// A change to one round of a programme; `None` leaves a field as it is.
#[derive(Debug, Clone)]
pub struct RoundPatch {
    pub id: GrantRoundId,
    pub name: Option<String>,
    pub opens_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub accepts_late: Option<bool>,
}

/// A field's value before or after a change, as the history keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// No value (a description not given, a year without a budget).
    Absent,
    Text(String),
    Amount(Sek),
    Status(ProgrammeStatus),
    Round(Round),
}

impl From<Option<String>> for FieldValue {
    fn from(text: Option<String>) -> Self {
        text.map_or(FieldValue::Absent, FieldValue::Text)
    }
}

impl From<Option<Sek>> for FieldValue {
    fn from(amount: Option<Sek>) -> Self {
        amount.map_or(FieldValue::Absent, FieldValue::Amount)
    }
}

/// One field of a programme changed: its name (`title`, `description`,
/// `min_sek`, `max_sek`, `budgets.<year>`, `rounds.<round id>`, `status`)
/// and its value before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeChange {
    pub field: String,
    pub from: FieldValue,
    pub to: FieldValue,
}

impl ProgrammeChange {
    pub fn new(field: impl Into<String>, from: FieldValue, to: FieldValue) -> Self {
        ProgrammeChange {
            field: field.into(),
            from,
            to,
        }
    }

    /// A change of a programme's status.
    pub fn status(from: ProgrammeStatus, to: ProgrammeStatus) -> Self {
        Self::new("status", FieldValue::Status(from), FieldValue::Status(to))
    }

    /// A round added to a programme.
    pub fn round_added(round: &Round) -> Self {
        Self::new(
            format!("rounds.{}", round.id),
            FieldValue::Absent,
            FieldValue::Round(round.clone()),
        )
    }
}

impl ProgrammeDetails {
    /// What the history says of a programme created with these details and
    /// `rounds`: each field it is known by, from nothing to its first value.
    pub fn created(&self, rounds: &[Round]) -> Vec<ProgrammeChange> {
        let mut changes = vec![
            ProgrammeChange::new(
                "title",
                FieldValue::Absent,
                FieldValue::Text(self.title.clone()),
            ),
            ProgrammeChange::new(
                "description",
                FieldValue::Absent,
                self.description.clone().into(),
            ),
            ProgrammeChange::new(
                "min_sek",
                FieldValue::Absent,
                FieldValue::Amount(self.min_sek),
            ),
            ProgrammeChange::new(
                "max_sek",
                FieldValue::Absent,
                FieldValue::Amount(self.max_sek),
            ),
        ];
        changes.retain(|c| c.to != FieldValue::Absent);
        changes.extend(self.budgets.iter().map(|(year, budget)| {
            ProgrammeChange::new(
                format!("budgets.{year}"),
                FieldValue::Absent,
                FieldValue::Amount(*budget),
            )
        }));
        changes.extend(rounds.iter().map(ProgrammeChange::round_added));
        changes.push(ProgrammeChange::new(
            "status",
            FieldValue::Absent,
            FieldValue::Status(ProgrammeStatus::Draft),
        ));
        changes
    }
}

/// What a patch does to a programme ([`Programme::apply`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeUpdate {
    /// The details after the patch.
    pub details: ProgrammeDetails,
    /// The years whose budget changes, with the new budget.
    pub budgets: Vec<(i32, Sek)>,
    /// The rounds that change, as they become.
    pub rounds: Vec<Round>,
    /// Every field changed, before and after: empty when the patch changes
    /// nothing (then nothing is written).
    pub changes: Vec<ProgrammeChange>,
}

/// Why a patch of a programme is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchRefusal {
    /// Fields that do not fit the programme: a range upside down, a round
    /// of another programme, a deadline not after its round opens.
    Invalid(Vec<FieldError>),
    /// A year's budget below what is already granted that year.
    BudgetBelowGranted {
        year: i32,
        budget: Sek,
        granted: Sek,
    },
}

impl std::fmt::Display for PatchRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatchRefusal::Invalid(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                write!(f, "invalid fields: {}", fields.join(", "))
            }
            PatchRefusal::BudgetBelowGranted {
                year,
                budget,
                granted,
            } => write!(
                f,
                "the budget for {year} cannot be {} SEK: {} SEK is already granted that year",
                budget.kronor(),
                granted.kronor()
            ),
        }
    }
}

impl Programme {
    /// What `patch` changes: the amount range stays in order, a round named
    /// is one of this programme and keeps its deadline after it opens, and
    /// a year's budget never drops below what is granted that year (the
    /// caller holds the programme's lock, as every decision takes it, so
    /// [`Programme::figures`] are current).
    pub fn apply(&self, patch: ProgrammePatch) -> Result<ProgrammeUpdate, PatchRefusal> {
        let d = &self.details;
        let min_sek = patch.min_sek.unwrap_or(d.min_sek);
        let max_sek = patch.max_sek.unwrap_or(d.max_sek);
        if min_sek > max_sek {
            let field = if patch.max_sek.is_some() {
                "max_sek"
            } else {
                "min_sek"
            };
            return Err(PatchRefusal::Invalid(vec![FieldError::new(
                field,
                format!(
                    "min_sek ({}) must not be above max_sek ({})",
                    min_sek.kronor(),
                    max_sek.kronor()
                ),
            )]));
        }
        let mut errors = Vec::new();
        let mut rounds = Vec::new();
        for (i, change) in patch.rounds.iter().enumerate() {
            let Some(old) = self.rounds.iter().find(|r| r.id == change.id) else {
                errors.push(FieldError::new(
                    format!("rounds[{i}].id"),
                    "no such round in this programme",
                ));
                continue;
            };
            let new = Round {
                id: old.id,
                name: change.name.clone().unwrap_or(old.name.clone()),
                opens_at: change.opens_at.unwrap_or(old.opens_at),
                deadline: change.deadline.unwrap_or(old.deadline),
                accepts_late: change.accepts_late.unwrap_or(old.accepts_late),
            };
            if new.deadline <= new.opens_at {
                let field = if change.deadline.is_some() {
                    "deadline"
                } else {
                    "opens_at"
                };
                errors.push(FieldError::new(
                    format!("rounds[{i}].{field}"),
                    "the deadline must be after the round opens",
                ));
                continue;
            }
            rounds.push((old, new));
        }
        if !errors.is_empty() {
            return Err(PatchRefusal::Invalid(errors));
        }
        for (year, budget) in &patch.budgets {
            let granted = self
                .figures
                .iter()
                .find(|f| f.year == *year)
                .map_or(Sek::ZERO, |f| f.granted_sek);
            if *budget < granted {
                return Err(PatchRefusal::BudgetBelowGranted {
                    year: *year,
                    budget: *budget,
                    granted,
                });
            }
        }

        let title = patch.title.unwrap_or(d.title.clone());
        let description = patch.description.unwrap_or(d.description.clone());
        let mut changes = Vec::new();
        if title != d.title {
            changes.push(ProgrammeChange::new(
                "title",
                FieldValue::Text(d.title.clone()),
                FieldValue::Text(title.clone()),
            ));
        }
        if description != d.description {
            changes.push(ProgrammeChange::new(
                "description",
                d.description.clone().into(),
                description.clone().into(),
            ));
        }
        if min_sek != d.min_sek {
            changes.push(ProgrammeChange::new(
                "min_sek",
                FieldValue::Amount(d.min_sek),
                FieldValue::Amount(min_sek),
            ));
        }
        if max_sek != d.max_sek {
            changes.push(ProgrammeChange::new(
                "max_sek",
                FieldValue::Amount(d.max_sek),
                FieldValue::Amount(max_sek),
            ));
        }
        let mut budgets: Vec<(i32, Sek)> = Vec::new();
        for (year, budget) in &patch.budgets {
            let before = d.budgets.iter().find(|(y, _)| y == year).map(|(_, b)| *b);
            if before != Some(*budget) && !budgets.iter().any(|(y, _)| y == year) {
                changes.push(ProgrammeChange::new(
                    format!("budgets.{year}"),
                    before.into(),
                    FieldValue::Amount(*budget),
                ));
                budgets.push((*year, *budget));
            }
        }
        let mut changed_rounds = Vec::new();
        for (old, new) in rounds {
            if *old != new {
                changes.push(ProgrammeChange::new(
                    format!("rounds.{}", old.id),
                    FieldValue::Round(old.clone()),
                    FieldValue::Round(new.clone()),
                ));
                changed_rounds.push(new);
            }
        }
        let mut all_budgets = d.budgets.clone();
        for (year, budget) in &budgets {
            match all_budgets.iter_mut().find(|(y, _)| y == year) {
                Some(line) => line.1 = *budget,
                None => all_budgets.push((*year, *budget)),
            }
        }
        all_budgets.sort_by_key(|(year, _)| *year);
        Ok(ProgrammeUpdate {
            details: ProgrammeDetails {
                title,
                description,
                min_sek,
                max_sek,
                budgets: all_budgets,
                ..d.clone()
            },
            budgets,
            rounds: changed_rounds,
            changes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_programme_state_and_action() {
        use ProgrammeAction as A;
        use ProgrammeStatus as S;
        let expected = [
            (S::Draft, A::Open, Some(S::Open)),
            (S::Draft, A::Close, None),
            (S::Open, A::Open, None),
            (S::Open, A::Close, Some(S::Closed)),
            (S::Closed, A::Open, None),
            (S::Closed, A::Close, None),
        ];
        assert_eq!(expected.len(), S::ALL.len() * A::ALL.len(), "every pair");
        for (state, action, next) in expected {
            assert_eq!(state.after(action), next, "{state} + {action}");
        }
        assert_eq!(S::Draft.allowed_actions(), [A::Open]);
        assert_eq!(S::Open.allowed_actions(), [A::Close]);
        assert!(S::Closed.allowed_actions().is_empty());
    }

    fn sek(kronor: i64) -> Sek {
        Sek::new(kronor).unwrap()
    }

    fn at(day: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(day * 86_400, 0).unwrap()
    }

    /// A programme of 1 000 ..= 50 000 SEK with 100 000 SEK for 2027 (of
    /// which 60 000 granted) and one round from day 10 to day 20.
    fn programme() -> Programme {
        Programme {
            id: GrantProgrammeId::new(),
            details: ProgrammeDetails {
                title: "Utvecklingspotten 2027".into(),
                description: None,
                owning_unit: CityUnitId::new(),
                min_sek: sek(1_000),
                max_sek: sek(50_000),
                eligible_legal_forms: Vec::new(),
                districts: Vec::new(),
                required_documents: Vec::new(),
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
            figures: vec![YearFigures {
                year: 2027,
                budget_sek: sek(100_000),
                granted_sek: sek(60_000),
                paid_sek: sek(0),
            }],
            version: 1,
            created_at: at(0),
            updated_at: at(0),
        }
    }

    fn round(p: &Programme) -> RoundPatch {
        RoundPatch {
            id: p.rounds[0].id,
            name: None,
            opens_at: None,
            deadline: None,
            accepts_late: None,
        }
    }

    /// The fields a patch changes, or what refuses it.
    fn outcome(p: &Programme, patch: ProgrammePatch) -> Result<Vec<String>, PatchRefusal> {
        p.apply(patch)
            .map(|u| u.changes.into_iter().map(|c| c.field).collect())
    }

    fn invalid(fields: &[(&str, &str)]) -> Result<Vec<String>, PatchRefusal> {
        Err(PatchRefusal::Invalid(
            fields
                .iter()
                .map(|(field, message)| FieldError::new(*field, *message))
                .collect(),
        ))
    }

    #[test]
    fn a_patch_keeps_the_range_the_rounds_and_the_budgets_granted() {
        let p = programme();
        let r = p.rounds[0].id;
        let other_round = GrantRoundId::new();
        type Case = (
            &'static str,
            ProgrammePatch,
            Result<Vec<String>, PatchRefusal>,
        );
        let cases: Vec<Case> = vec![
            ("nothing", ProgrammePatch::default(), Ok(vec![])),
            (
                "the same title and budget",
                ProgrammePatch {
                    title: Some(p.details.title.clone()),
                    budgets: vec![(2027, sek(100_000))],
                    ..Default::default()
                },
                Ok(vec![]),
            ),
            (
                "a title, a description and the range",
                ProgrammePatch {
                    title: Some("Utvecklingspotten 2027–2028".into()),
                    description: Some(Some("Small grants".into())),
                    min_sek: Some(sek(500)),
                    max_sek: Some(sek(60_000)),
                    ..Default::default()
                },
                Ok(vec![
                    "title".into(),
                    "description".into(),
                    "min_sek".into(),
                    "max_sek".into(),
                ]),
            ),
            (
                "a new maximum below the minimum names max_sek",
                ProgrammePatch {
                    max_sek: Some(sek(999)),
                    ..Default::default()
                },
                invalid(&[("max_sek", "min_sek (1000) must not be above max_sek (999)")]),
            ),
            (
                "a new minimum above the maximum names min_sek",
                ProgrammePatch {
                    min_sek: Some(sek(50_001)),
                    ..Default::default()
                },
                invalid(&[(
                    "min_sek",
                    "min_sek (50001) must not be above max_sek (50000)",
                )]),
            ),
            (
                "a budget down to what is granted",
                ProgrammePatch {
                    budgets: vec![(2027, sek(60_000))],
                    ..Default::default()
                },
                Ok(vec!["budgets.2027".into()]),
            ),
            (
                "a budget below what is granted",
                ProgrammePatch {
                    budgets: vec![(2028, sek(5)), (2027, sek(59_999))],
                    ..Default::default()
                },
                Err(PatchRefusal::BudgetBelowGranted {
                    year: 2027,
                    budget: sek(59_999),
                    granted: sek(60_000),
                }),
            ),
            (
                "a new year's budget",
                ProgrammePatch {
                    budgets: vec![(2028, sek(0))],
                    ..Default::default()
                },
                Ok(vec!["budgets.2028".into()]),
            ),
            (
                "a round's deadline and lateness",
                ProgrammePatch {
                    rounds: vec![RoundPatch {
                        deadline: Some(at(30)),
                        accepts_late: Some(true),
                        ..round(&p)
                    }],
                    ..Default::default()
                },
                Ok(vec![format!("rounds.{r}")]),
            ),
            (
                "a round named with its own values",
                ProgrammePatch {
                    rounds: vec![RoundPatch {
                        name: Some("Spring".into()),
                        ..round(&p)
                    }],
                    ..Default::default()
                },
                Ok(vec![]),
            ),
            (
                "another programme's round and a deadline before the opening",
                ProgrammePatch {
                    rounds: vec![
                        RoundPatch {
                            id: other_round,
                            ..round(&p)
                        },
                        RoundPatch {
                            deadline: Some(at(5)),
                            ..round(&p)
                        },
                    ],
                    ..Default::default()
                },
                invalid(&[
                    ("rounds[0].id", "no such round in this programme"),
                    (
                        "rounds[1].deadline",
                        "the deadline must be after the round opens",
                    ),
                ]),
            ),
            (
                "an opening moved past the deadline names opens_at",
                ProgrammePatch {
                    rounds: vec![RoundPatch {
                        opens_at: Some(at(20)),
                        ..round(&p)
                    }],
                    ..Default::default()
                },
                invalid(&[(
                    "rounds[0].opens_at",
                    "the deadline must be after the round opens",
                )]),
            ),
            (
                "rounds are checked before budgets",
                ProgrammePatch {
                    budgets: vec![(2027, sek(1))],
                    rounds: vec![RoundPatch {
                        id: other_round,
                        ..round(&p)
                    }],
                    ..Default::default()
                },
                invalid(&[("rounds[0].id", "no such round in this programme")]),
            ),
        ];
        for (case, patch, expected) in cases {
            assert_eq!(outcome(&p, patch), expected, "{case}");
        }
    }

    #[test]
    fn a_patch_gives_the_values_before_and_after() {
        let p = programme();
        let update = p
            .apply(ProgrammePatch {
                title: Some("Ny titel".into()),
                budgets: vec![(2027, sek(120_000)), (2028, sek(80_000))],
                rounds: vec![RoundPatch {
                    accepts_late: Some(true),
                    ..round(&p)
                }],
                ..Default::default()
            })
            .unwrap();
        assert_eq!(update.details.title, "Ny titel");
        assert_eq!(update.details.min_sek, p.details.min_sek);
        assert_eq!(
            update.details.budgets,
            vec![(2027, sek(120_000)), (2028, sek(80_000))]
        );
        assert_eq!(
            update.budgets,
            vec![(2027, sek(120_000)), (2028, sek(80_000))]
        );
        assert_eq!(update.rounds.len(), 1);
        assert!(update.rounds[0].accepts_late);
        assert_eq!(
            update.changes[1],
            ProgrammeChange::new(
                "budgets.2027",
                FieldValue::Amount(sek(100_000)),
                FieldValue::Amount(sek(120_000))
            )
        );
        assert_eq!(update.changes[2].from, FieldValue::Absent);
        assert_eq!(
            update.changes[3].from,
            FieldValue::Round(p.rounds[0].clone())
        );
    }

    #[test]
    fn a_created_programme_names_each_first_value() {
        let p = programme();
        let fields: Vec<String> = p
            .details
            .created(&p.rounds)
            .into_iter()
            .map(|c| {
                assert_eq!(c.from, FieldValue::Absent, "{}", c.field);
                c.field
            })
            .collect();
        assert_eq!(
            fields,
            [
                "title".to_owned(),
                "min_sek".into(),
                "max_sek".into(),
                "budgets.2027".into(),
                format!("rounds.{}", p.rounds[0].id),
                "status".into(),
            ]
        );
    }
}
