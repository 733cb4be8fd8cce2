//! What callers send about programmes and applications, and the checks
//! that turn it into what the store takes.

use super::*;
use crate::api::checks::Findings;
use crate::domain::access::CityKeptField;

/// A document a programme asks for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredDocument {
    #[schema(example = "gender_equality_plan", min_length = 1, max_length = 100)]
    pub key: String,
    #[schema(example = "Gender-equality plan", min_length = 1, max_length = 300)]
    pub title: String,
}

impl From<RequiredDocument> for grant::RequiredDocument {
    fn from(d: RequiredDocument) -> Self {
        grant::RequiredDocument {
            key: d.key,
            title: d.title,
        }
    }
}

/// A budget line of an application.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetLine {
    #[schema(
        example = "Supervisor, 3 months half time",
        min_length = 1,
        max_length = 500
    )]
    pub description: String,
    #[schema(example = 60000, minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub amount_sek: i64,
}

/// An answer to a required document: a reference, or a request to waive it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentAnswer {
    #[schema(example = "gender_equality_plan", max_length = 100)]
    pub key: String,
    /// A URL or registry reference to the document.
    #[schema(max_length = 2000)]
    pub reference: Option<String>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// Why the requirement does not fit the organisation (a waiver request).
    #[schema(
        example = "We are a women's shelter; the plan template does not fit our work.",
        max_length = 2000
    )]
    pub waiver_reason: Option<String>,
}

impl From<DocumentAnswer> for grant::DocumentAnswer {
    fn from(a: DocumentAnswer) -> Self {
        grant::DocumentAnswer {
            key: a.key,
            reference: a.reference,
            note: a.note,
            waiver_reason: a.waiver_reason,
        }
    }
}

/// An amount of a request as a [`Sek`]: the body's checks (`checks::sek`)
/// already named it if out of range; a request made without them is
/// refused here all the same, the field named.
fn amount(field: impl Into<String>, kronor: i64, errors: &mut Vec<FieldError>) -> Sek {
    Sek::new(kronor).unwrap_or_else(|message| {
        errors.push(FieldError::new(field, message));
        Sek::ZERO
    })
}

/// A year's budget.
#[derive(Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct YearBudget {
    #[validate(range(min = 2000, max = 9999, message = "must be a year from 2000 to 9999"))]
    #[schema(minimum = 2000, maximum = 9999)]
    pub year: i32,
    #[validate(custom(function = "crate::api::checks::sek"))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub budget_sek: i64,
}

/// Each year at most once in a list of budgets: every budget of a year
/// given twice is named, or (`later_only`) every one after the first.
fn years_once(budgets: &[YearBudget], later_only: bool, message: &str, found: &mut Findings) {
    for (i, b) in budgets.iter().enumerate() {
        let others = if later_only { &budgets[..i] } else { budgets };
        if others.iter().filter(|c| c.year == b.year).count() > usize::from(!later_only) {
            found.rule(format!("budgets[{i}].year"), message);
        }
    }
}

/// A new round.
#[derive(Serialize, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Round 2", "opens_at": "2015-06-01T00:00:00+02:00", "deadline": "2015-09-30T23:59:59+02:00", "accepts_late_applications": true}))]
#[validate(schema(function = "round_rules", skip_on_field_errors = false))]
pub struct CreateRound {
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(
            function = "crate::api::checks::not_blank",
            message = "must be 1 to 200 characters"
        )
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// RFC 3339 with an offset, or Stockholm wall-clock time (`2027-03-01T00:00`).
    #[serde(deserialize_with = "crate::api::dates::instant")]
    pub opens_at: DateTime<Utc>,
    /// RFC 3339 with an offset, or Stockholm wall-clock time (`2027-04-30T23:59`).
    #[serde(deserialize_with = "crate::api::dates::instant")]
    pub deadline: DateTime<Utc>,
    #[serde(default)]
    pub accepts_late_applications: bool,
}

