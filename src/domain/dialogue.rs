//! Dialogue events (dialog, samråd): meetings between the city and
//! organisations at a participation level from the European code for NGO
//! participation, with registrations, attendance, agenda, minutes and outcomes.

text_enum!(
    /// What kind of meeting.
    DialogueEventKind {
        DialogueMeeting => "dialogue_meeting",
        Consultation => "consultation",
        /// E.g. Idékom.
        CouncilMeeting => "council_meeting",
        /// Chefsforum.
        LeadershipForum => "leadership_forum",
        Workshop => "workshop",
        Training => "training",
        /// E.g. Idésluss: collect ideas, needs and resources, then match actors.
        MatchingMeeting => "matching_meeting",
        Fair => "fair",
        Other => "other",
    }
);

text_enum!(
    /// The ladder of the European code of good practice for civil participation.
    ParticipationLevel {
        Information => "information",
        /// Samråd.
        Consultation => "consultation",
        Dialogue => "dialogue",
        /// Medskapande, co-creation.
        Partnership => "partnership",
    }
);

text_enum!(
    /// Where the meeting happens.
    EventFormat {
        InPerson => "in_person",
        Online => "online",
        Hybrid => "hybrid",
    }
);

text_enum!(
    /// Where an event is in its life.
    EventStatus {
        /// Being prepared: visible to city staff only.
        Planned => "planned",
        /// Public; organisations may register.
        Published => "published",
        Cancelled => "cancelled",
        /// It took place; attendance and minutes follow.
        Held => "held",
    }
);

text_enum!(
    /// A state change of an event.
    EventAction {
        Publish => "publish",
        Cancel => "cancel",
        MarkHeld => "mark_held",
    }
);

text_enum!(
    /// Where a registration stands.
    RegistrationStatus {
        Registered => "registered",
        /// The event was full: promoted in order when places free up.
        Waitlisted => "waitlisted",
        Cancelled => "cancelled",
    }
);

text_enum!(
    /// Where an outcome of a meeting stands.
    OutcomeStatus {
        Proposed => "proposed",
        InProgress => "in_progress",
        Realised => "realised",
        Dropped => "dropped",
    }
);

impl EventStatus {
    /// The state an action leads to, if the action is allowed from here.
    pub fn after(self, action: EventAction) -> Option<EventStatus> {
        use EventAction::*;
        use EventStatus::*;
        match (self, action) {
            (Planned, Publish) => Some(Published),
            (Planned | Published, Cancel) => Some(Cancelled),
            (Published, MarkHeld) => Some(Held),
            _ => None,
        }
    }

    /// The actions allowed from this state.
    pub fn allowed_actions(self) -> Vec<EventAction> {
        EventAction::ALL
            .iter()
            .copied()
            .filter(|a| self.after(*a).is_some())
            .collect()
    }

    /// Whether anyone may see an event in this state (planned ones are drafts).
    pub fn is_public(self) -> bool {
        self != EventStatus::Planned
    }

    /// Who may learn of a change of an event in this state, or of a part
    /// of it: anyone once published, the city while planned.
    pub fn audience(self) -> super::change::Audience {
        if self.is_public() {
            super::change::Audience::public()
        } else {
            super::change::Audience::city()
        }
    }
}

/// Time rules of actions: an event is marked held only once it has started.
pub fn check_action_time(
    action: EventAction,
    starts_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), &'static str> {
    if action == EventAction::MarkHeld && now < starts_at {
        return Err("an event is marked held only after it has started");
    }
    Ok(())
}

/// Why a registration is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationRefusal {
    NotOpen(EventStatus),
    DeadlinePassed,
}

/// Whether registrations are taken now.
pub fn check_registration_open(
    status: EventStatus,
    deadline: Option<chrono::DateTime<chrono::Utc>>,
    starts_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), RegistrationRefusal> {
    if status != EventStatus::Published {
        return Err(RegistrationRefusal::NotOpen(status));
    }
    if now > deadline.unwrap_or(starts_at) {
        return Err(RegistrationRefusal::DeadlinePassed);
    }
    Ok(())
}

/// A registration as the capacity rule sees it, in the order they came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    pub participants: i32,
    pub status: RegistrationStatus,
}

impl From<&Registration> for Seat {
    fn from(r: &Registration) -> Self {
        Seat {
            participants: r.participants,
            status: r.status,
        }
    }
}

/// Places held: the participants of registrations that are `registered`,
/// summed with checked arithmetic.
pub fn places_taken(seats: &[Seat]) -> Result<i32, Overflow> {
    money::total(
        seats
            .iter()
            .filter(|s| s.status == RegistrationStatus::Registered)
            .map(|s| s.participants),
    )
}

