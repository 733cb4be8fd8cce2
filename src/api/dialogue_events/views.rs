//! Dialogue events and their parts as callers see them.

use super::*;

/// A dialogue event.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0e01",
    "title": "Idésluss Lundby: ideas, needs and resources",
    "description": "First matching meeting: each actor brings its ideas, needs and resources.",
    "kind": "matching_meeting",
    "participation_level": "partnership",
    "topic": "Collaboration for young people in Lundby",
    "organiser_unit_id": "0193516a-0000-7000-8000-00000000000b",
    "co_organiser_ids": [],
    "starts_at": "2016-05-12T15:00:00Z",
    "ends_at": "2016-05-12T17:30:00Z",
    "starts_at_local": "2016-05-12T17:00:00+02:00",
    "ends_at_local": "2016-05-12T19:30:00+02:00",
    "time_zone": "Europe/Stockholm",
    "format": "in_person",
    "place": "Lundby district office",
    "address": "Wieselgrensplatsen 2, Göteborg",
    "online_link": null,
    "district": "lundby",
    "capacity": 30,
    "registration_deadline": "2016-05-10T22:00:00Z",
    "status": "held",
    "cancellation_reason": null,
    "agenda": [{"title": "Round of ideas, needs and resources", "duration_minutes": 60, "presenter": null}],
    "minutes": "9 actors came; 4 collaboration ideas were noted.",
    "places_taken": 12,
    "waitlisted": 0,
    "attendance_total": 11,
    "external_id": null,
    "version": 5,
    "created_at": "2016-04-20T08:00:00Z",
    "updated_at": "2016-05-13T09:00:00Z"
}))]
pub struct DialogueEventView {
    pub id: DialogueEventId,
    pub title: String,
    pub description: Option<String>,
    pub kind: DialogueEventKind,
    pub participation_level: ParticipationLevel,
    pub topic: Option<String>,
    pub organiser_unit_id: Option<CityUnitId>,
    pub co_organiser_ids: Vec<OrganisationId>,
    /// In UTC.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The same instant as Stockholm's clocks show it, with the offset then
    /// in force (from the tz database): `+01:00` in winter, `+02:00` in
    /// summer; the two instants of the hour repeated in October differ only
    /// in the offset.
    #[schema(value_type = String, example = "2016-05-12T17:00:00+02:00")]
    pub starts_at_local: DateTime<FixedOffset>,
    #[schema(value_type = String)]
    pub ends_at_local: DateTime<FixedOffset>,
    /// Always `Europe/Stockholm`.
    pub time_zone: &'static str,
    pub format: EventFormat,
    pub place: Option<String>,
    pub address: Option<String>,
    pub online_link: Option<String>,
    pub district: Option<District>,
    /// Participants in all; null for no limit.
    #[schema(minimum = 1, maximum = 100000)]
    pub capacity: Option<i32>,
    pub registration_deadline: Option<DateTime<Utc>>,
    pub status: EventStatus,
    pub cancellation_reason: Option<String>,
    pub agenda: Vec<AgendaItem>,
    pub minutes: Option<String>,
    /// Participants of registrations that hold a place.
    pub places_taken: i32,
    /// Registrations waiting for a place.
    pub waitlisted: i32,
    /// Attendance recorded after the event (organisations plus walk-ins); null before.
    pub attendance_total: Option<i32>,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Places taken, registrations waiting and recorded attendance of an event.
#[derive(Default, Clone, Copy)]
pub(super) struct Counts {
    taken: i32,
    waitlisted: i32,
    attendance_total: Option<i32>,
}

impl DialogueEventView {
    pub(super) fn new(e: DialogueEvent, counts: Counts) -> Self {
        let d = e.details;
        DialogueEventView {
            id: e.id,
            title: d.title,
            description: d.description,
            kind: d.kind,
            participation_level: d.participation_level,
            topic: d.topic,
            organiser_unit_id: d.organiser_unit,
            co_organiser_ids: d.co_organisers,
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            starts_at_local: local_time::to_local(d.starts_at),
            ends_at_local: local_time::to_local(d.ends_at),
            time_zone: TZ,
            format: d.format,
            place: d.place,
            address: d.address,
            online_link: d.online_link,
            district: d.district,
            capacity: d.capacity,
            registration_deadline: d.registration_deadline,
            status: e.status,
            cancellation_reason: e.cancellation_reason,
            agenda: d.agenda,
            minutes: e.minutes,
            places_taken: counts.taken,
            waitlisted: counts.waitlisted,
            attendance_total: counts.attendance_total,
            external_id: d.external_id,
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// A page of dialogue events.
#[derive(Serialize, ToSchema)]
pub struct DialogueEventList {
    pub items: Vec<DialogueEventView>,
    pub next_cursor: Option<String>,
}

pub(super) fn counts_of(
    conn: &mut crate::db::DbConnection,
    event: &DialogueEvent,
) -> Result<Counts, StoreError> {
    let registrations = store::registrations(conn, event.id)?;
    let attendance = store::attendance(conn, event)?;
    Ok(counts_from(event, &registrations, &attendance)?)
}

/// A page of events with each one's counts: one statement per child table
/// (registrations, attendance) for the whole page, whatever its size.
pub(super) fn counted_page(
    conn: &mut crate::db::DbConnection,
    page: crate::db::page::Page<DialogueEvent>,
) -> Result<crate::db::page::Page<(DialogueEvent, Counts)>, StoreError> {
    let ids: Vec<DialogueEventId> = page.items.iter().map(|e| e.id).collect();
    let mut registrations = store::registrations_of(conn, &ids)?;
    let attendance = store::attendance_of(conn, &page.items)?;
    page.try_map(|e| {
        let none = store::Attendance {
            organisations: Vec::new(),
            walk_ins: e.walk_ins.unwrap_or(0),
        };
        let counts = counts_from(
            &e,
            &registrations.remove(&e.id).unwrap_or_default(),
            attendance.get(&e.id).unwrap_or(&none),
        )?;
        Ok::<_, StoreError>((e, counts))
    })
}

pub(super) fn counts_from(
    event: &DialogueEvent,
    registrations: &[Registration],
    attendance: &store::Attendance,
) -> Result<Counts, money::Overflow> {
    let seats: Vec<Seat> = registrations.iter().map(Seat::from).collect();
    let attendees: Vec<i32> = attendance.organisations.iter().map(|(_, n)| *n).collect();
    Ok(Counts {
        taken: places_taken(&seats)?,
        waitlisted: money::total(
            seats
                .iter()
                .map(|s| i32::from(s.status == RegistrationStatus::Waitlisted)),
        )?,
        attendance_total: attendance_total(&attendees, event.walk_ins)?,
    })
}

/// A registration. Names and needs are shown only to the city and the
/// registering organisation.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0f01",
    "event_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0e01",
    "organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e",
    "participants": 2,
    "names": ["Anna Andersson", "Ali Hassan"],
    "needs": "Interpretation to Arabic",
    "status": "registered",
    "registered_at": "2016-05-02T10:00:00Z"
}))]
pub struct RegistrationView {
    pub id: RegistrationId,
    pub event_id: DialogueEventId,
    pub organisation_id: OrganisationId,
    pub participants: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<String>,
    pub status: RegistrationStatus,
    pub registered_at: DateTime<Utc>,
}

