//! What callers send about dialogue events, and the checks that turn it
//! into what the store takes (times in Stockholm wall clock or RFC 3339).

use super::*;

use crate::api::checks::Findings;
use crate::domain::dialogue::{check_organisers, check_times, check_where};

/// Creates a dialogue event (in state `planned`).
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Homelessness workshop",
    "kind": "workshop",
    "participation_level": "dialogue",
    "topic": "Homelessness: what organisations and the city can do together",
    "starts_at": "2026-04-26T09:00",
    "ends_at": "2026-04-26T15:00",
    "format": "in_person",
    "place": "Burgårdens konferenscenter",
    "address": "Skånegatan 20, Göteborg",
    "district": "centrum",
    "capacity": 30,
    "registration_deadline": "2026-04-20T23:59",
    "agenda": [{"title": "The situation today", "duration_minutes": 45, "presenter": "Göteborgs Stadsmission"}]
}))]
#[validate(schema(function = "event_rules", skip_on_field_errors = false))]
pub struct CreateDialogueEvent {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    pub kind: DialogueEventKind,
    pub participation_level: ParticipationLevel,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    #[schema(max_length = 500)]
    pub topic: Option<String>,
    /// Defaults to the caller's own unit for staff.
    pub organiser_unit_id: Option<CityUnitId>,
    #[serde(default)]
    #[validate(length(max = 50, message = "must be at most 50 organisations"))]
    #[schema(max_items = 50)]
    pub co_organiser_ids: Vec<OrganisationId>,
    /// RFC 3339 with an offset, or Stockholm wall-clock time without one
    /// (`2026-04-26T09:00`, read with the tz database's Europe/Stockholm).
    /// A wall-clock time in the hour skipped when clocks go forward (last
    /// Sunday of March, 02:00–02:59) does not exist and is refused (422
    /// `validation_failed` naming the field); one in the hour repeated when
    /// clocks go back (last Sunday of October, 02:00–02:59) happens twice
    /// and is refused the same way: give the offset
    /// (`2026-10-25T02:30:00+02:00` for the first, `+01:00` for the second).
    #[serde(deserialize_with = "crate::api::dates::instant")]
    #[schema(value_type = String, example = "2026-04-26T09:00")]
    pub starts_at: DateTime<Utc>,
    /// As `starts_at`.
    #[serde(deserialize_with = "crate::api::dates::instant")]
    #[schema(value_type = String, example = "2026-04-26T15:00")]
    pub ends_at: DateTime<Utc>,
    pub format: EventFormat,
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub place: Option<String>,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    #[schema(max_length = 500)]
    pub address: Option<String>,
    #[validate(
        length(max = 500, message = "must be at most 500 characters"),
        custom(function = "crate::api::check_web_url")
    )]
    #[schema(
        max_length = 500,
        pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?([/?#][!-~]*)?$"
    )]
    pub online_link: Option<String>,
    pub district: Option<District>,
    /// Participants in all; leave out for no limit.
    #[validate(range(min = 1, max = 100000, message = "must be 1 to 100000"))]
    #[schema(minimum = 1, maximum = 100000)]
    pub capacity: Option<i32>,
    #[serde(default, deserialize_with = "crate::api::dates::optional_instant")]
    #[schema(value_type = Option<String>)]
    pub registration_deadline: Option<DateTime<Utc>>,
    #[serde(default)]
    #[validate(length(max = 50, message = "must be at most 50 items"), nested)]
    #[schema(max_items = 50)]
    pub agenda: Vec<AgendaItem>,
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub external_id: Option<String>,
}

/// The rules of a new event that do not depend on who plans it.
fn event_rules(e: &CreateDialogueEvent) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    found.rules(check_times(e.starts_at, e.ends_at, e.registration_deadline));
    found.rules(check_where(
        e.format,
        e.place.is_some(),
        e.online_link.is_some(),
    ));
    found.done()
}

impl CreateDialogueEvent {
    /// The event's details, the organiser defaulting to the caller's unit
    /// (the body's own checks ran in the extractor): a 422 when nobody
    /// organises it.
    pub(super) fn into_details(self, principal: &Principal) -> Result<EventDetails, ApiError> {
        let mut co_organisers = self.co_organiser_ids;
        co_organisers.sort();
        co_organisers.dedup();
        let organiser_unit = self.organiser_unit_id.or(principal.unit());
        let errors: Vec<FieldError> = check_organisers(organiser_unit, &co_organisers)
            .into_iter()
            .collect();
        all_valid(
            errors,
            EventDetails {
                title: self.title.trim().to_owned(),
                description: self.description,
                kind: self.kind,
                participation_level: self.participation_level,
                topic: self.topic,
                organiser_unit,
                co_organisers,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                format: self.format,
                place: self.place,
                address: self.address,
                online_link: self.online_link,
                district: self.district,
                capacity: self.capacity,
                registration_deadline: self.registration_deadline,
                agenda: self.agenda,
                external_id: self.external_id,
            },
        )
    }
}

