//! Organisations: rows, queries and writes.

use crate::problem::ProblemCode;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::outbox::Change;
use super::page::{timestamp_key, Cursor, Page};
use super::schema::organisations;
use super::StoreError;
use super::{contains_pattern, list_column, parse, write_transaction, Actor, DbConnection};
use crate::domain::change::{Audience, ResourceType, CREATED, DELETED, UPDATED};
use crate::domain::district::District;
use crate::domain::ids::OrganisationId;
use crate::domain::import::RowResult;
use crate::domain::organisation::{
    search_key, LegalForm, Organisation, OrganisationChange, OrganisationDetails,
    OrganisationField, OrganisationNumber,
};
use crate::domain::{IfMatch, Version};

crate::text_enum!(
    /// The order of an organisation list; `-` sorts descending.
    OrganisationSort {
        CreatedAt => "created_at",
        CreatedAtDesc => "-created_at",
        UpdatedAt => "updated_at",
        UpdatedAtDesc => "-updated_at",
        Name => "name",
        NameDesc => "-name",
    }
);

/// What an organisation list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub q: Option<String>,
    pub district: Option<District>,
    pub legal_form: Option<LegalForm>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = organisations)]
struct OrganisationRow {
    id: String,
    name: String,
    organisation_number: Option<String>,
    districts: String,
    legal_form: String,
    description: Option<String>,
    website: Option<String>,
    contact_email: Option<String>,
    contact_phone: Option<String>,
    external_id: Option<String>,
    version: i64,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    created_at: NaiveDateTime,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    updated_at: NaiveDateTime,
    notice_language: String,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = organisations, treat_none_as_null = true)]
struct OrganisationValues<'a> {
    name: &'a str,
    name_search: String,
    organisation_number: Option<&'a str>,
    districts: String,
    legal_form: &'static str,
    description: Option<&'a str>,
    website: Option<&'a str>,
    contact_email: Option<&'a str>,
    contact_phone: Option<&'a str>,
    external_id: Option<&'a str>,
    notice_language: &'static str,
}

impl<'a> From<&'a OrganisationDetails> for OrganisationValues<'a> {
    fn from(d: &'a OrganisationDetails) -> Self {
        OrganisationValues {
            name: &d.name,
            name_search: search_key(&d.name),
            organisation_number: d
                .organisation_number
                .as_ref()
                .map(OrganisationNumber::as_str),
            districts: list_column(&d.districts),
            legal_form: d.legal_form.as_str(),
            description: d.description.as_deref(),
            website: d.website.as_deref(),
            contact_email: d.contact_email.as_deref(),
            contact_phone: d.contact_phone.as_deref(),
            external_id: d.external_id.as_deref(),
            notice_language: d.notice_language.as_str(),
        }
    }
}

pub(crate) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

impl TryFrom<OrganisationRow> for Organisation {
    type Error = StoreError;
    fn try_from(row: OrganisationRow) -> Result<Self, StoreError> {
        Ok(Organisation {
            id: parse(&row.id, "organisation id")?,
            details: OrganisationDetails {
                name: row.name,
                organisation_number: row
                    .organisation_number
                    .map(|n| {
                        OrganisationNumber::parse(&n).map_err(|m| {
                            StoreError::Corrupt(format!("stored organisation number: {m}"))
                        })
                    })
                    .transpose()?,
                legal_form: parse(&row.legal_form, "legal form")?,
                districts: row
                    .districts
                    .split(',')
                    .filter(|d| !d.is_empty())
                    .map(|d| parse(d, "district"))
                    .collect::<Result<_, _>>()?,
                description: row.description,
                website: row.website,
                contact_email: row.contact_email,
                contact_phone: row.contact_phone,
                external_id: row.external_id,
                notice_language: parse(&row.notice_language, "notice language")?,
            },
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        })
    }
}

pub fn find(
    conn: &mut DbConnection,
    id: OrganisationId,
) -> Result<Option<Organisation>, StoreError> {
    organisations::table
        .find(id.to_string())
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()?
        .map(Organisation::try_from)
        .transpose()
}

/// Whether an organisation exists (for checks made by other aggregates).
pub fn exists(conn: &mut DbConnection, id: OrganisationId) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(
        organisations::table.find(id.to_string()),
    ))
    .get_result(conn)?)
}

