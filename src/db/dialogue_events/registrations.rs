//! Registrations: places, the waiting list in arrival order, cancellations that
//! move it up; all under the event's lock.

use super::*;
use crate::problem::ProblemCode;

#[derive(Queryable, Selectable)]
#[diesel(table_name = reg)]
pub(super) struct RegistrationRow {
    id: Parsed<RegistrationId>,
    event_id: Parsed<DialogueEventId>,
    organisation_id: Parsed<OrganisationId>,
    participants: i32,
    names: String,
    needs: Option<String>,
    status: Parsed<RegistrationStatus>,
    #[diesel(deserialize_as = crate::db::stamp::Stamp)]
    registered_at: NaiveDateTime,
}

impl TryFrom<RegistrationRow> for Registration {
    type Error = StoreError;
    fn try_from(r: RegistrationRow) -> Result<Self, StoreError> {
        Ok(Registration {
            id: r.id.0,
            event_id: r.event_id.0,
            organisation_id: r.organisation_id.0,
            participants: r.participants,
            names: serde_json::from_str(&r.names).map_err(|_| corrupt("names"))?,
            needs: r.needs,
            status: r.status.0,
            registered_at: utc(r.registered_at),
        })
    }
}

/// Registrations of an event in the order they came (the waiting-list order).
pub fn registrations(
    conn: &mut DbConnection,
    id: DialogueEventId,
) -> Result<Vec<Registration>, StoreError> {
    reg::table
        .filter(reg::event_id.eq(id.to_string()))
        .order((reg::registered_at.asc(), reg::id.asc()))
        .select(RegistrationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Registration::try_from)
        .collect()
}

/// One registration for the event; `None` when the event has none with
/// that id (another event's is not found either).
pub fn find_registration(
    conn: &mut DbConnection,
    id: DialogueEventId,
    registration_id: RegistrationId,
) -> Result<Option<Registration>, StoreError> {
    reg::table
        .filter(reg::event_id.eq(id.to_string()))
        .filter(reg::id.eq(registration_id.to_string()))
        .select(RegistrationRow::as_select())
        .first(conn)
        .optional()?
        .map(Registration::try_from)
        .transpose()
}

/// The registrations of a page of events in one statement, per event in the
/// order of [`registrations`]. Events without any are absent.
pub fn registrations_of(
    conn: &mut DbConnection,
    ids: &[DialogueEventId],
) -> Result<HashMap<DialogueEventId, Vec<Registration>>, StoreError> {
    let mut by_event: HashMap<DialogueEventId, Vec<Registration>> = HashMap::new();
    let rows: Vec<RegistrationRow> = crate::db::children_of(conn, ids, |ids| {
        reg::table
            .filter(crate::db::parent_in(reg::event_id, ids))
            .order((reg::event_id, reg::registered_at, reg::id))
            // Positional, in the order of the row's fields: `as_select`
            // would tie the query to one backend.
            .select((
                reg::id,
                reg::event_id,
                reg::organisation_id,
                reg::participants,
                reg::names,
                reg::needs,
                reg::status,
                reg::registered_at,
            ))
    })?;
    for row in rows {
        let event = row.event_id.0;
        by_event
            .entry(event)
            .or_default()
            .push(Registration::try_from(row)?);
    }
    Ok(by_event)
}

/// A new registration (or a renewed one after a cancellation).
pub struct NewRegistration {
    pub organisation_id: OrganisationId,
    pub participants: i32,
    pub names: Vec<String>,
    pub needs: Option<String>,
}

