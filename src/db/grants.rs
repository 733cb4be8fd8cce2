//! Grant programmes (with budgets and rounds) and grant applications (with
//! payments, reviews, conflict declarations and history). The budget check
//! and the write of a decision happen in one transaction that first locks
//! the programme row, so concurrent decisions cannot overspend.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::organisations::utc;
use super::page::{timestamp_key, Cursor, Page};
use super::schema::{
    city_units, grant_applications as ga, grant_budgets as gb, grant_conflict_declarations as cd,
    grant_history as gh, grant_payments as gp, grant_programmes as pr, grant_reviews as rv,
    grant_rounds as gr, organisations,
};
use super::{
    contains_pattern, corrupt, list_column, parse, parse_list, write_transaction, DbConnection,
};
use crate::domain::district::District;
use crate::domain::grant::{
    ApplicationAction, ApplicationStatus, Decision, DecisionOutcome, ProgrammeStatus,
};
use crate::domain::ids::{
    CityUnitId, GrantApplicationId, GrantProgrammeId, GrantRoundId, OrganisationId,
};
use crate::domain::organisation::{search_key, LegalForm};
use crate::domain::{now, IfMatch, Version};
use crate::error::ApiError;

/// A document a programme asks for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredDocument {
    #[schema(example = "gender_equality_plan")]
    pub key: String,
    #[schema(example = "Gender-equality plan")]
    pub title: String,
}

/// A programme's description.
#[derive(Debug, Clone)]
pub struct ProgrammeDetails {
    pub title: String,
    pub description: Option<String>,
    pub owning_unit: CityUnitId,
    pub min_sek: i64,
    pub max_sek: i64,
    pub eligible_legal_forms: Vec<LegalForm>,
    pub districts: Vec<District>,
    pub required_documents: Vec<RequiredDocument>,
    pub multi_year_allowed: bool,
    pub budgets: Vec<(i32, i64)>,
    pub external_id: Option<String>,
}

/// A round of a programme.
#[derive(Debug, Clone)]
pub struct Round {
    pub id: GrantRoundId,
    pub name: String,
    pub opens_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub accepts_late: bool,
}

