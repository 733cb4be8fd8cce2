//! Imported applications, historical ones among them: each step is the one
//! a single-record request takes (`insert`, `import_submission`, `act_as`
//! for the review and the decision, `pay_as`, `update_application`), so the
//! same rules hold, under the same locks, with the history and outbox
//! entries of each step made as an import by its caller.

use chrono::{DateTime, NaiveDate, Utc};

use super::act::{act_as, ActionInput};
use super::applications::{find_application, import_submission, insert_recorded};
use super::payments::pay_as;
use super::{insert_application, update_application};
use crate::db::{lock, write_transaction, Actor, DbConnection, Guard, StoreError};
use crate::domain::access::{authorize, Action, Principal};
use crate::domain::grant::{
    Application, ApplicationAction, ApplicationDetails, ApplicationStatus, NewDecision, Payment,
    RecordedDecision,
};
use crate::domain::import::{payments_extend, RowResult};
use crate::domain::money::Sek;
use crate::problem::ProblemCode;

/// An application as an import row gives it: what it says, and how far its
/// handling had come (submitted, decided, paid) in the system it comes from.
#[derive(Debug, Clone)]
pub struct ImportedApplication {
    pub details: ApplicationDetails,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decision: Option<(NewDecision, RecordedDecision)>,
    /// Amount and day of each payment, in the order paid.
    pub payments: Vec<(Sek, NaiveDate)>,
}

/// Imports one application by its `external_id`: creates it, or brings the
/// stored one to what the row says. What the row says of the application
/// itself changes it only while it may change (a draft); a decision is
/// recorded once and never changed; payments may be added after those
/// already recorded, never changed. A row that says nothing new writes
/// nothing.
pub fn import_application(
    conn: &mut DbConnection,
    row: ImportedApplication,
    principal: &Principal,
    actor: &Actor,
) -> Result<(RowResult, Application), StoreError> {
    write_transaction(conn, |conn| {
        let found = match &row.details.external_id {
            Some(external_id) => existing(conn, external_id)?,
            None => None,
        };
        let (mut result, mut current) = match found {
            None => {
                let created = if row.submitted_at.is_some() {
                    insert_recorded(conn, row.details.clone(), actor)?
                } else {
                    insert_application(conn, row.details.clone(), actor)?
                };
                (RowResult::Created, created)
            }
            Some(id) => {
                lock(conn, Guard::GrantApplication, &id)?;
                let current = find_application(conn, id)?.ok_or(StoreError::NotFound)?;
                if current.details == row.details {
                    (RowResult::Unchanged, current)
                } else {
                    let details = row.details.clone();
                    let organisation = current.details.organisation;
                    let changed = update_application(
                        conn,
                        id,
                        None,
                        actor,
                        |_| {
                            Ok(authorize(
                                principal,
                                Action::RegisterGrantApplication(organisation),
                            )?)
                        },
                        |_| Ok(details),
                    )?;
                    (RowResult::Updated, changed)
                }
            }
        };
        let step = |next: Application, result: &mut RowResult| {
            if *result == RowResult::Unchanged {
                *result = RowResult::Updated;
            }
            next
        };
        let id = current.id;
        if let Some(at) = row.submitted_at {
            if current.status == ApplicationStatus::Draft {
                current = step(import_submission(conn, id, at, actor)?, &mut result);
            } else if current.submitted_at != Some(at) {
                return Err(recorded_otherwise("submitted_at", "the submission"));
            }
        }
        if let Some((decision, recorded)) = row.decision {
            match &current.decision {
                None => {
                    if current.status == ApplicationStatus::Submitted {
                        let review = ActionInput::default();
                        step(
                            act_as(
                                conn,
                                id,
                                principal,
                                actor,
                                ApplicationAction::StartReview,
                                review,
                            )?,
                            &mut result,
                        );
                    }
                    let input = ActionInput {
                        decision: Some(decision),
                        recorded: Some(recorded),
                        ..ActionInput::default()
                    };
                    current = step(
                        act_as(conn, id, principal, actor, ApplicationAction::Decide, input)?,
                        &mut result,
                    );
                }
                Some(stored) => {
                    let same = stored.outcome == decision.outcome
                        && stored.granted_sek == decision.granted_sek
                        && stored.motivation == decision.motivation
                        && stored.decided_by == recorded.decided_by
                        && stored.decided_on == recorded.decided_on;
                    if !same {
                        return Err(recorded_otherwise("outcome", "the decision"));
                    }
                }
            }
        }
        let stored: Vec<(Sek, NaiveDate)> = super::payments(conn, id)?
            .into_iter()
            .map(|p| (p.amount_sek, p.paid_on))
            .collect();
        if !payments_extend(&stored, &row.payments) {
            return Err(recorded_otherwise("payments", "its payments"));
        }
        for (amount_sek, paid_on) in row.payments.into_iter().skip(stored.len()) {
            let payment = Payment {
                id: uuid::Uuid::now_v7(),
                amount_sek,
                paid_on,
            };
            current = step(pay_as(conn, id, principal, actor, payment)?, &mut result);
        }
        Ok((result, current))
    })
}

/// The application with this `external_id`, if any.
fn existing(
    conn: &mut DbConnection,
    external_id: &str,
) -> Result<Option<crate::domain::ids::GrantApplicationId>, StoreError> {
    use crate::db::schema::grant_applications as ga;
    use diesel::prelude::*;
    let id: Option<String> = ga::table
        .filter(ga::external_id.eq(external_id))
        .select(ga::id)
        .first(conn)
        .optional()?;
    id.map(|id| crate::db::parse(&id, "application id"))
        .transpose()
}

/// A row that would change what is already recorded of a handled application.
fn recorded_otherwise(field: &str, what: &str) -> StoreError {
    StoreError::Conflict {
        code: ProblemCode::RecordedOtherwise,
        detail: format!(
            "`{field}`: the application's record of {what} says otherwise; an import adds to a handled application's record, never changes it"
        ),
    }
}
