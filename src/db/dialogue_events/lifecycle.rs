//! An event's life: its details changed (capacity moves the waiting list) and
//! its states (publish, cancel, mark held).

use super::*;
use crate::problem::ProblemCode;

/// Applies `change` to the details of an event that is not cancelled or held.
/// `authorize` sees the event as stored before anything is written. A new
/// capacity is refused below the places taken; one that may be set moves
/// the waiting list up, in order, in the same transaction.
pub fn update(
    conn: &mut DbConnection,
    id: DialogueEventId,
    precondition: Option<IfMatch>,
    actor: &Actor,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    change: impl FnOnce(EventDetails) -> Result<EventDetails, Vec<FieldError>>,
) -> Result<DialogueEvent, StoreError> {
    write_transaction(conn, |conn| {
        let current = load_for_write(conn, id)?;
        authorize(&current)?;
        check_version(&current, precondition)?;
        if matches!(current.status, EventStatus::Cancelled | EventStatus::Held) {
            return Err(StoreError::Conflict {
                code: ProblemCode::EventClosed,
                detail: format!(
                    "the event is {}; its details no longer change",
                    current.status
                ),
            });
        }
        let details = change(current.details.clone()).map_err(StoreError::Invalid)?;
        // A patch that changes nothing writes nothing: no new version.
        if details == current.details {
            return Ok(current);
        }
        check_references(conn, &details, Some(id))?;
        let promoted = if details.capacity != current.details.capacity {
            capacity_changes(conn, id, details.capacity)?
        } else {
            Vec::new()
        };
        let now = bump(conn, &current)?;
        diesel::update(ev::table.find(id.to_string()))
            .set(DetailValues::from(&details))
            .execute(conn)?;
        let event = DialogueEvent {
            details,
            version: current.version + 1,
            updated_at: now,
            ..current
        };
        promote(conn, actor, &event, &promoted, now)?;
        announce(conn, actor, &event, None, UPDATED)?;
        Ok(event)
    })
}

/// Checks a new capacity against the places taken (the event is locked);
/// returns the waitlisted registrations it lets in, in waiting order.
pub(super) fn capacity_changes(
    conn: &mut DbConnection,
    id: DialogueEventId,
    capacity: Option<i32>,
) -> Result<Vec<RegistrationId>, StoreError> {
    let all = registrations(conn, id)?;
    let seats: Vec<Seat> = all.iter().map(Seat::from).collect();
    check_capacity(capacity, places_taken(&seats)?)?;
    Ok(promotions(capacity, &seats)?
        .into_iter()
        .map(|i| all[i].id)
        .collect())
}

/// Gives the registrations `promoted` (from the waiting list) their place,
/// each a change in the outbox (`promote`: the organisation is told).
pub(super) fn promote(
    conn: &mut DbConnection,
    actor: &Actor,
    event: &DialogueEvent,
    promoted: &[RegistrationId],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for registration in promoted {
        diesel::update(reg::table.find(registration.to_string()))
            .set((
                reg::status.eq(RegistrationStatus::Registered.as_str()),
                reg::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        let part = Some((ResourceType::DialogueRegistration, registration.to_string()));
        announce(conn, actor, event, part, "promote")?;
    }
    Ok(())
}

/// Moves an event through its life (publish, cancel, mark held).
pub fn transition(
    conn: &mut DbConnection,
    id: DialogueEventId,
    precondition: Option<IfMatch>,
    actor: &Actor,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    action: EventAction,
    reason: Option<String>,
) -> Result<DialogueEvent, StoreError> {
    write_transaction(conn, |conn| {
        let current = load_for_write(conn, id)?;
        authorize(&current)?;
        check_version(&current, precondition)?;
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
        crate::domain::dialogue::check_action_time(action, current.details.starts_at, now())
            .map_err(|m| StoreError::Conflict {
                code: ProblemCode::EventNotStarted,
                detail: m.into(),
            })?;
        let now = bump(conn, &current)?;
        diesel::update(ev::table.find(id.to_string()))
            .set((
                ev::status.eq(next.as_str()),
                ev::cancellation_reason.eq(reason.as_deref()),
            ))
            .execute(conn)?;
        let event = DialogueEvent {
            status: next,
            cancellation_reason: reason,
            version: current.version + 1,
            updated_at: now,
            ..current
        };
        announce(conn, actor, &event, None, action.as_str())?;
        Ok(event)
    })
}