/// Budget, granted, paid and remaining for a year.
#[derive(Debug, Clone, Copy)]
pub struct YearFigures {
    pub year: i32,
    pub budget_sek: i64,
    pub granted_sek: i64,
    pub paid_sek: i64,
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

type ProgrammeRow = (
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
    String,
    String,
    String,
    bool,
    String,
    Option<String>,
    i64,
    NaiveDateTime,
    NaiveDateTime,
);

/// The programme columns, in the order of [`ProgrammeRow`].
type ProgrammeColumns = (
    pr::id,
    pr::title,
    pr::description,
    pr::owning_unit_id,
    pr::min_sek,
    pr::max_sek,
    pr::eligible_legal_forms,
    pr::districts,
    pr::required_documents,
    pr::multi_year_allowed,
    pr::status,
    pr::external_id,
    pr::version,
    pr::created_at,
    pr::updated_at,
);

fn programme_columns() -> ProgrammeColumns {
    (
        pr::id,
        pr::title,
        pr::description,
        pr::owning_unit_id,
        pr::min_sek,
        pr::max_sek,
        pr::eligible_legal_forms,
        pr::districts,
        pr::required_documents,
        pr::multi_year_allowed,
        pr::status,
        pr::external_id,
        pr::version,
        pr::created_at,
        pr::updated_at,
    )
}

fn complete_programme(conn: &mut DbConnection, row: ProgrammeRow) -> Result<Programme, ApiError> {
    let (
        id,
        title,
        description,
        unit,
        min_sek,
        max_sek,
        forms,
        districts,
        documents,
        multi,
        status,
        external_id,
        version,
        created,
        updated,
    ) = row;
    let budgets: Vec<(i32, i64)> = gb::table
        .filter(gb::programme_id.eq(&id))
        .order(gb::year.asc())
        .select((gb::year, gb::budget_sek))
        .load(conn)?;
    let rounds: Vec<(String, String, NaiveDateTime, NaiveDateTime, bool)> = gr::table
        .filter(gr::programme_id.eq(&id))
        .order((gr::opens_at.asc(), gr::id.asc()))
        .select((
            gr::id,
            gr::name,
            gr::opens_at,
            gr::deadline,
            gr::accepts_late_applications,
        ))
        .load(conn)?;
    let granted: Vec<(Option<i32>, Option<i64>, String)> = ga::table
        .filter(ga::programme_id.eq(&id))
        .filter(ga::granted_sek.is_not_null())
        .select((ga::grant_year, ga::granted_sek, ga::id))
        .load(conn)?;
    let paid: Vec<(String, i64)> = gp::table
        .inner_join(ga::table.on(ga::id.eq(gp::application_id)))
        .filter(ga::programme_id.eq(&id))
        .select((ga::id, gp::amount_sek))
        .load(conn)?;
    let figures = budgets
        .iter()
        .map(|(year, budget_sek)| {
            let in_year: Vec<&String> = granted
                .iter()
                .filter(|(y, _, _)| *y == Some(*year))
                .map(|(_, _, a)| a)
                .collect();
            YearFigures {
                year: *year,
                budget_sek: *budget_sek,
                granted_sek: granted
                    .iter()
                    .filter(|(y, _, _)| *y == Some(*year))
                    .filter_map(|(_, g, _)| *g)
                    .sum(),
                paid_sek: paid
                    .iter()
                    .filter(|(a, _)| in_year.contains(&a))
                    .map(|(_, amount)| amount)
                    .sum(),
            }
        })
        .collect();
    Ok(Programme {
        id: parse(&id, "programme id")?,
        details: ProgrammeDetails {
            title,
            description,
            owning_unit: parse(&unit, "unit id")?,
            min_sek,
            max_sek,
            eligible_legal_forms: parse_list(&forms, "legal form")?,
            districts: parse_list(&districts, "district")?,
            required_documents: serde_json::from_str(&documents)
                .map_err(|_| corrupt("required documents"))?,
            multi_year_allowed: multi,
            budgets,
            external_id,
        },
        status: parse(&status, "programme status")?,
        rounds: rounds
            .into_iter()
            .map(|(rid, name, opens_at, deadline, accepts_late)| {
                Ok(Round {
                    id: parse(&rid, "round id")?,
                    name,
                    opens_at: utc(opens_at),
                    deadline: utc(deadline),
                    accepts_late,
                })
            })
            .collect::<Result<_, ApiError>>()?,
        figures,
        version,
        created_at: utc(created),
        updated_at: utc(updated),
    })
}

pub fn find_programme(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
) -> Result<Option<Programme>, ApiError> {
    let row: Option<ProgrammeRow> = pr::table
        .find(id.to_string())
        .select(programme_columns())
        .first(conn)
        .optional()?;
    row.map(|r| complete_programme(conn, r)).transpose()
}

pub fn insert_programme(
    conn: &mut DbConnection,
    d: ProgrammeDetails,
) -> Result<Programme, ApiError> {
    let id = GrantProgrammeId::new();
    let now = now().naive_utc();
    write_transaction(conn, |conn| {
        let unit: bool = diesel::select(diesel::dsl::exists(
            city_units::table.find(d.owning_unit.to_string()),
        ))
        .get_result(conn)?;
        if !unit {
            return Err(ApiError::invalid("owning_unit_id", "no such city unit"));
        }
        if let Some(external_id) = &d.external_id {
            let taken: bool = diesel::select(diesel::dsl::exists(
                pr::table.filter(pr::external_id.eq(external_id)),
            ))
            .get_result(conn)?;
            if taken {
                return Err(ApiError::Conflict {
                    code: "duplicate_external_id",
                    detail: format!("another programme has external_id `{external_id}`"),
                });
            }
        }
        diesel::insert_into(pr::table)
            .values((
                pr::id.eq(id.to_string()),
                pr::title.eq(&d.title),
                pr::title_search.eq(search_key(&d.title)),
                pr::description.eq(d.description.as_deref()),
                pr::owning_unit_id.eq(d.owning_unit.to_string()),
                pr::min_sek.eq(d.min_sek),
                pr::max_sek.eq(d.max_sek),
                pr::eligible_legal_forms.eq(list_column(&d.eligible_legal_forms)),
                pr::districts.eq(list_column(&d.districts)),
                pr::required_documents
                    .eq(serde_json::to_string(&d.required_documents)
                        .unwrap_or_else(|_| "[]".into())),
                pr::multi_year_allowed.eq(d.multi_year_allowed),
                pr::status.eq(ProgrammeStatus::Draft.as_str()),
                pr::external_id.eq(d.external_id.as_deref()),
                pr::version.eq(1),
                pr::created_at.eq(now),
                pr::updated_at.eq(now),
            ))
            .execute(conn)?;
        for (year, budget_sek) in &d.budgets {
            diesel::insert_into(gb::table)
                .values((
                    gb::programme_id.eq(id.to_string()),
                    gb::year.eq(year),
                    gb::budget_sek.eq(budget_sek),
                ))
                .execute(conn)?;
        }
        find_programme(conn, id)?.ok_or(ApiError::NotFound)
    })
}

/// Opens or closes a programme.
pub fn set_programme_status(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
    precondition: Option<IfMatch>,
    authorize: impl FnOnce(&Programme) -> Result<(), ApiError>,
    to: ProgrammeStatus,
) -> Result<Programme, ApiError> {
    write_transaction(conn, |conn| {
        let current = find_programme(conn, id)?.ok_or(ApiError::NotFound)?;
        authorize(&current)?;
        if !Version(current.version).satisfies(precondition) {
            return Err(ApiError::PreconditionFailed {
                current_version: current.version,
            });
        }
        let allowed = matches!(
            (current.status, to),
            (ProgrammeStatus::Draft, ProgrammeStatus::Open)
                | (ProgrammeStatus::Open, ProgrammeStatus::Closed)
        );
        if !allowed {
            let actions: Vec<String> = match current.status {
                ProgrammeStatus::Draft => vec!["open".into()],
                ProgrammeStatus::Open => vec!["close".into()],
                ProgrammeStatus::Closed => vec![],
            };
            return Err(ApiError::InvalidTransition {
                current_state: current.status.to_string(),
                action: if to == ProgrammeStatus::Open {
                    "open".into()
                } else {
                    "close".into()
                },
                allowed_actions: actions,
            });
        }
        diesel::update(
            pr::table
                .find(id.to_string())
                .filter(pr::version.eq(current.version)),
        )
        .set((
            pr::status.eq(to.as_str()),
            pr::version.eq(current.version + 1),
            pr::updated_at.eq(now().naive_utc()),
        ))
        .execute(conn)?;
        find_programme(conn, id)?.ok_or(ApiError::NotFound)
    })
}

pub fn add_round(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
    authorize: impl FnOnce(&Programme) -> Result<(), ApiError>,
    round: Round,
) -> Result<Programme, ApiError> {
    write_transaction(conn, |conn| {
        let current = find_programme(conn, id)?.ok_or(ApiError::NotFound)?;
        authorize(&current)?;
        diesel::insert_into(gr::table)
            .values((
                gr::id.eq(round.id.to_string()),
                gr::programme_id.eq(id.to_string()),
                gr::name.eq(&round.name),
                gr::opens_at.eq(round.opens_at.naive_utc()),
                gr::deadline.eq(round.deadline.naive_utc()),
                gr::accepts_late_applications.eq(round.accepts_late),
                gr::created_at.eq(now().naive_utc()),
            ))
            .execute(conn)?;
        diesel::update(pr::table.find(id.to_string()))
            .set((
                pr::version.eq(current.version + 1),
                pr::updated_at.eq(now().naive_utc()),
            ))
            .execute(conn)?;
        find_programme(conn, id)?.ok_or(ApiError::NotFound)
    })
}

/// Programmes by creation; drafts only when asked for.
pub fn list_programmes(
    conn: &mut DbConnection,
    include_drafts: bool,
    status: Option<ProgrammeStatus>,
    unit: Option<CityUnitId>,
    limit: usize,
    after: Option<&Cursor>,
) -> Result<Page<Programme>, ApiError> {
    let mut q = pr::table.select(programme_columns()).into_boxed();
    if !include_drafts {
        q = q.filter(pr::status.ne(ProgrammeStatus::Draft.as_str()));
    }
    if let Some(s) = status {
        q = q.filter(pr::status.eq(s.as_str()));
    }
    if let Some(u) = unit {
        q = q.filter(pr::owning_unit_id.eq(u.to_string()));
    }
    if let Some(c) = after {
        let key = c.timestamp()?;
        q = q.filter(
            pr::created_at
                .gt(key)
                .or(pr::created_at.eq(key).and(pr::id.gt(c.id.clone()))),
        );
    }
    let rows: Vec<ProgrammeRow> = q
        .order((pr::created_at.asc(), pr::id.asc()))
        .limit(limit as i64 + 1)
        .load(conn)?;
    let page = Page::from_rows(rows, limit, |r| Cursor {
        sort: "created_at".into(),
        key: timestamp_key(r.13),
        id: r.0.clone(),
    });
    let mut items = Vec::new();
    for row in page.items {
        items.push(complete_programme(conn, row)?);
    }
    Ok(Page {
        items,
        next: page.next,
    })
}

/// A budget line of an application.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetLine {
    #[schema(example = "Supervisor, 3 months half time")]
    pub description: String,
    #[schema(example = 60000)]
    pub amount_sek: i64,
}