/// Creates a programme (a draft until opened).
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Utvecklingspotten för samverkan med civilsamhället 2015",
    "budgets": [{"year": 2015, "budget_sek": 1500000}],
    "min_sek": 1000, "max_sek": 50000,
    "districts": ["vastra_goteborg"],
    "rounds": [{"name": "Round 2", "opens_at": "2015-06-01T00:00:00+02:00", "deadline": "2015-09-30T23:59:59+02:00", "accepts_late_applications": true}]
}))]
#[validate(schema(function = "programme_rules", skip_on_field_errors = false))]
pub struct CreateProgramme {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// Staff default to their own unit.
    pub owning_unit_id: Option<CityUnitId>,
    #[validate(
        length(
            min = 1,
            max = 50,
            message = "a programme has a budget for at least one year (at most 50)"
        ),
        nested
    )]
    #[schema(min_items = 1, max_items = 50)]
    pub budgets: Vec<YearBudget>,
    #[validate(custom(function = "crate::api::checks::sek"))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub min_sek: i64,
    #[validate(custom(function = "crate::api::checks::sek"))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub max_sek: i64,
    #[serde(default)]
    #[validate(length(max = 6, message = "must be at most 6 legal forms"))]
    #[schema(max_items = 6)]
    pub eligible_legal_forms: Vec<LegalForm>,
    #[serde(default)]
    #[validate(length(max = 10, message = "must be at most 10 districts"))]
    #[schema(max_items = 10)]
    pub districts: Vec<District>,
    #[serde(default)]
    #[validate(length(max = 50, message = "must be at most 50 documents"))]
    #[schema(max_items = 50)]
    pub required_documents: Vec<RequiredDocument>,
    #[serde(default)]
    pub multi_year_allowed: bool,
    #[serde(default)]
    #[validate(length(max = 50, message = "must be at most 50 rounds"), nested)]
    #[schema(max_items = 50)]
    pub rounds: Vec<CreateRound>,
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub external_id: Option<String>,
}

fn round_rules(r: &CreateRound) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    if r.deadline <= r.opens_at {
        found.rule("deadline", "must be after opens_at");
    }
    found.done()
}

fn programme_rules(p: &CreateProgramme) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    if Sek::new(p.max_sek).is_ok() && p.max_sek < p.min_sek {
        found.rule("max_sek", "must not be below min_sek");
    }
    years_once(&p.budgets, false, "is given twice", &mut found);
    for (i, d) in p.required_documents.iter().enumerate() {
        for (field, text, max) in [("key", &d.key, 100), ("title", &d.title, 300)] {
            if !(1..=max).contains(&text.chars().count()) {
                found.field(
                    format!("required_documents[{i}].{field}"),
                    format!("must be 1 to {max} characters"),
                );
            }
        }
    }
    found.done()
}

pub(super) fn round_of(r: CreateRound) -> Round {
    Round {
        id: GrantRoundId::new(),
        name: r.name.trim().to_owned(),
        opens_at: r.opens_at,
        deadline: r.deadline,
        accepts_late: r.accepts_late_applications,
    }
}

/// Filters and paging of the programme list.
#[derive(Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProgrammeQuery {
    pub status: Option<ProgrammeStatus>,
    pub owning_unit_id: Option<CityUnitId>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[validate(length(max = 2048, message = "must be at most 2048 characters"))]
    #[param(max_length = 2048)]
    pub cursor: Option<String>,
}

/// A merge patch of a programme.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Utvecklingspotten 2027", "budgets": [{"year": 2027, "budget_sek": 1800000}]}))]
#[validate(schema(function = "programme_patch_rules", skip_on_field_errors = false))]
pub struct UpdateProgramme {
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(
        length(min = 1, max = 300, message = "must be 1 to 300 characters"),
        custom(function = "crate::api::checks::not_blank")
    )]
    #[schema(nullable = false, min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "crate::api::merge_patch_field")]
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(custom(function = "crate::api::checks::sek"))]
    #[schema(nullable = false, minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub min_sek: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(custom(function = "crate::api::checks::sek"))]
    #[schema(nullable = false, minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub max_sek: Option<i64>,
    /// Budgets to set, per year; years not named keep theirs. A budget can
    /// never drop below what is already granted that year (409).
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(length(min = 1, max = 50, message = "must be 1 to 50 years"), nested)]
    #[schema(nullable = false, min_items = 1, max_items = 50)]
    pub budgets: Option<Vec<YearBudget>>,
    /// Rounds to change, by id; rounds not named keep theirs (new rounds
    /// are added with `POST .../rounds`).
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(length(max = 50, message = "must be at most 50 rounds"), nested)]
    #[schema(nullable = false, max_items = 50)]
    pub rounds: Option<Vec<RoundChange>>,
}

fn programme_patch_rules(p: &UpdateProgramme) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    years_once(
        p.budgets.as_deref().unwrap_or_default(),
        true,
        "named twice",
        &mut found,
    );
    let rounds = p.rounds.as_deref().unwrap_or_default();
    for (i, r) in rounds.iter().enumerate() {
        if rounds[..i].iter().any(|c| c.id == r.id) {
            found.rule(format!("rounds[{i}].id"), "named twice");
        }
    }
    found.done()
}

