//! Grant programmes (with budgets and rounds) and grant applications (with
//! payments, reviews, conflict declarations and history). The budget check
//! and the write of a decision happen in one transaction that first locks
//! the programme row, so concurrent decisions cannot overspend.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::organisations::utc;
use super::page::{timestamp_key, Cursor, Page};
use super::parsed::Parsed;
use super::schema::{
    city_units, grant_allocations as gal, grant_applications as ga, grant_budgets as gb,
    grant_conflicts as gc, grant_history as gh, grant_payments as gp,
    grant_programme_history as ph, grant_programmes as pr, grant_reviews as rv, grant_rounds as gr,
    organisations,
};
use super::stamp::Stamp;
use super::StoreError;
use super::{
    contains_pattern, corrupt, list_column, lock, parse, parse_list, write_transaction, Actor,
    DbConnection, Guard,
};
use crate::domain::access::{authorize, Action, Principal};
use crate::domain::district::District;
use crate::domain::grant::{
    allocate, check_budget, check_granted, check_payment, may_decide, paid_per_year,
    unanswered_documents, ApplicationAction, ApplicationStatus, ConflictRecord, Decision,
    DecisionOutcome, ProgrammeStatus,
};
use crate::domain::ids::{
    CityUnitId, GrantApplicationId, GrantProgrammeId, GrantRoundId, OrganisationId,
};
use crate::domain::money::total;
use crate::domain::organisation::{search_key, LegalForm};
use crate::domain::{now, FieldError, IfMatch, Version};

/// A document a programme asks for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredDocument {
    #[schema(example = "gender_equality_plan", min_length = 1, max_length = 100)]
    pub key: String,
    #[schema(example = "Gender-equality plan", min_length = 1, max_length = 300)]
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
    Stamp,
    Stamp,
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

type RoundRow = (String, String, Stamp, Stamp, bool);

/// What a programme carries beside its row.
#[derive(Default)]
struct ProgrammeChildren {
    /// Each year's budget with what is granted and paid of it (kept by
    /// decide and pay: [`add_granted`], [`add_paid`]).
    years: Vec<YearFigures>,
    rounds: Vec<RoundRow>,
}

/// The children of a page of programmes: one statement per table, whatever
/// the page size.
fn load_programme_children(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<std::collections::HashMap<String, ProgrammeChildren>, StoreError> {
    let mut children: std::collections::HashMap<String, ProgrammeChildren> =
        std::collections::HashMap::new();
    let years: Vec<(String, i32, i64, i64, i64)> = super::children_of(conn, ids, |ids| {
        gb::table
            .filter(super::parent_in(gb::programme_id, ids))
            .order((gb::programme_id.asc(), gb::year.asc()))
            .select((
                gb::programme_id,
                gb::year,
                gb::budget_sek,
                gb::granted_sek,
                gb::paid_sek,
            ))
    })?;
    for (programme, year, budget_sek, granted_sek, paid_sek) in years {
        children
            .entry(programme)
            .or_default()
            .years
            .push(YearFigures {
                year,
                budget_sek,
                granted_sek,
                paid_sek,
            });
    }
    let rounds: Vec<(String, RoundRow)> = super::children_of(conn, ids, |ids| {
        gr::table
            .filter(super::parent_in(gr::programme_id, ids))
            .order((gr::opens_at.asc(), gr::id.asc()))
            .select((
                gr::programme_id,
                (
                    gr::id,
                    gr::name,
                    gr::opens_at,
                    gr::deadline,
                    gr::accepts_late_applications,
                ),
            ))
    })?;
    for (programme, round) in rounds {
        children.entry(programme).or_default().rounds.push(round);
    }
    Ok(children)
}

fn complete_programme(
    row: ProgrammeRow,
    children: ProgrammeChildren,
) -> Result<Programme, StoreError> {
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
    let ProgrammeChildren {
        years: figures,
        rounds,
    } = children;
    let budgets = figures
        .iter()
        .map(|f: &YearFigures| (f.year, f.budget_sek))
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
                    opens_at: utc(opens_at.0),
                    deadline: utc(deadline.0),
                    accepts_late,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        figures,
        version,
        created_at: utc(created.0),
        updated_at: utc(updated.0),
    })
}

/// Completes a page of programme rows with their children.
fn complete_programmes(
    conn: &mut DbConnection,
    rows: Vec<ProgrammeRow>,
) -> Result<Vec<Programme>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut children = load_programme_children(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let mine = children.remove(&row.0).unwrap_or_default();
            complete_programme(row, mine)
        })
        .collect()
}

pub fn find_programme(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
) -> Result<Option<Programme>, StoreError> {
    let row: Option<ProgrammeRow> = pr::table
        .find(id.to_string())
        .select(programme_columns())
        .first(conn)
        .optional()?;
    Ok(match row {
        None => None,
        Some(row) => complete_programmes(conn, vec![row])?.pop(),
    })
}