/// An answer to a required document: a reference, or a request to waive it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentAnswer {
    #[schema(example = "gender_equality_plan")]
    pub key: String,
    /// A URL or registry reference to the document.
    pub reference: Option<String>,
    pub note: Option<String>,
    /// Why the requirement does not fit the organisation (a waiver request).
    #[schema(example = "We are a women's shelter; the plan template does not fit our work.")]
    pub waiver_reason: Option<String>,
}

/// What an application says.
#[derive(Debug, Clone)]
pub struct ApplicationDetails {
    pub organisation: OrganisationId,
    pub programme: GrantProgrammeId,
    pub round: GrantRoundId,
    pub title: String,
    pub purpose: String,
    pub target_group: Option<String>,
    pub districts: Vec<District>,
    pub requested_sek: i64,
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
    pub paid_sek: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ga)]
struct ApplicationRow {
    id: String,
    organisation_id: String,
    programme_id: String,
    round_id: String,
    title: String,
    purpose: String,
    target_group: Option<String>,
    districts: String,
    requested_sek: i64,
    start_date: NaiveDate,
    end_date: NaiveDate,
    budget_lines: String,
    document_answers: String,
    registry_number: Option<String>,
    status: String,
    submitted_at: Option<NaiveDateTime>,
    submitted_late: bool,
    completion_message: Option<String>,
    outcome: Option<String>,
    granted_sek: Option<i64>,
    grant_year: Option<i32>,
    motivation: Option<String>,
    decided_by: Option<String>,
    decided_on: Option<NaiveDate>,
    report: Option<String>,
    external_id: Option<String>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn to_application(conn: &mut DbConnection, r: ApplicationRow) -> Result<Application, ApiError> {
    let paid: Vec<i64> = gp::table
        .filter(gp::application_id.eq(&r.id))
        .select(gp::amount_sek)
        .load(conn)?;
    let decision = match (
        r.outcome,
        r.granted_sek,
        r.motivation,
        r.decided_by,
        r.decided_on,
    ) {
        (
            Some(outcome),
            Some(granted_sek),
            Some(motivation),
            Some(decided_by),
            Some(decided_on),
        ) => Some(Decision {
            outcome: parse(&outcome, "outcome")?,
            granted_sek,
            motivation,
            decided_by,
            decided_on,
        }),
        _ => None,
    };
    Ok(Application {
        id: parse(&r.id, "application id")?,
        details: ApplicationDetails {
            organisation: parse(&r.organisation_id, "organisation id")?,
            programme: parse(&r.programme_id, "programme id")?,
            round: parse(&r.round_id, "round id")?,
            title: r.title,
            purpose: r.purpose,
            target_group: r.target_group,
            districts: parse_list(&r.districts, "district")?,
            requested_sek: r.requested_sek,
            start_date: r.start_date,
            end_date: r.end_date,
            budget_lines: serde_json::from_str(&r.budget_lines)
                .map_err(|_| corrupt("budget lines"))?,
            document_answers: serde_json::from_str(&r.document_answers)
                .map_err(|_| corrupt("document answers"))?,
            registry_number: r.registry_number,
            external_id: r.external_id,
        },
        status: parse(&r.status, "application status")?,
        submitted_at: r.submitted_at.map(utc),
        submitted_late: r.submitted_late,
        completion_message: r.completion_message,
        decision,
        grant_year: r.grant_year,
        report: r.report,
        paid_sek: paid.iter().sum(),
        version: r.version,
        created_at: utc(r.created_at),
        updated_at: utc(r.updated_at),
    })
}

pub fn find_application(
    conn: &mut DbConnection,
    id: GrantApplicationId,
) -> Result<Option<Application>, ApiError> {
    let row: Option<ApplicationRow> = ga::table
        .find(id.to_string())
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()?;
    row.map(|r| to_application(conn, r)).transpose()
}

/// Who did something, for the history.
pub struct Actor {
    pub subject: String,
    pub role: &'static str,
}

fn record(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    actor: &Actor,
    action: &str,
    from: Option<ApplicationStatus>,
    to: Option<ApplicationStatus>,
    note: Option<&str>,
) -> Result<(), ApiError> {
    diesel::insert_into(gh::table)
        .values((
            gh::id.eq(uuid::Uuid::now_v7().to_string()),
            gh::application_id.eq(id.to_string()),
            gh::at.eq(now().naive_utc()),
            gh::actor.eq(&actor.subject),
            gh::actor_role.eq(actor.role),
            gh::action.eq(action),
            gh::from_status.eq(from.map(|s| s.as_str())),
            gh::to_status.eq(to.map(|s| s.as_str())),
            gh::note.eq(note),
        ))
        .execute(conn)?;
    Ok(())
}

/// One entry of an application's history.
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
}