/// Whether `participants` more fit within `capacity` next to `taken`
/// (no capacity: always; a sum that overflows: never).
fn fits(capacity: Option<i32>, taken: i32, participants: i32) -> bool {
    match capacity {
        None => true,
        Some(cap) => taken
            .checked_add(participants)
            .is_some_and(|sum| sum <= cap),
    }
}

/// Places: a new registration of `participants` is registered when nobody
/// is waiting and it fits within `capacity` next to those registered; else
/// it is waitlisted. A newcomer never overtakes the waiting list, even when
/// it is small enough to fit where a larger waiting group does not.
/// `seats` are the event's registrations so far, in the order they came.
pub fn status_for_new(
    capacity: Option<i32>,
    seats: &[Seat],
    participants: i32,
) -> Result<RegistrationStatus, Overflow> {
    if seats
        .iter()
        .any(|s| s.status == RegistrationStatus::Waitlisted)
    {
        return Ok(RegistrationStatus::Waitlisted);
    }
    Ok(if fits(capacity, places_taken(seats)?, participants) {
        RegistrationStatus::Registered
    } else {
        RegistrationStatus::Waitlisted
    })
}

/// After places free up or the capacity grows: which waitlisted
/// registrations (by index into `seats`, in waiting order) now fit. First
/// come, first served; a large group that does not fit does not block a
/// smaller one behind it.
pub fn promotions(capacity: Option<i32>, seats: &[Seat]) -> Result<Vec<usize>, Overflow> {
    let mut taken = places_taken(seats)?;
    let mut promoted = Vec::new();
    for (i, seat) in seats.iter().enumerate() {
        if seat.status == RegistrationStatus::Waitlisted && fits(capacity, taken, seat.participants)
        {
            taken += seat.participants;
            promoted.push(i);
        }
    }
    Ok(promoted)
}

/// A capacity below the places already taken: refused, naming them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapacityBelowTaken {
    pub taken: i32,
}

/// Whether an event's capacity may become `capacity` with `taken` places
/// held (no capacity is always fine). A capacity that may be set is followed
/// by [`promotions`], so a larger one moves the waiting list up at once.
pub fn check_capacity(capacity: Option<i32>, taken: i32) -> Result<(), CapacityBelowTaken> {
    match capacity {
        Some(cap) if cap < taken => Err(CapacityBelowTaken { taken }),
        _ => Ok(()),
    }
}

/// Everyone who came: attendees of the organisations plus walk-ins, summed
/// with checked arithmetic. `None` while nothing is recorded.
pub fn attendance_total(attendees: &[i32], walk_ins: Option<i32>) -> Result<Option<i32>, Overflow> {
    if attendees.is_empty() {
        return Ok(walk_ins);
    }
    let organisations = money::total(attendees.iter().copied())?;
    money::total([organisations, walk_ins.unwrap_or(0)]).map(Some)
}

use chrono::{DateTime, Utc};

use super::district::District;
use super::ids::{CityUnitId, DialogueEventId, OrganisationId, OutcomeId, RegistrationId};
use super::money::{self, Overflow};

/// One item of an agenda, in order.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
    validator::Validate,
)]
#[serde(deny_unknown_fields)]
pub struct AgendaItem {
    #[validate(
        length(min = 1, max = 300, message = "must be 1 to 300 characters"),
        custom(function = "not_blank", message = "must be 1 to 300 characters")
    )]
    #[schema(
        example = "Round of ideas, needs and resources",
        min_length = 1,
        max_length = 300
    )]
    pub title: String,
    #[validate(range(min = 1, max = 1440, message = "must be 1 to 1440 minutes"))]
    #[schema(example = 45, minimum = 1, maximum = 1440)]
    pub duration_minutes: i32,
    #[validate(length(max = 300, message = "must be at most 300 characters"))]
    #[schema(example = "Lundby district office", max_length = 300)]
    pub presenter: Option<String>,
}

fn not_blank(text: &str) -> Result<(), validator::ValidationError> {
    if text.trim().is_empty() {
        Err(validator::ValidationError::new("blank"))
    } else {
        Ok(())
    }
}

/// What describes an event, every field already checked.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDetails {
    pub title: String,
    pub description: Option<String>,
    pub kind: DialogueEventKind,
    pub participation_level: ParticipationLevel,
    pub topic: Option<String>,
    pub organiser_unit: Option<CityUnitId>,
    pub co_organisers: Vec<OrganisationId>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub format: EventFormat,
    pub place: Option<String>,
    pub address: Option<String>,
    pub online_link: Option<String>,
    pub district: Option<District>,
    pub capacity: Option<i32>,
    pub registration_deadline: Option<DateTime<Utc>>,
    pub agenda: Vec<AgendaItem>,
    pub external_id: Option<String>,
}

