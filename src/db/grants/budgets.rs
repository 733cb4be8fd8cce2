//! A programme's figures per year (`grant_budgets`): the budget set by the
//! programme's owner, what decisions grant of it and what payments pay.
//! Written under the programme's lock; the table's CHECK (granted within
//! the budget, paid within granted) is the last line.

use diesel::prelude::*;

use crate::db::schema::grant_budgets as gb;
use crate::db::{DbConnection, StoreError};
use crate::domain::grant::paid_per_year;
use crate::domain::ids::GrantProgrammeId;
use crate::domain::money::Sek;

/// Sets a year's budget: a new year starts with nothing granted or paid, an
/// existing one keeps its figures.
pub(super) fn set_budget(
    conn: &mut DbConnection,
    programme: GrantProgrammeId,
    year: i32,
    budget: Sek,
) -> Result<(), StoreError> {
    let updated = diesel::update(
        gb::table
            .filter(gb::programme_id.eq(programme.to_string()))
            .filter(gb::year.eq(year)),
    )
    .set(gb::budget_sek.eq(budget.kronor()))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(gb::table)
            .values((
                gb::programme_id.eq(programme.to_string()),
                gb::year.eq(year),
                gb::budget_sek.eq(budget.kronor()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Adds a decision's allocation to its programme's granted figures, year by
/// year. Called under the programme's lock, after `check_decision`.
pub(super) fn add_granted(
    conn: &mut DbConnection,
    programme: GrantProgrammeId,
    allocation: &[(i32, Sek)],
) -> Result<(), StoreError> {
    for (year, amount) in allocation {
        add_to_year(conn, programme, *year, *amount, Sek::ZERO)?;
    }
    Ok(())
}

/// Adds a payment to its programme's paid figures: the part of each year
/// that `paid_per_year` moves when `paid_before` becomes `paid_after`.
/// Called under the programme's lock.
pub(super) fn add_paid(
    conn: &mut DbConnection,
    programme: GrantProgrammeId,
    allocation: &[(i32, Sek)],
    paid_before: Sek,
    paid_after: Sek,
) -> Result<(), StoreError> {
    let before = paid_per_year(allocation, paid_before);
    let after = paid_per_year(allocation, paid_after);
    for ((year, was), (_, is)) in before.into_iter().zip(after) {
        if is != was {
            add_to_year(conn, programme, year, Sek::ZERO, is.saturating_sub(was))?;
        }
    }
    Ok(())
}

fn add_to_year(
    conn: &mut DbConnection,
    programme: GrantProgrammeId,
    year: i32,
    granted: Sek,
    paid: Sek,
) -> Result<(), StoreError> {
    let updated = diesel::update(
        gb::table
            .filter(gb::programme_id.eq(programme.to_string()))
            .filter(gb::year.eq(year)),
    )
    .set((
        gb::granted_sek.eq(gb::granted_sek + granted.kronor()),
        gb::paid_sek.eq(gb::paid_sek + paid.kronor()),
    ))
    .execute(conn)?;
    if updated == 1 {
        Ok(())
    } else {
        // A grant is only decided within a budgeted year (`check_budget`).
        Err(StoreError::Internal(anyhow::anyhow!(
            "programme {programme} has no budget row for {year}"
        )))
    }
}