pub fn history(
    conn: &mut DbConnection,
    id: GrantApplicationId,
) -> Result<Vec<HistoryEntry>, ApiError> {
    type Row = (
        NaiveDateTime,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = gh::table
        .filter(gh::application_id.eq(id.to_string()))
        .order((gh::at.asc(), gh::id.asc()))
        .select((
            gh::at,
            gh::actor,
            gh::actor_role,
            gh::action,
            gh::from_status,
            gh::to_status,
            gh::note,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(at, actor, actor_role, action, from_status, to_status, note)| HistoryEntry {
                at: utc(at),
                actor,
                actor_role,
                action,
                from_status,
                to_status,
                note,
            },
        )
        .collect())
}

/// Checks an application against its programme: open, the round belongs to
/// it, the amount is in range, the period fits, the legal form is eligible.
fn check_against_programme(
    conn: &mut DbConnection,
    d: &ApplicationDetails,
) -> Result<Programme, ApiError> {
    use crate::domain::FieldError;
    let programme = find_programme(conn, d.programme)?
        .ok_or_else(|| ApiError::invalid("programme_id", "no such programme"))?;
    let mut errors = Vec::new();
    if programme.status != ProgrammeStatus::Open {
        errors.push(FieldError::new(
            "programme_id",
            format!("the programme is {}, not open", programme.status),
        ));
    }
    if !programme.rounds.iter().any(|r| r.id == d.round) {
        errors.push(FieldError::new("round_id", "not a round of this programme"));
    }
    if !(programme.details.min_sek..=programme.details.max_sek).contains(&d.requested_sek) {
        errors.push(FieldError::new(
            "requested_sek",
            format!(
                "must be between {} and {} SEK for this programme",
                programme.details.min_sek, programme.details.max_sek
            ),
        ));
    }
    if !programme.details.multi_year_allowed
        && d.end_date.format("%Y").to_string() != d.start_date.format("%Y").to_string()
    {
        errors.push(FieldError::new(
            "end_date",
            "this programme funds one year at a time",
        ));
    }
    let form: Option<String> = organisations::table
        .find(d.organisation.to_string())
        .select(organisations::legal_form)
        .first(conn)
        .optional()?;
    match form {
        None => errors.push(FieldError::new("organisation_id", "no such organisation")),
        Some(form) => {
            let forms = &programme.details.eligible_legal_forms;
            if !forms.is_empty() && !forms.iter().any(|f| f.as_str() == form) {
                errors.push(FieldError::new(
                    "organisation_id",
                    format!("organisations of legal form {form} may not apply to this programme"),
                ));
            }
        }
    }
    for (i, answer) in d.document_answers.iter().enumerate() {
        if !programme
            .details
            .required_documents
            .iter()
            .any(|r| r.key == answer.key)
        {
            errors.push(FieldError::new(
                format!("document_answers[{i}].key"),
                "the programme asks for no such document",
            ));
        }
    }
    if errors.is_empty() {
        Ok(programme)
    } else {
        Err(ApiError::Validation(errors))
    }
}

pub fn insert_application(
    conn: &mut DbConnection,
    d: ApplicationDetails,
    actor: &Actor,
) -> Result<Application, ApiError> {
    let id = GrantApplicationId::new();
    let now = now().naive_utc();
    write_transaction(conn, |conn| {
        check_against_programme(conn, &d)?;
        if let Some(number) = &d.registry_number {
            let taken: bool = diesel::select(diesel::dsl::exists(
                ga::table.filter(ga::registry_number.eq(number)),
            ))
            .get_result(conn)?;
            if taken {
                return Err(ApiError::Conflict {
                    code: "duplicate_registry_number",
                    detail: format!("another application has registry number `{number}`"),
                });
            }
        }
        if let Some(external_id) = &d.external_id {
            let taken: bool = diesel::select(diesel::dsl::exists(
                ga::table.filter(ga::external_id.eq(external_id)),
            ))
            .get_result(conn)?;
            if taken {
                return Err(ApiError::Conflict {
                    code: "duplicate_external_id",
                    detail: format!("another application has external_id `{external_id}`"),
                });
            }
        }
        diesel::insert_into(ga::table)
            .values((
                ga::id.eq(id.to_string()),
                ga::organisation_id.eq(d.organisation.to_string()),
                ga::programme_id.eq(d.programme.to_string()),
                ga::round_id.eq(d.round.to_string()),
                ga::title.eq(&d.title),
                ga::title_search.eq(search_key(&d.title)),
                ga::purpose.eq(&d.purpose),
                ga::target_group.eq(d.target_group.as_deref()),
                ga::districts.eq(list_column(&d.districts)),
                ga::requested_sek.eq(d.requested_sek),
                ga::start_date.eq(d.start_date),
                ga::end_date.eq(d.end_date),
                ga::budget_lines
                    .eq(serde_json::to_string(&d.budget_lines).unwrap_or_else(|_| "[]".into())),
                ga::document_answers
                    .eq(serde_json::to_string(&d.document_answers).unwrap_or_else(|_| "[]".into())),
                ga::registry_number.eq(d.registry_number.as_deref()),
                ga::status.eq(ApplicationStatus::Draft.as_str()),
                ga::submitted_late.eq(false),
                ga::external_id.eq(d.external_id.as_deref()),
                ga::version.eq(1),
                ga::created_at.eq(now),
                ga::updated_at.eq(now),
            ))
            .execute(conn)?;
        record(
            conn,
            id,
            actor,
            "create",
            None,
            Some(ApplicationStatus::Draft),
            None,
        )?;
        find_application(conn, id)?.ok_or(ApiError::NotFound)
    })
}

/// What an action carries.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub precondition: Option<IfMatch>,
    pub message: Option<String>,
    pub decision: Option<(DecisionOutcome, i64, String)>,
    pub report: Option<String>,
}

