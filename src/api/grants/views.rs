//! Programmes, applications and their parts as callers see them; an
//! application is cut to what the caller may see (`ApplicationView::for_caller`).

use super::*;

impl From<grant::RequiredDocument> for RequiredDocument {
    fn from(d: grant::RequiredDocument) -> Self {
        RequiredDocument {
            key: d.key,
            title: d.title,
        }
    }
}

impl From<grant::BudgetLine> for BudgetLine {
    fn from(l: grant::BudgetLine) -> Self {
        BudgetLine {
            description: l.description,
            amount_sek: l.amount_sek.kronor(),
        }
    }
}

impl From<grant::DocumentAnswer> for DocumentAnswer {
    fn from(a: grant::DocumentAnswer) -> Self {
        DocumentAnswer {
            key: a.key,
            reference: a.reference,
            note: a.note,
            waiver_reason: a.waiver_reason,
        }
    }
}

/// A year's budget and what has been granted and paid from it.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"year": 2015, "budget_sek": 1500000, "granted_sek": 245000, "paid_sek": 120000, "remaining_sek": 1255000}))]
pub struct YearFiguresView {
    pub year: i32,
    pub budget_sek: i64,
    pub granted_sek: i64,
    pub paid_sek: i64,
    pub remaining_sek: i64,
}

/// An application round.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c5101", "name": "Round 2", "opens_at": "2015-06-01T00:00:00Z", "deadline": "2015-09-30T21:59:59Z", "accepts_late_applications": true}))]
pub struct RoundView {
    pub id: GrantRoundId,
    #[schema(example = "Round 2")]
    pub name: String,
    pub opens_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// Late applications are still taken (and marked late).
    pub accepts_late_applications: bool,
}

impl From<Round> for RoundView {
    fn from(r: Round) -> Self {
        RoundView {
            id: r.id,
            name: r.name,
            opens_at: r.opens_at,
            deadline: r.deadline,
            accepts_late_applications: r.accepts_late,
        }
    }
}

