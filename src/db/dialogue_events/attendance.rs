//! Attendance per organisation and walk-ins of a held event.

use super::*;
use crate::problem::ProblemCode;

/// Attendance after the event: per organisation, and walk-ins.
pub struct Attendance {
    pub organisations: Vec<(OrganisationId, i32)>,
    pub walk_ins: i32,
}

pub fn attendance(
    conn: &mut DbConnection,
    event: &DialogueEvent,
) -> Result<Attendance, StoreError> {
    let rows: Vec<(String, i32)> = att::table
        .filter(att::event_id.eq(event.id.to_string()))
        .order(att::organisation_id.asc())
        .select((att::organisation_id, att::attendees))
        .load(conn)?;
    Ok(Attendance {
        organisations: rows
            .into_iter()
            .map(|(o, n)| Ok((parse(&o, "organisation id")?, n)))
            .collect::<Result<_, StoreError>>()?,
        walk_ins: event.walk_ins.unwrap_or(0),
    })
}

/// The attendance of a page of events in one statement, as [`attendance`]
/// gives it for each.
pub fn attendance_of(
    conn: &mut DbConnection,
    events: &[DialogueEvent],
) -> Result<HashMap<DialogueEventId, Attendance>, StoreError> {
    let mut by_event: HashMap<DialogueEventId, Attendance> = events
        .iter()
        .map(|e| {
            (
                e.id,
                Attendance {
                    organisations: Vec::new(),
                    walk_ins: e.walk_ins.unwrap_or(0),
                },
            )
        })
        .collect();
    let ids: Vec<DialogueEventId> = events.iter().map(|e| e.id).collect();
    let rows: Vec<(Parsed<DialogueEventId>, Parsed<OrganisationId>, i32)> =
        crate::db::children_of(conn, &ids, |ids| {
            att::table
                .filter(crate::db::parent_in(att::event_id, ids))
                .order((att::event_id, att::organisation_id))
                .select((att::event_id, att::organisation_id, att::attendees))
        })?;
    for (event, organisation, attendees) in rows {
        if let Some(attendance) = by_event.get_mut(&event.0) {
            attendance.organisations.push((organisation.0, attendees));
        }
    }
    Ok(by_event)
}

/// Replaces the attendance record of a held event.
pub fn record_attendance(
    conn: &mut DbConnection,
    id: DialogueEventId,
    actor: &Actor,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    record: Attendance,
) -> Result<(DialogueEvent, Attendance), StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        authorize(&event)?;
        if event.status != EventStatus::Held {
            return Err(StoreError::Conflict {
                code: ProblemCode::EventNotHeld,
                detail: format!(
                    "attendance is recorded after the event; it is {} (mark it held first)",
                    event.status
                ),
            });
        }
        let mut errors = Vec::new();
        for (i, (org, _)) in record.organisations.iter().enumerate() {
            if !crate::db::organisations::exists(conn, *org)? {
                errors.push(FieldError::new(
                    format!("organisations[{i}].organisation_id"),
                    "no such organisation",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        diesel::delete(att::table.filter(att::event_id.eq(id.to_string()))).execute(conn)?;
        for (org, attendees) in &record.organisations {
            diesel::insert_into(att::table)
                .values((
                    att::event_id.eq(id.to_string()),
                    att::organisation_id.eq(org.to_string()),
                    att::attendees.eq(*attendees),
                ))
                .execute(conn)?;
        }
        let now = bump(conn, &event)?;
        diesel::update(ev::table.find(id.to_string()))
            .set(ev::walk_ins.eq(record.walk_ins))
            .execute(conn)?;
        let event = DialogueEvent {
            walk_ins: Some(record.walk_ins),
            version: event.version + 1,
            updated_at: now,
            ..event
        };
        let part = Some((ResourceType::DialogueAttendance, id.to_string()));
        announce(conn, actor, &event, part, UPDATED)?;
        Ok((event, record))
    })
}
