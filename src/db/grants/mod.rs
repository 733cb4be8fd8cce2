//! Grant programmes (with budgets and rounds) and grant applications (with
//! payments, reviews, conflict declarations and history): rows, queries and
//! writes. The aggregates and their rules are `domain::grant`'s; a write
//! here locks the row that guards what it checks, loads, asks the domain,
//! writes and records its history, in one transaction. A decision locks
//! the programme before it reads the budgets, so concurrent decisions
//! cannot overspend.
//!
//! - `programmes`: read, create (with rounds), open and close, change, list;
//! - `applications`: read, check against the programme, create, change,
//!   import a submission;
//! - `act`: an application's handling, the decision among it;
//! - `payments`, `reviews`, `conflicts`: the application's parts;
//! - `budgets`: a programme's figures per year;
//! - `history`, `list`, `rows`.

mod act;
mod applications;
mod budgets;
mod conflicts;
mod history;
mod imports;
mod list;
mod payments;
mod programmes;
mod reviews;
mod rows;

pub use act::{act, act_as, ActionInput};
pub use applications::{
    find_application, import_submission, insert_application, owning_unit, owning_units,
    update_application,
};
pub use conflicts::{
    conflict_declarations, declare_conflict, find_conflict_declaration, release_conflict,
};
pub use history::{history, programme_history, HistoryEntry, ProgrammeHistoryEntry};
pub use imports::{import_application, ImportedApplication};
pub use list::{
    list_applications, visibility_of, ApplicationFilter, ApplicationScope, ApplicationVisibility,
};
pub use payments::{find_payment, pay, pay_as, payments};
pub use programmes::{
    add_round, find_programme, find_round, insert_programme, list_programmes, set_programme_status,
    update_programme,
};
pub use reviews::{add_review, find_review, reviews};
pub use rows::RecordedChange;

use diesel::prelude::*;

use super::schema::grant_applications as ga;
use super::{lock, DbConnection, Guard, StoreError};
use crate::domain::access::{authorize, Action, Principal};
use crate::domain::grant::{sees_whole_application, Application, ApplicationAction};
use crate::domain::ids::GrantApplicationId;
use crate::domain::{now, IfMatch, Version};

/// A new version of an application's row, from the one read under its lock.
fn bump(conn: &mut DbConnection, current: &Application) -> Result<(), StoreError> {
    let written = diesel::update(
        ga::table
            .find(current.id.to_string())
            .filter(ga::version.eq(current.version)),
    )
    .set((
        ga::version.eq(current.version + 1),
        ga::updated_at.eq(now().naive_utc()),
    ))
    .execute(conn)?;
    if written != 1 {
        return Err(StoreError::VersionMismatch {
            current_version: current.version,
        });
    }
    Ok(())
}

/// An action the application's state does not allow: its state and the
/// actions it does (`pay` is recorded by a payment, never offered).
fn invalid_transition(current: &Application, action: ApplicationAction) -> StoreError {
    let outcome = current.decision.as_ref().map(|d| d.outcome);
    StoreError::InvalidTransition {
        current_state: current.status.to_string(),
        action: action.to_string(),
        allowed_actions: current
            .status
            .allowed_actions(outcome)
            .iter()
            .filter(|a| **a != ApplicationAction::Pay)
            .map(|a| a.to_string())
            .collect(),
    }
}

/// Loads an application for a write: locks its row first (lock, check,
/// write), then checks that the caller may know of it and the `If-Match`.
fn load_for_write(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    principal: &Principal,
    precondition: Option<IfMatch>,
) -> Result<Application, StoreError> {
    lock(conn, Guard::GrantApplication, &id)?;
    let current = find_application(conn, id)?.ok_or(StoreError::NotFound)?;
    if !sees_whole_application(principal, current.details.organisation) {
        return Err(StoreError::NotFound);
    }
    if !Version(current.version).satisfies(precondition) {
        return Err(StoreError::VersionMismatch {
            current_version: current.version,
        });
    }
    Ok(current)
}

/// Authorizes what `action` needs on `application`
/// (`ApplicationAction::needed`): the applicant's actions its members, the
/// handling staff of the programme's owning unit.
fn authorize_action(
    conn: &mut DbConnection,
    principal: &Principal,
    application: &Application,
    action: ApplicationAction,
) -> Result<(), StoreError> {
    let unit = owning_unit(conn, application.details.programme)?;
    authorize(
        principal,
        action.needed(application.details.organisation, unit),
    )?;
    Ok(())
}

/// Authorizes the city's handling of an application: staff of the owning unit.
fn authorize_handling(
    conn: &mut DbConnection,
    principal: &Principal,
    application: &Application,
) -> Result<(), StoreError> {
    let unit = owning_unit(conn, application.details.programme)?;
    authorize(principal, Action::ManageGrantProgramme(unit))?;
    Ok(())
}
