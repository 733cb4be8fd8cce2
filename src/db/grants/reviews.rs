//! The city's internal review notes on an application.

use diesel::prelude::*;

use super::rows::{ReviewRow, ReviewValues};
use super::{authorize_handling, load_for_write};
use crate::db::outbox::{self, Change};
use crate::db::schema::grant_reviews as rv;
use crate::db::{write_transaction, Actor, DbConnection, StoreError};
use crate::domain::access::Principal;
use crate::domain::change::{Audience, ResourceType, CREATED};
use crate::domain::grant::Review;
use crate::domain::ids::GrantApplicationId;

/// An application's review notes, oldest first.
pub fn reviews(conn: &mut DbConnection, id: GrantApplicationId) -> Result<Vec<Review>, StoreError> {
    let rows: Vec<ReviewRow> = rv::table
        .filter(rv::application_id.eq(id.to_string()))
        .order((rv::created_at.asc(), rv::id.asc()))
        .select(ReviewRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Review::from).collect())
}

/// One review note on the application; `None` when the application has
/// none with that id.
pub fn find_review(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    review_id: uuid::Uuid,
) -> Result<Option<Review>, StoreError> {
    let row: Option<ReviewRow> = rv::table
        .filter(rv::application_id.eq(id.to_string()))
        .filter(rv::id.eq(review_id.to_string()))
        .select(ReviewRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(Review::from))
}

/// Adds a review note: staff of the owning unit and admins.
pub fn add_review(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    principal: &Principal,
    review: Review,
) -> Result<Review, StoreError> {
    write_transaction(conn, |conn| {
        let current = load_for_write(conn, id, principal, None)?;
        authorize_handling(conn, principal, &current)?;
        let values = ReviewValues::new(id, &review);
        let review_id = values.id.clone();
        diesel::insert_into(rv::table)
            .values(values)
            .execute(conn)?;
        // Review notes are the city's own.
        let change = Change::of(
            ResourceType::GrantReview,
            review_id,
            CREATED,
            Some(current.version),
            Audience::city(),
        )
        .within(ResourceType::GrantApplication, id);
        outbox::append(conn, &Actor::from(principal), change)?;
        Ok(review)
    })
}