fn bump(conn: &mut DbConnection, current: &Application) -> Result<(), ApiError> {
    let written = diesel::update(
        ga::table
            .find(current.id.to_string())
            .filter(ga::version.eq(current.version)),
    )
    .set((
        ga::version.eq(current.version + 1),
        ga::updated_at.eq(now().naive_utc()),
    ))
    .execute(conn)?;
    if written != 1 {
        return Err(ApiError::PreconditionFailed {
            current_version: current.version,
        });
    }
    Ok(())
}

fn invalid_transition(current: &Application, action: ApplicationAction) -> ApiError {
    let outcome = current.decision.as_ref().map(|d| d.outcome);
    ApiError::InvalidTransition {
        current_state: current.status.to_string(),
        action: action.to_string(),
        allowed_actions: current
            .status
            .allowed_actions(outcome)
            .iter()
            .filter(|a| **a != ApplicationAction::Pay)
            .map(|a| a.to_string())
            .collect(),
    }
}

/// Moves an application through its handling. `authorize` sees it first; for
/// a decision, `check_decider` sees the programme and the amount, and the
/// budget is checked with the programme row locked.
pub fn act(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    actor: &Actor,
    action: ApplicationAction,
    authorize: impl FnOnce(&Application) -> Result<(), ApiError>,
    check_decider: impl FnOnce(&Programme, &Application, i64) -> Result<(), ApiError>,
    input: ActionInput,
) -> Result<Application, ApiError> {
    write_transaction(conn, |conn| {
        let current = find_application(conn, id)?.ok_or(ApiError::NotFound)?;
        authorize(&current)?;
        if !Version(current.version).satisfies(input.precondition) {
            return Err(ApiError::PreconditionFailed {
                current_version: current.version,
            });
        }
        let outcome = input
            .decision
            .as_ref()
            .map(|(o, _, _)| *o)
            .or(current.decision.as_ref().map(|d| d.outcome));
        let next = current
            .status
            .after(action, outcome)
            .ok_or_else(|| invalid_transition(&current, action))?;
        let mut note = input.message.clone();
        match action {
            ApplicationAction::Submit => {
                let programme = check_against_programme(conn, &current.details)?;
                let round = programme
                    .rounds
                    .iter()
                    .find(|r| r.id == current.details.round)
                    .ok_or(ApiError::NotFound)?;
                let now = now();
                let late = crate::domain::grant::check_deadline(
                    round.opens_at,
                    round.deadline,
                    round.accepts_late,
                    now,
                )
                .map_err(|r| match r {
                    crate::domain::grant::DeadlineRefusal::NotOpenYet => ApiError::Conflict {
                        code: "round_not_open",
                        detail: format!("the round opens {}", round.opens_at),
                    },
                    crate::domain::grant::DeadlineRefusal::Passed => ApiError::Conflict {
                        code: "deadline_passed",
                        detail: format!(
                            "the round's deadline {} has passed and it takes no late applications",
                            round.deadline
                        ),
                    },
                })?;
                diesel::update(ga::table.find(id.to_string()))
                    .set((
                        ga::submitted_at.eq(Some(now.naive_utc())),
                        ga::submitted_late.eq(late),
                    ))
                    .execute(conn)?;
                if late {
                    note = Some(
                        "submitted after the deadline (the round accepts late applications)".into(),
                    );
                }
            }
            ApplicationAction::RequestCompletion => {
                diesel::update(ga::table.find(id.to_string()))
                    .set(ga::completion_message.eq(input.message.as_deref()))
                    .execute(conn)?;
            }
            ApplicationAction::Decide => {
                let (outcome, granted_sek, motivation) = input
                    .decision
                    .clone()
                    .ok_or_else(|| ApiError::invalid("outcome", "is required"))?;
                crate::domain::grant::check_granted(
                    outcome,
                    current.details.requested_sek,
                    granted_sek,
                )
                .map_err(|m| ApiError::invalid("granted_sek", m))?;
                // Lock the programme row first: concurrent decisions on the
                // same programme wait here, then see each other's grants.
                diesel::update(pr::table.find(current.details.programme.to_string()))
                    .set(pr::version.eq(pr::version))
                    .execute(conn)?;
                let programme =
                    find_programme(conn, current.details.programme)?.ok_or(ApiError::NotFound)?;
                check_decider(&programme, &current, granted_sek)?;
                let year: i32 = current
                    .details
                    .start_date
                    .format("%Y")
                    .to_string()
                    .parse()
                    .unwrap_or(0);
                let budget = programme
                    .details
                    .budgets
                    .iter()
                    .find(|(y, _)| *y == year)
                    .map(|(_, b)| *b);
                // Summed here: SUM(BIGINT) is NUMERIC on PostgreSQL, which the two backends do not share.
                let granted: Vec<Option<i64>> = ga::table
                    .filter(ga::programme_id.eq(programme.id.to_string()))
                    .filter(ga::grant_year.eq(year))
                    .select(ga::granted_sek)
                    .load(conn)?;
                let so_far: i64 = granted.into_iter().flatten().sum();
                if granted_sek > 0 {
                    crate::domain::grant::check_budget(budget, so_far, granted_sek).map_err(
                        |detail| ApiError::Conflict {
                            code: "over_budget",
                            detail,
                        },
                    )?;
                }
                diesel::update(ga::table.find(id.to_string()))
                    .set((
                        ga::outcome.eq(Some(outcome.as_str())),
                        ga::granted_sek.eq(Some(granted_sek)),
                        ga::grant_year.eq(Some(year)),
                        ga::motivation.eq(Some(&motivation)),
                        ga::decided_by.eq(Some(&actor.subject)),
                        ga::decided_on.eq(Some(now().date_naive())),
                    ))
                    .execute(conn)?;
                note = Some(format!("{outcome}: {granted_sek} SEK"));
            }
            ApplicationAction::Report => {
                diesel::update(ga::table.find(id.to_string()))
                    .set(ga::report.eq(input.report.as_deref()))
                    .execute(conn)?;
            }
            _ => {}
        }
        bump(conn, &current)?;
        diesel::update(ga::table.find(id.to_string()))
            .set(ga::status.eq(next.as_str()))
            .execute(conn)?;
        record(
            conn,
            id,
            actor,
            action.as_str(),
            Some(current.status),
            Some(next),
            note.as_deref(),
        )?;
        find_application(conn, id)?.ok_or(ApiError::NotFound)
    })
}

