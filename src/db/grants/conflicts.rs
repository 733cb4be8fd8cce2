//! Declarations of conflict of interest (jäv) on applications: kept, never
//! replaced; a declared conflict binds the person for the organisation
//! until an admin releases it with a reason. Declarations and decisions
//! lock the organisation, so one made at the moment of the other is ordered
//! with it.

use crate::problem::ProblemCode;
use diesel::prelude::*;

use super::history::record;
use super::rows::{ConflictRow, DeclarationValues, ReleaseValues};
use super::{authorize_handling, load_for_write};
use crate::db::schema::grant_conflicts as gc;
use crate::db::{lock, write_transaction, Actor, DbConnection, Guard, StoreError};
use crate::domain::access::{authorize, Action, Principal};
use crate::domain::grant::{Application, ConflictDeclaration, ConflictRecord, NotBinding};
use crate::domain::ids::GrantApplicationId;
use crate::domain::now;

/// What is on record about `subject`'s conflicts of interest with the
/// organisation of `application`, read under the locks of the decision.
pub(super) fn conflict_record(
    conn: &mut DbConnection,
    application: &Application,
    subject: &str,
) -> Result<ConflictRecord, StoreError> {
    let binding_conflict: bool = diesel::select(diesel::dsl::exists(
        gc::table
            .filter(gc::subject.eq(subject))
            .filter(gc::organisation_id.eq(application.details.organisation.to_string()))
            .filter(gc::has_conflict.eq(true))
            .filter(gc::released_at.is_null()),
    ))
    .get_result(conn)?;
    let declared_none_here: bool = diesel::select(diesel::dsl::exists(
        gc::table
            .filter(gc::subject.eq(subject))
            .filter(gc::application_id.eq(application.id.to_string()))
            .filter(gc::has_conflict.eq(false)),
    ))
    .get_result(conn)?;
    Ok(ConflictRecord {
        binding_conflict,
        declared_none_here,
    })
}

/// The declarations made on one application, oldest first.
pub fn conflict_declarations(
    conn: &mut DbConnection,
    id: GrantApplicationId,
) -> Result<Vec<ConflictDeclaration>, StoreError> {
    let rows: Vec<ConflictRow> = gc::table
        .filter(gc::application_id.eq(id.to_string()))
        .order((gc::declared_at.asc(), gc::id.asc()))
        .select(ConflictRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(ConflictDeclaration::from).collect())
}

/// One declaration made on the application; `None` when the application
/// has none with that id.
pub fn find_conflict_declaration(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    declaration_id: uuid::Uuid,
) -> Result<Option<ConflictDeclaration>, StoreError> {
    let row: Option<ConflictRow> = gc::table
        .filter(gc::application_id.eq(id.to_string()))
        .filter(gc::id.eq(declaration_id.to_string()))
        .select(ConflictRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(ConflictDeclaration::from))
}

/// Records a person's declaration about conflict of interest. Declarations
/// are kept, never replaced: a declared conflict binds the person for the
/// organisation until an admin releases it (see [`release_conflict`]). The
/// organisation's row is locked, in the same order as a decision takes it,
/// so a declaration and a decision made at the same moment are ordered.
pub fn declare_conflict(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    principal: &Principal,
    has_conflict: bool,
    note: Option<String>,
) -> Result<ConflictDeclaration, StoreError> {
    let actor = Actor::from(principal);
    write_transaction(conn, |conn| {
        let current = load_for_write(conn, id, principal, None)?;
        authorize_handling(conn, principal, &current)?;
        lock(conn, Guard::Organisation, &current.details.organisation)?;
        let declaration = ConflictDeclaration::new(
            id,
            current.details.organisation,
            &actor.subject,
            has_conflict,
            note,
            now(),
        );
        diesel::insert_into(gc::table)
            .values(DeclarationValues::from(&declaration))
            .execute(conn)?;
        // The history says that a declaration was made, not the private note.
        record(
            conn,
            id,
            &actor,
            "declare_conflict",
            None,
            None,
            Some(if has_conflict {
                "declared a conflict of interest (jäv) with the organisation"
            } else {
                "declared no conflict of interest"
            }),
        )?;
        Ok(declaration)
    })
}

impl From<NotBinding> for StoreError {
    fn from(_: NotBinding) -> Self {
        StoreError::Conflict {
            code: ProblemCode::NotABindingConflict,
            detail: "this declaration is not a conflict of interest that binds anyone".into(),
        }
    }
}

/// An admin's reasoned decision that a declared conflict no longer applies;
/// kept on the declaration and in the application's history.
pub fn release_conflict(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    declaration: uuid::Uuid,
    principal: &Principal,
    reason: String,
) -> Result<ConflictDeclaration, StoreError> {
    let actor = Actor::from(principal);
    write_transaction(conn, |conn| {
        let current = load_for_write(conn, id, principal, None)?;
        authorize(principal, Action::ReleaseConflictOfInterest)?;
        lock(conn, Guard::Organisation, &current.details.organisation)?;
        let row: Option<ConflictRow> = gc::table
            .find(declaration.to_string())
            .filter(gc::application_id.eq(id.to_string()))
            .select(ConflictRow::as_select())
            .first(conn)
            .optional()?;
        let found = ConflictDeclaration::from(row.ok_or(StoreError::NotFound)?);
        let subject = found.subject.clone();
        let released = found.release(&actor.subject, reason, now())?;
        let values = ReleaseValues::of(&released).ok_or(StoreError::NotFound)?;
        diesel::update(gc::table.find(declaration.to_string()))
            .set(values)
            .execute(conn)?;
        let reason = released.release_reason.as_deref().unwrap_or_default();
        record(
            conn,
            id,
            &actor,
            "release_conflict",
            None,
            None,
            Some(&format!(
                "the conflict of interest declared by {subject} no longer applies: {reason}"
            )),
        )?;
        Ok(released)
    })
}