/// A grant programme (a call).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c5001",
    "title": "Utvecklingspotten för samverkan med civilsamhället 2015",
    "description": "Small grants decided by unit and area managers within their delegation.",
    "owning_unit_id": "0193516a-0000-7000-8000-00000000000a",
    "min_sek": 1000, "max_sek": 50000,
    "eligible_legal_forms": [], "districts": ["vastra_goteborg"],
    "required_documents": [],
    "multi_year_allowed": false,
    "status": "open",
    "rounds": [{"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c5101", "name": "Round 2", "opens_at": "2015-06-01T00:00:00Z", "deadline": "2015-09-30T21:59:59Z", "accepts_late_applications": true}],
    "figures": [{"year": 2015, "budget_sek": 1500000, "granted_sek": 245000, "paid_sek": 120000, "remaining_sek": 1255000}],
    "external_id": null, "version": 3,
    "created_at": "2015-01-15T09:00:00Z", "updated_at": "2015-06-01T09:00:00Z"
}))]
pub struct ProgrammeView {
    pub id: GrantProgrammeId,
    pub title: String,
    pub description: Option<String>,
    pub owning_unit_id: CityUnitId,
    pub min_sek: i64,
    pub max_sek: i64,
    /// Empty: every legal form may apply.
    pub eligible_legal_forms: Vec<LegalForm>,
    pub districts: Vec<District>,
    pub required_documents: Vec<RequiredDocument>,
    pub multi_year_allowed: bool,
    pub status: ProgrammeStatus,
    pub rounds: Vec<RoundView>,
    /// Budget, granted, paid and remaining per year.
    pub figures: Vec<YearFiguresView>,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Programme> for ProgrammeView {
    fn from(p: Programme) -> Self {
        let d = p.details;
        ProgrammeView {
            id: p.id,
            title: d.title,
            description: d.description,
            owning_unit_id: d.owning_unit,
            min_sek: d.min_sek.kronor(),
            max_sek: d.max_sek.kronor(),
            eligible_legal_forms: d.eligible_legal_forms,
            districts: d.districts,
            required_documents: d
                .required_documents
                .into_iter()
                .map(RequiredDocument::from)
                .collect(),
            multi_year_allowed: d.multi_year_allowed,
            status: p.status,
            rounds: p.rounds.into_iter().map(RoundView::from).collect(),
            figures: p
                .figures
                .into_iter()
                .map(|f| YearFiguresView {
                    year: f.year,
                    budget_sek: f.budget_sek.kronor(),
                    granted_sek: f.granted_sek.kronor(),
                    paid_sek: f.paid_sek.kronor(),
                    remaining_sek: f.budget_sek.kronor() - f.granted_sek.kronor(),
                })
                .collect(),
            external_id: d.external_id,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProgrammeList {
    pub items: Vec<ProgrammeView>,
    pub next_cursor: Option<String>,
}

/// The decision, as the organisation and the public see it.
#[derive(Serialize, ToSchema)]
pub struct DecisionView {
    pub outcome: DecisionOutcome,
    pub granted_sek: i64,
    /// Shown to the organisation (and, for grants, to everyone).
    pub motivation: String,
    /// The person who decided (token subject): for the city and the
    /// applicant only, never in open data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// The role the decider acted in (`city_staff` or `city_admin`).
    #[schema(example = "city_staff")]
    pub decided_by_role: String,
    /// The unit on whose behalf the decision was made (the programme's owner).
    pub decided_by_unit_id: Option<CityUnitId>,
    pub decided_on: NaiveDate,
    /// The grant per calendar year of its period: a multi-year grant is
    /// charged to each year's budget, pro rata by days.
    pub allocation: Vec<YearAmount>,
}

/// An amount for one year.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"year": 2015, "amount_sek": 75000}))]
pub struct YearAmount {
    pub year: i32,
    pub amount_sek: i64,
}

/// A grant application. Others than the city and the applicant see only
/// decided grants, and only organisation, programme, title, purpose, amount
/// and date.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c6001",
    "organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e",
    "programme_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c5001",
    "round_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c5101",
    "title": "Garaget – summer jobs in Tynnered",
    "purpose": "3 jobs and 10 internships for young people in summer 2015.",
    "districts": ["vastra_goteborg"],
    "requested_sek": 75000,
    "status": "paid",
    "submitted_at": "2015-03-02T10:15:00Z",
    "submitted_late": false,
    "decision": {"outcome": "granted", "granted_sek": 75000, "motivation": "Fits the programme's aim; a clear plan.", "decided_by": "chef@vastra.goteborg.se", "decided_by_role": "city_staff", "decided_by_unit_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0a01", "decided_on": "2015-05-20", "allocation": [{"year": 2015, "amount_sek": 75000}]},
    "paid_sek": 75000,
    "version": 7,
    "created_at": "2015-02-20T08:30:00Z", "updated_at": "2015-06-10T13:00:00Z"
}))]
pub struct ApplicationView {
    pub id: GrantApplicationId,
    pub organisation_id: OrganisationId,
    pub programme_id: GrantProgrammeId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round_id: Option<GrantRoundId>,
    pub title: String,
    pub purpose: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_group: Option<String>,
    pub districts: Vec<District>,
    pub requested_sek: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_lines: Option<Vec<BudgetLine>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_answers: Option<Vec<DocumentAnswer>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_number: Option<String>,
    pub status: ApplicationStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<ApplicationAction>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<Utc>>,
    /// Submitted after the deadline of a round that accepts late applications.
    pub submitted_late: bool,
    /// What staff asked to complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_message: Option<String>,
    pub decision: Option<DecisionView>,
    pub paid_sek: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The owning unit of each programme the applications belong to (what
/// `allowed_actions` needs to know who handles them).
pub(super) async fn application_units(
    state: &AppState,
    applications: &[&Application],
) -> Result<std::collections::HashMap<GrantProgrammeId, CityUnitId>, ApiError> {
    let programmes: Vec<GrantProgrammeId> =
        applications.iter().map(|a| a.details.programme).collect();
    state
        .db(move |conn| crate::db::grants::owning_units(conn, &programmes))
        .await
}

impl ApplicationView {
    pub(super) fn for_caller(
        a: Application,
        principal: &Principal,
        units: &std::collections::HashMap<GrantProgrammeId, CityUnitId>,
    ) -> Self {
        let owning_unit = units.get(&a.details.programme).copied();
        let all = sees_all(principal, &a);
        let outcome = a.decision.as_ref().map(|d| d.outcome);
        let d = a.details;
        ApplicationView {
            id: a.id,
            organisation_id: d.organisation,
            programme_id: d.programme,
            round_id: all.then_some(d.round),
            title: d.title,
            purpose: d.purpose,
            target_group: d.target_group.filter(|_| all),
            districts: d.districts,
            requested_sek: d.requested_sek.kronor(),
            start_date: all.then_some(d.start_date),
            end_date: all.then_some(d.end_date),
            budget_lines: all.then(|| d.budget_lines.into_iter().map(BudgetLine::from).collect()),
            document_answers: all.then(|| {
                d.document_answers
                    .into_iter()
                    .map(DocumentAnswer::from)
                    .collect()
            }),
            registry_number: d.registry_number.filter(|_| all),
            status: a.status,
            allowed_actions: all.then(|| match owning_unit {
                Some(unit) => a
                    .status
                    .actions_for(outcome, principal, d.organisation, unit),
                None => Vec::new(),
            }),
            submitted_at: a.submitted_at.filter(|_| all),
            submitted_late: a.submitted_late && all,
            completion_message: a.completion_message.filter(|_| all),
            decision: a.decision.map(|d| DecisionView {
                outcome: d.outcome,
                granted_sek: d.granted_sek.kronor(),
                motivation: d.motivation,
                decided_by: all.then_some(d.decided_by),
                decided_by_role: d.decided_by_role,
                decided_by_unit_id: d.decided_by_unit,
                decided_on: d.decided_on,
                allocation: d
                    .allocation
                    .into_iter()
                    .map(|(year, amount)| YearAmount {
                        year,
                        amount_sek: amount.kronor(),
                    })
                    .collect(),
            }),
            paid_sek: a.paid_sek.kronor(),
            report: a.report.filter(|_| all),
            external_id: d.external_id.filter(|_| all),
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationList {
    pub items: Vec<ApplicationView>,
    pub next_cursor: Option<String>,
}

/// A payment.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c6101", "amount_sek": 37500, "paid_on": "2015-06-15"}))]
pub struct PaymentView {
    pub id: Uuid,
    /// Whole kronor, more than 0.
    #[schema(minimum = 1, maximum = 1_000_000_000_000_i64)]
    pub amount_sek: i64,
    pub paid_on: NaiveDate,
}

impl From<Payment> for PaymentView {
    fn from(p: Payment) -> Self {
        PaymentView {
            id: p.id,
            amount_sek: p.amount_sek.kronor(),
            paid_on: p.paid_on,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PaymentList {
    pub items: Vec<PaymentView>,
    pub next_cursor: Option<String>,
}

/// An internal review note: never shown to the organisation.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c6201", "author": "handlaggare@vastra.goteborg.se", "note": "Solid plan; premises cost high.", "recommendation": "partly_granted", "created_at": "2015-05-14T09:00:00Z"}))]
pub struct ReviewView {
    pub id: Uuid,
    pub author: String,
    pub note: String,
    pub recommendation: Option<DecisionOutcome>,
    pub created_at: DateTime<Utc>,
}

impl From<Review> for ReviewView {
    fn from(r: Review) -> Self {
        ReviewView {
            id: r.id,
            author: r.author,
            note: r.note,
            recommendation: r.recommendation,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReviewList {
    pub items: Vec<ReviewView>,
    pub next_cursor: Option<String>,
}

/// A declaration as kept: never replaced; a declared conflict binds the
/// person for the organisation until an admin records that it no longer
/// applies (`released_*`).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c7001",
    "application_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c6001",
    "organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e",
    "subject": "chef@vastra.goteborg.se",
    "has_conflict": true,
    "note": "My sister chairs the board.",
    "declared_at": "2015-05-12T08:30:00Z",
    "released_at": null,
    "released_by": null,
    "release_reason": null
}))]
pub struct ConflictDeclarationView {
    pub id: uuid::Uuid,
    pub application_id: GrantApplicationId,
    pub organisation_id: OrganisationId,
    /// The person who declared (token subject).
    pub subject: String,
    pub has_conflict: bool,
    pub note: Option<String>,
    pub declared_at: DateTime<Utc>,
    pub released_at: Option<DateTime<Utc>>,
    pub released_by: Option<String>,
    pub release_reason: Option<String>,
}

impl From<grant::ConflictDeclaration> for ConflictDeclarationView {
    fn from(d: grant::ConflictDeclaration) -> Self {
        ConflictDeclarationView {
            id: d.id,
            application_id: d.application_id,
            organisation_id: d.organisation_id,
            subject: d.subject,
            has_conflict: d.has_conflict,
            note: d.note,
            declared_at: d.declared_at,
            released_at: d.released_at,
            released_by: d.released_by,
            release_reason: d.release_reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConflictDeclarationList {
    pub items: Vec<ConflictDeclarationView>,
    pub next_cursor: Option<String>,
}

/// One step of an application's handling.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"at": "2015-05-20T09:00:00Z", "actor": "chef@vastra.goteborg.se", "actor_role": "city_staff", "action": "decide", "from_status": "under_review", "to_status": "decided", "note": "granted: 75000 SEK"}))]
pub struct ApplicationHistoryView {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationHistoryList {
    pub items: Vec<ApplicationHistoryView>,
    pub next_cursor: Option<String>,
}