/// A change to one round of a programme (a merge patch, by the round's id).
#[derive(Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RoundChange {
    pub id: GrantRoundId,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(
            function = "crate::api::checks::not_blank",
            message = "must be 1 to 200 characters"
        )
    )]
    #[schema(min_length = 1, max_length = 200, nullable = false)]
    pub name: Option<String>,
    /// RFC 3339, or Stockholm local time.
    #[serde(default, deserialize_with = "crate::api::dates::instant_in_patch")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub opens_at: Option<DateTime<Utc>>,
    /// RFC 3339, or Stockholm local time.
    #[serde(default, deserialize_with = "crate::api::dates::instant_in_patch")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub deadline: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[schema(nullable = false)]
    pub accepts_late_applications: Option<bool>,
}

impl CreateProgramme {
    /// The programme's details and first rounds (the body's own checks ran
    /// in the extractor); a 422 when the token names no unit to default to.
    pub fn into_details(
        self,
        principal: &Principal,
    ) -> Result<(ProgrammeDetails, Vec<CreateRound>), ApiError> {
        let mut errors = Vec::new();
        let min_sek = amount("min_sek", self.min_sek, &mut errors);
        let max_sek = amount("max_sek", self.max_sek, &mut errors);
        let budgets = self
            .budgets
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let field = format!("budgets[{i}].budget_sek");
                (b.year, amount(field, b.budget_sek, &mut errors))
            })
            .collect();
        let owning_unit = self.owning_unit_id.or(principal.unit());
        if owning_unit.is_none() {
            errors.push(FieldError::new(
                "owning_unit_id",
                "is required: your token names no city unit to default to",
            ));
        }
        all_valid(
            errors,
            (
                ProgrammeDetails {
                    title: self.title.trim().to_owned(),
                    description: self.description,
                    owning_unit: owning_unit.unwrap_or(CityUnitId(uuid::Uuid::nil())),
                    min_sek,
                    max_sek,
                    eligible_legal_forms: self.eligible_legal_forms,
                    districts: self.districts,
                    required_documents: self
                        .required_documents
                        .into_iter()
                        .map(Into::into)
                        .collect(),
                    multi_year_allowed: self.multi_year_allowed,
                    budgets,
                    external_id: self.external_id,
                },
                self.rounds,
            ),
        )
    }
}

impl UpdateProgramme {
    /// The change (the body's checks ran in the extractor).
    pub fn into_patch(self) -> Result<ProgrammePatch, ApiError> {
        let mut errors = Vec::new();
        let min_sek = self.min_sek.map(|v| amount("min_sek", v, &mut errors));
        let max_sek = self.max_sek.map(|v| amount("max_sek", v, &mut errors));
        let budgets = self
            .budgets
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, b)| {
                let field = format!("budgets[{i}].budget_sek");
                (b.year, amount(field, b.budget_sek, &mut errors))
            })
            .collect();
        let rounds = self
            .rounds
            .into_iter()
            .flatten()
            .map(|r| RoundPatch {
                id: r.id,
                name: r.name.map(|n| n.trim().to_owned()),
                opens_at: r.opens_at,
                deadline: r.deadline,
                accepts_late: r.accepts_late_applications,
            })
            .collect();
        all_valid(
            errors,
            ProgrammePatch {
                title: self.title.map(|t| t.trim().to_owned()),
                description: self.description,
                min_sek,
                max_sek,
                budgets,
                rounds,
            },
        )
    }
}