/// Changes what a draft (or an application asked to complete) says.
pub fn update_application(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    precondition: Option<IfMatch>,
    actor: &Actor,
    authorize: impl FnOnce(&Application) -> Result<(), ApiError>,
    change: impl FnOnce(ApplicationDetails) -> Result<ApplicationDetails, ApiError>,
) -> Result<Application, ApiError> {
    write_transaction(conn, |conn| {
        let current = find_application(conn, id)?.ok_or(ApiError::NotFound)?;
        authorize(&current)?;
        if !Version(current.version).satisfies(precondition) {
            return Err(ApiError::PreconditionFailed {
                current_version: current.version,
            });
        }
        if !current.status.is_editable() {
            return Err(ApiError::Conflict { code: "not_editable", detail: format!("the application is {}; it changes only as a draft or when a completion is asked for", current.status) });
        }
        let d = change(current.details.clone())?;
        check_against_programme(conn, &d)?;
        bump(conn, &current)?;
        diesel::update(ga::table.find(id.to_string()))
            .set((
                ga::title.eq(&d.title),
                ga::title_search.eq(search_key(&d.title)),
                ga::purpose.eq(&d.purpose),
                ga::target_group.eq(d.target_group.as_deref()),
                ga::districts.eq(list_column(&d.districts)),
                ga::requested_sek.eq(d.requested_sek),
                ga::start_date.eq(d.start_date),
                ga::end_date.eq(d.end_date),
                ga::budget_lines
                    .eq(serde_json::to_string(&d.budget_lines).unwrap_or_else(|_| "[]".into())),
                ga::document_answers
                    .eq(serde_json::to_string(&d.document_answers).unwrap_or_else(|_| "[]".into())),
            ))
            .execute(conn)?;
        record(conn, id, actor, "edit", None, None, None)?;
        find_application(conn, id)?.ok_or(ApiError::NotFound)
    })
}