pub fn insert_programme(
    conn: &mut DbConnection,
    d: ProgrammeDetails,
) -> Result<Programme, StoreError> {
    let id = GrantProgrammeId::new();
    let now = now().naive_utc();
    write_transaction(conn, |conn| {
        let unit: bool = diesel::select(diesel::dsl::exists(
            city_units::table.find(d.owning_unit.to_string()),
        ))
        .get_result(conn)?;
        if !unit {
            return Err(StoreError::invalid("owning_unit_id", "no such city unit"));
        }
        if let Some(external_id) = &d.external_id {
            let taken: bool = diesel::select(diesel::dsl::exists(
                pr::table.filter(pr::external_id.eq(external_id)),
            ))
            .get_result(conn)?;
            if taken {
                return Err(StoreError::Conflict {
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
            set_budget(conn, id, *year, *budget_sek)?;
        }
        find_programme(conn, id)?.ok_or(StoreError::NotFound)
    })
}

/// Locks a programme (lock, check, write), loads it, lets `authorize` see it,
/// and then checks the caller's `If-Match`, so that a caller who may not act
/// learns nothing from a 412.
fn load_programme_for_write(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
    authorize: impl FnOnce(&Programme) -> Result<(), StoreError>,
    precondition: Option<IfMatch>,
) -> Result<Programme, StoreError> {
    lock(conn, Guard::GrantProgramme, &id)?;
    let current = find_programme(conn, id)?.ok_or(StoreError::NotFound)?;
    authorize(&current)?;
    if !Version(current.version).satisfies(precondition) {
        return Err(StoreError::VersionMismatch {
            current_version: current.version,
        });
    }
    Ok(current)
}

/// Opens or closes a programme.
pub fn set_programme_status(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
    precondition: Option<IfMatch>,
    authorize: impl FnOnce(&Programme) -> Result<(), StoreError>,
    actor: &Actor,
    to: ProgrammeStatus,
) -> Result<Programme, StoreError> {
    write_transaction(conn, |conn| {
        let current = load_programme_for_write(conn, id, authorize, precondition)?;
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
            return Err(StoreError::InvalidTransition {
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
        let action = if to == ProgrammeStatus::Open {
            "open"
        } else {
            "close"
        };
        let change = ProgrammeChange::new("status", current.status.as_str(), to.as_str());
        record_programme(conn, id, actor, action, &[change])?;
        find_programme(conn, id)?.ok_or(StoreError::NotFound)
    })
}

pub fn add_round(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
    authorize: impl FnOnce(&Programme) -> Result<(), StoreError>,
    actor: &Actor,
    round: Round,
) -> Result<Programme, StoreError> {
    write_transaction(conn, |conn| {
        let current = load_programme_for_write(conn, id, authorize, None)?;
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
        let change = ProgrammeChange {
            field: format!("rounds.{}", round.id),
            from: serde_json::Value::Null,
            to: round_json(&round),
        };
        record_programme(conn, id, actor, "add_round", &[change])?;
        find_programme(conn, id)?.ok_or(StoreError::NotFound)
    })
}

/// What a `PATCH` of a programme changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProgrammePatch {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub min_sek: Option<i64>,
    pub max_sek: Option<i64>,
    /// Budgets set per year (years not named keep theirs).
    pub budgets: Vec<(i32, i64)>,
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

/// One field of a programme changed: its name and its value before and after.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProgrammeChange {
    pub field: String,
    pub from: serde_json::Value,
    pub to: serde_json::Value,
}

impl ProgrammeChange {
    fn new(field: &str, from: impl serde::Serialize, to: impl serde::Serialize) -> Self {
        ProgrammeChange {
            field: field.to_owned(),
            from: serde_json::to_value(from).unwrap_or_default(),
            to: serde_json::to_value(to).unwrap_or_default(),
        }
    }
}

fn round_json(round: &Round) -> serde_json::Value {
    serde_json::json!({
        "name": round.name,
        "opens_at": round.opens_at,
        "deadline": round.deadline,
        "accepts_late_applications": round.accepts_late,
    })
}

/// Writes an entry of a programme's history: who did what, and each field's
/// value before and after.
fn record_programme(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
    actor: &Actor,
    action: &str,
    changes: &[ProgrammeChange],
) -> Result<(), StoreError> {
    diesel::insert_into(ph::table)
        .values((
            ph::id.eq(uuid::Uuid::now_v7().to_string()),
            ph::programme_id.eq(id.to_string()),
            ph::at.eq(now().naive_utc()),
            ph::actor.eq(&actor.subject),
            ph::actor_role.eq(actor.role),
            ph::action.eq(action),
            ph::changes.eq(serde_json::to_string(changes).unwrap_or_else(|_| "[]".into())),
        ))
        .execute(conn)?;
    Ok(())
}

/// One entry of a programme's history.
pub struct ProgrammeHistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub changes: Vec<ProgrammeChange>,
}

/// A programme's history, oldest first.
pub fn programme_history(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
) -> Result<Vec<ProgrammeHistoryEntry>, StoreError> {
    let rows: Vec<(NaiveDateTime, String, String, String, String)> = ph::table
        .filter(ph::programme_id.eq(id.to_string()))
        .order((ph::at.asc(), ph::id.asc()))
        .select((ph::at, ph::actor, ph::actor_role, ph::action, ph::changes))
        .load(conn)?;
    rows.into_iter()
        .map(|(at, actor, actor_role, action, changes)| {
            Ok(ProgrammeHistoryEntry {
                at: utc(at),
                actor,
                actor_role,
                action,
                changes: serde_json::from_str(&changes)
                    .map_err(|_| corrupt("grant_programme_history.changes"))?,
            })
        })
        .collect()
}

/// Changes a programme's title, description, amount range, budgets and
/// rounds, and records who changed what in its history. Under the
/// programme's lock (decisions take it too), so a budget is never set below
/// what is granted that year: 409 naming the year. A patch that changes
/// nothing changes nothing: no new version, no history entry.
pub fn update_programme(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
    precondition: Option<IfMatch>,
    authorize: impl FnOnce(&Programme) -> Result<(), StoreError>,
    actor: &Actor,
    patch: ProgrammePatch,
) -> Result<Programme, StoreError> {
    write_transaction(conn, |conn| {
        let current = load_programme_for_write(conn, id, authorize, precondition)?;
        let min_sek = patch.min_sek.unwrap_or(current.details.min_sek);
        let max_sek = patch.max_sek.unwrap_or(current.details.max_sek);
        if min_sek > max_sek {
            let field = if patch.max_sek.is_some() {
                "max_sek"
            } else {
                "min_sek"
            };
            return Err(StoreError::invalid(
                field,
                format!("min_sek ({min_sek}) must not be above max_sek ({max_sek})"),
            ));
        }
        let mut errors = Vec::new();
        let mut rounds = Vec::new();
        for (i, change) in patch.rounds.iter().enumerate() {
            let Some(old) = current.rounds.iter().find(|r| r.id == change.id) else {
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
            rounds.push((old.clone(), new));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        for (year, budget_sek) in &patch.budgets {
            let granted = current
                .figures
                .iter()
                .find(|f| f.year == *year)
                .map_or(0, |f| f.granted_sek);
            if *budget_sek < granted {
                return Err(StoreError::Conflict {
                    code: "budget_below_granted",
                    detail: format!(
                        "the budget for {year} cannot be {budget_sek} SEK: {granted} SEK is already granted that year"
                    ),
                });
            }
        }
        let title = patch.title.unwrap_or(current.details.title.clone());
        let description = patch
            .description
            .unwrap_or(current.details.description.clone());

        let d = &current.details;
        let mut changes = Vec::new();
        if title != d.title {
            changes.push(ProgrammeChange::new("title", &d.title, &title));
        }
        if description != d.description {
            changes.push(ProgrammeChange::new(
                "description",
                &d.description,
                &description,
            ));
        }
        if min_sek != d.min_sek {
            changes.push(ProgrammeChange::new("min_sek", d.min_sek, min_sek));
        }
        if max_sek != d.max_sek {
            changes.push(ProgrammeChange::new("max_sek", d.max_sek, max_sek));
        }
        let mut budgets = Vec::new();
        for (year, budget_sek) in &patch.budgets {
            let before = d.budgets.iter().find(|(y, _)| y == year).map(|(_, b)| *b);
            if before != Some(*budget_sek) && !budgets.iter().any(|(y, _)| y == year) {
                changes.push(ProgrammeChange::new(
                    &format!("budgets.{year}"),
                    before,
                    budget_sek,
                ));
                budgets.push((*year, *budget_sek));
            }
        }
        for (old, new) in &rounds {
            let (before, after) = (round_json(old), round_json(new));
            if before != after {
                changes.push(ProgrammeChange {
                    field: format!("rounds.{}", old.id),
                    from: before,
                    to: after,
                });
            }
        }
        if changes.is_empty() {
            return Ok(current);
        }

        diesel::update(pr::table.find(id.to_string()))
            .set((
                pr::title.eq(&title),
                pr::title_search.eq(search_key(&title)),
                pr::description.eq(description.as_deref()),
                pr::min_sek.eq(min_sek),
                pr::max_sek.eq(max_sek),
                pr::version.eq(current.version + 1),
                pr::updated_at.eq(now().naive_utc()),
            ))
            .execute(conn)?;
        for (year, budget_sek) in &budgets {
            set_budget(conn, id, *year, *budget_sek)?;
        }
        for (_, round) in &rounds {
            diesel::update(gr::table.find(round.id.to_string()))
                .set((
                    gr::name.eq(&round.name),
                    gr::opens_at.eq(round.opens_at.naive_utc()),
                    gr::deadline.eq(round.deadline.naive_utc()),
                    gr::accepts_late_applications.eq(round.accepts_late),
                ))
                .execute(conn)?;
        }
        record_programme(conn, id, actor, "update", &changes)?;
        find_programme(conn, id)?.ok_or(StoreError::NotFound)
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
) -> Result<Page<Programme>, StoreError> {
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
        key: timestamp_key(r.13.into()),
        id: r.0.clone(),
    });
    Ok(Page {
        items: complete_programmes(conn, page.items)?,
        next: page.next,
    })
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
    id: Parsed<GrantApplicationId>,
    organisation_id: Parsed<OrganisationId>,
    programme_id: Parsed<GrantProgrammeId>,
    round_id: Parsed<GrantRoundId>,
    title: String,
    purpose: String,
    target_group: Option<String>,
    districts: String,
    requested_sek: i64,
    #[diesel(deserialize_as = super::stamp::Day)]
    start_date: NaiveDate,
    #[diesel(deserialize_as = super::stamp::Day)]
    end_date: NaiveDate,
    budget_lines: String,
    document_answers: String,
    registry_number: Option<String>,
    status: Parsed<ApplicationStatus>,
    submitted_at: Option<NaiveDateTime>,
    submitted_late: bool,
    completion_message: Option<String>,
    outcome: Option<Parsed<DecisionOutcome>>,
    granted_sek: Option<i64>,
    grant_year: Option<i32>,
    motivation: Option<String>,
    decided_by: Option<String>,
    decided_on: Option<NaiveDate>,
    report: Option<String>,
    external_id: Option<String>,
    version: i64,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    created_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    updated_at: NaiveDateTime,
    decided_by_role: Option<String>,
    decided_by_unit_id: Option<Parsed<CityUnitId>>,
}

/// What is loaded beside an application row: its payments and allocation.
#[derive(Default)]
struct Children {
    paid: Vec<i64>,
    allocation: Vec<(i32, i64)>,
}

/// The children of a page of applications, one statement per table.
fn load_children(
    conn: &mut DbConnection,
    ids: &[GrantApplicationId],
) -> Result<std::collections::HashMap<GrantApplicationId, Children>, StoreError> {
    let mut children: std::collections::HashMap<GrantApplicationId, Children> =
        std::collections::HashMap::new();
    let paid: Vec<(Parsed<GrantApplicationId>, i64)> = super::children_of(conn, ids, |ids| {
        gp::table
            .filter(super::parent_in(gp::application_id, ids))
            .order((gp::application_id, gp::paid_on))
            .select((gp::application_id, gp::amount_sek))
    })?;
    for (application, amount_sek) in paid {
        children
            .entry(application.0)
            .or_default()
            .paid
            .push(amount_sek);
    }
    let allocations: Vec<(Parsed<GrantApplicationId>, i32, i64)> =
        super::children_of(conn, ids, |ids| {
            gal::table
                .filter(super::parent_in(gal::application_id, ids))
                .order((gal::application_id, gal::year))
                .select((gal::application_id, gal::year, gal::amount_sek))
        })?;
    for (application, year, amount_sek) in allocations {
        children
            .entry(application.0)
            .or_default()
            .allocation
            .push((year, amount_sek));
    }
    Ok(children)
}

fn to_application(r: ApplicationRow, children: Children) -> Result<Application, StoreError> {
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
            outcome: outcome.0,
            granted_sek,
            motivation,
            decided_by,
            decided_by_role: r.decided_by_role.unwrap_or_else(|| "city_staff".into()),
            decided_by_unit: r.decided_by_unit_id.map(|u| u.0),
            decided_on,
            allocation: children.allocation,
        }),
        _ => None,
    };
    Ok(Application {
        id: r.id.0,
        details: ApplicationDetails {
            organisation: r.organisation_id.0,
            programme: r.programme_id.0,
            round: r.round_id.0,
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
        status: r.status.0,
        submitted_at: r.submitted_at.map(utc),
        submitted_late: r.submitted_late,
        completion_message: r.completion_message,
        decision,
        grant_year: r.grant_year,
        report: r.report,
        paid_sek: total(children.paid)?,
        version: r.version,
        created_at: utc(r.created_at),
        updated_at: utc(r.updated_at),
    })
}

pub fn find_application(
    conn: &mut DbConnection,
    id: GrantApplicationId,
) -> Result<Option<Application>, StoreError> {
    let row: Option<ApplicationRow> = ga::table
        .find(id.to_string())
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()?;
    match row {
        None => Ok(None),
        Some(r) => {
            let mut children = load_children(conn, &[r.id.0])?;
            let mine = children.remove(&r.id.0).unwrap_or_default();
            to_application(r, mine).map(Some)
        }
    }
}

fn record(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    actor: &Actor,
    action: &str,
    from: Option<ApplicationStatus>,
    to: Option<ApplicationStatus>,
    note: Option<&str>,
) -> Result<(), StoreError> {
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
) -> Result<Vec<HistoryEntry>, StoreError> {
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
) -> Result<Programme, StoreError> {
    let programme = find_programme(conn, d.programme)?
        .ok_or_else(|| StoreError::invalid("programme_id", "no such programme"))?;
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
    if !programme.details.multi_year_allowed && d.end_date.year() != d.start_date.year() {
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
        } else if !answer.counts() {
            errors.push(FieldError::new(
                format!("document_answers[{i}]"),
                "give a `reference`, or a `waiver_reason` that says why the requirement does not fit",
            ));
        }
    }
    if errors.is_empty() {
        Ok(programme)
    } else {
        Err(StoreError::Invalid(errors))
    }
}

pub fn insert_application(
    conn: &mut DbConnection,
    d: ApplicationDetails,
    actor: &Actor,
) -> Result<Application, StoreError> {
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
                return Err(StoreError::Conflict {
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
                return Err(StoreError::Conflict {
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
        find_application(conn, id)?.ok_or(StoreError::NotFound)
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

fn bump(conn: &mut DbConnection, current: &Application) -> Result<(), StoreError> {
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
        return Err(StoreError::VersionMismatch {
            current_version: current.version,
        });
    }
    Ok(())
}

fn invalid_transition(current: &Application, action: ApplicationAction) -> StoreError {
    let outcome = current.decision.as_ref().map(|d| d.outcome);
    StoreError::InvalidTransition {
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

/// Loads an application for a write: locks its row first (lock, check,
/// write), then checks that the caller may know of it and the `If-Match`.
fn load_for_write(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    principal: &Principal,
    precondition: Option<IfMatch>,
) -> Result<Application, StoreError> {
    lock(conn, Guard::GrantApplication, &id)?;
    let current = find_application(conn, id)?.ok_or(StoreError::NotFound)?;
    if !crate::domain::grant::sees_whole_application(principal, current.details.organisation) {
        return Err(StoreError::NotFound);
    }
    if !Version(current.version).satisfies(precondition) {
        return Err(StoreError::VersionMismatch {
            current_version: current.version,
        });
    }
    Ok(current)
}

/// The unit that owns an application's programme (it handles the application).
pub fn owning_unit(
    conn: &mut DbConnection,
    programme: GrantProgrammeId,
) -> Result<CityUnitId, StoreError> {
    let unit: String = pr::table
        .find(programme.to_string())
        .select(pr::owning_unit_id)
        .first(conn)?;
    parse(&unit, "unit id")
}

/// The owning unit of each of `programmes` (for the `allowed_actions` of
/// their applications).
pub fn owning_units(
    conn: &mut DbConnection,
    programmes: &[GrantProgrammeId],
) -> Result<std::collections::HashMap<GrantProgrammeId, CityUnitId>, StoreError> {
    // A page of applications names few programmes, each many times.
    let mut ids: Vec<String> = programmes.iter().map(ToString::to_string).collect();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<(String, String)> = super::children_of(conn, &ids, |ids| {
        pr::table
            .filter(super::parent_in(pr::id, ids))
            .order(pr::id)
            .select((pr::id, pr::owning_unit_id))
    })?;
    rows.iter()
        .map(|(id, unit)| Ok((parse(id, "programme id")?, parse(unit, "unit id")?)))
        .collect()
}

/// Authorizes the city's handling of an application: staff of the owning unit.
fn authorize_handling(
    conn: &mut DbConnection,
    principal: &Principal,
    application: &Application,
) -> Result<CityUnitId, StoreError> {
    let unit = owning_unit(conn, application.details.programme)?;
    authorize(principal, Action::ManageGrantProgramme(unit))?;
    Ok(unit)
}

/// What is on record about `subject`'s conflicts of interest with the
/// organisation of `application`, read under the locks of the decision.
fn conflict_record(
    conn: &mut DbConnection,
    application: &Application,
    subject: &str,
) -> Result<ConflictRecord, StoreError> {
    let binding_conflict: bool = diesel::select(diesel::dsl::exists(
        gc::table
            .filter(gc::subject.eq(subject))
            .filter(gc::organisation_id.eq(application.details.organisation.to_string()))
            .filter(gc::has_conflict.eq(true))
            .filter(gc::released_at.is_null()),
    ))
    .get_result(conn)?;
    let declared_none_here: bool = diesel::select(diesel::dsl::exists(
        gc::table
            .filter(gc::subject.eq(subject))
            .filter(gc::application_id.eq(application.id.to_string()))
            .filter(gc::has_conflict.eq(false)),
    ))
    .get_result(conn)?;
    Ok(ConflictRecord {
        binding_conflict,
        declared_none_here,
    })
}

/// Moves an application through its handling. Everything the action's rules
/// read is read inside this one transaction, after the application's row
/// (and for a decision the organisation's and the programme's) is locked:
/// who may act, the state, required documents, the decider's delegation and
/// declared conflicts, the amount range and each year's budget.
pub fn act(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    principal: &Principal,
    action: ApplicationAction,
    input: ActionInput,
) -> Result<Application, StoreError> {
    let actor = Actor::from(principal);
    write_transaction(conn, |conn| {
        let current = load_for_write(conn, id, principal, input.precondition.clone())?;
        if action.is_applicants() {
            authorize(
                principal,
                Action::ApplyForGrant(current.details.organisation),
            )?;
        } else {
            authorize_handling(conn, principal, &current)?;
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
                let missing = unanswered_documents(
                    programme
                        .details
                        .required_documents
                        .iter()
                        .map(|r| (r.key.as_str(), r.title.as_str())),
                    |key| {
                        current
                            .details
                            .document_answers
                            .iter()
                            .any(|a| a.key == key && a.counts())
                    },
                );
                if !missing.is_empty() {
                    return Err(StoreError::Invalid(missing));
                }
                let round = programme
                    .rounds
                    .iter()
                    .find(|r| r.id == current.details.round)
                    .ok_or(StoreError::NotFound)?;
                let now = now();
                let late = crate::domain::grant::check_deadline(
                    round.opens_at,
                    round.deadline,
                    round.accepts_late,
                    now,
                )
                .map_err(|r| match r {
                    crate::domain::grant::DeadlineRefusal::NotOpenYet => StoreError::Conflict {
                        code: "round_not_open",
                        detail: format!("the round opens {}", round.opens_at),
                    },
                    crate::domain::grant::DeadlineRefusal::Passed => StoreError::Conflict {
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
                    .ok_or_else(|| StoreError::invalid("outcome", "is required to decide"))?;
                // Lock order: application (above), organisation, programme.
                // The organisation's lock orders this decision against a
                // conflict declared at the same moment on any of its
                // applications; the programme's against other decisions on
                // the same budget.
                lock(conn, Guard::Organisation, &current.details.organisation)?;
                lock(conn, Guard::GrantProgramme, &current.details.programme)?;
                let programme =
                    find_programme(conn, current.details.programme)?.ok_or(StoreError::NotFound)?;
                check_granted(
                    outcome,
                    current.details.requested_sek,
                    granted_sek,
                    (programme.details.min_sek, programme.details.max_sek),
                )
                .map_err(|m| StoreError::invalid("granted_sek", m))?;
                let conflicts = conflict_record(conn, &current, &actor.subject)?;
                may_decide(
                    principal,
                    programme.details.owning_unit,
                    granted_sek,
                    conflicts,
                )?;
                let allocation = allocate(
                    granted_sek,
                    current.details.start_date,
                    current.details.end_date,
                );
                for (year, amount) in &allocation {
                    // Read after the programme's lock: every decision
                    // before this one has added its allocation.
                    let year_figures = programme.figures.iter().find(|f| f.year == *year);
                    check_budget(
                        year_figures.map(|f| f.budget_sek),
                        year_figures.map_or(0, |f| f.granted_sek),
                        *amount,
                    )
                    .map_err(|detail| StoreError::Conflict {
                        code: "over_budget",
                        detail: format!("{year}: {detail}"),
                    })?;
                }
                for (year, amount) in &allocation {
                    diesel::insert_into(gal::table)
                        .values((
                            gal::application_id.eq(id.to_string()),
                            gal::programme_id.eq(programme.id.to_string()),
                            gal::year.eq(year),
                            gal::amount_sek.eq(amount),
                        ))
                        .execute(conn)?;
                }
                add_granted(conn, programme.id, &allocation)?;
                diesel::update(ga::table.find(id.to_string()))
                    .set((
                        ga::outcome.eq(Some(outcome.as_str())),
                        ga::granted_sek.eq(Some(granted_sek)),
                        ga::grant_year.eq(Some(current.details.start_date.year())),
                        ga::motivation.eq(Some(&motivation)),
                        ga::decided_by.eq(Some(&actor.subject)),
                        ga::decided_by_role.eq(Some(actor.role)),
                        ga::decided_by_unit_id.eq(Some(programme.details.owning_unit.to_string())),
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
            &actor,
            action.as_str(),
            Some(current.status),
            Some(next),
            note.as_deref(),
        )?;
        find_application(conn, id)?.ok_or(StoreError::NotFound)
    })
}

/// Changes what a draft (or an application asked to complete) says.
pub fn update_application(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    precondition: Option<IfMatch>,
    actor: &Actor,
    authorize: impl FnOnce(&Application) -> Result<(), StoreError>,
    change: impl FnOnce(ApplicationDetails) -> Result<ApplicationDetails, Vec<FieldError>>,
) -> Result<Application, StoreError> {
    write_transaction(conn, |conn| {
        lock(conn, Guard::GrantApplication, &id)?;
        let current = find_application(conn, id)?.ok_or(StoreError::NotFound)?;
        authorize(&current)?;
        if !Version(current.version).satisfies(precondition) {
            return Err(StoreError::VersionMismatch {
                current_version: current.version,
            });
        }
        if !current.status.is_editable() {
            return Err(StoreError::Conflict { code: "not_editable", detail: format!("the application is {}; it changes only as a draft or when a completion is asked for", current.status) });
        }
        let d = change(current.details.clone()).map_err(StoreError::Invalid)?;
        // A patch that changes nothing writes nothing: no version, no history.
        if d == current.details {
            return Ok(current);
        }
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
        find_application(conn, id)?.ok_or(StoreError::NotFound)
    })
}

/// Sets a year's budget: a new year starts with nothing granted or paid, an
/// existing one keeps its figures.
fn set_budget(
    conn: &mut DbConnection,
    programme: GrantProgrammeId,
    year: i32,
    budget_sek: i64,
) -> Result<(), StoreError> {
    let updated = diesel::update(
        gb::table
            .filter(gb::programme_id.eq(programme.to_string()))
            .filter(gb::year.eq(year)),
    )
    .set(gb::budget_sek.eq(budget_sek))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(gb::table)
            .values((
                gb::programme_id.eq(programme.to_string()),
                gb::year.eq(year),
                gb::budget_sek.eq(budget_sek),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Adds a decision's allocation to its programme's granted figures, year by
/// year. Called under the programme's lock, after `check_budget`; the
/// table's CHECK (granted within the budget) is the last line.
fn add_granted(
    conn: &mut DbConnection,
    programme: GrantProgrammeId,
    allocation: &[(i32, i64)],
) -> Result<(), StoreError> {
    for (year, amount) in allocation {
        add_to_year(conn, programme, *year, *amount, 0)?;
    }
    Ok(())
}

/// Adds a payment to its programme's paid figures: the part of each year
/// that `paid_per_year` moves when `paid_before` becomes `paid_before +
/// amount`. Called under the programme's lock.
fn add_paid(
    conn: &mut DbConnection,
    programme: GrantProgrammeId,
    allocation: &[(i32, i64)],
    paid_before: i64,
    amount: i64,
) -> Result<(), StoreError> {
    let before = paid_per_year(allocation, paid_before);
    let after = paid_per_year(allocation, paid_before.saturating_add(amount));
    for ((year, was), (_, is)) in before.into_iter().zip(after) {
        if is != was {
            add_to_year(conn, programme, year, 0, is - was)?;
        }
    }
    Ok(())
}

fn add_to_year(
    conn: &mut DbConnection,
    programme: GrantProgrammeId,
    year: i32,
    granted_sek: i64,
    paid_sek: i64,
) -> Result<(), StoreError> {
    let updated = diesel::update(
        gb::table
            .filter(gb::programme_id.eq(programme.to_string()))
            .filter(gb::year.eq(year)),
    )
    .set((
        gb::granted_sek.eq(gb::granted_sek + granted_sek),
        gb::paid_sek.eq(gb::paid_sek + paid_sek),
    ))
    .execute(conn)?;
    if updated == 1 {
        Ok(())
    } else {
        // A grant is only decided within a budgeted year (`check_budget`).
        Err(StoreError::Internal(anyhow::anyhow!(
            "programme {programme} has no budget row for {year}"
        )))
    }
}

/// A payment of a granted application.
pub struct Payment {
    pub amount_sek: crate::domain::money::Sek,
    pub paid_on: NaiveDate,
}

pub fn payments(
    conn: &mut DbConnection,
    id: GrantApplicationId,
) -> Result<Vec<(i64, NaiveDate)>, StoreError> {
    Ok(gp::table
        .filter(gp::application_id.eq(id.to_string()))
        .order((gp::paid_on.asc(), gp::id.asc()))
        .select((gp::amount_sek, gp::paid_on))
        .load(conn)?)
}

/// Records a payment: never more than granted in all. The application's row
/// is locked first, so parallel payments queue and each sees the others.
pub fn pay(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    principal: &Principal,
    payment: Payment,
) -> Result<Application, StoreError> {
    let actor = Actor::from(principal);
    write_transaction(conn, |conn| {
        let current = load_for_write(conn, id, principal, None)?;
        authorize_handling(conn, principal, &current)?;
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
        check_payment(granted, current.paid_sek, payment.amount_sek.kronor()).map_err(
            |detail| StoreError::Conflict {
                code: "payment_exceeds_grant",
                detail,
            },
        )?;
        if let Some(decision) = &current.decision {
            // Lock order: application (above), programme; the programme's
            // figures are written under its lock, as a decision writes them.
            lock(conn, Guard::GrantProgramme, &current.details.programme)?;
            add_paid(
                conn,
                current.details.programme,
                &decision.allocation,
                current.paid_sek,
                payment.amount_sek.kronor(),
            )?;
        }
        diesel::insert_into(gp::table)
            .values((
                gp::id.eq(uuid::Uuid::now_v7().to_string()),
                gp::application_id.eq(id.to_string()),
                gp::amount_sek.eq(payment.amount_sek.kronor()),
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
            &actor,
            "pay",
            Some(current.status),
            Some(next),
            Some(&format!(
                "{} SEK paid on {}",
                payment.amount_sek.kronor(),
                payment.paid_on
            )),
        )?;
        find_application(conn, id)?.ok_or(StoreError::NotFound)
    })
}

/// An internal review note.
pub struct Review {
    pub author: String,
    pub note: String,
    pub recommendation: Option<DecisionOutcome>,
    pub created_at: DateTime<Utc>,
}

pub fn reviews(conn: &mut DbConnection, id: GrantApplicationId) -> Result<Vec<Review>, StoreError> {
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
    principal: &Principal,
    review: Review,
) -> Result<Review, StoreError> {
    write_transaction(conn, |conn| {
        let current = load_for_write(conn, id, principal, None)?;
        authorize_handling(conn, principal, &current)?;
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

/// A declaration of conflict of interest (jäv), as kept.
#[derive(Debug, Clone)]
pub struct ConflictDeclaration {
    pub id: uuid::Uuid,
    pub application_id: GrantApplicationId,
    pub organisation_id: OrganisationId,
    pub subject: String,
    pub has_conflict: bool,
    pub note: Option<String>,
    pub declared_at: DateTime<Utc>,
    pub released_at: Option<DateTime<Utc>>,
    pub released_by: Option<String>,
    pub release_reason: Option<String>,
}

type ConflictRow = (
    String,
    String,
    String,
    String,
    bool,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<String>,
    Option<String>,
);

fn conflict_columns() -> (
    gc::id,
    gc::application_id,
    gc::organisation_id,
    gc::subject,
    gc::has_conflict,
    gc::note,
    gc::declared_at,
    gc::released_at,
    gc::released_by,
    gc::release_reason,
) {
    (
        gc::id,
        gc::application_id,
        gc::organisation_id,
        gc::subject,
        gc::has_conflict,
        gc::note,
        gc::declared_at,
        gc::released_at,
        gc::released_by,
        gc::release_reason,
    )
}

fn to_declaration(r: ConflictRow) -> Result<ConflictDeclaration, StoreError> {
    Ok(ConflictDeclaration {
        id: parse(&r.0, "declaration id")?,
        application_id: parse(&r.1, "application id")?,
        organisation_id: parse(&r.2, "organisation id")?,
        subject: r.3,
        has_conflict: r.4,
        note: r.5,
        declared_at: utc(r.6),
        released_at: r.7.map(utc),
        released_by: r.8,
        release_reason: r.9,
    })
}

/// The declarations made on one application, oldest first.
pub fn conflict_declarations(
    conn: &mut DbConnection,
    id: GrantApplicationId,
) -> Result<Vec<ConflictDeclaration>, StoreError> {
    let rows: Vec<ConflictRow> = gc::table
        .filter(gc::application_id.eq(id.to_string()))
        .order((gc::declared_at.asc(), gc::id.asc()))
        .select(conflict_columns())
        .load(conn)?;
    rows.into_iter().map(to_declaration).collect()
}

/// Records a person's declaration about conflict of interest. Declarations
/// are kept, never replaced: a declared conflict binds the person for the
/// organisation until an admin releases it (see [`release_conflict`]). The
/// organisation's row is locked, in the same order as a decision takes it,
/// so a declaration and a decision made at the same moment are ordered.
pub fn declare_conflict(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    principal: &Principal,
    has_conflict: bool,
    note: Option<String>,
) -> Result<ConflictDeclaration, StoreError> {
    let actor = Actor::from(principal);
    write_transaction(conn, |conn| {
        let current = load_for_write(conn, id, principal, None)?;
        authorize_handling(conn, principal, &current)?;
        lock(conn, Guard::Organisation, &current.details.organisation)?;
        let declaration = ConflictDeclaration {
            id: uuid::Uuid::now_v7(),
            application_id: id,
            organisation_id: current.details.organisation,
            subject: actor.subject.clone(),
            has_conflict,
            note,
            declared_at: now(),
            released_at: None,
            released_by: None,
            release_reason: None,
        };
        diesel::insert_into(gc::table)
            .values((
                gc::id.eq(declaration.id.to_string()),
                gc::application_id.eq(id.to_string()),
                gc::organisation_id.eq(declaration.organisation_id.to_string()),
                gc::subject.eq(&declaration.subject),
                gc::has_conflict.eq(has_conflict),
                gc::note.eq(declaration.note.as_deref()),
                gc::declared_at.eq(declaration.declared_at.naive_utc()),
            ))
            .execute(conn)?;
        // The history says that a declaration was made, not the private note.
        record(
            conn,
            id,
            &actor,
            "declare_conflict",
            None,
            None,
            Some(if has_conflict {
                "declared a conflict of interest (jäv) with the organisation"
            } else {
                "declared no conflict of interest"
            }),
        )?;
        Ok(declaration)
    })
}

/// An admin's reasoned decision that a declared conflict no longer applies;
/// kept on the declaration and in the application's history.
pub fn release_conflict(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    declaration: uuid::Uuid,
    principal: &Principal,
    reason: String,
) -> Result<ConflictDeclaration, StoreError> {
    let actor = Actor::from(principal);
    write_transaction(conn, |conn| {
        let current = load_for_write(conn, id, principal, None)?;
        authorize(principal, Action::ReleaseConflictOfInterest)?;
        lock(conn, Guard::Organisation, &current.details.organisation)?;
        let row: Option<ConflictRow> = gc::table
            .find(declaration.to_string())
            .filter(gc::application_id.eq(id.to_string()))
            .select(conflict_columns())
            .first(conn)
            .optional()?;
        let found = to_declaration(row.ok_or(StoreError::NotFound)?)?;
        if !found.has_conflict || found.released_at.is_some() {
            return Err(StoreError::Conflict {
                code: "not_a_binding_conflict",
                detail: "this declaration is not a conflict of interest that binds anyone".into(),
            });
        }
        let at = now();
        diesel::update(gc::table.find(declaration.to_string()))
            .set((
                gc::released_at.eq(Some(at.naive_utc())),
                gc::released_by.eq(Some(&actor.subject)),
                gc::release_reason.eq(Some(&reason)),
            ))
            .execute(conn)?;
        record(
            conn,
            id,
            &actor,
            "release_conflict",
            None,
            None,
            Some(&format!(
                "the conflict of interest declared by {} no longer applies: {reason}",
                found.subject
            )),
        )?;
        Ok(ConflictDeclaration {
            released_at: Some(at),
            released_by: Some(actor.subject.clone()),
            release_reason: Some(reason),
            ..found
        })
    })
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
) -> Result<Page<Application>, StoreError> {
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
        id: r.id.0.to_string(),
    });
    let ids: Vec<GrantApplicationId> = page.items.iter().map(|r| r.id.0).collect();
    let mut children = load_children(conn, &ids)?;
    let items = page
        .items
        .into_iter()
        .map(|row| {
            let mine = children.remove(&row.id.0).unwrap_or_default();
            to_application(row, mine)
        })
        .collect::<Result<_, _>>()?;
    Ok(Page {
        items,
        next: page.next,
    })
}

/// What deciding who may see an application looks at
/// (`domain::grant::sees_whole_application`, `is_public_grant`).
pub struct ApplicationVisibility {
    pub organisation: OrganisationId,
    pub status: ApplicationStatus,
    /// The decision's outcome, as [`Application::decision`] has it.
    pub outcome: Option<DecisionOutcome>,
}

/// The [`ApplicationVisibility`] of applications, one statement for any
/// number (for the links of a list); those that do not exist are absent.
pub fn visibility_of(
    conn: &mut DbConnection,
    ids: &[GrantApplicationId],
) -> Result<std::collections::HashMap<GrantApplicationId, ApplicationVisibility>, StoreError> {
    type Row = (String, String, String, Option<String>, bool);
    let rows: Vec<Row> = super::children_of(conn, ids, |ids| {
        ga::table.filter(super::parent_in(ga::id, ids)).select((
            ga::id,
            ga::organisation_id,
            ga::status,
            ga::outcome,
            // A decision is whole only with all of these (`to_application`).
            ga::granted_sek
                .is_not_null()
                .and(ga::motivation.is_not_null())
                .and(ga::decided_by.is_not_null())
                .and(ga::decided_on.is_not_null()),
        ))
    })?;
    rows.into_iter()
        .map(|(id, organisation, status, outcome, decided)| {
            let id: GrantApplicationId = parse(&id, "application id")?;
            let outcome = match outcome {
                Some(o) if decided => Some(parse(&o, "outcome")?),
                _ => None,
            };
            Ok((
                id,
                ApplicationVisibility {
                    organisation: parse(&organisation, "organisation id")?,
                    status: parse(&status, "application status")?,
                    outcome,
                },
            ))
        })
        .collect()
}

/// Records a submission made in the past (imports of historical records and
/// demo data), when the round's deadline was checked by the system of the time.
pub fn import_submission(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    at: DateTime<Utc>,
    actor: &Actor,
) -> Result<Application, StoreError> {
    write_transaction(conn, |conn| {
        lock(conn, Guard::GrantApplication, &id)?;
        let current = find_application(conn, id)?.ok_or(StoreError::NotFound)?;
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
        find_application(conn, id)?.ok_or(StoreError::NotFound)
    })
}