impl EventDetails {
    /// The rules that tie fields together; each broken one names its field.
    pub fn check(&self) -> Vec<super::FieldError> {
        let mut errors = check_times(self.starts_at, self.ends_at, self.registration_deadline);
        errors.extend(check_organisers(self.organiser_unit, &self.co_organisers));
        errors.extend(check_where(
            self.format,
            self.place.is_some(),
            self.online_link.is_some(),
        ));
        errors
    }
}

/// An event ends after it starts; registration closes by the start.
pub fn check_times(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    registration_deadline: Option<DateTime<Utc>>,
) -> Vec<super::FieldError> {
    use super::FieldError as E;
    let mut errors = Vec::new();
    if ends_at <= starts_at {
        errors.push(E::new("ends_at", "must be after starts_at"));
    }
    if registration_deadline.is_some_and(|d| d > starts_at) {
        errors.push(E::new(
            "registration_deadline",
            "must not be after starts_at",
        ));
    }
    errors
}

/// Someone organises an event: a city unit or co-organising organisations.
pub fn check_organisers(
    organiser_unit: Option<CityUnitId>,
    co_organisers: &[OrganisationId],
) -> Option<super::FieldError> {
    (organiser_unit.is_none() && co_organisers.is_empty()).then(|| {
        super::FieldError::new(
            "organiser_unit_id",
            "an event needs an organising city unit or co-organising organisations",
        )
    })
}

/// An event in person has a place, one online a link, a hybrid one both.
pub fn check_where(
    format: EventFormat,
    place: bool,
    online_link: bool,
) -> Option<super::FieldError> {
    use super::FieldError as E;
    match format {
        EventFormat::InPerson if !place => {
            Some(E::new("place", "an in-person event needs a place"))
        }
        EventFormat::Online if !online_link => {
            Some(E::new("online_link", "an online event needs a link"))
        }
        EventFormat::Hybrid if !place || !online_link => Some(E::new(
            if !place { "place" } else { "online_link" },
            "a hybrid event needs a place and a link",
        )),
        _ => None,
    }
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct DialogueEvent {
    pub id: DialogueEventId,
    pub details: EventDetails,
    pub status: EventStatus,
    pub cancellation_reason: Option<String>,
    pub minutes: Option<String>,
    pub walk_ins: Option<i32>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An organisation's registration for an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub id: RegistrationId,
    pub event_id: DialogueEventId,
    pub organisation_id: OrganisationId,
    pub participants: i32,
    pub names: Vec<String>,
    pub needs: Option<String>,
    pub status: RegistrationStatus,
    pub registered_at: DateTime<Utc>,
}

/// What came out of an event, possibly linked to what it led to.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub id: OutcomeId,
    pub event_id: DialogueEventId,
    pub description: String,
    pub owner: String,
    pub status: OutcomeStatus,
    pub partnership_id: Option<uuid::Uuid>,
    pub grant_application_id: Option<uuid::Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A co-organiser's (or the city's) contribution to the minutes.
#[derive(Debug, Clone, PartialEq)]
pub struct MinutesContribution {
    pub id: uuid::Uuid,
    pub organisation_id: Option<OrganisationId>,
    pub author: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventAction::*;
    use EventStatus::*;

    #[test]
    fn every_state_and_action() {
        let table = [
            (Planned, Publish, Some(Published)),
            (Planned, Cancel, Some(Cancelled)),
            (Planned, MarkHeld, None),
            (Published, Publish, None),
            (Published, Cancel, Some(Cancelled)),
            (Published, MarkHeld, Some(Held)),
            (Cancelled, Publish, None),
            (Cancelled, Cancel, None),
            (Cancelled, MarkHeld, None),
            (Held, Publish, None),
            (Held, Cancel, None),
            (Held, MarkHeld, None),
        ];
        assert_eq!(table.len(), EventStatus::ALL.len() * EventAction::ALL.len());
        for (state, action, next) in table {
            assert_eq!(state.after(action), next, "{state} + {action}");
        }
        assert_eq!(Published.allowed_actions(), vec![Cancel, MarkHeld]);
        assert!(Held.allowed_actions().is_empty());
    }

    fn seat(participants: i32, status: RegistrationStatus) -> Seat {
        Seat {
            participants,
            status,
        }
    }

    #[test]
    fn capacity_waitlist_and_promotion() {
        use RegistrationStatus::{Registered, Waitlisted};
        let taken = |n| [seat(n, Registered)];
        assert_eq!(status_for_new(Some(10), &taken(8), 2), Ok(Registered));
        assert_eq!(status_for_new(Some(10), &taken(8), 3), Ok(Waitlisted));
        assert_eq!(status_for_new(None, &taken(1000), 50), Ok(Registered));
        let seats = [
            seat(4, Registered),
            seat(5, Waitlisted),
            seat(2, Waitlisted),
            seat(3, Waitlisted),
        ];
        // 10 places, 4 taken: the group of 5 fits, then 1 place is left.
        assert_eq!(promotions(Some(10), &seats), Ok(vec![1]));
        // 8 places: 5 does not fit, 2 behind it does, then 3 does not.
        assert_eq!(promotions(Some(8), &seats), Ok(vec![2]));
        // No limit: everyone waiting moves up, in order.
        assert_eq!(promotions(None, &seats), Ok(vec![1, 2, 3]));
    }