/// Refuses a second organisation with the same organisation number or external id.
fn check_unique(
    conn: &mut DbConnection,
    d: &OrganisationDetails,
    except: Option<OrganisationId>,
) -> Result<(), StoreError> {
    let except = except.map(|id| id.to_string()).unwrap_or_default();
    if let Some(number) = &d.organisation_number {
        let taken: bool = diesel::select(diesel::dsl::exists(
            organisations::table
                .filter(organisations::organisation_number.eq(number.as_str()))
                .filter(organisations::id.ne(&except)),
        ))
        .get_result(conn)?;
        if taken {
            return Err(StoreError::Conflict {
                code: ProblemCode::DuplicateOrganisationNumber,
                detail: format!("another organisation already has organisation number {number}"),
            });
        }
    }
    if let Some(external_id) = &d.external_id {
        let taken: bool = diesel::select(diesel::dsl::exists(
            organisations::table
                .filter(organisations::external_id.eq(external_id))
                .filter(organisations::id.ne(&except)),
        ))
        .get_result(conn)?;
        if taken {
            return Err(StoreError::Conflict {
                code: ProblemCode::DuplicateExternalId,
                detail: format!("another organisation already has external_id `{external_id}`"),
            });
        }
    }
    Ok(())
}

pub fn insert(
    conn: &mut DbConnection,
    details: OrganisationDetails,
    actor: &Actor,
) -> Result<Organisation, StoreError> {
    let id = OrganisationId::new();
    let now = crate::domain::now();
    write_transaction(conn, |conn| {
        check_unique(conn, &details, None)?;
        diesel::insert_into(organisations::table)
            .values((
                organisations::id.eq(id.to_string()),
                OrganisationValues::from(&details),
                organisations::version.eq(1),
                organisations::created_at.eq(now.naive_utc()),
                organisations::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        announce(conn, actor, id, CREATED, Some(1))?;
        Ok(Organisation {
            id,
            details,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    })
}

pub fn update(
    conn: &mut DbConnection,
    id: OrganisationId,
    precondition: Option<IfMatch>,
    change: OrganisationChange,
    actor: &Actor,
) -> Result<Organisation, StoreError> {
    write_transaction(conn, |conn| {
        super::lock(conn, super::Guard::Organisation, &id)?;
        let current = find(conn, id)?.ok_or(StoreError::NotFound)?;
        if !Version(current.version).satisfies(precondition) {
            return Err(StoreError::VersionMismatch {
                current_version: current.version,
            });
        }
        let details = change.apply_to(current.details.clone());
        // A patch that changes nothing writes nothing: no new version.
        if details == current.details {
            return Ok(current);
        }
        check_unique(conn, &details, Some(id))?;
        let now = crate::domain::now();
        let written = diesel::update(
            organisations::table
                .find(id.to_string())
                .filter(organisations::version.eq(current.version)),
        )
        .set((
            OrganisationValues::from(&details),
            organisations::version.eq(current.version + 1),
            organisations::updated_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
        if written != 1 {
            return Err(StoreError::VersionMismatch {
                current_version: current.version,
            });
        }
        announce(conn, actor, id, UPDATED, Some(current.version + 1))?;
        Ok(Organisation {
            id,
            details,
            version: current.version + 1,
            created_at: current.created_at,
            updated_at: now,
        })
    })
}

/// The organisation an imported row names: by its `external_id`, else by
/// its organisation number.
fn matching(
    conn: &mut DbConnection,
    d: &OrganisationDetails,
) -> Result<Option<OrganisationId>, StoreError> {
    let mut found: Option<String> = None;
    if let Some(external_id) = &d.external_id {
        found = organisations::table
            .filter(organisations::external_id.eq(external_id))
            .select(organisations::id)
            .first(conn)
            .optional()?;
    }
    if let (None, Some(number)) = (&found, &d.organisation_number) {
        found = organisations::table
            .filter(organisations::organisation_number.eq(number.as_str()))
            .select(organisations::id)
            .first(conn)
            .optional()?;
    }
    found.map(|id| parse(&id, "organisation id")).transpose()
}

/// Imports one organisation: registers it when no organisation has its
/// `external_id` or organisation number, else sets the `given` fields
/// through [`update`] (the same checks, lock, version and outbox change),
/// after `authorize` has allowed each field that changes. A row that says
/// nothing new writes nothing.
pub fn import(
    conn: &mut DbConnection,
    details: OrganisationDetails,
    given: &[OrganisationField],
    actor: &Actor,
    authorize: impl FnOnce(OrganisationId, &[OrganisationField]) -> Result<(), StoreError>,
) -> Result<(RowResult, Organisation), StoreError> {
    write_transaction(conn, |conn| match matching(conn, &details)? {
        None => Ok((RowResult::Created, insert(conn, details, actor)?)),
        Some(id) => {
            super::lock(conn, super::Guard::Organisation, &id)?;
            let current = find(conn, id)?.ok_or(StoreError::NotFound)?;
            let change = OrganisationChange::to_match(details, given, &current.details);
            if change == OrganisationChange::default() {
                return Ok((RowResult::Unchanged, current));
            }
            authorize(id, &change.fields())?;
            Ok((RowResult::Updated, update(conn, id, None, change, actor)?))
        }
    })
}

pub fn delete(
    conn: &mut DbConnection,
    id: OrganisationId,
    precondition: Option<IfMatch>,
    actor: &Actor,
) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        super::lock(conn, super::Guard::Organisation, &id)?;
        let current = find(conn, id)?.ok_or(StoreError::NotFound)?;
        if !Version(current.version).satisfies(precondition) {
            return Err(StoreError::VersionMismatch {
                current_version: current.version,
            });
        }
        diesel::delete(organisations::table.find(id.to_string())).execute(conn)?;
        announce(conn, actor, id, DELETED, Some(current.version))?;
        Ok(())
    })
}

/// Appends a change of an organisation to the outbox: its public profile
/// makes every change public.
fn announce(
    conn: &mut DbConnection,
    actor: &Actor,
    id: OrganisationId,
    action: &str,
    version: Option<i64>,
) -> Result<(), StoreError> {
    let change = Change::of(
        ResourceType::Organisation,
        id,
        action,
        version,
        Audience::public(),
    );
    super::outbox::append(conn, actor, change)
}

fn parse_timestamp_key(text: &str) -> Result<NaiveDateTime, StoreError> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.6f")
        .map_err(|_| StoreError::InvalidCursor)
}

pub fn list(
    conn: &mut DbConnection,
    filter: &OrganisationFilter,
    sort: OrganisationSort,
    limit: usize,
    after: Option<&Cursor>,
) -> Result<Page<Organisation>, StoreError> {
    use organisations::dsl as o;
    let mut query = o::organisations
        .select(OrganisationRow::as_select())
        .into_boxed();
    if let Some(q) = &filter.q {
        query = query.filter(
            o::name_search
                .like(contains_pattern(&search_key(q)))
                .escape('\\'),
        );
    }
    if let Some(district) = filter.district {
        query = query.filter(o::districts.like(format!("%,{},%", district.as_str())));
    }
    if let Some(form) = filter.legal_form {
        query = query.filter(o::legal_form.eq(form.as_str()));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(o::updated_at.ge(since.naive_utc()));
    }
    // Keyset: (sort key, id) strictly after the cursor, in the sort's direction.
    macro_rules! keyset {
        ($column:expr, $key:expr, asc) => {{
            if let Some(c) = after {
                let key = $key(&c.key)?;
                query = query.filter(
                    $column
                        .gt(key.clone())
                        .or($column.eq(key).and(o::id.gt(c.id.clone()))),
                );
            }
            query.order(($column.asc(), o::id.asc()))
        }};
        ($column:expr, $key:expr, desc) => {{
            if let Some(c) = after {
                let key = $key(&c.key)?;
                query = query.filter(
                    $column
                        .lt(key.clone())
                        .or($column.eq(key).and(o::id.lt(c.id.clone()))),
                );
            }
            query.order(($column.desc(), o::id.desc()))
        }};
    }
    let text_key = |k: &str| Ok::<_, StoreError>(k.to_owned());
    let query = match sort {
        OrganisationSort::CreatedAt => keyset!(o::created_at, parse_timestamp_key, asc),
        OrganisationSort::CreatedAtDesc => keyset!(o::created_at, parse_timestamp_key, desc),
        OrganisationSort::UpdatedAt => keyset!(o::updated_at, parse_timestamp_key, asc),
        OrganisationSort::UpdatedAtDesc => keyset!(o::updated_at, parse_timestamp_key, desc),
        OrganisationSort::Name => keyset!(o::name, text_key, asc),
        OrganisationSort::NameDesc => keyset!(o::name, text_key, desc),
    };
    let rows: Vec<OrganisationRow> = query.limit(limit as i64 + 1).load(conn)?;
    let page = Page::from_rows(rows, limit, |row| Cursor {
        sort: sort.as_str().to_owned(),
        key: match sort {
            OrganisationSort::CreatedAt | OrganisationSort::CreatedAtDesc => {
                timestamp_key(row.created_at)
            }
            OrganisationSort::UpdatedAt | OrganisationSort::UpdatedAtDesc => {
                timestamp_key(row.updated_at)
            }
            OrganisationSort::Name | OrganisationSort::NameDesc => row.name.clone(),
        },
        id: row.id.clone(),
    });
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(Organisation::try_from)
            .collect::<Result<_, _>>()?,
        next: page.next,
    })
}