impl RegistrationView {
    pub(super) fn for_caller(r: Registration, principal: &Principal) -> Self {
        let details = can(
            principal,
            Action::ReadRegistrationDetails(r.organisation_id),
        );
        RegistrationView {
            id: r.id,
            event_id: r.event_id,
            organisation_id: r.organisation_id,
            participants: r.participants,
            names: details.then_some(r.names),
            needs: if details { r.needs } else { None },
            status: r.status,
            registered_at: r.registered_at,
        }
    }
}

/// The registrations of an event, in the order they came.
#[derive(Serialize, ToSchema)]
pub struct RegistrationList {
    pub items: Vec<RegistrationView>,
    pub next_cursor: Option<String>,
}

/// The attendance record with its total.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"organisations": [{"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "attendees": 3}], "walk_ins": 4, "total": 7}))]
pub struct AttendanceView {
    pub organisations: Vec<OrganisationAttendance>,
    pub walk_ins: i32,
    /// Everyone who came, walk-ins included.
    pub total: i32,
}

impl TryFrom<Attendance> for AttendanceView {
    type Error = money::Overflow;
    fn try_from(a: Attendance) -> Result<Self, money::Overflow> {
        let attendees: Vec<i32> = a.organisations.iter().map(|(_, n)| *n).collect();
        let total = money::total([money::total(attendees)?, a.walk_ins])?;
        Ok(AttendanceView {
            organisations: a
                .organisations
                .into_iter()
                .map(|(organisation_id, attendees)| OrganisationAttendance {
                    organisation_id,
                    attendees,
                })
                .collect(),
            walk_ins: a.walk_ins,
            total,
        })
    }
}

/// A co-organiser's contribution to the minutes.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c1101", "organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "text": "Our notes from the group on housing.", "created_at": "2016-04-27T08:00:00Z"}))]
pub struct ContributionView {
    pub id: Uuid,
    pub organisation_id: Option<OrganisationId>,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

impl From<MinutesContribution> for ContributionView {
    fn from(c: MinutesContribution) -> Self {
        ContributionView {
            id: c.id,
            organisation_id: c.organisation_id,
            text: c.text,
            created_at: c.created_at,
        }
    }
}

/// The minutes and the co-organisers' contributions.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"text": "Four returning and three new actors. Two collaborations were formed.", "contributions": [{"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c1101", "organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "text": "Our notes from the group on housing.", "created_at": "2016-04-27T08:00:00Z"}]}))]
pub struct MinutesView {
    pub text: Option<String>,
    pub contributions: Vec<ContributionView>,
}

/// An outcome of an event and what it led to. A link to a partnership or a
/// grant application is shown only to callers who may see that case.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c1001",
    "event_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0e01",
    "description": "Passalen and KFUM start a joint summer activity in Lundby",
    "owner": "Passalen",
    "status": "realised",
    "partnership_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c2001",
    "grant_application_id": null,
    "version": 2,
    "created_at": "2016-05-13T09:00:00Z",
    "updated_at": "2016-06-01T09:00:00Z"
}))]
pub struct OutcomeView {
    pub id: OutcomeId,
    pub event_id: DialogueEventId,
    pub description: String,
    pub owner: String,
    pub status: OutcomeStatus,
    pub partnership_id: Option<Uuid>,
    pub grant_application_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OutcomeView {
    /// `linked_visible`: whether the caller may see the linked partnership
    /// and the linked grant application.
    pub(super) fn for_caller(o: Outcome, linked_visible: (bool, bool)) -> Self {
        OutcomeView {
            id: o.id,
            event_id: o.event_id,
            description: o.description,
            owner: o.owner,
            status: o.status,
            partnership_id: o.partnership_id.filter(|_| linked_visible.0),
            grant_application_id: o.grant_application_id.filter(|_| linked_visible.1),
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OutcomeList {
    pub items: Vec<OutcomeView>,
    pub next_cursor: Option<String>,
}
