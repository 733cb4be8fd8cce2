//! An application's handling: submit, review, completion, decision, report,
//! close and withdraw. The decision locks the organisation and the
//! programme, and asks `domain::grant::check_decision` over what it reads
//! after those locks.

use crate::problem::ProblemCode;
use chrono::Datelike;
use diesel::prelude::*;

use super::applications::{find_application, programme_and_form};
use super::budgets::add_granted;
use super::conflicts::conflict_record;
use super::history::record;
use super::programmes::find_programme;
use super::rows::DecisionValues;
use super::{authorize_action, bump, invalid_transition, load_for_write};
use crate::db::schema::{grant_allocations as gal, grant_applications as ga};
use crate::db::{lock, write_transaction, Actor, DbConnection, Guard, StoreError};
use crate::domain::access::Principal;
use crate::domain::grant::{
    check_decision, check_recorded_decision, check_submission, Application, ApplicationAction,
    DecideRefusal, NewDecision, RecordedDecision, SubmissionRefusal,
};
use crate::domain::ids::GrantApplicationId;
use crate::domain::{now, IfMatch};

/// What an action carries.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub precondition: Option<IfMatch>,
    pub message: Option<String>,
    pub decision: Option<NewDecision>,
    /// A decision made in the past that an import records: who made it and
    /// when (`check_recorded_decision`, not the caller's delegation).
    pub recorded: Option<RecordedDecision>,
    pub report: Option<String>,
}

impl From<SubmissionRefusal> for StoreError {
    fn from(refusal: SubmissionRefusal) -> Self {
        match refusal {
            SubmissionRefusal::Invalid(errors) => StoreError::Invalid(errors),
            SubmissionRefusal::NotOpenYet { opens_at } => StoreError::Conflict {
                code: ProblemCode::RoundNotOpen,
                detail: format!("the round opens {opens_at}"),
            },
            SubmissionRefusal::DeadlinePassed { deadline } => StoreError::Conflict {
                code: ProblemCode::DeadlinePassed,
                detail: format!(
                    "the round's deadline {deadline} has passed and it takes no late applications"
                ),
            },
        }
    }
}

impl From<DecideRefusal> for StoreError {
    fn from(refusal: DecideRefusal) -> Self {
        match refusal {
            DecideRefusal::Amount(message) => StoreError::invalid("granted_sek", message),
            DecideRefusal::NotAllowed(refusal) => StoreError::DecisionRefused(refusal),
            DecideRefusal::OverBudget { year, detail } => StoreError::Conflict {
                code: ProblemCode::OverBudget,
                detail: format!("{year}: {detail}"),
            },
        }
    }
}

/// Moves an application through its handling. Everything the action's rules
/// read is read inside this one transaction, after the application's row
/// (and for a decision the organisation's and the programme's) is locked:
/// who may act (what the action needs: `ApplicationAction::needed`), the
/// state, required documents, the decider's delegation and declared
/// conflicts, the amount range and each year's budget.
pub fn act(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    principal: &Principal,
    action: ApplicationAction,
    input: ActionInput,
) -> Result<Application, StoreError> {
    act_as(conn, id, principal, &Actor::from(principal), action, input)
}