/// A JSON merge patch of an event that is planned or published.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 40, "place": "Burgårdens konferenscenter, sal 3"}))]
pub struct UpdateDialogueEvent {
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(nullable = false, min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[schema(nullable = false)]
    pub kind: Option<DialogueEventKind>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[schema(nullable = false)]
    pub participation_level: Option<ParticipationLevel>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub topic: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(length(max = 50, message = "must be at most 50 organisations"))]
    #[schema(nullable = false, max_items = 50)]
    pub co_organiser_ids: Option<Vec<OrganisationId>>,
    /// As in the plan: RFC 3339 with an offset, or Stockholm wall-clock
    /// time; a time in the skipped or the repeated hour is refused (422
    /// naming the field).
    #[serde(default, deserialize_with = "crate::api::dates::instant_in_patch")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::api::dates::instant_in_patch")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[schema(nullable = false)]
    pub format: Option<EventFormat>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    pub place: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>, max_length = 500, pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?([/?#][!-~]*)?$")]
    #[validate(
        length(max = 500, message = "must be at most 500 characters"),
        custom(function = "crate::api::check_web_url")
    )]
    pub online_link: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<District>)]
    pub district: Option<Option<District>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    /// Null for no limit. Lower than the places taken is refused
    /// (`capacity_below_taken`); higher, or null, moves the waiting list up.
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 100000)]
    #[validate(range(min = 1, max = 100000, message = "must be 1 to 100000"))]
    pub capacity: Option<Option<i32>>,
    #[serde(
        default,
        deserialize_with = "crate::api::dates::instant_or_null_in_patch"
    )]
    #[schema(value_type = Option<String>)]
    pub registration_deadline: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(length(max = 50, message = "must be at most 50 items"), nested)]
    #[schema(nullable = false, max_items = 50)]
    pub agenda: Option<Vec<AgendaItem>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100)]
    pub external_id: Option<Option<String>>,
}

impl UpdateDialogueEvent {
    /// The details after this patch, checked as a whole (the body's own
    /// checks ran in the extractor).
    pub(super) fn apply(self, mut d: EventDetails) -> Result<EventDetails, Vec<FieldError>> {
        if let Some(v) = self.title {
            d.title = v.trim().to_owned();
        }
        set(&mut d.description, self.description);
        set(&mut d.kind, self.kind);
        set(&mut d.participation_level, self.participation_level);
        set(&mut d.topic, self.topic);
        if let Some(mut v) = self.co_organiser_ids {
            v.sort();
            v.dedup();
            d.co_organisers = v;
        }
        set(&mut d.starts_at, self.starts_at);
        set(&mut d.ends_at, self.ends_at);
        set(&mut d.format, self.format);
        set(&mut d.place, self.place);
        set(&mut d.address, self.address);
        set(&mut d.online_link, self.online_link);
        set(&mut d.district, self.district);
        set(&mut d.capacity, self.capacity);
        set(&mut d.registration_deadline, self.registration_deadline);
        set(&mut d.agenda, self.agenda);
        set(&mut d.external_id, self.external_id);
        fields_valid(d.check(), d)
    }
}

/// Filters and paging of the event list (soonest first).
#[derive(Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DialogueEventQuery {
    pub kind: Option<DialogueEventKind>,
    pub participation_level: Option<ParticipationLevel>,
    /// `planned` is for the city only.
    pub status: Option<EventStatus>,
    pub district: Option<District>,
    /// The organising city unit.
    pub organiser_unit_id: Option<CityUnitId>,
    /// Events this organisation co-organises, is invited to or registered for.
    pub organisation_id: Option<OrganisationId>,
    /// Starting at or after (RFC 3339).
    #[param(example = "2026-01-01T00:00:00Z")]
    pub from: Option<DateTime<Utc>>,
    /// Starting before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
    /// Text the title contains (case-insensitive).
    #[validate(length(max = 200, message = "must be at most 200 characters"))]
    #[param(max_length = 200)]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[validate(length(max = 2048, message = "must be at most 2048 characters"))]
    #[param(max_length = 2048)]
    pub cursor: Option<String>,
}

/// Why an event is cancelled.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The venue is closed; a new date follows."}))]
pub struct CancelDialogueEvent {
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Organisations invited to an event.
#[derive(Serialize, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisation_ids": ["0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e"]}))]
pub struct Invitations {
    #[validate(length(max = 500, message = "must be at most 500 organisations"))]
    #[schema(max_items = 500)]
    pub organisation_ids: Vec<OrganisationId>,
}

/// Registers an organisation.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "participants": 2, "needs": "Wheelchair access"}))]
#[validate(schema(function = "registration_names", skip_on_field_errors = false))]
pub struct CreateRegistration {
    pub organisation_id: OrganisationId,
    #[validate(range(min = 1, max = 1000, message = "must be 1 to 1000"))]
    #[schema(minimum = 1, maximum = 1000)]
    pub participants: i32,
    /// Optional, and personal data: shown only to the city and the organisation.
    #[serde(default)]
    #[validate(length(max = 1000, message = "at most 1000 names"))]
    #[schema(max_items = 1000, value_type = Vec<ParticipantName>)]
    pub names: Vec<String>,
    /// Accessibility or interpretation needs.
    #[validate(length(max = 2000, message = "must be at most 2000 characters"))]
    #[schema(max_length = 2000)]
    pub needs: Option<String>,
}

/// A participant's name, as the spec states it.
pub struct ParticipantName;

impl utoipa::PartialSchema for ParticipantName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(200))
            .examples([serde_json::json!("Amina Yusuf")])
            .into()
    }
}

