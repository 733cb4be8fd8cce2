//! City units: rows, queries and writes.

use crate::problem::ProblemCode;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::organisations::utc;
use super::outbox::Change;
use super::page::{Cursor, Page};
use super::schema::city_units;
use super::StoreError;
use super::{write_transaction, Actor, DbConnection};
use crate::domain::change::{Audience, ResourceType, CREATED, DELETED, UPDATED};
use crate::domain::city_unit::{CityUnit, CityUnitDetails, CityUnitKind};
use crate::domain::district::District;
use crate::domain::ids::CityUnitId;
use crate::domain::{FieldError, IfMatch, Version};

#[derive(Queryable, Selectable)]
#[diesel(table_name = city_units)]
struct CityUnitRow {
    id: String,
    name: String,
    kind: String,
    district: Option<String>,
    version: i64,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    created_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    updated_at: NaiveDateTime,
}

impl TryFrom<CityUnitRow> for CityUnit {
    type Error = StoreError;
    fn try_from(row: CityUnitRow) -> Result<Self, StoreError> {
        let bad =
            |what: &str| StoreError::Corrupt(format!("stored city unit {what} does not parse"));
        Ok(CityUnit {
            id: row.id.parse().map_err(|_| bad("id"))?,
            details: CityUnitDetails {
                name: row.name,
                kind: row.kind.parse().map_err(|_| bad("kind"))?,
                district: row
                    .district
                    .map(|d| d.parse::<District>())
                    .transpose()
                    .map_err(|_| bad("district"))?,
            },
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        })
    }
}

/// What a city unit list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct CityUnitFilter {
    pub kind: Option<CityUnitKind>,
    pub district: Option<District>,
}

pub fn find(conn: &mut DbConnection, id: CityUnitId) -> Result<Option<CityUnit>, StoreError> {
    city_units::table
        .find(id.to_string())
        .select(CityUnitRow::as_select())
        .first(conn)
        .optional()?
        .map(CityUnit::try_from)
        .transpose()
}

fn check_unique_name(
    conn: &mut DbConnection,
    name: &str,
    except: Option<CityUnitId>,
) -> Result<(), StoreError> {
    let except = except.map(|id| id.to_string()).unwrap_or_default();
    let taken: bool = diesel::select(diesel::dsl::exists(
        city_units::table
            .filter(city_units::name.eq(name))
            .filter(city_units::id.ne(except)),
    ))
    .get_result(conn)?;
    if taken {
        return Err(StoreError::Conflict {
            code: ProblemCode::DuplicateName,
            detail: format!("another city unit is already called `{name}`"),
        });
    }
    Ok(())
}

pub fn insert(
    conn: &mut DbConnection,
    details: CityUnitDetails,
    actor: &Actor,
) -> Result<CityUnit, StoreError> {
    let id = CityUnitId::new();
    let now = crate::domain::now();
    write_transaction(conn, |conn| {
        check_unique_name(conn, &details.name, None)?;
        diesel::insert_into(city_units::table)
            .values((
                city_units::id.eq(id.to_string()),
                city_units::name.eq(&details.name),
                city_units::kind.eq(details.kind.as_str()),
                city_units::district.eq(details.district.map(District::as_str)),
                city_units::version.eq(1),
                city_units::created_at.eq(now.naive_utc()),
                city_units::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        announce(conn, actor, id, CREATED, Some(1))?;
        Ok(CityUnit {
            id,
            details,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    })
}

/// Replaces a unit's details after `change` has computed them from the current ones.
pub fn update(
    conn: &mut DbConnection,
    id: CityUnitId,
    precondition: Option<IfMatch>,
    actor: &Actor,
    change: impl FnOnce(CityUnitDetails) -> Result<CityUnitDetails, Vec<FieldError>>,
) -> Result<CityUnit, StoreError> {
    write_transaction(conn, |conn| {
        super::lock(conn, super::Guard::CityUnit, &id)?;
        let current = find(conn, id)?.ok_or(StoreError::NotFound)?;
        if !Version(current.version).satisfies(precondition) {
            return Err(StoreError::VersionMismatch {
                current_version: current.version,
            });
        }
        let details = change(current.details.clone()).map_err(StoreError::Invalid)?;
        // A patch that changes nothing writes nothing: no new version.
        if details == current.details {
            return Ok(current);
        }
        check_unique_name(conn, &details.name, Some(id))?;
        let now = crate::domain::now();
        let written = diesel::update(
            city_units::table
                .find(id.to_string())
                .filter(city_units::version.eq(current.version)),
        )
        .set((
            city_units::name.eq(&details.name),
            city_units::kind.eq(details.kind.as_str()),
            city_units::district.eq(details.district.map(District::as_str)),
            city_units::version.eq(current.version + 1),
            city_units::updated_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
        if written != 1 {
            return Err(StoreError::VersionMismatch {
                current_version: current.version,
            });
        }
        announce(conn, actor, id, UPDATED, Some(current.version + 1))?;
        Ok(CityUnit {
            id,
            details,
            version: current.version + 1,
            created_at: current.created_at,
            updated_at: now,
        })
    })
}

pub fn delete(
    conn: &mut DbConnection,
    id: CityUnitId,
    precondition: Option<IfMatch>,
    actor: &Actor,
) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        super::lock(conn, super::Guard::CityUnit, &id)?;
        let current = find(conn, id)?.ok_or(StoreError::NotFound)?;
        if !Version(current.version).satisfies(precondition) {
            return Err(StoreError::VersionMismatch {
                current_version: current.version,
            });
        }
        diesel::delete(city_units::table.find(id.to_string())).execute(conn)?;
        announce(conn, actor, id, DELETED, Some(current.version))?;
        Ok(())
    })
}

/// Appends a change of a city unit to the outbox (units are public).
fn announce(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CityUnitId,
    action: &str,
    version: Option<i64>,
) -> Result<(), StoreError> {
    let change = Change::of(
        ResourceType::CityUnit,
        id,
        action,
        version,
        Audience::public(),
    );
    super::outbox::append(conn, actor, change)
}

/// City units by name (names are unique, so the name is the whole key).
pub fn list(
    conn: &mut DbConnection,
    filter: &CityUnitFilter,
    limit: usize,
    after: Option<&Cursor>,
) -> Result<Page<CityUnit>, StoreError> {
    let mut query = city_units::table
        .select(CityUnitRow::as_select())
        .into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(city_units::kind.eq(kind.as_str()));
    }
    if let Some(district) = filter.district {
        query = query.filter(city_units::district.eq(district.as_str()));
    }
    if let Some(c) = after {
        query = query.filter(city_units::name.gt(c.key.clone()));
    }
    let rows: Vec<CityUnitRow> = query
        .order(city_units::name.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    let page = Page::from_rows(rows, limit, |row| Cursor {
        sort: "name".into(),
        key: row.name.clone(),
        id: row.id.clone(),
    });
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(CityUnit::try_from)
            .collect::<Result<_, _>>()?,
        next: page.next,
    })
}