/// Registers an organisation: open window, capacity and waiting list are
/// checked with the event locked, so two last-minute registrations (on any
/// replica) cannot both take the last place, and the time of arrival that
/// orders the waiting list is the order in which they took the lock.
pub fn register(
    conn: &mut DbConnection,
    id: DialogueEventId,
    new: NewRegistration,
    actor: &Actor,
) -> Result<Registration, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        // Who may not see a planned event has been answered 404 by the
        // handler; who may see it learns that registration is not open (409).
        let now = now();
        check_registration_open(
            event.status,
            event.details.registration_deadline,
            event.details.starts_at,
            now,
        )?;
        let existing = registrations(conn, id)?;
        if existing.iter().any(|r| {
            r.organisation_id == new.organisation_id && r.status != RegistrationStatus::Cancelled
        }) {
            return Err(StoreError::Conflict {
                code: ProblemCode::AlreadyRegistered,
                detail: "the organisation is already registered (or waiting) for this event".into(),
            });
        }
        let seats: Vec<Seat> = existing.iter().map(Seat::from).collect();
        let status = status_for_new(event.details.capacity, &seats, new.participants)?;
        let names = serde_json::to_string(&new.names).unwrap_or_else(|_| "[]".into());
        let registration_id = match existing
            .iter()
            .find(|r| r.organisation_id == new.organisation_id)
        {
            Some(cancelled) => {
                diesel::update(reg::table.find(cancelled.id.to_string()))
                    .set((
                        reg::participants.eq(new.participants),
                        reg::names.eq(&names),
                        reg::needs.eq(new.needs.as_deref()),
                        reg::status.eq(status.as_str()),
                        reg::registered_at.eq(now.naive_utc()),
                        reg::updated_at.eq(now.naive_utc()),
                    ))
                    .execute(conn)?;
                cancelled.id
            }
            None => {
                let rid = RegistrationId::new();
                diesel::insert_into(reg::table)
                    .values((
                        reg::id.eq(rid.to_string()),
                        reg::event_id.eq(id.to_string()),
                        reg::organisation_id.eq(new.organisation_id.to_string()),
                        reg::participants.eq(new.participants),
                        reg::names.eq(&names),
                        reg::needs.eq(new.needs.as_deref()),
                        reg::status.eq(status.as_str()),
                        reg::registered_at.eq(now.naive_utc()),
                        reg::updated_at.eq(now.naive_utc()),
                    ))
                    .execute(conn)?;
                rid
            }
        };
        let part = Some((
            ResourceType::DialogueRegistration,
            registration_id.to_string(),
        ));
        announce_in_state(conn, actor, &event, part, CREATED, Some(status.as_str()))?;
        Ok(Registration {
            id: registration_id,
            event_id: id,
            organisation_id: new.organisation_id,
            participants: new.participants,
            names: new.names,
            needs: new.needs,
            status,
            registered_at: now,
        })
    })
}

/// Cancels a registration and promotes those waiting that now fit.
/// `authorize` sees the registration before anything changes.
pub fn cancel_registration(
    conn: &mut DbConnection,
    id: DialogueEventId,
    registration: RegistrationId,
    actor: &Actor,
    authorize: impl FnOnce(&DialogueEvent, &Registration) -> Result<(), StoreError>,
) -> Result<Vec<Registration>, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        let all = registrations(conn, id)?;
        let target = all
            .iter()
            .find(|r| r.id == registration)
            .ok_or(StoreError::NotFound)?;
        authorize(&event, target)?;
        if target.status == RegistrationStatus::Cancelled {
            return Err(StoreError::Conflict {
                code: ProblemCode::AlreadyCancelled,
                detail: "the registration is already cancelled".into(),
            });
        }
        if event.status != EventStatus::Published {
            return Err(StoreError::Conflict {
                code: ProblemCode::RegistrationClosed,
                detail: format!(
                    "the event is {}; registrations no longer change",
                    event.status
                ),
            });
        }
        let now = now();
        diesel::update(reg::table.find(registration.to_string()))
            .set((
                reg::status.eq(RegistrationStatus::Cancelled.as_str()),
                reg::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        let seats: Vec<Seat> = all
            .iter()
            .map(|r| Seat {
                participants: r.participants,
                status: if r.id == registration {
                    RegistrationStatus::Cancelled
                } else {
                    r.status
                },
            })
            .collect();
        let promoted: Vec<RegistrationId> = promotions(event.details.capacity, &seats)?
            .into_iter()
            .map(|i| all[i].id)
            .collect();
        let part = Some((ResourceType::DialogueRegistration, registration.to_string()));
        announce(conn, actor, &event, part, "cancel")?;
        promote(conn, actor, &event, &promoted, now)?;
        registrations(conn, id)
    })
}
