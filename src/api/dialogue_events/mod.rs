//! `/api/v1/dialogue-events`: meetings between the city and organisations,
//! their registrations, attendance, agenda, minutes and outcomes, and an
//! iCalendar feed.

mod attendance;
mod calendar;
mod events;
mod invitations;
mod minutes;
mod outcomes;
mod registrations;
mod requests;
mod views;

pub use attendance::*;
pub use calendar::*;
pub use events::*;
pub use invitations::*;
pub use minutes::*;
pub use outcomes::*;
pub use registrations::*;
pub use requests::*;
pub use views::*;

use actix_web::{get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{JsonBody, Precondition};
use super::{all_valid, fields_valid, merge_patch_field, paging, respond, set};
use crate::api::AppState;
use crate::auth::{Caller, SignedIn};
use crate::db::dialogue_events::{
    self as store, Attendance, EventFilter, NewRegistration, OutcomeValues,
};
use crate::db::{Actor, StoreError};
use crate::domain::access::{authorize, can, Action, Principal, Refusal};
use crate::domain::dialogue::{
    attendance_total, places_taken, AgendaItem, DialogueEvent, DialogueEventKind, EventAction,
    EventDetails, EventFormat, EventStatus, MinutesContribution, Outcome, OutcomeStatus,
    ParticipationLevel, Registration, RegistrationStatus, Seat,
};
use crate::domain::district::District;
use crate::domain::ids::{
    CityUnitId, DialogueEventId, GrantApplicationId, OrganisationId, OutcomeId, PartnershipId,
    RegistrationId,
};
use crate::domain::local_time;
use crate::domain::money;
use crate::domain::FieldError;
use crate::error::{ApiError, Problem};

const TZ: &str = local_time::TIME_ZONE;

/// Finds an event the caller may see (planned ones only for the city).
fn visible(
    event: Option<DialogueEvent>,
    principal: &Principal,
) -> Result<DialogueEvent, StoreError> {
    match event {
        Some(e) if e.status.is_public() || can(principal, Action::ReadPlannedDialogueEvents) => {
            Ok(e)
        }
        _ => Err(StoreError::NotFound),
    }
}

/// Authorization for managing an event, hiding planned events from those
/// who may not see them.
fn manage(principal: &Principal) -> impl FnOnce(&DialogueEvent) -> Result<(), StoreError> + '_ {
    move |event| {
        let event = visible(Some(event.clone()), principal)?;
        Ok(authorize(
            principal,
            Action::ManageDialogueEvent(event.details.organiser_unit),
        )?)
    }
}

/// Registers the routes of dialogue events and what hangs on them; utoipa
/// collects each one into the spec, so the spec cannot drift from what is
/// served.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(dialogue_events_calendar)
        .service(list_dialogue_events)
        .service(create_dialogue_event)
        .service(get_dialogue_event)
        .service(update_dialogue_event)
        .service(publish_dialogue_event)
        .service(mark_dialogue_event_held)
        .service(cancel_dialogue_event)
        .service(dialogue_event_calendar)
        .service(list_invitations)
        .service(invite_organisations)
        .service(list_registrations)
        .service(register_for_dialogue_event)
        .service(get_registration)
        .service(cancel_registration)
        .service(get_attendance)
        .service(record_attendance)
        .service(get_minutes)
        .service(write_minutes)
        .service(contribute_to_minutes)
        .service(get_minutes_contribution)
        .service(list_outcomes)
        .service(create_outcome)
        .service(get_outcome)
        .service(update_outcome);
}