/// A payment of a granted application.
pub struct Payment {
    pub amount_sek: i64,
    pub paid_on: NaiveDate,
}

pub fn payments(
    conn: &mut DbConnection,
    id: GrantApplicationId,
) -> Result<Vec<(i64, NaiveDate)>, ApiError> {
    Ok(gp::table
        .filter(gp::application_id.eq(id.to_string()))
        .order((gp::paid_on.asc(), gp::id.asc()))
        .select((gp::amount_sek, gp::paid_on))
        .load(conn)?)
}

/// Records a payment: never more than granted in all.
pub fn pay(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    actor: &Actor,
    authorize: impl FnOnce(&Application) -> Result<(), ApiError>,
    payment: Payment,
) -> Result<Application, ApiError> {
    write_transaction(conn, |conn| {
        let current = find_application(conn, id)?.ok_or(ApiError::NotFound)?;
        authorize(&current)?;
        let outcome = current.decision.as_ref().map(|d| d.outcome);
        let next = current
            .status
            .after(ApplicationAction::Pay, outcome)
            .ok_or_else(|| invalid_transition(&current, ApplicationAction::Pay))?;
        let granted = current
            .decision
            .as_ref()
            .map(|d| d.granted_sek)
            .unwrap_or(0);
        if current.paid_sek + payment.amount_sek > granted {
            return Err(ApiError::Conflict {
                code: "payment_exceeds_grant",
                detail: format!(
                    "{} SEK would bring payments to {} SEK, more than the {granted} SEK granted",
                    payment.amount_sek,
                    current.paid_sek + payment.amount_sek
                ),
            });
        }
        diesel::insert_into(gp::table)
            .values((
                gp::id.eq(uuid::Uuid::now_v7().to_string()),
                gp::application_id.eq(id.to_string()),
                gp::amount_sek.eq(payment.amount_sek),
                gp::paid_on.eq(payment.paid_on),
                gp::recorded_by.eq(&actor.subject),
                gp::created_at.eq(now().naive_utc()),
            ))
            .execute(conn)?;
        bump(conn, &current)?;
        diesel::update(ga::table.find(id.to_string()))
            .set(ga::status.eq(next.as_str()))
            .execute(conn)?;
        record(
            conn,
            id,
            actor,
            "pay",
            Some(current.status),
            Some(next),
            Some(&format!(
                "{} SEK paid on {}",
                payment.amount_sek, payment.paid_on
            )),
        )?;
        find_application(conn, id)?.ok_or(ApiError::NotFound)
    })
}

/// An internal review note.
pub struct Review {
    pub author: String,
    pub note: String,
    pub recommendation: Option<DecisionOutcome>,
    pub created_at: DateTime<Utc>,
}

pub fn reviews(conn: &mut DbConnection, id: GrantApplicationId) -> Result<Vec<Review>, ApiError> {
    let rows: Vec<(String, String, Option<String>, NaiveDateTime)> = rv::table
        .filter(rv::application_id.eq(id.to_string()))
        .order((rv::created_at.asc(), rv::id.asc()))
        .select((rv::author, rv::note, rv::recommendation, rv::created_at))
        .load(conn)?;
    rows.into_iter()
        .map(|(author, note, rec, at)| {
            Ok(Review {
                author,
                note,
                recommendation: rec.map(|r| parse(&r, "recommendation")).transpose()?,
                created_at: utc(at),
            })
        })
        .collect()
}

pub fn add_review(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    authorize: impl FnOnce(&Application) -> Result<(), ApiError>,
    review: Review,
) -> Result<Review, ApiError> {
    write_transaction(conn, |conn| {
        let current = find_application(conn, id)?.ok_or(ApiError::NotFound)?;
        authorize(&current)?;
        diesel::insert_into(rv::table)
            .values((
                rv::id.eq(uuid::Uuid::now_v7().to_string()),
                rv::application_id.eq(id.to_string()),
                rv::author.eq(&review.author),
                rv::note.eq(&review.note),
                rv::recommendation.eq(review.recommendation.map(|r| r.as_str())),
                rv::created_at.eq(review.created_at.naive_utc()),
            ))
            .execute(conn)?;
        Ok(review)
    })
}

