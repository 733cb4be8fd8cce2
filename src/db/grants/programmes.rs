//! Grant programmes with their rounds and figures: read, created with their
//! rounds, opened and closed, changed, listed. Every write locks the
//! programme's row, loads it, asks `domain::grant`, writes and records its
//! history in one transaction.

use crate::problem::ProblemCode;
use std::collections::HashMap;

use diesel::prelude::*;

use super::budgets::set_budget;
use super::history::record_programme;
use super::rows::{
    sek, ProgrammeChangeValues, ProgrammeRow, ProgrammeValues, RoundRow, RoundValues,
};
use crate::db::page::{timestamp_key, Cursor, Page};
use crate::db::schema::{
    city_units, grant_budgets as gb, grant_programmes as pr, grant_rounds as gr,
};
use crate::db::StoreError;
use crate::db::{children_of, lock, parent_in, write_transaction, Actor, DbConnection, Guard};
use crate::domain::grant::{
    PatchRefusal, Programme, ProgrammeAction, ProgrammeChange, ProgrammeDetails, ProgrammePatch,
    ProgrammeStatus, Round, YearFigures,
};
use crate::domain::ids::{CityUnitId, GrantProgrammeId, GrantRoundId};
use crate::domain::{now, IfMatch, Version};

/// What a programme carries beside its row.
#[derive(Default)]
struct ProgrammeChildren {
    /// Each year's budget with what is granted and paid of it (kept by
    /// decide and pay: `add_granted`, `add_paid`).
    years: Vec<YearFigures>,
    rounds: Vec<Round>,
}

/// The children of a page of programmes: one statement per table, whatever
/// the page size.
fn load_programme_children(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, ProgrammeChildren>, StoreError> {
    let mut children: HashMap<String, ProgrammeChildren> = HashMap::new();
    let years: Vec<(String, i32, i64, i64, i64)> = children_of(conn, ids, |ids| {
        gb::table
            .filter(parent_in(gb::programme_id, ids))
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
                budget_sek: sek(budget_sek, "budget_sek")?,
                granted_sek: sek(granted_sek, "granted_sek")?,
                paid_sek: sek(paid_sek, "paid_sek")?,
            });
    }
    let rounds: Vec<(String, RoundRow)> = children_of(conn, ids, |ids| {
        gr::table
            .filter(parent_in(gr::programme_id, ids))
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
        children
            .entry(programme)
            .or_default()
            .rounds
            .push(round.into());
    }
    Ok(children)
}

/// Completes a page of programme rows with their children.
fn complete_programmes(
    conn: &mut DbConnection,
    rows: Vec<ProgrammeRow>,
) -> Result<Vec<Programme>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.0.to_string()).collect();
    let mut children = load_programme_children(conn, &ids)?;
    rows.into_iter()
        .zip(ids)
        .map(|(row, id)| {
            let mine = children.remove(&id).unwrap_or_default();
            row.into_programme(mine.rounds, mine.years)
        })
        .collect()
}

pub fn find_programme(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
) -> Result<Option<Programme>, StoreError> {
    let row: Option<ProgrammeRow> = pr::table
        .find(id.to_string())
        .select(ProgrammeRow::as_select())
        .first(conn)
        .optional()?;
    Ok(match row {
        None => None,
        Some(row) => complete_programmes(conn, vec![row])?.pop(),
    })
}

/// One round of the programme; `None` when the programme has none with
/// that id.
pub fn find_round(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
    round_id: GrantRoundId,
) -> Result<Option<Round>, StoreError> {
    let row: Option<RoundRow> = gr::table
        .filter(gr::programme_id.eq(id.to_string()))
        .filter(gr::id.eq(round_id.to_string()))
        .select((
            gr::id,
            gr::name,
            gr::opens_at,
            gr::deadline,
            gr::accepts_late_applications,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(Round::from))
}

/// Creates a programme (a draft) with its yearly budgets and its first
/// rounds, and the `create` entry of its history, in one transaction: a
/// failure part-way leaves no programme behind.
pub fn insert_programme(
    conn: &mut DbConnection,
    d: ProgrammeDetails,
    rounds: Vec<Round>,
    actor: &Actor,
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
                    code: ProblemCode::DuplicateExternalId,
                    detail: format!("another programme has external_id `{external_id}`"),
                });
            }
        }
        diesel::insert_into(pr::table)
            .values((
                pr::id.eq(id.to_string()),
                ProgrammeValues::from(&d),
                pr::status.eq(ProgrammeStatus::Draft.as_str()),
                pr::version.eq(1),
                pr::created_at.eq(now),
                pr::updated_at.eq(now),
            ))
            .execute(conn)?;
        for (year, budget) in &d.budgets {
            set_budget(conn, id, *year, *budget)?;
        }
        for round in &rounds {
            insert_round(conn, id, round)?;
        }
        record_programme(conn, id, actor, "create", &d.created(&rounds))?;
        find_programme(conn, id)?.ok_or(StoreError::NotFound)
    })
}

