//! `/api/v1/grant-programmes` and `/api/v1/grant-applications`: calls with
//! rounds and yearly budgets; applications from draft to decision, payment,
//! report and closing, with delegation, conflict-of-interest and budget rules.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::{JsonBody, OptionalJsonBody, Precondition};
use super::{all_valid, field_errors, paging, respond};
use crate::auth::{Caller, SignedIn};
use crate::db::grants::{
    self as store, ActionInput, Application, ApplicationDetails, ApplicationFilter,
    ApplicationScope, BudgetLine, DocumentAnswer, Payment, Programme, ProgrammeDetails,
    ProgrammePatch, RequiredDocument, Review, Round,
};
use crate::db::Actor;
use crate::domain::access::{authorize, Action, Principal};
use crate::domain::district::District;
use crate::domain::grant::{
    ApplicationAction, ApplicationStatus, DecisionOutcome, ProgrammeStatus,
};
use crate::domain::ids::{
    CityUnitId, GrantApplicationId, GrantProgrammeId, GrantRoundId, OrganisationId,
};
use crate::domain::money::Sek;
use crate::domain::organisation::LegalForm;
use crate::domain::FieldError;
use crate::error::{ApiError, Problem};
use crate::startup::AppState;

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
pub struct RoundView {
    pub id: GrantRoundId,
    #[schema(example = "Round 2")]
    pub name: String,
    pub opens_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// Late applications are still taken (and marked late).
    pub accepts_late_applications: bool,
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
            min_sek: d.min_sek,
            max_sek: d.max_sek,
            eligible_legal_forms: d.eligible_legal_forms,
            districts: d.districts,
            required_documents: d.required_documents,
            multi_year_allowed: d.multi_year_allowed,
            status: p.status,
            rounds: p
                .rounds
                .into_iter()
                .map(|r| RoundView {
                    id: r.id,
                    name: r.name,
                    opens_at: r.opens_at,
                    deadline: r.deadline,
                    accepts_late_applications: r.accepts_late,
                })
                .collect(),
            figures: p
                .figures
                .into_iter()
                .map(|f| YearFiguresView {
                    year: f.year,
                    budget_sek: f.budget_sek,
                    granted_sek: f.granted_sek,
                    paid_sek: f.paid_sek,
                    remaining_sek: f.budget_sek - f.granted_sek,
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

/// A year's budget.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearBudget {
    pub year: i32,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub budget_sek: i64,
}

/// A new round.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Round 2", "opens_at": "2015-06-01T00:00:00+02:00", "deadline": "2015-09-30T23:59:59+02:00", "accepts_late_applications": true}))]
pub struct CreateRound {
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
pub struct CreateProgramme {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// Staff default to their own unit.
    pub owning_unit_id: Option<CityUnitId>,
    #[schema(min_items = 1)]
    pub budgets: Vec<YearBudget>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub min_sek: i64,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub max_sek: i64,
    #[serde(default)]
    pub eligible_legal_forms: Vec<LegalForm>,
    #[serde(default)]
    pub districts: Vec<District>,
    #[serde(default)]
    pub required_documents: Vec<RequiredDocument>,
    #[serde(default)]
    pub multi_year_allowed: bool,
    #[serde(default)]
    pub rounds: Vec<CreateRound>,
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub external_id: Option<String>,
}

fn check_round(i: Option<usize>, r: &CreateRound, errors: &mut Vec<FieldError>) {
    let at = |f: &str| match i {
        Some(i) => format!("rounds[{i}].{f}"),
        None => f.to_owned(),
    };
    if r.name.trim().is_empty() || r.name.chars().count() > 200 {
        errors.push(FieldError::new(at("name"), "must be 1 to 200 characters"));
    }
    if r.deadline <= r.opens_at {
        errors.push(FieldError::new(at("deadline"), "must be after opens_at"));
    }
}

fn round_of(r: CreateRound) -> Round {
    Round {
        id: GrantRoundId::new(),
        name: r.name.trim().to_owned(),
        opens_at: r.opens_at,
        deadline: r.deadline,
        accepts_late: r.accepts_late_applications,
    }
}

/// Filters and paging of the programme list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProgrammeQuery {
    pub status: Option<ProgrammeStatus>,
    pub owning_unit_id: Option<CityUnitId>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

fn visible_programme(p: Option<Programme>, principal: &Principal) -> Result<Programme, ApiError> {
    match p {
        Some(p) if p.status.is_public() || principal.is_city() => Ok(p),
        _ => Err(ApiError::NotFound),
    }
}

/// List grant programmes
///
/// Open and closed programmes are public; drafts are the city's.
#[utoipa::path(
    tag = "grants",
    security((), ("bearer" = [])),
    params(ProgrammeQuery),
    responses(
        (status = 200, description = "A page of programmes with their figures", body = ProgrammeList),
        (status = 400, description = "Unknown query parameter or bad value", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-programmes")]
pub async fn list_grant_programmes(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ProgrammeQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let (limit, cursor) = paging(q.limit, q.cursor.as_deref(), "created_at")?;
    let drafts = caller.0.is_city();
    let page = state
        .db(move |conn| {
            store::list_programmes(
                conn,
                drafts,
                q.status,
                q.owning_unit_id,
                limit,
                cursor.as_ref(),
            )
        })
        .await?;
    Ok(respond::page(&req, page, ProgrammeView::from))
}

/// Read a grant programme
///
/// With budget, granted, paid and remaining figures per year.
#[utoipa::path(
    tag = "grants",
    security((), ("bearer" = [])),
    params(("id" = GrantProgrammeId, Path, description = "The programme's id")),
    responses(
        (status = 200, description = "The programme", body = ProgrammeView, headers(("ETag" = String, description = "The version"))),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme (or a draft)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-programmes/{id}")]
pub async fn get_grant_programme(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<GrantProgrammeId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let p = state
        .db(move |conn| visible_programme(store::find_programme(conn, id)?, &caller.0))
        .await?;
    Ok(respond::ok(p.version, &ProgrammeView::from(p)))
}

/// Create a grant programme
///
/// Staff of the owning unit and admins. It starts as a draft.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$", description = "Makes a retry return the first response (kept 24 h)")),
    request_body(content = CreateProgramme, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = ProgrammeView, headers(("Location" = String, description = "The programme's URL"), ("ETag" = String, description = "The version"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the owning unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Duplicate external id; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-programmes")]
pub async fn create_grant_programme(
    state: web::Data<AppState>,
    caller: SignedIn,
    body: JsonBody<CreateProgramme>,
) -> Result<HttpResponse, ApiError> {
    if !caller.0.is_city() {
        return Err(ApiError::Forbidden {
            code: "forbidden",
            detail: "only the city runs grant programmes".into(),
        });
    }
    let req = body.0;
    let mut errors = req.validate().err().map(field_errors).unwrap_or_default();
    if let Err(message) = Sek::new(req.min_sek) {
        errors.push(FieldError::new("min_sek", message));
    }
    if let Err(message) = Sek::new(req.max_sek) {
        errors.push(FieldError::new("max_sek", message));
    } else if req.max_sek < req.min_sek {
        errors.push(FieldError::new("max_sek", "must not be below min_sek"));
    }
    if req.budgets.is_empty() {
        errors.push(FieldError::new(
            "budgets",
            "a programme has a budget for at least one year",
        ));
    }
    for (i, b) in req.budgets.iter().enumerate() {
        if let Err(message) = Sek::new(b.budget_sek) {
            errors.push(FieldError::new(format!("budgets[{i}].budget_sek"), message));
        }
        if req.budgets.iter().filter(|c| c.year == b.year).count() > 1 {
            errors.push(FieldError::new(
                format!("budgets[{i}].year"),
                "is given twice",
            ));
        }
    }
    for (i, r) in req.rounds.iter().enumerate() {
        check_round(Some(i), r, &mut errors);
    }
    let owning_unit = req.owning_unit_id.or(caller.0.unit());
    if owning_unit.is_none() {
        errors.push(FieldError::new("owning_unit_id", "is required"));
    }
    let (details, rounds) = all_valid(
        errors,
        (
            ProgrammeDetails {
                title: req.title.trim().to_owned(),
                description: req.description,
                owning_unit: owning_unit.unwrap_or(CityUnitId(uuid::Uuid::nil())),
                min_sek: req.min_sek,
                max_sek: req.max_sek,
                eligible_legal_forms: req.eligible_legal_forms,
                districts: req.districts,
                required_documents: req.required_documents,
                multi_year_allowed: req.multi_year_allowed,
                budgets: req.budgets.iter().map(|b| (b.year, b.budget_sek)).collect(),
                external_id: req.external_id,
            },
            req.rounds,
        ),
    )?;
    authorize(&caller.0, Action::ManageGrantProgramme(details.owning_unit))?;
    let p = state
        .db(move |conn| {
            let p = store::insert_programme(conn, details)?;
            let mut last = p;
            for r in rounds {
                last = store::add_round(conn, last.id, |_| Ok(()), round_of(r))?;
            }
            Ok(last)
        })
        .await?;
    Ok(respond::created(
        format!("/api/v1/grant-programmes/{}", p.id),
        p.version,
        &ProgrammeView::from(p),
    ))
}

fn manage_programme(principal: &Principal) -> impl FnOnce(&Programme) -> Result<(), ApiError> + '_ {
    move |p| {
        visible_programme(Some(p.clone()), principal)?;
        Ok(authorize(
            principal,
            Action::ManageGrantProgramme(p.details.owning_unit),
        )?)
    }
}

/// A merge patch of a programme.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Utvecklingspotten 2027", "budgets": [{"year": 2027, "budget_sek": 1800000}]}))]
pub struct UpdateProgramme {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "super::merge_patch_field")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub min_sek: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub max_sek: Option<i64>,
    /// Budgets to set, per year; years not named keep theirs. A budget can
    /// never drop below what is already granted that year (409).
    pub budgets: Option<Vec<YearBudget>>,
}

/// Change a programme
///
/// Staff of the owning unit and admins: title, description, amount range and
/// budgets per year (a JSON merge patch; rounds are added with
/// `POST .../rounds`). A budget below what is already granted that year is
/// refused with 409 `budget_below_granted` naming the year.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(
        ("id" = GrantProgrammeId, Path, description = "The programme's id"),
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[!#-+.-~-]*"(, ?(W/)?"[!#-+.-~-]*")*)$"#, description = "The ETag last read; a stale one is refused with 412"),
    ),
    request_body(content = UpdateProgramme, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = ProgrammeView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the owning unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme (or a draft the caller may not see)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A budget below what is granted that year", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/grant-programmes/{id}")]
pub async fn update_grant_programme(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantProgrammeId>,
    precondition: Precondition,
    body: JsonBody<UpdateProgramme>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let patch = body.0;
    let mut errors: Vec<FieldError> = patch.validate().err().map(field_errors).unwrap_or_default();
    if patch.title.as_deref().is_some_and(|t| t.trim().is_empty()) && errors.is_empty() {
        errors.push(FieldError::new("title", "must not be blank"));
    }
    for (field, value) in [("min_sek", patch.min_sek), ("max_sek", patch.max_sek)] {
        if let Some(v) = value {
            if let Err(m) = Sek::new(v) {
                errors.push(FieldError::new(field, m));
            }
        }
    }
    let mut budgets = Vec::new();
    for (i, b) in patch.budgets.iter().flatten().enumerate() {
        if !(2000..=9999).contains(&b.year) {
            errors.push(FieldError::new(
                format!("budgets[{i}].year"),
                "must be a year from 2000 to 9999",
            ));
        }
        if let Err(m) = Sek::new(b.budget_sek) {
            errors.push(FieldError::new(format!("budgets[{i}].budget_sek"), m));
        }
        if budgets.iter().any(|(y, _)| *y == b.year) {
            errors.push(FieldError::new(format!("budgets[{i}].year"), "named twice"));
        }
        budgets.push((b.year, b.budget_sek));
    }
    let change = all_valid(
        errors,
        ProgrammePatch {
            title: patch.title.map(|t| t.trim().to_owned()),
            description: patch.description,
            min_sek: patch.min_sek,
            max_sek: patch.max_sek,
            budgets,
        },
    )?;
    let p = state
        .db(move |conn| {
            store::update_programme(
                conn,
                id,
                precondition.0,
                manage_programme(&caller.0),
                change,
            )
        })
        .await?;
    Ok(respond::ok(p.version, &ProgrammeView::from(p)))
}

/// Open or close a programme
///
/// `open` (from draft) starts taking applications; `close` (from open) ends it.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(
        ("id" = GrantProgrammeId, Path, description = "The programme's id"),
        ("action" = String, Path, description = "`open` or `close`"),
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[!#-+.-~-]*"(, ?(W/)?"[!#-+.-~-]*")*)$"#, description = "The ETag last read; a stale one is refused with 412"),
    ),
    responses(
        (status = 200, description = "Done", body = ProgrammeView),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the owning unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme or action", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the current state", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-programmes/{id}/{action}")]
pub async fn act_on_grant_programme(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(GrantProgrammeId, String)>,
    precondition: Precondition,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let to = match action.as_str() {
        "open" => ProgrammeStatus::Open,
        "close" => ProgrammeStatus::Closed,
        _ => return Err(ApiError::NotFound),
    };
    let p = state
        .db(move |conn| {
            store::set_programme_status(conn, id, precondition.0, manage_programme(&caller.0), to)
        })
        .await?;
    Ok(respond::ok(p.version, &ProgrammeView::from(p)))
}

/// Add a round
///
/// Staff of the owning unit and admins.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(("id" = GrantProgrammeId, Path, description = "The programme's id")),
    request_body(content = CreateRound, content_type = "application/json"),
    responses(
        (status = 201, description = "The programme with the new round", body = ProgrammeView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the owning unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-programmes/{id}/rounds")]
pub async fn add_grant_round(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantProgrammeId>,
    body: JsonBody<CreateRound>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut errors = Vec::new();
    check_round(None, &body.0, &mut errors);
    let round = all_valid(errors, round_of(body.0))?;
    let p = state
        .db(move |conn| store::add_round(conn, id, manage_programme(&caller.0), round))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/grant-programmes/{id}"),
        ))
        .json(ProgrammeView::from(p)))
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

/// Whether the caller sees all of an application (the city, the applicant).
fn sees_all(principal: &Principal, a: &Application) -> bool {
    crate::domain::grant::sees_whole_application(principal, a.details.organisation)
}

/// Decided grants (not rejections) are public.
fn is_public(a: &Application) -> bool {
    crate::domain::grant::is_public_grant(a.status, a.decision.as_ref().map(|d| d.outcome))
}

impl ApplicationView {
    fn for_caller(a: Application, principal: &Principal) -> Self {
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
            requested_sek: d.requested_sek,
            start_date: all.then_some(d.start_date),
            end_date: all.then_some(d.end_date),
            budget_lines: all.then_some(d.budget_lines),
            document_answers: all.then_some(d.document_answers),
            registry_number: d.registry_number.filter(|_| all),
            status: a.status,
            allowed_actions: all.then(|| {
                a.status
                    .allowed_actions(outcome)
                    .into_iter()
                    .filter(|x| *x != ApplicationAction::Pay)
                    .collect()
            }),
            submitted_at: a.submitted_at.filter(|_| all),
            submitted_late: a.submitted_late && all,
            completion_message: a.completion_message.filter(|_| all),
            decision: a.decision.map(|d| DecisionView {
                outcome: d.outcome,
                granted_sek: d.granted_sek,
                motivation: d.motivation,
                decided_by: all.then_some(d.decided_by),
                decided_by_role: d.decided_by_role,
                decided_by_unit_id: d.decided_by_unit,
                decided_on: d.decided_on,
                allocation: d
                    .allocation
                    .into_iter()
                    .map(|(year, amount_sek)| YearAmount { year, amount_sek })
                    .collect(),
            }),
            paid_sek: a.paid_sek,
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

/// Finds an application the caller may know of.
fn visible_application(
    a: Option<Application>,
    principal: &Principal,
) -> Result<Application, ApiError> {
    match a {
        Some(a) if sees_all(principal, &a) || is_public(&a) => Ok(a),
        _ => Err(ApiError::NotFound),
    }
}

/// Like [`visible_application`], but only for those who see all of it: a
/// public grant's internals stay hidden (404) from others.
fn own_or_city(a: &Application, principal: &Principal) -> Result<(), ApiError> {
    if sees_all(principal, a) {
        Ok(())
    } else {
        Err(ApiError::NotFound)
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
    pub districts: Vec<District>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub requested_sek: i64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    #[serde(default)]
    pub budget_lines: Vec<BudgetLine>,
    #[serde(default)]
    pub document_answers: Vec<DocumentAnswer>,
    /// City only.
    pub registry_number: Option<String>,
    /// City only.
    pub external_id: Option<String>,
}

fn check_lines(lines: &[BudgetLine], answers: &[DocumentAnswer], errors: &mut Vec<FieldError>) {
    for (i, l) in lines.iter().enumerate() {
        if l.description.trim().is_empty() {
            errors.push(FieldError::new(
                format!("budget_lines[{i}].description"),
                "must not be empty",
            ));
        }
        if let Err(message) = Sek::new(l.amount_sek) {
            errors.push(FieldError::new(
                format!("budget_lines[{i}].amount_sek"),
                message,
            ));
        }
    }
    for (i, a) in answers.iter().enumerate() {
        if !a.counts() {
            errors.push(FieldError::new(
                format!("document_answers[{i}]"),
                "give a reference to the document, or a waiver_reason that says why it does not fit",
            ));
        }
    }
}

/// Filters and paging of the application list.
#[derive(Deserialize, IntoParams)]
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
    pub min_sek: Option<i64>,
    /// Requested at most.
    pub max_sek: Option<i64>,
    pub updated_since: Option<DateTime<Utc>>,
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List grant applications
///
/// The city sees all; an organisation its own in every state; everyone the
/// decided grants (openness), never drafts, reviews or rejections.
#[utoipa::path(
    tag = "grants",
    security((), ("bearer" = [])),
    params(ApplicationQuery),
    responses(
        (status = 200, description = "A page of applications", body = ApplicationList),
        (status = 400, description = "Unknown query parameter or bad value", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications")]
pub async fn list_grant_applications(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ApplicationQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let (limit, cursor) = paging(q.limit, q.cursor.as_deref(), "created_at")?;
    let filter = ApplicationFilter {
        programme: q.programme_id,
        round: q.round_id,
        status: q.status,
        organisation: q.organisation_id,
        district: q.district,
        decided_from: q.decided_from,
        decided_to: q.decided_to,
        min_sek: q.min_sek,
        max_sek: q.max_sek,
        updated_since: q.updated_since,
        q: q.q.filter(|t| !t.trim().is_empty()),
    };
    let scope = match &caller.0 {
        p if p.is_city() => ApplicationScope::Everything,
        Principal::Partner { organisation, .. } => ApplicationScope::PublicAnd(Some(*organisation)),
        _ => ApplicationScope::PublicAnd(None),
    };
    let page = state
        .db(move |conn| store::list_applications(conn, &filter, scope, limit, cursor.as_ref()))
        .await?;
    Ok(respond::page(&req, page, |a| {
        ApplicationView::for_caller(a, &caller.0)
    }))
}

/// Read a grant application
#[utoipa::path(
    tag = "grants",
    security((), ("bearer" = [])),
    params(("id" = GrantApplicationId, Path, description = "The application's id")),
    responses(
        (status = 200, description = "The application", body = ApplicationView, headers(("ETag" = String, description = "The version"))),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application, or one the caller may not know of", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications/{id}")]
pub async fn get_grant_application(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<GrantApplicationId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let principal = caller.0.clone();
    let a = state
        .db(move |conn| visible_application(store::find_application(conn, id)?, &principal))
        .await?;
    Ok(respond::ok(
        a.version,
        &ApplicationView::for_caller(a, &caller.0),
    ))
}

/// Apply for a grant
///
/// A partner applies for its own organisation; the application is a draft
/// until submitted. The amount must be within the programme's range, the
/// programme open and the round its own.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$", description = "Makes a retry return the first response (kept 24 h)")),
    request_body(content = CreateApplication, content_type = "application/json"),
    responses(
        (status = 201, description = "A draft", body = ApplicationView, headers(("Location" = String, description = "The application's URL"), ("ETag" = String, description = "The version"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Applying for another organisation, or setting city fields", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Duplicate registry number or external id; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, an amount out of range, a programme not open", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-applications")]
pub async fn create_grant_application(
    state: web::Data<AppState>,
    caller: SignedIn,
    body: JsonBody<CreateApplication>,
) -> Result<HttpResponse, ApiError> {
    let req = body.0;
    if !caller.0.is_city() {
        authorize(&caller.0, Action::ApplyForGrant(req.organisation_id))?;
        if req.registry_number.is_some() || req.external_id.is_some() {
            return Err(ApiError::Forbidden {
                code: "forbidden",
                detail: "registry_number and external_id are kept by the city".into(),
            });
        }
    }
    let mut errors = req.validate().err().map(field_errors).unwrap_or_default();
    if req.end_date < req.start_date {
        errors.push(FieldError::new("end_date", "must not be before start_date"));
    }
    check_lines(&req.budget_lines, &req.document_answers, &mut errors);
    let mut districts = req.districts;
    districts.sort();
    districts.dedup();
    let details = all_valid(
        errors,
        ApplicationDetails {
            organisation: req.organisation_id,
            programme: req.programme_id,
            round: req.round_id,
            title: req.title.trim().to_owned(),
            purpose: req.purpose,
            target_group: req.target_group,
            districts,
            requested_sek: req.requested_sek,
            start_date: req.start_date,
            end_date: req.end_date,
            budget_lines: req.budget_lines,
            document_answers: req.document_answers,
            registry_number: req.registry_number,
            external_id: req.external_id,
        },
    )?;
    let who = Actor::from(&caller.0);
    let a = state
        .db(move |conn| store::insert_application(conn, details, &who))
        .await?;
    Ok(respond::created(
        format!("/api/v1/grant-applications/{}", a.id),
        a.version,
        &ApplicationView::for_caller(a, &caller.0),
    ))
}

/// A JSON merge patch of what an application says.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"requested_sek": 25000, "document_answers": [{"key": "gender_equality_plan", "waiver_reason": "We are a women's shelter; the template does not fit.", "reference": null, "note": null}]}))]
pub struct UpdateApplication {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[validate(length(min = 1, max = 10000, message = "must be 1 to 10000 characters"))]
    #[schema(min_length = 1, max_length = 10000)]
    pub purpose: Option<String>,
    pub requested_sek: Option<i64>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub budget_lines: Option<Vec<BudgetLine>>,
    pub document_answers: Option<Vec<DocumentAnswer>>,
}

/// Change an application
///
/// The applicant, while it is a draft or a completion is asked for.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(
        ("id" = GrantApplicationId, Path, description = "The application's id"),
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[!#-+.-~-]*"(, ?(W/)?"[!#-+.-~-]*")*)$"#, description = "The ETag last read; a stale one is refused with 412"),
    ),
    request_body(content = UpdateApplication, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = ApplicationView),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the applicant", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application, or one the caller may not know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not editable in this state", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/grant-applications/{id}")]
pub async fn update_grant_application(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    precondition: Precondition,
    body: JsonBody<UpdateApplication>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let patch = body.0;
    let principal = caller.0.clone();
    let who = Actor::from(&caller.0);
    let a = state
        .db(move |conn| {
            let authorize_edit = |a: &Application| {
                own_or_city(a, &principal)?;
                Ok(authorize(
                    &principal,
                    Action::ApplyForGrant(a.details.organisation),
                )?)
            };
            store::update_application(conn, id, precondition.0, &who, authorize_edit, |mut d| {
                let mut errors = patch.validate().err().map(field_errors).unwrap_or_default();
                if let Some(v) = patch.title {
                    d.title = v.trim().to_owned();
                }
                if let Some(v) = patch.purpose {
                    d.purpose = v;
                }
                if let Some(v) = patch.requested_sek {
                    d.requested_sek = v;
                }
                if let Some(v) = patch.start_date {
                    d.start_date = v;
                }
                if let Some(v) = patch.end_date {
                    d.end_date = v;
                }
                if let Some(v) = patch.budget_lines {
                    d.budget_lines = v;
                }
                if let Some(v) = patch.document_answers {
                    d.document_answers = v;
                }
                if d.end_date < d.start_date {
                    errors.push(FieldError::new("end_date", "must not be before start_date"));
                }
                check_lines(&d.budget_lines, &d.document_answers, &mut errors);
                all_valid(errors, d)
            })
        })
        .await?;
    Ok(respond::ok(
        a.version,
        &ApplicationView::for_caller(a, &caller.0),
    ))
}

/// What an action carries: `request_completion` a `message`; `decide` an
/// `outcome`, `granted_sek` and `motivation`; `report` the `report`.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "partly_granted", "granted_sek": 30000, "motivation": "A good idea; the budget for premises is high."}))]
pub struct ApplicationActionRequest {
    #[schema(max_length = 5000)]
    pub message: Option<String>,
    pub outcome: Option<DecisionOutcome>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub granted_sek: Option<i64>,
    pub motivation: Option<String>,
    #[schema(max_length = 20000)]
    pub report: Option<String>,
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

/// Move an application through its handling
///
/// The applicant `submit`s (deadline enforced; late ones marked when the
/// round accepts them), `complete`s when asked, `report`s after payment and
/// may `withdraw` before a decision. Staff of the owning unit `start_review`,
/// `request_completion`, `decide` (within their delegation limit, after
/// declaring no conflict of interest, and within the year's budget) and
/// `close`. Payments are recorded at `.../payments`.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(
        ("id" = GrantApplicationId, Path, description = "The application's id"),
        ("action" = ApplicationActionName, Path, description = "The action (a payment is recorded at `.../payments`)"),
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[!#-+.-~-]*"(, ?(W/)?"[!#-+.-~-]*")*)$"#, description = "The ETag last read; a stale one is refused with 412"),
    ),
    request_body(content = Option<ApplicationActionRequest>, content_type = "application/json"),
    responses(
        (status = 200, description = "Done", body = ApplicationView),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed for this caller: not the applicant or unit, over the delegation limit (`over_delegation_limit`), a declared or undeclared conflict of interest", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application or action, or one the caller may not know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the current state (current_state, allowed_actions); deadline passed; over budget", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid fields for the action", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-applications/{id}/{action}")]
pub async fn act_on_grant_application(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(GrantApplicationId, String)>,
    precondition: Precondition,
    body: OptionalJsonBody<ApplicationActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let action: ApplicationAction = action.parse().map_err(|_| ApiError::NotFound)?;
    if action == ApplicationAction::Pay {
        return Err(ApiError::NotFound);
    }
    let r = body.0.unwrap_or_default();
    let mut errors = Vec::new();
    let mut input = ActionInput {
        precondition: precondition.0,
        ..Default::default()
    };
    match action {
        ApplicationAction::RequestCompletion => match r.message.as_deref() {
            Some(m) if !m.trim().is_empty() && m.chars().count() <= 5000 => {
                input.message = r.message.clone()
            }
            _ => errors.push(FieldError::new(
                "message",
                "say what to complete (1 to 5000 characters)",
            )),
        },
        ApplicationAction::Decide => {
            if r.outcome.is_none() {
                errors.push(FieldError::new("outcome", "is required"));
            }
            match r.granted_sek.map(Sek::new) {
                None => errors.push(FieldError::new(
                    "granted_sek",
                    "is required (0 for a rejection)",
                )),
                Some(Err(message)) => errors.push(FieldError::new("granted_sek", message)),
                Some(Ok(_)) => {}
            }
            if r.motivation.as_deref().is_none_or(|m| m.trim().is_empty()) {
                errors.push(FieldError::new("motivation", "a decision is motivated"));
            }
            if let (Some(o), Some(g), Some(m)) = (r.outcome, r.granted_sek, r.motivation.clone()) {
                input.decision = Some((o, g, m));
            }
        }
        ApplicationAction::Report => match r.report.as_deref() {
            Some(t) if !t.trim().is_empty() && t.chars().count() <= 20000 => {
                input.report = r.report.clone()
            }
            _ => errors.push(FieldError::new(
                "report",
                "the follow-up report (1 to 20000 characters)",
            )),
        },
        _ => input.message = r.message.clone(),
    }
    all_valid(errors, ())?;
    let principal = caller.0.clone();
    let a = state
        .db(move |conn| store::act(conn, id, &principal, action, input))
        .await?;
    Ok(respond::ok(
        a.version,
        &ApplicationView::for_caller(a, &caller.0),
    ))
}

/// A payment.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_sek": 37500, "paid_on": "2015-06-15"}))]
pub struct PaymentView {
    /// Whole kronor, more than 0.
    #[schema(minimum = 1, maximum = 1_000_000_000_000_i64)]
    pub amount_sek: i64,
    pub paid_on: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentList {
    pub items: Vec<PaymentView>,
    pub next_cursor: Option<String>,
}

/// List payments
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(super::SubListQuery, ("id" = GrantApplicationId, Path, description = "The application's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Payments", body = PaymentList),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application, or one the caller may not know of", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications/{id}/payments")]
pub async fn list_grant_payments(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    req: actix_web::HttpRequest,
    query: web::Query<super::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db(move |conn| {
            let a = store::find_application(conn, id)?.ok_or(ApiError::NotFound)?;
            own_or_city(&a, &caller.0)?;
            store::payments(conn, id)
        })
        .await?;
    super::sub_list(
        &req,
        &query,
        items
            .into_iter()
            .map(|(amount_sek, paid_on)| PaymentView {
                amount_sek,
                paid_on,
            })
            .collect(),
    )
}

/// Record a payment
///
/// Staff of the owning unit; payments never add up to more than granted.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(("id" = GrantApplicationId, Path, description = "The application's id")),
    request_body(content = PaymentView, content_type = "application/json"),
    responses(
        (status = 201, description = "The application after the payment", body = ApplicationView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the owning unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application, or one the caller may not know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not granted, or more than granted (`payment_exceeds_grant`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid amount", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-applications/{id}/payments")]
pub async fn pay_grant(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    body: JsonBody<PaymentView>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let payment = Payment {
        amount_sek: Sek::positive(body.0.amount_sek)
            .map_err(|m| ApiError::invalid("amount_sek", m))?,
        paid_on: body.0.paid_on,
    };
    let principal = caller.0.clone();
    let a = state
        .db(move |conn| store::pay(conn, id, &principal, payment))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/grant-applications/{id}/payments"),
        ))
        .json(ApplicationView::for_caller(a, &caller.0)))
}

/// An internal review note: never shown to the organisation.
#[derive(Serialize, ToSchema)]
pub struct ReviewView {
    pub author: String,
    pub note: String,
    pub recommendation: Option<DecisionOutcome>,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewList {
    pub items: Vec<ReviewView>,
    pub next_cursor: Option<String>,
}

/// A new review note.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Solid plan; premises cost high.", "recommendation": "partly_granted"}))]
pub struct CreateReview {
    #[schema(min_length = 1, max_length = 20000)]
    pub note: String,
    pub recommendation: Option<DecisionOutcome>,
}

/// List review notes (city only)
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(super::SubListQuery, ("id" = GrantApplicationId, Path, description = "The application's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Review notes", body = ReviewList),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not for this caller (the organisation never sees reviews)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications/{id}/reviews")]
pub async fn list_grant_reviews(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    req: actix_web::HttpRequest,
    query: web::Query<super::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    if !caller.0.is_city() {
        return Err(ApiError::NotFound);
    }
    let id = id.into_inner();
    let items = state
        .db(move |conn| {
            store::find_application(conn, id)?.ok_or(ApiError::NotFound)?;
            store::reviews(conn, id)
        })
        .await?;
    super::sub_list(
        &req,
        &query,
        items
            .into_iter()
            .map(|r| ReviewView {
                author: r.author,
                note: r.note,
                recommendation: r.recommendation,
                created_at: r.created_at,
            })
            .collect(),
    )
}

/// Add a review note
///
/// Staff of the owning unit; internal.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(("id" = GrantApplicationId, Path, description = "The application's id")),
    request_body(content = CreateReview, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = ReviewView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the owning unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application (or not for this caller)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty note", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-applications/{id}/reviews")]
pub async fn add_grant_review(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    body: JsonBody<CreateReview>,
) -> Result<HttpResponse, ApiError> {
    if !caller.0.is_city() {
        return Err(ApiError::NotFound);
    }
    if body.0.note.trim().is_empty() || body.0.note.chars().count() > 20000 {
        return Err(ApiError::invalid("note", "must be 1 to 20000 characters"));
    }
    let id = id.into_inner();
    let review = Review {
        author: caller.0.subject().unwrap_or_default().to_owned(),
        note: body.0.note,
        recommendation: body.0.recommendation,
        created_at: crate::domain::now(),
    };
    let principal = caller.0;
    let r = state
        .db(move |conn| store::add_review(conn, id, &principal, review))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/grant-applications/{id}/reviews"),
        ))
        .json(ReviewView {
            author: r.author,
            note: r.note,
            recommendation: r.recommendation,
            created_at: r.created_at,
        }))
}

/// A decider's declaration about conflict of interest (jäv).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"has_conflict": false}))]
pub struct ConflictDeclaration {
    pub has_conflict: bool,
    /// Why, in a few words (kept for the city; not shown to the organisation).
    #[schema(max_length = 2000)]
    pub note: Option<String>,
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

impl From<store::ConflictDeclaration> for ConflictDeclarationView {
    fn from(d: store::ConflictDeclaration) -> Self {
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

/// Declare conflict of interest
///
/// Staff of the owning unit declare, for themselves, whether they have a
/// conflict of interest (jäv) with the applicant. Deciding requires a
/// declaration of none on the application. Declarations are kept, never
/// replaced: a declared conflict binds the person for every application of
/// that organisation until an admin records, with a reason, that it no
/// longer applies. The application's history records each declaration.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(("id" = GrantApplicationId, Path, description = "The application's id")),
    request_body(content = ConflictDeclaration, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = ConflictDeclarationView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the owning unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application (or not for this caller)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-applications/{id}/conflict-declarations")]
pub async fn declare_conflict_of_interest(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    body: JsonBody<ConflictDeclaration>,
) -> Result<HttpResponse, ApiError> {
    if !caller.0.is_city() {
        return Err(ApiError::NotFound);
    }
    if body
        .0
        .note
        .as_deref()
        .is_some_and(|n| n.chars().count() > 2000)
    {
        return Err(ApiError::invalid("note", "must be at most 2000 characters"));
    }
    let id = id.into_inner();
    let ConflictDeclaration { has_conflict, note } = body.0;
    let principal = caller.0;
    let declaration = state
        .db(move |conn| store::declare_conflict(conn, id, &principal, has_conflict, note))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/grant-applications/{id}/conflict-declarations"),
        ))
        .json(ConflictDeclarationView::from(declaration)))
}

/// List conflict-of-interest declarations (city only)
///
/// Every declaration made on the application, oldest first, with releases.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(super::SubListQuery, ("id" = GrantApplicationId, Path, description = "The application's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Declarations", body = ConflictDeclarationList),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application, or not for this caller (organisations never see declarations)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications/{id}/conflict-declarations")]
pub async fn list_conflict_declarations(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    req: actix_web::HttpRequest,
    query: web::Query<super::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    if !caller.0.is_city() {
        return Err(ApiError::NotFound);
    }
    let id = id.into_inner();
    let items = state
        .db(move |conn| {
            store::find_application(conn, id)?.ok_or(ApiError::NotFound)?;
            store::conflict_declarations(conn, id)
        })
        .await?;
    super::sub_list(
        &req,
        &query,
        items
            .into_iter()
            .map(ConflictDeclarationView::from)
            .collect(),
    )
}

/// Why a declared conflict no longer applies.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The board member resigned on 2015-06-01 (board minutes §4)."}))]
pub struct ConflictRelease {
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Release a declared conflict of interest (admins)
///
/// An admin records, with a reason, that a declared conflict no longer
/// applies; the person may then decide the organisation's applications again
/// (after declaring no conflict on each). Kept on the declaration and in the
/// application's history.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(
        ("id" = GrantApplicationId, Path, description = "The application's id"),
        ("declaration_id" = uuid::Uuid, Path, description = "The declaration's id"),
    ),
    request_body(content = ConflictRelease, content_type = "application/json"),
    responses(
        (status = 200, description = "Released", body = ConflictDeclarationView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a city admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application or declaration (or not for this caller)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a binding conflict (`not_a_binding_conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-applications/{id}/conflict-declarations/{declaration_id}/release")]
pub async fn release_conflict_of_interest(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(GrantApplicationId, uuid::Uuid)>,
    body: JsonBody<ConflictRelease>,
) -> Result<HttpResponse, ApiError> {
    if !caller.0.is_city() {
        return Err(ApiError::NotFound);
    }
    let reason = body.0.reason;
    if reason.trim().is_empty() || reason.chars().count() > 2000 {
        return Err(ApiError::invalid(
            "reason",
            "say why the conflict no longer applies (1 to 2000 characters)",
        ));
    }
    let (id, declaration) = path.into_inner();
    let principal = caller.0;
    let released = state
        .db(move |conn| store::release_conflict(conn, id, declaration, &principal, reason))
        .await?;
    Ok(HttpResponse::Ok().json(ConflictDeclarationView::from(released)))
}

/// One step of an application's handling.
#[derive(Serialize, ToSchema)]
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

/// Follow the handling
///
/// Who did what and when (review notes stay internal). For the city and the
/// applicant organisation: "it shall be possible for the organisations to
/// follow the handling of the cases that concern them".
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(super::SubListQuery, ("id" = GrantApplicationId, Path, description = "The application's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The history, oldest first", body = ApplicationHistoryList),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application, or one the caller may not follow", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications/{id}/history")]
pub async fn get_grant_history(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    req: actix_web::HttpRequest,
    query: web::Query<super::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db(move |conn| {
            let a = store::find_application(conn, id)?.ok_or(ApiError::NotFound)?;
            own_or_city(&a, &caller.0)?;
            store::history(conn, id)
        })
        .await?;
    super::sub_list(
        &req,
        &query,
        items
            .into_iter()
            .map(|h| ApplicationHistoryView {
                at: h.at,
                actor: h.actor,
                actor_role: h.actor_role,
                action: h.action,
                from_status: h.from_status,
                to_status: h.to_status,
                note: h.note,
            })
            .collect(),
    )
}

/// Whether the caller may see an application (for links from other resources).
pub fn application_visible(
    conn: &mut crate::db::DbConnection,
    id: GrantApplicationId,
    principal: &Principal,
) -> Result<bool, ApiError> {
    Ok(store::find_application(conn, id)?.is_some_and(|a| visible_to(principal, &a)))
}

/// Whether the caller may see the application at all: its own
/// organisation's and the city's cases, and public grants.
pub fn visible_to(principal: &Principal, a: &Application) -> bool {
    sees_all(principal, a) || is_public(a)
}