    #[test]
    fn a_newcomer_never_overtakes_the_waiting_list() {
        use RegistrationStatus::{Cancelled, Registered, Waitlisted};
        // (capacity, seats so far, participants) -> status of the newcomer
        let table: &[(Option<i32>, &[Seat], i32, RegistrationStatus)] = &[
            (Some(5), &[], 5, Registered),
            (Some(5), &[], 6, Waitlisted),
            (Some(5), &[seat(4, Registered)], 1, Registered),
            (Some(5), &[seat(4, Registered)], 2, Waitlisted),
            // A cancelled registration holds no place.
            (Some(5), &[seat(5, Cancelled)], 5, Registered),
            // Someone waits (a group of 3 that does not fit): a newcomer of 1
            // would fit, but it queues behind.
            (
                Some(5),
                &[seat(3, Registered), seat(3, Waitlisted)],
                1,
                Waitlisted,
            ),
            (None, &[seat(3, Registered)], 100_000, Registered),
            // Sums that would overflow never fit, and never wrap.
            (
                Some(100_000),
                &[seat(100_000, Registered)],
                i32::MAX,
                Waitlisted,
            ),
        ];
        for (capacity, seats, participants, expected) in table {
            assert_eq!(
                status_for_new(*capacity, seats, *participants),
                Ok(*expected),
                "capacity {capacity:?}, seats {seats:?}, participants {participants}"
            );
        }
        let corrupt = [seat(i32::MAX, Registered), seat(1, Registered)];
        assert_eq!(status_for_new(Some(5), &corrupt, 1), Err(Overflow));
        assert_eq!(promotions(Some(5), &corrupt), Err(Overflow));
    }

    #[test]
    fn capacity_changes() {
        use RegistrationStatus::{Cancelled, Registered, Waitlisted};
        // (new capacity, places taken) -> allowed?
        let table = [
            (Some(5), 5, Ok(())),
            (Some(6), 5, Ok(())),
            (Some(4), 5, Err(CapacityBelowTaken { taken: 5 })),
            (Some(1), 0, Ok(())),
            (None, 5, Ok(())),
        ];
        for (capacity, taken, expected) in table {
            assert_eq!(
                check_capacity(capacity, taken),
                expected,
                "{capacity:?} {taken}"
            );
        }
        let seats = [
            seat(2, Registered),
            seat(9, Cancelled),
            seat(3, Waitlisted),
            seat(1, Waitlisted),
            seat(2, Waitlisted),
        ];
        assert_eq!(places_taken(&seats), Ok(2));
        // (new capacity) -> promoted, in waiting order
        let table: [(Option<i32>, Vec<usize>); 5] = [
            (Some(2), vec![]),
            (Some(3), vec![3]),
            (Some(5), vec![2]),
            (Some(6), vec![2, 3]),
            (None, vec![2, 3, 4]),
        ];
        for (capacity, promoted) in table {
            assert_eq!(promotions(capacity, &seats), Ok(promoted), "{capacity:?}");
        }
    }

    #[test]
    fn attendance_totals_are_checked() {
        assert_eq!(attendance_total(&[], None), Ok(None));
        assert_eq!(attendance_total(&[], Some(4)), Ok(Some(4)));
        assert_eq!(attendance_total(&[3, 2], Some(4)), Ok(Some(9)));
        assert_eq!(attendance_total(&[3, 2], None), Ok(Some(5)));
        assert_eq!(attendance_total(&[i32::MAX], Some(i32::MAX)), Err(Overflow));
        assert_eq!(attendance_total(&[i32::MAX, 1], None), Err(Overflow));
    }

    #[test]
    fn registration_window() {
        let t = |h| {
            chrono::DateTime::parse_from_rfc3339(&format!("2026-05-12T{h:02}:00:00Z"))
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        assert_eq!(
            check_registration_open(Published, Some(t(10)), t(16), t(9)),
            Ok(())
        );
        assert_eq!(
            check_registration_open(Published, Some(t(10)), t(16), t(11)),
            Err(RegistrationRefusal::DeadlinePassed)
        );
        assert_eq!(
            check_registration_open(Published, None, t(16), t(17)),
            Err(RegistrationRefusal::DeadlinePassed)
        );
        assert_eq!(
            check_registration_open(Planned, None, t(16), t(9)),
            Err(RegistrationRefusal::NotOpen(Planned))
        );
    }
}