/// Applies for a grant (a draft until submitted).
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e",
    "programme_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c5001",
    "round_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c5101",
    "title": "Relationer över generation",
    "purpose": "Single parents meet seniors: a user-driven idea.",
    "target_group": "single parents and seniors",
    "districts": ["vastra_goteborg"],
    "requested_sek": 30000,
    "start_date": "2015-10-01",
    "end_date": "2015-12-31",
    "budget_lines": [{"description": "Premises and coffee, 12 meetings", "amount_sek": 18000}, {"description": "Leader fee", "amount_sek": 12000}]
}))]
#[validate(schema(function = "application_rules", skip_on_field_errors = false))]
pub struct CreateApplication {
    /// The partner's own organisation.
    pub organisation_id: OrganisationId,
    pub programme_id: GrantProgrammeId,
    pub round_id: GrantRoundId,
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(min = 1, max = 10000, message = "must be 1 to 10000 characters"))]
    #[schema(min_length = 1, max_length = 10000)]
    pub purpose: String,
    #[validate(length(max = 1000, message = "must be at most 1000 characters"))]
    #[schema(max_length = 1000)]
    pub target_group: Option<String>,
    #[serde(default)]
    #[validate(length(max = 10, message = "must be at most 10 districts"))]
    #[schema(max_items = 10)]
    pub districts: Vec<District>,
    #[validate(custom(function = "crate::api::checks::sek"))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub requested_sek: i64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    #[serde(default)]
    #[validate(length(max = 100, message = "must be at most 100 lines"))]
    #[schema(max_items = 100)]
    pub budget_lines: Vec<BudgetLine>,
    #[serde(default)]
    #[validate(length(max = 50, message = "must be at most 50 answers"))]
    #[schema(max_items = 50)]
    pub document_answers: Vec<DocumentAnswer>,
    /// City only.
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub registry_number: Option<String>,
    /// City only.
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub external_id: Option<String>,
}

fn application_rules(a: &CreateApplication) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    if a.end_date < a.start_date {
        found.rule("end_date", "must not be before start_date");
    }
    check_lines(&a.budget_lines, &a.document_answers, &mut found);
    found.done()
}

impl CreateApplication {
    /// What the application says (the body's checks ran in the extractor).
    pub(crate) fn into_details(self) -> Result<ApplicationDetails, ApiError> {
        let mut errors = Vec::new();
        let requested_sek = amount("requested_sek", self.requested_sek, &mut errors);
        let budget_lines = budget_lines(self.budget_lines, &mut errors);
        let mut districts = self.districts;
        districts.sort();
        districts.dedup();
        all_valid(
            errors,
            ApplicationDetails {
                organisation: self.organisation_id,
                programme: self.programme_id,
                round: self.round_id,
                title: self.title.trim().to_owned(),
                purpose: self.purpose,
                target_group: self.target_group,
                districts,
                requested_sek,
                start_date: self.start_date,
                end_date: self.end_date,
                budget_lines,
                document_answers: self.document_answers.into_iter().map(Into::into).collect(),
                registry_number: self.registry_number,
                external_id: self.external_id,
            },
        )
    }

    /// The fields the city keeps that the request sets.
    pub(crate) fn city_kept_fields(&self) -> Vec<CityKeptField> {
        [
            (
                self.registry_number.is_some(),
                CityKeptField::RegistryNumber,
            ),
            (self.external_id.is_some(), CityKeptField::ExternalId),
        ]
        .into_iter()
        .filter_map(|(sent, field)| sent.then_some(field))
        .collect()
    }
}

/// The budget lines as the domain keeps them (checked with the body:
/// `check_lines`).
pub(super) fn budget_lines(
    lines: Vec<BudgetLine>,
    errors: &mut Vec<FieldError>,
) -> Vec<grant::BudgetLine> {
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| grant::BudgetLine {
            amount_sek: amount(
                format!("budget_lines[{i}].amount_sek"),
                l.amount_sek,
                errors,
            ),
            description: l.description,
        })
        .collect()
}

/// Budget lines and document answers, each named by its place in the list.
fn check_lines(lines: &[BudgetLine], answers: &[DocumentAnswer], found: &mut Findings) {
    for (i, l) in lines.iter().enumerate() {
        if l.description.trim().is_empty() {
            found.field(
                format!("budget_lines[{i}].description"),
                "must not be empty",
            );
        } else if l.description.chars().count() > 500 {
            found.field(
                format!("budget_lines[{i}].description"),
                "must be at most 500 characters",
            );
        }
        if let Err(message) = Sek::new(l.amount_sek) {
            found.field(format!("budget_lines[{i}].amount_sek"), message);
        }
    }
    for (i, a) in answers.iter().enumerate() {
        for (field, text, max) in [
            ("key", Some(&a.key), 100),
            ("reference", a.reference.as_ref(), 2000),
            ("note", a.note.as_ref(), 2000),
            ("waiver_reason", a.waiver_reason.as_ref(), 2000),
        ] {
            if text.is_some_and(|t| t.chars().count() > max) {
                found.field(
                    format!("document_answers[{i}].{field}"),
                    format!("must be at most {max} characters"),
                );
            }
        }
        if !grant::DocumentAnswer::from(a.clone()).counts() {
            found.field(
                format!("document_answers[{i}]"),
                "give a reference to the document, or a waiver_reason that says why it does not fit",
            );
        }
    }
}

