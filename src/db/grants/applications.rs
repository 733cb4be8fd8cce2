//! Grant applications: read with their payments and allocation, checked
//! against their programme (`domain::grant::check_application`) in the
//! transaction that writes them, created, changed and imported.

use crate::problem::ProblemCode;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::history::record;
use super::programmes::find_programme;
use super::rows::{
    sek, ApplicationChangeValues, ApplicationChildren, ApplicationRow, ApplicationValues,
};
use super::{bump, invalid_transition};
use crate::db::parsed::Parsed;
use crate::db::schema::{
    grant_allocations as gal, grant_applications as ga, grant_payments as gp,
    grant_programmes as pr, organisations,
};
use crate::db::{
    children_of, lock, parent_in, parse, write_transaction, Actor, DbConnection, Guard, StoreError,
};
use crate::domain::grant::{
    check_application, check_recorded_application, Application, ApplicationAction,
    ApplicationDetails, ApplicationStatus, Programme,
};
use crate::domain::ids::{CityUnitId, GrantApplicationId, GrantProgrammeId};
use crate::domain::organisation::LegalForm;
use crate::domain::{now, FieldError, IfMatch, Version};

/// The children of a page of applications, one statement per table.
pub(super) fn load_children(
    conn: &mut DbConnection,
    ids: &[GrantApplicationId],
) -> Result<HashMap<GrantApplicationId, ApplicationChildren>, StoreError> {
    let mut children: HashMap<GrantApplicationId, ApplicationChildren> = HashMap::new();
    let paid: Vec<(Parsed<GrantApplicationId>, i64)> = children_of(conn, ids, |ids| {
        gp::table
            .filter(parent_in(gp::application_id, ids))
            .order((gp::application_id, gp::paid_on))
            .select((gp::application_id, gp::amount_sek))
    })?;
    for (application, amount_sek) in paid {
        children
            .entry(application.0)
            .or_default()
            .paid
            .push(sek(amount_sek, "payment amount")?);
    }
    let allocations: Vec<(Parsed<GrantApplicationId>, i32, i64)> = children_of(conn, ids, |ids| {
        gal::table
            .filter(parent_in(gal::application_id, ids))
            .order((gal::application_id, gal::year))
            .select((gal::application_id, gal::year, gal::amount_sek))
    })?;
    for (application, year, amount_sek) in allocations {
        children
            .entry(application.0)
            .or_default()
            .allocation
            .push((year, sek(amount_sek, "allocation amount")?));
    }
    Ok(children)
}

pub fn find_application(
    conn: &mut DbConnection,
    id: GrantApplicationId,
) -> Result<Option<Application>, StoreError> {
    let row: Option<ApplicationRow> = ga::table
        .find(id.to_string())
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()?;
    match row {
        None => Ok(None),
        Some(r) => {
            let mut children = load_children(conn, &[r.id.0])?;
            let mine = children.remove(&r.id.0).unwrap_or_default();
            r.into_application(mine).map(Some)
        }
    }
}

/// What an application's checks read besides the application: its
/// programme, and the legal form of its organisation (`None`: no such
/// organisation).
pub(super) fn programme_and_form(
    conn: &mut DbConnection,
    d: &ApplicationDetails,
) -> Result<(Programme, Option<LegalForm>), StoreError> {
    let programme = find_programme(conn, d.programme)?
        .ok_or_else(|| StoreError::invalid("programme_id", "no such programme"))?;
    let form: Option<Parsed<LegalForm>> = organisations::table
        .find(d.organisation.to_string())
        .select(organisations::legal_form)
        .first(conn)
        .optional()?;
    Ok((programme, form.map(|f| f.0)))
}

/// Checks an application against its programme, read in the caller's
/// transaction (`domain::grant::check_application`).
fn check_against_programme(
    conn: &mut DbConnection,
    d: &ApplicationDetails,
) -> Result<(), StoreError> {
    let (programme, form) = programme_and_form(conn, d)?;
    check_application(d, &programme, form).map_err(StoreError::Invalid)
}

pub fn insert_application(
    conn: &mut DbConnection,
    d: ApplicationDetails,
    actor: &Actor,
) -> Result<Application, StoreError> {
    insert_checked(conn, d, actor, false)
}

/// Creates an application (a draft) that an import records as submitted in
/// the past (`check_recorded_application`: its programme may have closed).
pub(super) fn insert_recorded(
    conn: &mut DbConnection,
    d: ApplicationDetails,
    actor: &Actor,
) -> Result<Application, StoreError> {
    insert_checked(conn, d, actor, true)
}

