//! `/api/v1/grant-programmes` and `/api/v1/grant-applications`: calls with
//! rounds and yearly budgets; applications from draft to decision, payment,
//! report and closing, with delegation, conflict-of-interest and budget rules.

mod applications;
mod conflicts;
mod history;
mod payments;
mod programmes;
mod requests;
mod reviews;
mod views;

pub use applications::*;
pub use conflicts::*;
pub use history::*;
pub use payments::*;
pub use programmes::*;
pub use requests::*;
pub use reviews::*;
pub use views::*;

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{JsonBody, OptionalJsonBody, Precondition};
use super::{all_valid, fields_valid, paging, respond, set};
use crate::api::AppState;
use crate::auth::{Caller, SignedIn};
use crate::db::grants::{self as store, ActionInput, ApplicationFilter, ApplicationScope};
use crate::db::{Actor, StoreError};
use crate::domain::access::{authorize, can, Action, Principal};
use crate::domain::district::District;
use crate::domain::grant::{
    self, Application, ApplicationAction, ApplicationDetails, ApplicationStatus, DecisionOutcome,
    NewDecision, Payment, Programme, ProgrammeAction, ProgrammeDetails, ProgrammePatch,
    ProgrammeStatus, Review, Round, RoundPatch,
};
use crate::domain::ids::{
    CityUnitId, GrantApplicationId, GrantProgrammeId, GrantRoundId, OrganisationId,
};
use crate::domain::money::Sek;
use crate::domain::organisation::LegalForm;
use crate::domain::{FieldError, IfMatch};
use crate::error::{ApiError, Problem};

fn visible_programme(p: Option<Programme>, principal: &Principal) -> Result<Programme, StoreError> {
    match p {
        Some(p) if p.status.is_public() || can(principal, Action::ReadDraftGrantProgrammes) => {
            Ok(p)
        }
        _ => Err(StoreError::NotFound),
    }
}

fn manage_programme(
    principal: &Principal,
) -> impl FnOnce(&Programme) -> Result<(), StoreError> + '_ {
    move |p| {
        visible_programme(Some(p.clone()), principal)?;
        Ok(authorize(
            principal,
            Action::ManageGrantProgramme(p.details.owning_unit),
        )?)
    }
}

/// Whether the caller sees all of an application (the city, the applicant).
fn sees_all(principal: &Principal, a: &Application) -> bool {
    crate::domain::grant::sees_whole_application(principal, a.details.organisation)
}

/// Decided grants (not rejections) are public.
fn is_public(a: &Application) -> bool {
    crate::domain::grant::is_public_grant(a.status, a.decision.as_ref().map(|d| d.outcome))
}

/// Finds an application the caller may know of.
fn visible_application(
    a: Option<Application>,
    principal: &Principal,
) -> Result<Application, StoreError> {
    match a {
        Some(a) if sees_all(principal, &a) || is_public(&a) => Ok(a),
        _ => Err(StoreError::NotFound),
    }
}

/// Like [`visible_application`], but only for those who see all of it: a
/// public grant's internals stay hidden (404) from others.
fn own_or_city(a: &Application, principal: &Principal) -> Result<(), StoreError> {
    if sees_all(principal, a) {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// Whether the caller may see an application (for links from other resources).
pub fn application_visible(
    conn: &mut crate::db::DbConnection,
    id: GrantApplicationId,
    principal: &Principal,
) -> Result<bool, StoreError> {
    Ok(store::find_application(conn, id)?.is_some_and(|a| visible_to(principal, &a)))
}

/// Whether the caller may see the application at all: its own
/// organisation's and the city's cases, and public grants.
pub fn visible_to(principal: &Principal, a: &Application) -> bool {
    crate::domain::grant::application_visible_to(
        principal,
        a.details.organisation,
        a.status,
        a.decision.as_ref().map(|d| d.outcome),
    )
}

/// [`visible_to`] from what the store reads for a list's links.
pub fn visible_by(principal: &Principal, v: &store::ApplicationVisibility) -> bool {
    crate::domain::grant::application_visible_to(principal, v.organisation, v.status, v.outcome)
}

/// Registers the routes of grant programmes and applications and what hangs on
/// them; utoipa collects each one into the spec, so the spec cannot drift from
/// what is served.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_grant_programmes)
        .service(create_grant_programme)
        .service(get_grant_programme)
        .service(update_grant_programme)
        .service(add_grant_round)
        .service(get_grant_round)
        .service(list_grant_applications)
        .service(create_grant_application)
        .service(get_grant_application)
        .service(update_grant_application)
        .service(list_grant_payments)
        .service(pay_grant)
        .service(get_grant_payment)
        .service(list_grant_reviews)
        .service(add_grant_review)
        .service(get_grant_review)
        .service(declare_conflict_of_interest)
        .service(list_conflict_declarations)
        .service(get_conflict_declaration)
        .service(release_conflict_of_interest)
        .service(get_grant_history)
        .service(get_grant_programme_history)
        // Last: `{action}` would otherwise catch the sub-resources above
        // (`/grant-applications/{id}/payments`, ...).
        .service(act_on_grant_programme)
        .service(act_on_grant_application);
}