/// Filters and paging of the application list.
#[derive(Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    pub programme_id: Option<GrantProgrammeId>,
    pub round_id: Option<GrantRoundId>,
    pub status: Option<ApplicationStatus>,
    pub organisation_id: Option<OrganisationId>,
    pub district: Option<District>,
    /// Decided on or after.
    pub decided_from: Option<NaiveDate>,
    /// Decided on or before.
    pub decided_to: Option<NaiveDate>,
    /// Requested at least.
    #[validate(custom(function = "crate::api::checks::sek"))]
    #[param(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub min_sek: Option<i64>,
    /// Requested at most.
    #[validate(custom(function = "crate::api::checks::sek"))]
    #[param(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub max_sek: Option<i64>,
    pub updated_since: Option<DateTime<Utc>>,
    #[validate(length(max = 200, message = "must be at most 200 characters"))]
    #[param(max_length = 200)]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[validate(length(max = 2048, message = "must be at most 2048 characters"))]
    #[param(max_length = 2048)]
    pub cursor: Option<String>,
}

/// A JSON merge patch of what an application says.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"requested_sek": 25000, "document_answers": [{"key": "gender_equality_plan", "waiver_reason": "We are a women's shelter; the template does not fit.", "reference": null, "note": null}]}))]
#[validate(schema(function = "application_patch_rules", skip_on_field_errors = false))]
pub struct UpdateApplication {
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(nullable = false, min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(length(min = 1, max = 10000, message = "must be 1 to 10000 characters"))]
    #[schema(nullable = false, min_length = 1, max_length = 10000)]
    pub purpose: Option<String>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(custom(function = "crate::api::checks::sek"))]
    #[schema(nullable = false, minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub requested_sek: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[schema(nullable = false)]
    pub start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[schema(nullable = false)]
    pub end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(length(max = 100, message = "must be at most 100 lines"))]
    #[schema(nullable = false, max_items = 100)]
    pub budget_lines: Option<Vec<BudgetLine>>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(length(max = 50, message = "must be at most 50 answers"))]
    #[schema(nullable = false, max_items = 50)]
    pub document_answers: Option<Vec<DocumentAnswer>>,
}

fn application_patch_rules(a: &UpdateApplication) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    check_lines(
        a.budget_lines.as_deref().unwrap_or_default(),
        a.document_answers.as_deref().unwrap_or_default(),
        &mut found,
    );
    found.done()
}

impl UpdateApplication {
    /// The merge patch applied to what the application says, checked as a
    /// whole: the dates in order (the body's own checks ran in the extractor).
    pub(super) fn apply(
        self,
        mut d: ApplicationDetails,
    ) -> Result<ApplicationDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(v) = self.title {
            d.title = v.trim().to_owned();
        }
        set(&mut d.purpose, self.purpose);
        if let Some(v) = self.requested_sek {
            d.requested_sek = amount("requested_sek", v, &mut errors);
        }
        set(&mut d.start_date, self.start_date);
        set(&mut d.end_date, self.end_date);
        if d.end_date < d.start_date {
            errors.push(FieldError::new("end_date", "must not be before start_date"));
        }
        if let Some(lines) = self.budget_lines {
            d.budget_lines = budget_lines(lines, &mut errors);
        }
        if let Some(answers) = self.document_answers {
            d.document_answers = answers.into_iter().map(Into::into).collect();
        }
        fields_valid(errors, d)
    }
}

/// What an action carries: `request_completion` a `message`; `decide` an
/// `outcome`, `granted_sek` and `motivation`; `report` the `report`.
#[derive(Deserialize, ToSchema, Default, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "partly_granted", "granted_sek": 30000, "motivation": "A good idea; the budget for premises is high."}))]
pub struct ApplicationActionRequest {
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    #[schema(max_length = 5000)]
    pub message: Option<String>,
    pub outcome: Option<DecisionOutcome>,
    #[validate(custom(function = "crate::api::checks::sek"))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub granted_sek: Option<i64>,
    /// Required by `decide`: not blank.
    #[validate(length(min = 1, max = 10000, message = "must be 1 to 10000 characters"))]
    #[schema(min_length = 1, max_length = 10000)]
    pub motivation: Option<String>,
    #[validate(length(max = 20000, message = "must be at most 20000 characters"))]
    #[schema(max_length = 20000)]
    pub report: Option<String>,
}