fn insert_checked(
    conn: &mut DbConnection,
    d: ApplicationDetails,
    actor: &Actor,
    recorded: bool,
) -> Result<Application, StoreError> {
    let id = GrantApplicationId::new();
    let now = now().naive_utc();
    write_transaction(conn, |conn| {
        if recorded {
            let (programme, form) = programme_and_form(conn, &d)?;
            check_recorded_application(&d, &programme, form).map_err(StoreError::Invalid)?;
        } else {
            check_against_programme(conn, &d)?;
        }
        if let Some(number) = &d.registry_number {
            let taken: bool = diesel::select(diesel::dsl::exists(
                ga::table.filter(ga::registry_number.eq(number)),
            ))
            .get_result(conn)?;
            if taken {
                return Err(StoreError::Conflict {
                    code: ProblemCode::DuplicateRegistryNumber,
                    detail: format!("another application has registry number `{number}`"),
                });
            }
        }
        if let Some(external_id) = &d.external_id {
            let taken: bool = diesel::select(diesel::dsl::exists(
                ga::table.filter(ga::external_id.eq(external_id)),
            ))
            .get_result(conn)?;
            if taken {
                return Err(StoreError::Conflict {
                    code: ProblemCode::DuplicateExternalId,
                    detail: format!("another application has external_id `{external_id}`"),
                });
            }
        }
        diesel::insert_into(ga::table)
            .values((
                ga::id.eq(id.to_string()),
                ApplicationValues::from(&d),
                ga::status.eq(ApplicationStatus::Draft.as_str()),
                ga::submitted_late.eq(false),
                ga::version.eq(1),
                ga::created_at.eq(now),
                ga::updated_at.eq(now),
            ))
            .execute(conn)?;
        record(
            conn,
            id,
            actor,
            "create",
            None,
            Some(ApplicationStatus::Draft),
            None,
        )?;
        find_application(conn, id)?.ok_or(StoreError::NotFound)
    })
}

/// Changes what a draft (or an application asked to complete) says.
pub fn update_application(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    precondition: Option<IfMatch>,
    actor: &Actor,
    authorize: impl FnOnce(&Application) -> Result<(), StoreError>,
    change: impl FnOnce(ApplicationDetails) -> Result<ApplicationDetails, Vec<FieldError>>,
) -> Result<Application, StoreError> {
    write_transaction(conn, |conn| {
        lock(conn, Guard::GrantApplication, &id)?;
        let current = find_application(conn, id)?.ok_or(StoreError::NotFound)?;
        authorize(&current)?;
        if !Version(current.version).satisfies(precondition) {
            return Err(StoreError::VersionMismatch {
                current_version: current.version,
            });
        }
        if !current.status.is_editable() {
            return Err(StoreError::Conflict {
                code: ProblemCode::NotEditable,
                detail: format!(
                    "the application is {}; it changes only as a draft or when a completion is asked for",
                    current.status
                ),
            });
        }
        let d = change(current.details.clone()).map_err(StoreError::Invalid)?;
        // A patch that changes nothing writes nothing: no version, no history.
        if d == current.details {
            return Ok(current);
        }
        check_against_programme(conn, &d)?;
        bump(conn, &current)?;
        diesel::update(ga::table.find(id.to_string()))
            .set(ApplicationChangeValues::from(&d))
            .execute(conn)?;
        record(conn, id, actor, "edit", None, None, None)?;
        find_application(conn, id)?.ok_or(StoreError::NotFound)
    })
}

/// The unit that owns an application's programme (it handles the application).
pub fn owning_unit(
    conn: &mut DbConnection,
    programme: GrantProgrammeId,
) -> Result<CityUnitId, StoreError> {
    let unit: String = pr::table
        .find(programme.to_string())
        .select(pr::owning_unit_id)
        .first(conn)?;
    parse(&unit, "unit id")
}

/// The owning unit of each of `programmes` (for the `allowed_actions` of
/// their applications).
pub fn owning_units(
    conn: &mut DbConnection,
    programmes: &[GrantProgrammeId],
) -> Result<HashMap<GrantProgrammeId, CityUnitId>, StoreError> {
    // A page of applications names few programmes, each many times.
    let mut ids: Vec<String> = programmes.iter().map(ToString::to_string).collect();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<(String, String)> = children_of(conn, &ids, |ids| {
        pr::table
            .filter(parent_in(pr::id, ids))
            .order(pr::id)
            .select((pr::id, pr::owning_unit_id))
    })?;
    rows.iter()
        .map(|(id, unit)| Ok((parse(id, "programme id")?, parse(unit, "unit id")?)))
        .collect()
}

/// Records a submission made in the past (imports of historical records and
/// demo data), when the round's deadline was checked by the system of the time.
pub fn import_submission(
    conn: &mut DbConnection,
    id: GrantApplicationId,
    at: DateTime<Utc>,
    actor: &Actor,
) -> Result<Application, StoreError> {
    write_transaction(conn, |conn| {
        lock(conn, Guard::GrantApplication, &id)?;
        let current = find_application(conn, id)?.ok_or(StoreError::NotFound)?;
        let next = current
            .status
            .after(ApplicationAction::Submit, None)
            .ok_or_else(|| invalid_transition(&current, ApplicationAction::Submit))?;
        bump(conn, &current)?;
        diesel::update(ga::table.find(id.to_string()))
            .set((
                ga::status.eq(next.as_str()),
                ga::submitted_at.eq(Some(at.naive_utc())),
                ga::submitted_late.eq(false),
            ))
            .execute(conn)?;
        record(
            conn,
            id,
            actor,
            "submit",
            Some(current.status),
            Some(next),
            Some("imported"),
        )?;
        find_application(conn, id)?.ok_or(StoreError::NotFound)
    })
}