impl utoipa::ToSchema for ParticipantName {}

fn registration_names(r: &CreateRegistration) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    for (i, name) in r.names.iter().enumerate() {
        if name.chars().count() > 200 {
            found.field(format!("names[{i}]"), "must be at most 200 characters");
        }
    }
    found.done()
}

/// Attendance of one organisation.
#[derive(Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct OrganisationAttendance {
    pub organisation_id: OrganisationId,
    #[validate(custom(function = "head_count"))]
    #[schema(minimum = 0, maximum = 100000)]
    pub attendees: i32,
}

/// A head count, 0 to 100 000 (`money::count`): no sum of them can overflow.
fn head_count(n: i32) -> Result<(), validator::ValidationError> {
    money::count(n, 0)
        .map(|_| ())
        .map_err(|message| validator::ValidationError::new("count").with_message(message.into()))
}

/// Who came: per organisation, plus walk-ins who did not register.
#[derive(Serialize, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisations": [{"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "attendees": 3}], "walk_ins": 4}))]
#[validate(schema(function = "attendance_rules", skip_on_field_errors = false))]
pub struct AttendanceRecord {
    #[validate(
        length(max = 500, message = "must be at most 500 organisations"),
        nested
    )]
    #[schema(max_items = 500)]
    pub organisations: Vec<OrganisationAttendance>,
    #[validate(custom(function = "head_count"))]
    #[schema(minimum = 0, maximum = 100000)]
    pub walk_ins: i32,
}

fn attendance_rules(a: &AttendanceRecord) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    let mut seen = std::collections::HashSet::new();
    for (i, o) in a.organisations.iter().enumerate() {
        if !seen.insert(o.organisation_id) {
            found.rule(
                format!("organisations[{i}].organisation_id"),
                "is listed twice",
            );
        }
    }
    found.done()
}

impl AttendanceRecord {
    /// The new record (the body's checks ran in the extractor).
    pub(super) fn into_attendance(self) -> Attendance {
        Attendance {
            organisations: self
                .organisations
                .iter()
                .map(|o| (o.organisation_id, o.attendees))
                .collect(),
            walk_ins: self.walk_ins,
        }
    }
}

/// The minutes of an event.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "Four returning and three new actors. Two collaborations were formed."}))]
pub struct MinutesText {
    #[validate(length(min = 1, max = 50000, message = "must be 1 to 50000 characters"))]
    #[schema(min_length = 1, max_length = 50000)]
    pub text: String,
}

/// A co-organiser's addition to the minutes.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "text": "Our notes from the group on housing."}))]
pub struct CreateContribution {
    /// The co-organising organisation the caller writes for.
    pub organisation_id: OrganisationId,
    #[validate(length(min = 1, max = 20000, message = "must be 1 to 20000 characters"))]
    #[schema(min_length = 1, max_length = 20000)]
    pub text: String,
}

/// Records an outcome.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Passalen and KFUM start a joint summer activity in Lundby", "owner": "Passalen", "status": "proposed"}))]
pub struct CreateOutcome {
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    /// Who carries it forward (an organisation, a unit or a person's role).
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub owner: String,
    pub status: Option<OutcomeStatus>,
    pub partnership_id: Option<Uuid>,
    pub grant_application_id: Option<Uuid>,
}

/// A JSON merge patch of an outcome.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "realised", "partnership_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c2001"}))]
pub struct UpdateOutcome {
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: Option<String>,
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub owner: Option<String>,
    pub status: Option<OutcomeStatus>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<Uuid>)]
    pub partnership_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<Uuid>)]
    pub grant_application_id: Option<Option<Uuid>>,
}

impl UpdateOutcome {
    /// The merge patch applied: a field not sent stays as it was.
    pub(super) fn apply_to(self, o: &mut Outcome) {
        set(&mut o.description, self.description);
        set(&mut o.owner, self.owner);
        set(&mut o.status, self.status);
        set(&mut o.partnership_id, self.partnership_id);
        set(&mut o.grant_application_id, self.grant_application_id);
    }
}

/// Narrows the calendar feed; the parameters mean what they mean for the
/// event list, and an unknown one or a bad value is a 400.
#[derive(Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// Events in this district.
    pub district: Option<District>,
    pub kind: Option<DialogueEventKind>,
    pub participation_level: Option<ParticipationLevel>,
    /// Events the city unit organises (`ORGANIZER`).
    pub organiser_unit_id: Option<CityUnitId>,
}