impl ApplicationActionRequest {
    /// What `action` carries: every field the action needs and is missing
    /// is named in one 422 (the fields' own checks ran in the extractor).
    pub fn into_input(
        self,
        action: ApplicationAction,
        precondition: Option<IfMatch>,
    ) -> Result<ActionInput, ApiError> {
        let mut errors = Vec::new();
        let mut input = ActionInput {
            precondition,
            ..Default::default()
        };
        match action {
            ApplicationAction::RequestCompletion => match self.message {
                Some(m) if !m.trim().is_empty() => input.message = Some(m),
                _ => errors.push(FieldError::new(
                    "message",
                    "say what to complete (1 to 5000 characters)",
                )),
            },
            ApplicationAction::Decide => {
                if self.outcome.is_none() {
                    errors.push(FieldError::new("outcome", "is required to decide"));
                }
                let granted_sek = match self.granted_sek.map(Sek::new) {
                    None => {
                        errors.push(FieldError::new(
                            "granted_sek",
                            "is required (0 for a rejection)",
                        ));
                        None
                    }
                    Some(Err(message)) => {
                        errors.push(FieldError::new("granted_sek", message));
                        None
                    }
                    Some(Ok(granted)) => Some(granted),
                };
                if self
                    .motivation
                    .as_deref()
                    .is_none_or(|m| m.trim().is_empty())
                {
                    errors.push(FieldError::new("motivation", "a decision is motivated"));
                }
                if let (Some(outcome), Some(granted_sek), Some(motivation)) =
                    (self.outcome, granted_sek, self.motivation)
                {
                    input.decision = Some(NewDecision {
                        outcome,
                        granted_sek,
                        motivation,
                    });
                }
            }
            ApplicationAction::Report => match self.report {
                Some(t) if !t.trim().is_empty() => input.report = Some(t),
                _ => errors.push(FieldError::new(
                    "report",
                    "the follow-up report (1 to 20000 characters)",
                )),
            },
            _ => input.message = self.message,
        }
        all_valid(errors, input)
    }
}

crate::text_enum!(
    /// An action taken at `POST /api/v1/grant-applications/{id}/{action}`:
    /// every `ApplicationAction` but `pay` (a payment is recorded at
    /// `.../payments`).
    ApplicationActionName {
        Submit => "submit",
        StartReview => "start_review",
        RequestCompletion => "request_completion",
        Complete => "complete",
        Decide => "decide",
        Report => "report",
        Close => "close",
        Withdraw => "withdraw",
    }
);

#[cfg(test)]
mod action_name_tests {
    use super::*;

    #[test]
    fn the_documented_action_names_are_every_application_action_but_pay() {
        let callable: Vec<&str> = ApplicationAction::ALL
            .iter()
            .filter(|a| **a != ApplicationAction::Pay)
            .map(|a| a.as_str())
            .collect();
        assert_eq!(ApplicationActionName::TEXTS, callable.as_slice());
    }
}

/// A payment to record.
#[derive(Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_sek": 37500, "paid_on": "2015-06-15"}))]
pub struct CreatePayment {
    /// Whole kronor, more than 0.
    #[validate(custom(function = "crate::api::checks::positive_sek"))]
    #[schema(minimum = 1, maximum = 1_000_000_000_000_i64)]
    pub amount_sek: i64,
    pub paid_on: NaiveDate,
}

/// A new review note.
#[derive(Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Solid plan; premises cost high.", "recommendation": "partly_granted"}))]
pub struct CreateReview {
    #[validate(
        length(min = 1, max = 20000, message = "must be 1 to 20000 characters"),
        custom(
            function = "crate::api::checks::not_blank",
            message = "must be 1 to 20000 characters"
        )
    )]
    #[schema(min_length = 1, max_length = 20000)]
    pub note: String,
    pub recommendation: Option<DecisionOutcome>,
}

/// A decider's declaration about conflict of interest (jäv).
#[derive(Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"has_conflict": false}))]
pub struct ConflictDeclaration {
    pub has_conflict: bool,
    /// Why, in a few words (kept for the city; not shown to the organisation).
    #[validate(length(max = 2000, message = "must be at most 2000 characters"))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Why a declared conflict no longer applies.
#[derive(Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The board member resigned on 2015-06-01 (board minutes §4)."}))]
pub struct ConflictRelease {
    #[validate(
        length(
            min = 1,
            max = 2000,
            message = "say why the conflict no longer applies (1 to 2000 characters)"
        ),
        custom(
            function = "crate::api::checks::not_blank",
            message = "say why the conflict no longer applies (1 to 2000 characters)"
        )
    )]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}