/// [`act`], recorded in the history and the outbox as done by `actor`
/// (an import by its caller).
pub fn act_as(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    principal: &Principal,
    actor: &Actor,
    action: ApplicationAction,
    input: ActionInput,
) -> Result<Application, StoreError> {
    write_transaction(conn, |conn| {
        let current = load_for_write(conn, id, principal, input.precondition.clone())?;
        authorize_action(conn, principal, &current, action)?;
        let outcome = input
            .decision
            .as_ref()
            .map(|d| d.outcome)
            .or(current.decision.as_ref().map(|d| d.outcome));
        let next = current
            .status
            .after(action, outcome)
            .ok_or_else(|| invalid_transition(&current, action))?;
        let mut note = input.message.clone();
        match action {
            ApplicationAction::Submit => {
                let (programme, form) = programme_and_form(conn, &current.details)?;
                let now = now();
                let late = check_submission(&current.details, &programme, form, now)?;
                diesel::update(ga::table.find(id.to_string()))
                    .set((
                        ga::submitted_at.eq(Some(now.naive_utc())),
                        ga::submitted_late.eq(late),
                    ))
                    .execute(conn)?;
                if late {
                    note = Some(
                        "submitted after the deadline (the round accepts late applications)".into(),
                    );
                }
            }
            ApplicationAction::RequestCompletion => {
                diesel::update(ga::table.find(id.to_string()))
                    .set(ga::completion_message.eq(input.message.as_deref()))
                    .execute(conn)?;
            }
            ApplicationAction::Decide => {
                let decision = input
                    .decision
                    .clone()
                    .ok_or_else(|| StoreError::invalid("outcome", "is required to decide"))?;
                note = Some(decide(
                    conn,
                    &current,
                    principal,
                    actor,
                    decision,
                    input.recorded.clone(),
                )?);
            }
            ApplicationAction::Report => {
                diesel::update(ga::table.find(id.to_string()))
                    .set(ga::report.eq(input.report.as_deref()))
                    .execute(conn)?;
            }
            _ => {}
        }
        bump(conn, &current)?;
        diesel::update(ga::table.find(id.to_string()))
            .set(ga::status.eq(next.as_str()))
            .execute(conn)?;
        record(
            conn,
            id,
            actor,
            action.as_str(),
            Some(current.status),
            Some(next),
            note.as_deref(),
        )?;
        find_application(conn, id)?.ok_or(StoreError::NotFound)
    })
}

/// Writes a decision that `domain::grant::check_decision` allows: its
/// allocation per year, the programme's granted figures and the decision.
/// The history's note.
fn decide(
    conn: &mut DbConnection,
    current: &Application,
    principal: &Principal,
    actor: &Actor,
    decision: NewDecision,
    recorded: Option<RecordedDecision>,
) -> Result<String, StoreError> {
    // Lock order: application (taken), organisation, programme. The
    // organisation's lock orders this decision against a conflict declared
    // at the same moment on any of its applications; the programme's
    // against other decisions on the same budget.
    let d = &current.details;
    lock(conn, Guard::Organisation, &d.organisation)?;
    lock(conn, Guard::GrantProgramme, &d.programme)?;
    // Read after the programme's lock: every decision before this one has
    // added its allocation to the figures.
    let programme = find_programme(conn, d.programme)?.ok_or(StoreError::NotFound)?;
    let allocation = match &recorded {
        Some(_) => check_recorded_decision(&decision, d, &programme)?,
        None => {
            let conflicts = conflict_record(conn, current, &actor.subject)?;
            check_decision(&decision, d, &programme, principal, conflicts)?
        }
    };
    for (year, amount) in &allocation {
        diesel::insert_into(gal::table)
            .values((
                gal::application_id.eq(current.id.to_string()),
                gal::programme_id.eq(programme.id.to_string()),
                gal::year.eq(year),
                gal::amount_sek.eq(amount.kronor()),
            ))
            .execute(conn)?;
    }
    add_granted(conn, programme.id, &allocation)?;
    let note = format!(
        "{}: {} SEK",
        decision.outcome,
        decision.granted_sek.kronor()
    );
    let record = match recorded {
        Some(r) => decision.record(
            &r.decided_by,
            "city_staff",
            programme.details.owning_unit,
            r.decided_on,
            allocation,
        ),
        None => decision.record(
            &actor.subject,
            actor.role,
            programme.details.owning_unit,
            crate::domain::local_time::today(),
            allocation,
        ),
    };
    diesel::update(ga::table.find(current.id.to_string()))
        .set(DecisionValues::new(&record, d.start_date.year()))
        .execute(conn)?;
    Ok(note)
}
