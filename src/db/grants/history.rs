//! The histories of applications and programmes: each written in the
//! transaction of the change it records, read oldest first.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::rows::{field_json, ApplicationRecord, ProgrammeRecord, RecordedChange};
use crate::db::organisations::utc;
use crate::db::outbox::{self, Change};
use crate::db::parsed::Parsed;
use crate::db::schema::{
    grant_applications as ga, grant_history as gh, grant_programme_history as ph,
    grant_programmes as pr,
};
use crate::db::{corrupt, Actor, DbConnection, StoreError};
use crate::domain::change::{ResourceType, CREATED, UPDATED};
use crate::domain::grant::{
    application_audience, ApplicationStatus, DecisionOutcome, ProgrammeChange, ProgrammeStatus,
};
use crate::domain::ids::{GrantApplicationId, GrantProgrammeId, OrganisationId};
use crate::domain::now;

/// Writes an entry of an application's history.
pub(super) fn record(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    actor: &Actor,
    action: &str,
    from: Option<ApplicationStatus>,
    to: Option<ApplicationStatus>,
    note: Option<&str>,
) -> Result<(), StoreError> {
    diesel::insert_into(gh::table)
        .values(ApplicationRecord {
            id: uuid::Uuid::now_v7().to_string(),
            application_id: id.to_string(),
            at: now().naive_utc(),
            actor: &actor.subject,
            actor_role: actor.role,
            action,
            from_status: from.map(|s| s.as_str()),
            to_status: to.map(|s| s.as_str()),
            note,
        })
        .execute(conn)?;
    announce_application(conn, actor, id, outbox_action(action))
}

/// The outbox's word for a history action: `create` and `edit` are the
/// outbox's `created` and `updated`; state actions keep their names.
fn outbox_action(history_action: &str) -> &str {
    match history_action {
        "create" => CREATED,
        "edit" | "update" => UPDATED,
        other => other,
    }
}

/// Appends a change of an application to the outbox, beside its history
/// entry, for the callers who may see the application as it now stands.
fn announce_application(
    conn: &mut DbConnection,
    actor: &Actor,
    id: GrantApplicationId,
    action: &str,
) -> Result<(), StoreError> {
    let (organisation, status, outcome, version): (
        Parsed<OrganisationId>,
        Parsed<ApplicationStatus>,
        Option<Parsed<DecisionOutcome>>,
        i64,
    ) = ga::table
        .find(id.to_string())
        .select((ga::organisation_id, ga::status, ga::outcome, ga::version))
        .first(conn)?;
    let audience = application_audience(organisation.0, status.0, outcome.map(|o| o.0));
    let change = Change::of(
        ResourceType::GrantApplication,
        id,
        action,
        Some(version),
        audience,
    );
    outbox::append(conn, actor, change)
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

/// An application's history, oldest first.
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

/// Writes an entry of a programme's history: who did what, and each field's
/// value before and after.
pub(super) fn record_programme(
    conn: &mut DbConnection,
    id: GrantProgrammeId,
    actor: &Actor,
    action: &str,
    changes: &[ProgrammeChange],
) -> Result<(), StoreError> {
    let changes: Vec<RecordedChange> = changes
        .iter()
        .map(|c| RecordedChange {
            field: c.field.clone(),
            from: field_json(&c.from),
            to: field_json(&c.to),
        })
        .collect();
    diesel::insert_into(ph::table)
        .values(ProgrammeRecord {
            id: uuid::Uuid::now_v7().to_string(),
            programme_id: id.to_string(),
            at: now().naive_utc(),
            actor: &actor.subject,
            actor_role: actor.role,
            action,
            changes: serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into()),
        })
        .execute(conn)?;
    let (status, version): (Parsed<ProgrammeStatus>, i64) = pr::table
        .find(id.to_string())
        .select((pr::status, pr::version))
        .first(conn)?;
    let change = Change::of(
        ResourceType::GrantProgramme,
        id,
        outbox_action(action),
        Some(version),
        status.0.audience(),
    );
    outbox::append(conn, actor, change)
}

/// One entry of a programme's history.
pub struct ProgrammeHistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_role: String,
    /// `create`, `update`, `add_round`, `open` or `close`.
    pub action: String,
    pub changes: Vec<RecordedChange>,
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
