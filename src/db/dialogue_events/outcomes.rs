//! What an event led to, with optional links to a partnership or grant
//! application.

use super::*;
use crate::problem::ProblemCode;

#[derive(Queryable, Selectable)]
#[diesel(table_name = oc)]
pub(super) struct OutcomeRow {
    id: String,
    event_id: String,
    description: String,
    owner: String,
    status: String,
    partnership_id: Option<String>,
    grant_application_id: Option<String>,
    version: i64,
    #[diesel(deserialize_as = crate::db::stamp::Stamp)]
    created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::stamp::Stamp)]
    updated_at: NaiveDateTime,
}

impl TryFrom<OutcomeRow> for Outcome {
    type Error = StoreError;
    fn try_from(r: OutcomeRow) -> Result<Self, StoreError> {
        Ok(Outcome {
            id: parse(&r.id, "outcome id")?,
            event_id: parse(&r.event_id, "event id")?,
            description: r.description,
            owner: r.owner,
            status: parse(&r.status, "outcome status")?,
            partnership_id: r
                .partnership_id
                .map(|p| parse(&p, "partnership id"))
                .transpose()?,
            grant_application_id: r
                .grant_application_id
                .map(|g| parse(&g, "application id"))
                .transpose()?,
            version: r.version,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        })
    }
}

pub fn outcomes(conn: &mut DbConnection, id: DialogueEventId) -> Result<Vec<Outcome>, StoreError> {
    oc::table
        .filter(oc::event_id.eq(id.to_string()))
        .order((oc::created_at.asc(), oc::id.asc()))
        .select(OutcomeRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Outcome::try_from)
        .collect()
}

/// One outcome of the event; `None` when the event has none with that id.
pub fn find_outcome(
    conn: &mut DbConnection,
    id: DialogueEventId,
    outcome_id: OutcomeId,
) -> Result<Option<Outcome>, StoreError> {
    oc::table
        .filter(oc::event_id.eq(id.to_string()))
        .filter(oc::id.eq(outcome_id.to_string()))
        .select(OutcomeRow::as_select())
        .first(conn)
        .optional()?
        .map(Outcome::try_from)
        .transpose()
}

/// How many outcomes an event has.
pub fn count_outcomes(conn: &mut DbConnection, id: DialogueEventId) -> Result<usize, StoreError> {
    let n: i64 = oc::table
        .filter(oc::event_id.eq(id.to_string()))
        .count()
        .get_result(conn)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// At most `take` of an event's outcomes from position `skip` on, in the
/// order of [`outcomes`]: a page, paged by the database.
pub fn outcomes_window(
    conn: &mut DbConnection,
    id: DialogueEventId,
    skip: usize,
    take: usize,
) -> Result<Vec<Outcome>, StoreError> {
    // A position past what SQL can count starts past every outcome.
    let Ok(skip) = i64::try_from(skip) else {
        return Ok(Vec::new());
    };
    oc::table
        .filter(oc::event_id.eq(id.to_string()))
        .order((oc::created_at.asc(), oc::id.asc()))
        .select(OutcomeRow::as_select())
        .limit(i64::try_from(take).unwrap_or(i64::MAX))
        .offset(skip)
        .load(conn)?
        .into_iter()
        .map(Outcome::try_from)
        .collect()
}

/// What an outcome says, for adding or replacing.
pub struct OutcomeValues {
    pub description: String,
    pub owner: String,
    pub status: OutcomeStatus,
    pub partnership_id: Option<uuid::Uuid>,
    pub grant_application_id: Option<uuid::Uuid>,
}

pub fn add_outcome(
    conn: &mut DbConnection,
    id: DialogueEventId,
    actor: &Actor,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    values: OutcomeValues,
) -> Result<Outcome, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        authorize(&event)?;
        // What a meeting led to is known after it, like its minutes.
        if event.status != EventStatus::Held {
            return Err(StoreError::Conflict {
                code: ProblemCode::EventNotHeld,
                detail: format!(
                    "outcomes are recorded after the event; it is {} (mark it held first)",
                    event.status
                ),
            });
        }
        let now = now();
        let outcome = Outcome {
            id: OutcomeId::new(),
            event_id: id,
            description: values.description,
            owner: values.owner,
            status: values.status,
            partnership_id: values.partnership_id,
            grant_application_id: values.grant_application_id,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        diesel::insert_into(oc::table)
            .values((
                oc::id.eq(outcome.id.to_string()),
                oc::event_id.eq(id.to_string()),
                oc::description.eq(&outcome.description),
                oc::owner.eq(&outcome.owner),
                oc::status.eq(outcome.status.as_str()),
                oc::partnership_id.eq(outcome.partnership_id.map(|p| p.to_string())),
                oc::grant_application_id.eq(outcome.grant_application_id.map(|g| g.to_string())),
                oc::version.eq(1),
                oc::created_at.eq(now.naive_utc()),
                oc::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        let part = Some((ResourceType::DialogueOutcome, outcome.id.to_string()));
        announce(conn, actor, &event, part, CREATED)?;
        Ok(outcome)
    })
}

/// Changes an outcome (its status as it is followed up, or its link).
pub fn update_outcome(
    conn: &mut DbConnection,
    id: DialogueEventId,
    outcome_id: OutcomeId,
    precondition: Option<IfMatch>,
    actor: &Actor,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    change: impl FnOnce(&mut Outcome),
) -> Result<Outcome, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        authorize(&event)?;
        let mut outcome = outcomes(conn, id)?
            .into_iter()
            .find(|o| o.id == outcome_id)
            .ok_or(StoreError::NotFound)?;
        if !Version(outcome.version).satisfies(precondition) {
            return Err(StoreError::VersionMismatch {
                current_version: outcome.version,
            });
        }
        let previous = outcome.version;
        change(&mut outcome);
        outcome.version = previous + 1;
        outcome.updated_at = now();
        let written = diesel::update(
            oc::table
                .find(outcome_id.to_string())
                .filter(oc::version.eq(previous)),
        )
        .set((
            oc::description.eq(&outcome.description),
            oc::owner.eq(&outcome.owner),
            oc::status.eq(outcome.status.as_str()),
            oc::partnership_id.eq(outcome.partnership_id.map(|p| p.to_string())),
            oc::grant_application_id.eq(outcome.grant_application_id.map(|g| g.to_string())),
            oc::version.eq(outcome.version),
            oc::updated_at.eq(outcome.updated_at.naive_utc()),
        ))
        .execute(conn)?;
        if written != 1 {
            return Err(StoreError::VersionMismatch {
                current_version: previous,
            });
        }
        let part = Some((ResourceType::DialogueOutcome, outcome_id.to_string()));
        announce(conn, actor, &event, part, UPDATED)?;
        Ok(outcome)
    })
}