/// Records (or replaces) a person's declaration of conflict of interest.
pub fn declare_conflict(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    subject: &str,
    authorize: impl FnOnce(&Application) -> Result<(), ApiError>,
    has_conflict: bool,
    note: Option<String>,
) -> Result<(), ApiError> {
    write_transaction(conn, |conn| {
        let current = find_application(conn, id)?.ok_or(ApiError::NotFound)?;
        authorize(&current)?;
        diesel::delete(cd::table.find((id.to_string(), subject))).execute(conn)?;
        diesel::insert_into(cd::table)
            .values((
                cd::application_id.eq(id.to_string()),
                cd::subject.eq(subject),
                cd::has_conflict.eq(has_conflict),
                cd::note.eq(note.as_deref()),
                cd::declared_at.eq(now().naive_utc()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// A person's declaration: `None` if they have made none.
pub fn declared_conflict(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    subject: &str,
) -> Result<Option<bool>, ApiError> {
    Ok(cd::table
        .find((id.to_string(), subject))
        .select(cd::has_conflict)
        .first(conn)
        .optional()?)
}

/// What an application list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub programme: Option<GrantProgrammeId>,
    pub round: Option<GrantRoundId>,
    pub status: Option<ApplicationStatus>,
    pub organisation: Option<OrganisationId>,
    pub district: Option<District>,
    pub decided_from: Option<NaiveDate>,
    pub decided_to: Option<NaiveDate>,
    pub min_sek: Option<i64>,
    pub max_sek: Option<i64>,
    pub updated_since: Option<DateTime<Utc>>,
    pub q: Option<String>,
}

/// What a caller may list.
pub enum ApplicationScope {
    Everything,
    /// Public grants, plus everything of this organisation.
    PublicAnd(Option<OrganisationId>),
}

pub fn list_applications(
    conn: &mut DbConnection,
    f: &ApplicationFilter,
    scope: ApplicationScope,
    limit: usize,
    after: Option<&Cursor>,
) -> Result<Page<Application>, ApiError> {
    let public_status: Vec<&str> = ApplicationStatus::ALL
        .iter()
        .filter(|s| s.is_decided())
        .map(|s| s.as_str())
        .collect();
    let public_outcomes = vec![
        DecisionOutcome::Granted.as_str(),
        DecisionOutcome::PartlyGranted.as_str(),
    ];
    let mut q = ga::table.select(ApplicationRow::as_select()).into_boxed();
    match scope {
        ApplicationScope::Everything => {}
        ApplicationScope::PublicAnd(org) => {
            let org = org.map(|o| o.to_string()).unwrap_or_default();
            q = q.filter(
                ga::status
                    .eq_any(public_status)
                    .and(ga::outcome.eq_any(public_outcomes))
                    .or(ga::organisation_id.eq(org)),
            );
        }
    }
    if let Some(v) = f.programme {
        q = q.filter(ga::programme_id.eq(v.to_string()));
    }
    if let Some(v) = f.round {
        q = q.filter(ga::round_id.eq(v.to_string()));
    }
    if let Some(v) = f.status {
        q = q.filter(ga::status.eq(v.as_str()));
    }
    if let Some(v) = f.organisation {
        q = q.filter(ga::organisation_id.eq(v.to_string()));
    }
    if let Some(v) = f.district {
        q = q.filter(ga::districts.like(format!("%,{},%", v.as_str())));
    }
    if let Some(v) = f.decided_from {
        q = q.filter(ga::decided_on.ge(v));
    }
    if let Some(v) = f.decided_to {
        q = q.filter(ga::decided_on.le(v));
    }
    if let Some(v) = f.min_sek {
        q = q.filter(ga::requested_sek.ge(v));
    }
    if let Some(v) = f.max_sek {
        q = q.filter(ga::requested_sek.le(v));
    }
    if let Some(v) = f.updated_since {
        q = q.filter(ga::updated_at.ge(v.naive_utc()));
    }
    if let Some(text) = &f.q {
        q = q.filter(
            ga::title_search
                .like(contains_pattern(&search_key(text)))
                .escape('\\'),
        );
    }
    if let Some(c) = after {
        let key = c.timestamp()?;
        q = q.filter(
            ga::created_at
                .gt(key)
                .or(ga::created_at.eq(key).and(ga::id.gt(c.id.clone()))),
        );
    }
    let rows: Vec<ApplicationRow> = q
        .order((ga::created_at.asc(), ga::id.asc()))
        .limit(limit as i64 + 1)
        .load(conn)?;
    let page = Page::from_rows(rows, limit, |r| Cursor {
        sort: "created_at".into(),
        key: timestamp_key(r.created_at),
        id: r.id.clone(),
    });
    let mut items = Vec::new();
    for row in page.items {
        items.push(to_application(conn, row)?);
    }
    Ok(Page {
        items,
        next: page.next,
    })
}

/// Records a submission made in the past (imports of historical records and
/// demo data), when the round's deadline was checked by the system of the time.
pub fn import_submission(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    at: DateTime<Utc>,
    actor: &Actor,
) -> Result<Application, ApiError> {
    write_transaction(conn, |conn| {
        let current = find_application(conn, id)?.ok_or(ApiError::NotFound)?;
        if current.status != ApplicationStatus::Draft {
            return Err(invalid_transition(&current, ApplicationAction::Submit));
        }
        bump(conn, &current)?;
        diesel::update(ga::table.find(id.to_string()))
            .set((
                ga::status.eq(ApplicationStatus::Submitted.as_str()),
                ga::submitted_at.eq(Some(at.naive_utc())),
                ga::submitted_late.eq(false),
            ))
            .execute(conn)?;
        record(
            conn,
            id,
            actor,
            "submit",
            Some(ApplicationStatus::Draft),
            Some(ApplicationStatus::Submitted),
            Some("imported"),
        )?;
        find_application(conn, id)?.ok_or(ApiError::NotFound)
    })
}
