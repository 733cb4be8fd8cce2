//! Lists of applications (what a caller may list, narrowed by the filters
//! of the list), and what deciding who may see an application looks at.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use super::applications::load_children;
use super::rows::ApplicationRow;
use crate::db::page::{timestamp_key, Cursor, Page};
use crate::db::schema::grant_applications as ga;
use crate::db::{children_of, contains_pattern, parent_in, parse, DbConnection, StoreError};
use crate::domain::district::District;
use crate::domain::grant::{Application, ApplicationStatus, DecisionOutcome};
use crate::domain::ids::{GrantApplicationId, GrantProgrammeId, GrantRoundId, OrganisationId};
use crate::domain::organisation::search_key;

/// What an application list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub programme: Option<GrantProgrammeId>,
    pub round: Option<GrantRoundId>,
    pub status: Option<ApplicationStatus>,
    pub organisation: Option<OrganisationId>,
    pub district: Option<District>,
    pub decided_from: Option<NaiveDate>,
    pub decided_to: Option<NaiveDate>,
    /// Bounds of the requested amount, as the query gives them (compared
    /// in SQL, so any whole number narrows the list as it says).
    pub min_sek: Option<i64>,
    pub max_sek: Option<i64>,
    pub updated_since: Option<DateTime<Utc>>,
    pub q: Option<String>,
}

/// What a caller may list.
pub enum ApplicationScope {
    Everything,
    /// Public grants, plus everything of this organisation.
    PublicAnd(Option<OrganisationId>),
}

pub fn list_applications(
    conn: &mut DbConnection,
    f: &ApplicationFilter,
    scope: ApplicationScope,
    limit: usize,
    after: Option<&Cursor>,
) -> Result<Page<Application>, StoreError> {
    let public_status: Vec<&str> = ApplicationStatus::ALL
        .iter()
        .filter(|s| s.is_decided())
        .map(|s| s.as_str())
        .collect();
    let public_outcomes = vec![
        DecisionOutcome::Granted.as_str(),
        DecisionOutcome::PartlyGranted.as_str(),
    ];
    let mut q = ga::table.select(ApplicationRow::as_select()).into_boxed();
    match scope {
        ApplicationScope::Everything => {}
        ApplicationScope::PublicAnd(org) => {
            let org = org.map(|o| o.to_string()).unwrap_or_default();
            q = q.filter(
                ga::status
                    .eq_any(public_status)
                    .and(ga::outcome.eq_any(public_outcomes))
                    .or(ga::organisation_id.eq(org)),
            );
        }
    }
    if let Some(v) = f.programme {
        q = q.filter(ga::programme_id.eq(v.to_string()));
    }
    if let Some(v) = f.round {
        q = q.filter(ga::round_id.eq(v.to_string()));
    }
    if let Some(v) = f.status {
        q = q.filter(ga::status.eq(v.as_str()));
    }
    if let Some(v) = f.organisation {
        q = q.filter(ga::organisation_id.eq(v.to_string()));
    }
    if let Some(v) = f.district {
        q = q.filter(ga::districts.like(format!("%,{},%", v.as_str())));
    }
    if let Some(v) = f.decided_from {
        q = q.filter(ga::decided_on.ge(v));
    }
    if let Some(v) = f.decided_to {
        q = q.filter(ga::decided_on.le(v));
    }
    if let Some(v) = f.min_sek {
        q = q.filter(ga::requested_sek.ge(v));
    }
    if let Some(v) = f.max_sek {
        q = q.filter(ga::requested_sek.le(v));
    }
    if let Some(v) = f.updated_since {
        q = q.filter(ga::updated_at.ge(v.naive_utc()));
    }
    if let Some(text) = &f.q {
        q = q.filter(
            ga::title_search
                .like(contains_pattern(&search_key(text)))
                .escape('\\'),
        );
    }
    if let Some(c) = after {
        let key = c.timestamp()?;
        q = q.filter(
            ga::created_at
                .gt(key)
                .or(ga::created_at.eq(key).and(ga::id.gt(c.id.clone()))),
        );
    }
    let rows: Vec<ApplicationRow> = q
        .order((ga::created_at.asc(), ga::id.asc()))
        .limit(limit as i64 + 1)
        .load(conn)?;
    let page = Page::from_rows(rows, limit, |r| Cursor {
        sort: "created_at".into(),
        key: timestamp_key(r.created_at),
        id: r.id.0.to_string(),
    });
    let ids: Vec<GrantApplicationId> = page.items.iter().map(|r| r.id.0).collect();
    let mut children = load_children(conn, &ids)?;
    let items = page
        .items
        .into_iter()
        .map(|row| {
            let mine = children.remove(&row.id.0).unwrap_or_default();
            row.into_application(mine)
        })
        .collect::<Result<_, _>>()?;
    Ok(Page {
        items,
        next: page.next,
    })
}

/// What deciding who may see an application looks at
/// (`domain::grant::sees_whole_application`, `is_public_grant`).
pub struct ApplicationVisibility {
    pub organisation: OrganisationId,
    pub status: ApplicationStatus,
    /// The decision's outcome, as [`Application::decision`] has it.
    pub outcome: Option<DecisionOutcome>,
}

/// The [`ApplicationVisibility`] of applications, one statement for any
/// number (for the links of a list); those that do not exist are absent.
pub fn visibility_of(
    conn: &mut DbConnection,
    ids: &[GrantApplicationId],
) -> Result<HashMap<GrantApplicationId, ApplicationVisibility>, StoreError> {
    type Row = (String, String, String, Option<String>, bool);
    let rows: Vec<Row> = children_of(conn, ids, |ids| {
        ga::table.filter(parent_in(ga::id, ids)).select((
            ga::id,
            ga::organisation_id,
            ga::status,
            ga::outcome,
            // A decision is whole only with all of these (`ApplicationRow::into_application`).
            ga::granted_sek
                .is_not_null()
                .and(ga::motivation.is_not_null())
                .and(ga::decided_by.is_not_null())
                .and(ga::decided_on.is_not_null()),
        ))
    })?;
    rows.into_iter()
        .map(|(id, organisation, status, outcome, decided)| {
            let id: GrantApplicationId = parse(&id, "application id")?;
            let outcome = match outcome {
                Some(o) if decided => Some(parse(&o, "outcome")?),
                _ => None,
            };
            Ok((
                id,
                ApplicationVisibility {
                    organisation: parse(&organisation, "organisation id")?,
                    status: parse(&status, "application status")?,
                    outcome,
                },
            ))
        })
        .collect()
}
