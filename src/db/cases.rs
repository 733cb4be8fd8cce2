//! An organisation's cases (`GET /organisations/{id}/cases`): the
//! partnerships that name it, its grant applications and its registrations
//! for dialogue events, each with the latest entry of its history. Seven
//! statements whatever the number of cases (one per table, the children by
//! [`children_of`]); who sees which is `domain::case::visible_cases`.

use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use super::organisations::utc;
use super::parsed::Parsed;
use super::partnerships::parties_of;
use super::schema::{
    dialogue_events as de, dialogue_registrations as dr, grant_applications as ga,
    grant_history as gh, partnership_history as ph, partnership_parties as pp, partnerships as pt,
};
use super::stamp::Stamp;
use super::{children_of, parent_in, DbConnection, StoreError};
use crate::domain::case::{
    ApplicationCase, CaseRecords, LatestEntry, PartnershipCase, RegistrationCase,
};
use crate::domain::dialogue::{EventStatus, RegistrationStatus};
use crate::domain::grant::ApplicationStatus;
use crate::domain::ids::{OrganisationId, PartnershipId};
use crate::domain::partnership::PartnershipStatus;

/// Everything `organisation` is party to, before anyone's read rule: the
/// partnerships it is (or was, or is invited to be) a party of or that it
/// proposed, its applications, its registrations.
pub fn of_organisation(
    conn: &mut DbConnection,
    organisation: OrganisationId,
) -> Result<CaseRecords, StoreError> {
    Ok(CaseRecords {
        partnerships: partnerships(conn, organisation)?,
        applications: applications(conn, organisation)?,
        registrations: registrations(conn, organisation)?,
    })
}

/// The last of each parent's history rows, given in the order they happened.
fn latest_of(
    rows: Vec<(Parsed<Uuid>, Stamp, String, Option<String>)>,
) -> HashMap<Uuid, LatestEntry> {
    rows.into_iter()
        .map(|(parent, at, action, to_status)| {
            (
                parent.0,
                LatestEntry {
                    at: utc(at.0),
                    action,
                    to_status,
                },
            )
        })
        .collect()
}

fn partnerships(
    conn: &mut DbConnection,
    organisation: OrganisationId,
) -> Result<Vec<PartnershipCase>, StoreError> {
    let org = organisation.to_string();
    type Row = (
        Parsed<PartnershipId>,
        String,
        Parsed<PartnershipStatus>,
        Option<Parsed<OrganisationId>>,
        Stamp,
    );
    let rows: Vec<Row> = pt::table
        .filter(
            pt::id
                .eq_any(
                    pp::table
                        .filter(pp::organisation_id.eq(org.clone()))
                        .select(pp::partnership_id),
                )
                .or(pt::initiating_organisation_id.eq(org)),
        )
        .select((
            pt::id,
            pt::title,
            pt::status,
            pt::initiating_organisation_id,
            pt::created_at,
        ))
        .load(conn)?;
    let ids: Vec<PartnershipId> = rows.iter().map(|r| r.0 .0).collect();
    let mut parties = parties_of(conn, &ids)?;
    let mut latest = latest_of(children_of(conn, &ids, |ids| {
        ph::table
            .filter(parent_in(ph::partnership_id, ids))
            .order((ph::partnership_id, ph::at, ph::id))
            .select((ph::partnership_id, ph::at, ph::change, ph::to_status))
    })?);
    Ok(rows
        .into_iter()
        .map(
            |(id, title, status, initiator, created_at)| PartnershipCase {
                id: id.0 .0,
                title,
                status: status.0,
                initiating_organisation: initiator.map(|o| o.0),
                parties: parties.remove(&id.0).unwrap_or_default(),
                created_at: utc(created_at.0),
                latest: latest.remove(&id.0 .0),
            },
        )
        .collect())
}

fn applications(
    conn: &mut DbConnection,
    organisation: OrganisationId,
) -> Result<Vec<ApplicationCase>, StoreError> {
    type Row = (Parsed<Uuid>, String, Parsed<ApplicationStatus>, Stamp);
    let rows: Vec<Row> = ga::table
        .filter(ga::organisation_id.eq(organisation.to_string()))
        .select((ga::id, ga::title, ga::status, ga::created_at))
        .load(conn)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0 .0).collect();
    let mut latest = latest_of(children_of(conn, &ids, |ids| {
        gh::table
            .filter(parent_in(gh::application_id, ids))
            .order((gh::application_id, gh::at, gh::id))
            .select((gh::application_id, gh::at, gh::action, gh::to_status))
    })?);
    Ok(rows
        .into_iter()
        .map(|(id, title, status, created_at)| ApplicationCase {
            id: id.0,
            title,
            status: status.0,
            created_at: utc(created_at.0),
            latest: latest.remove(&id.0),
        })
        .collect())
}

fn registrations(
    conn: &mut DbConnection,
    organisation: OrganisationId,
) -> Result<Vec<RegistrationCase>, StoreError> {
    type Row = (
        Parsed<Uuid>,
        Parsed<Uuid>,
        Parsed<RegistrationStatus>,
        Stamp,
        Stamp,
    );
    let rows: Vec<Row> = dr::table
        .filter(dr::organisation_id.eq(organisation.to_string()))
        .select((
            dr::id,
            dr::event_id,
            dr::status,
            dr::registered_at,
            dr::updated_at,
        ))
        .load(conn)?;
    let mut event_ids: Vec<Uuid> = rows.iter().map(|r| r.1 .0).collect();
    event_ids.sort_unstable();
    event_ids.dedup();
    let events: HashMap<Uuid, (String, EventStatus)> = children_of(conn, &event_ids, |ids| {
        de::table
            .filter(parent_in(de::id, ids))
            .select((de::id, de::title, de::status))
    })?
    .into_iter()
    .map(
        |(id, title, status): (Parsed<Uuid>, String, Parsed<EventStatus>)| {
            (id.0, (title, status.0))
        },
    )
    .collect();
    rows.into_iter()
        .map(|(id, event, status, registered_at, updated_at)| {
            let (title, event_status) = events
                .get(&event.0)
                .cloned()
                .ok_or_else(|| super::corrupt("registration's event"))?;
            Ok(RegistrationCase {
                id: id.0,
                event_id: event.0,
                title,
                event_status,
                status: status.0,
                registered_at: utc(registered_at.0),
                updated_at: utc(updated_at.0),
            })
        })
        .collect()
}