fn insert_round(
    conn: &mut DbConnection,
    programme: GrantProgrammeId,
    round: &Round,
) -> Result<(), StoreError> {
    diesel::insert_into(gr::table)
        .values((
            gr::id.eq(round.id.to_string()),
            gr::programme_id.eq(programme.to_string()),
            RoundValues::from(round),
            gr::created_at.eq(now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
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

/// A new version of a programme's row.
fn bump_programme(conn: &mut DbConnection, current: &Programme) -> Result<(), StoreError> {
    diesel::update(pr::table.find(current.id.to_string()))
        .set((
            pr::version.eq(current.version + 1),
            pr::updated_at.eq(now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Opens or closes a programme (`ProgrammeStatus::after`).
pub fn set_programme_status(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
    precondition: Option<IfMatch>,
    authorize: impl FnOnce(&Programme) -> Result<(), StoreError>,
    actor: &Actor,
    action: ProgrammeAction,
) -> Result<Programme, StoreError> {
    write_transaction(conn, |conn| {
        let current = load_programme_for_write(conn, id, authorize, precondition)?;
        let next = current
            .status
            .after(action)
            .ok_or_else(|| StoreError::InvalidTransition {
                current_state: current.status.to_string(),
                action: action.to_string(),
                allowed_actions: current
                    .status
                    .allowed_actions()
                    .iter()
                    .map(|a| a.to_string())
                    .collect(),
            })?;
        diesel::update(pr::table.find(id.to_string()))
            .set((
                pr::status.eq(next.as_str()),
                pr::version.eq(current.version + 1),
                pr::updated_at.eq(now().naive_utc()),
            ))
            .execute(conn)?;
        let change = ProgrammeChange::status(current.status, next);
        record_programme(conn, id, actor, action.as_str(), &[change])?;
        find_programme(conn, id)?.ok_or(StoreError::NotFound)
    })
}

/// Adds a round to a programme.
pub fn add_round(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
    authorize: impl FnOnce(&Programme) -> Result<(), StoreError>,
    actor: &Actor,
    round: Round,
) -> Result<Programme, StoreError> {
    write_transaction(conn, |conn| {
        let current = load_programme_for_write(conn, id, authorize, None)?;
        insert_round(conn, id, &round)?;
        bump_programme(conn, &current)?;
        let change = ProgrammeChange::round_added(&round);
        record_programme(conn, id, actor, "add_round", &[change])?;
        find_programme(conn, id)?.ok_or(StoreError::NotFound)
    })
}

impl From<PatchRefusal> for StoreError {
    fn from(refusal: PatchRefusal) -> Self {
        match refusal {
            PatchRefusal::Invalid(errors) => StoreError::Invalid(errors),
            budget @ PatchRefusal::BudgetBelowGranted { .. } => StoreError::Conflict {
                code: ProblemCode::BudgetBelowGranted,
                detail: budget.to_string(),
            },
        }
    }
}

/// Changes a programme's title, description, amount range, budgets and
/// rounds (`Programme::apply`), and records who changed what in its
/// history. Under the programme's lock (decisions take it too), so a budget
/// is never set below what is granted that year: 409 naming the year. A
/// patch that changes nothing changes nothing: no new version, no history
/// entry.
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
        let update = current.apply(patch)?;
        if update.changes.is_empty() {
            return Ok(current);
        }
        diesel::update(pr::table.find(id.to_string()))
            .set((
                ProgrammeChangeValues::from(&update.details),
                pr::version.eq(current.version + 1),
                pr::updated_at.eq(now().naive_utc()),
            ))
            .execute(conn)?;
        for (year, budget) in &update.budgets {
            set_budget(conn, id, *year, *budget)?;
        }
        for round in &update.rounds {
            diesel::update(gr::table.find(round.id.to_string()))
                .set(RoundValues::from(round))
                .execute(conn)?;
        }
        record_programme(conn, id, actor, "update", &update.changes)?;
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
    let mut q = pr::table.select(ProgrammeRow::as_select()).into_boxed();
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
        key: timestamp_key(r.created_at),
        id: r.id.0.to_string(),
    });
    Ok(Page {
        items: complete_programmes(conn, page.items)?,
        next: page.next,
    })
}
