//! The rows of an application's parts: payments, review notes and
//! declarations of conflict of interest.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::organisations::utc;
use crate::db::parsed::Parsed;
use crate::db::schema::{grant_conflicts as gc, grant_payments as gp, grant_reviews as rv};
use crate::db::StoreError;
use crate::domain::grant::{ConflictDeclaration, DecisionOutcome, Payment, Review};
use crate::domain::ids::{GrantApplicationId, OrganisationId};

/// A payment as read.
#[derive(Queryable, Selectable)]
#[diesel(table_name = gp)]
pub(in crate::db::grants) struct PaymentRow {
    id: Parsed<uuid::Uuid>,
    amount_sek: i64,
    paid_on: NaiveDate,
}

impl TryFrom<PaymentRow> for Payment {
    type Error = StoreError;
    fn try_from(r: PaymentRow) -> Result<Self, StoreError> {
        Ok(Payment {
            id: r.id.0,
            amount_sek: super::sek(r.amount_sek, "payment amount")?,
            paid_on: r.paid_on,
        })
    }
}

/// A payment as recorded.
#[derive(Insertable)]
#[diesel(table_name = gp)]
pub(in crate::db::grants) struct PaymentValues<'a> {
    pub id: String,
    pub application_id: String,
    pub amount_sek: i64,
    pub paid_on: NaiveDate,
    pub recorded_by: &'a str,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = rv)]
pub(in crate::db::grants) struct ReviewRow {
    id: Parsed<uuid::Uuid>,
    author: String,
    note: String,
    recommendation: Option<Parsed<DecisionOutcome>>,
    created_at: NaiveDateTime,
}

impl From<ReviewRow> for Review {
    fn from(r: ReviewRow) -> Self {
        Review {
            id: r.id.0,
            author: r.author,
            note: r.note,
            recommendation: r.recommendation.map(|o| o.0),
            created_at: utc(r.created_at),
        }
    }
}

/// A review note as written.
#[derive(Insertable)]
#[diesel(table_name = rv)]
pub(in crate::db::grants) struct ReviewValues<'a> {
    pub(in crate::db::grants) id: String,
    application_id: String,
    author: &'a str,
    note: &'a str,
    recommendation: Option<&'static str>,
    created_at: NaiveDateTime,
}

impl<'a> ReviewValues<'a> {
    pub(in crate::db::grants) fn new(application: GrantApplicationId, r: &'a Review) -> Self {
        ReviewValues {
            id: r.id.to_string(),
            application_id: application.to_string(),
            author: &r.author,
            note: &r.note,
            recommendation: r.recommendation.map(|o| o.as_str()),
            created_at: r.created_at.naive_utc(),
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = gc)]
pub(in crate::db::grants) struct ConflictRow {
    id: Parsed<uuid::Uuid>,
    application_id: Parsed<GrantApplicationId>,
    organisation_id: Parsed<OrganisationId>,
    subject: String,
    has_conflict: bool,
    note: Option<String>,
    declared_at: NaiveDateTime,
    released_at: Option<NaiveDateTime>,
    released_by: Option<String>,
    release_reason: Option<String>,
}

impl From<ConflictRow> for ConflictDeclaration {
    fn from(r: ConflictRow) -> Self {
        ConflictDeclaration {
            id: r.id.0,
            application_id: r.application_id.0,
            organisation_id: r.organisation_id.0,
            subject: r.subject,
            has_conflict: r.has_conflict,
            note: r.note,
            declared_at: utc(r.declared_at),
            released_at: r.released_at.map(utc),
            released_by: r.released_by,
            release_reason: r.release_reason,
        }
    }
}

/// A new declaration as written (a release sets the `released_*` columns later).
#[derive(Insertable)]
#[diesel(table_name = gc)]
pub(in crate::db::grants) struct DeclarationValues<'a> {
    id: String,
    application_id: String,
    organisation_id: String,
    subject: &'a str,
    has_conflict: bool,
    note: Option<&'a str>,
    declared_at: NaiveDateTime,
}

impl<'a> From<&'a ConflictDeclaration> for DeclarationValues<'a> {
    fn from(d: &'a ConflictDeclaration) -> Self {
        DeclarationValues {
            id: d.id.to_string(),
            application_id: d.application_id.to_string(),
            organisation_id: d.organisation_id.to_string(),
            subject: &d.subject,
            has_conflict: d.has_conflict,
            note: d.note.as_deref(),
            declared_at: d.declared_at.naive_utc(),
        }
    }
}

/// A release as written to its declaration's row.
#[derive(AsChangeset)]
#[diesel(table_name = gc)]
pub(in crate::db::grants) struct ReleaseValues<'a> {
    released_at: NaiveDateTime,
    released_by: &'a str,
    release_reason: &'a str,
}

impl<'a> ReleaseValues<'a> {
    /// The release of `d`, which [`ConflictDeclaration::release`] made.
    pub(in crate::db::grants) fn of(d: &'a ConflictDeclaration) -> Option<Self> {
        Some(ReleaseValues {
            released_at: d.released_at?.naive_utc(),
            released_by: d.released_by.as_deref()?,
            release_reason: d.release_reason.as_deref()?,
        })
    }
}
