//! Payments of a grant: never more than granted (`domain::grant::check_payment`),
//! under the application's lock, and added to the programme's paid figures
//! under the programme's.

use crate::problem::ProblemCode;
use diesel::prelude::*;

use super::applications::find_application;
use super::budgets::add_paid;
use super::history::record;
use super::rows::{PaymentRow, PaymentValues};
use super::{authorize_action, bump, invalid_transition, load_for_write};
use crate::db::schema::{grant_applications as ga, grant_payments as gp};
use crate::db::{lock, write_transaction, Actor, DbConnection, Guard, StoreError};
use crate::domain::access::Principal;
use crate::domain::grant::{check_payment, Application, ApplicationAction, Payment};
use crate::domain::ids::GrantApplicationId;
use crate::domain::money::Sek;
use crate::domain::now;

/// An application's payments, in the order they were paid.
pub fn payments(
    conn: &mut DbConnection,
    id: GrantApplicationId,
) -> Result<Vec<Payment>, StoreError> {
    let rows: Vec<PaymentRow> = gp::table
        .filter(gp::application_id.eq(id.to_string()))
        .order((gp::paid_on.asc(), gp::id.asc()))
        .select(PaymentRow::as_select())
        .load(conn)?;
    rows.into_iter().map(Payment::try_from).collect()
}

/// One payment of the application; `None` when the application has none
/// with that id (another application's is not found either).
pub fn find_payment(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    payment_id: uuid::Uuid,
) -> Result<Option<Payment>, StoreError> {
    gp::table
        .filter(gp::application_id.eq(id.to_string()))
        .filter(gp::id.eq(payment_id.to_string()))
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()?
        .map(Payment::try_from)
        .transpose()
}

/// Records a payment: never more than granted in all. The application's row
/// is locked first, so parallel payments queue and each sees the others.
pub fn pay(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    principal: &Principal,
    payment: Payment,
) -> Result<Application, StoreError> {
    pay_as(conn, id, principal, &Actor::from(principal), payment)
}

/// [`pay`], recorded as done by `actor` (an import by its caller).
pub fn pay_as(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    principal: &Principal,
    actor: &Actor,
    payment: Payment,
) -> Result<Application, StoreError> {
    write_transaction(conn, |conn| {
        let current = load_for_write(conn, id, principal, None)?;
        authorize_action(conn, principal, &current, ApplicationAction::Pay)?;
        let outcome = current.decision.as_ref().map(|d| d.outcome);
        let next = current
            .status
            .after(ApplicationAction::Pay, outcome)
            .ok_or_else(|| invalid_transition(&current, ApplicationAction::Pay))?;
        let granted = current
            .decision
            .as_ref()
            .map_or(Sek::ZERO, |d| d.granted_sek);
        check_payment(granted, current.paid_sek, payment.amount_sek).map_err(|detail| {
            StoreError::Conflict {
                code: ProblemCode::PaymentExceedsGrant,
                detail,
            }
        })?;
        if let Some(decision) = &current.decision {
            // Lock order: application (above), programme; the programme's
            // figures are written under its lock, as a decision writes them.
            lock(conn, Guard::GrantProgramme, &current.details.programme)?;
            // Within the grant (checked above), so an amount.
            let paid_after = current
                .paid_sek
                .checked_add(payment.amount_sek)
                .unwrap_or(granted);
            add_paid(
                conn,
                current.details.programme,
                &decision.allocation,
                current.paid_sek,
                paid_after,
            )?;
        }
        diesel::insert_into(gp::table)
            .values(PaymentValues {
                id: payment.id.to_string(),
                application_id: id.to_string(),
                amount_sek: payment.amount_sek.kronor(),
                paid_on: payment.paid_on,
                recorded_by: &actor.subject,
                created_at: now().naive_utc(),
            })
            .execute(conn)?;
        bump(conn, &current)?;
        diesel::update(ga::table.find(id.to_string()))
            .set(ga::status.eq(next.as_str()))
            .execute(conn)?;
        record(
            conn,
            id,
            actor,
            "pay",
            Some(current.status),
            Some(next),
            Some(&format!(
                "{} SEK paid on {}",
                payment.amount_sek.kronor(),
                payment.paid_on
            )),
        )?;
        find_application(conn, id)?.ok_or(StoreError::NotFound)
    })
}
