//! Open data: the decided grants the public may see
//! (`domain::grant::is_public_grant`), with the names open data needs:
//! four statements whatever the number of grants.

use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use super::organisations::utc;
use super::parsed::Parsed;
use super::schema::{
    city_units as cu, grant_applications as ga, grant_programmes as gp, organisations as org,
};
use super::stamp::{Day, Stamp};
use super::{children_of, corrupt, parent_in, parse_list, DbConnection, StoreError};
use crate::domain::grant::{ApplicationStatus, DecisionOutcome};
use crate::domain::open_data::DecidedGrant;

/// Every decided grant that gives money (granted or partly granted, in any
/// state after the decision), in the order of the decisions (ties by id).
/// Drafts, applications in handling and rejections are never read.
pub fn decided_grants(conn: &mut DbConnection) -> Result<Vec<DecidedGrant>, StoreError> {
    let decided: Vec<&str> = ApplicationStatus::ALL
        .iter()
        .filter(|s| s.is_decided())
        .map(|s| s.as_str())
        .collect();
    let giving = [
        DecisionOutcome::Granted.as_str(),
        DecisionOutcome::PartlyGranted.as_str(),
    ];
    type Row = (
        Parsed<Uuid>,
        String,
        String,
        i64,
        Option<i64>,
        Option<Day>,
        Stamp,
        String,
        Parsed<Uuid>,
        Parsed<Uuid>,
    );
    let rows: Vec<Row> = ga::table
        .filter(ga::status.eq_any(decided))
        .filter(ga::outcome.eq_any(giving))
        .filter(ga::granted_sek.is_not_null())
        .filter(ga::decided_on.is_not_null())
        .order((ga::decided_on.asc(), ga::id.asc()))
        .select((
            ga::id,
            ga::title,
            ga::purpose,
            ga::requested_sek,
            ga::granted_sek,
            ga::decided_on,
            ga::updated_at,
            ga::districts,
            ga::organisation_id,
            ga::programme_id,
        ))
        .load(conn)?;

    let ids = |pick: fn(&Row) -> Uuid| {
        let mut ids: Vec<Uuid> = rows.iter().map(pick).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let organisations: HashMap<Uuid, (String, Option<String>)> =
        children_of(conn, &ids(|r| r.8 .0), |ids| {
            org::table.filter(parent_in(org::id, ids)).select((
                org::id,
                org::name,
                org::organisation_number,
            ))
        })?
        .into_iter()
        .map(|(id, name, number): (Parsed<Uuid>, String, Option<String>)| (id.0, (name, number)))
        .collect();
    let programmes: HashMap<Uuid, (String, Uuid)> = children_of(conn, &ids(|r| r.9 .0), |ids| {
        gp::table
            .filter(parent_in(gp::id, ids))
            .select((gp::id, gp::title, gp::owning_unit_id))
    })?
    .into_iter()
    .map(|(id, title, unit): (Parsed<Uuid>, String, Parsed<Uuid>)| (id.0, (title, unit.0)))
    .collect();
    let mut unit_ids: Vec<Uuid> = programmes.values().map(|(_, unit)| *unit).collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let units: HashMap<Uuid, String> = children_of(conn, &unit_ids, |ids| {
        cu::table
            .filter(parent_in(cu::id, ids))
            .select((cu::id, cu::name))
    })?
    .into_iter()
    .map(|(id, name): (Parsed<Uuid>, String)| (id.0, name))
    .collect();

    rows.into_iter()
        .map(
            |(id, title, purpose, requested, granted, decided_on, updated_at, districts, o, p)| {
                let (recipient_name, recipient_number) = organisations
                    .get(&o.0)
                    .cloned()
                    .ok_or_else(|| corrupt("grant's organisation"))?;
                let (programme_title, unit_id) = programmes
                    .get(&p.0)
                    .cloned()
                    .ok_or_else(|| corrupt("grant's programme"))?;
                let unit_name = units
                    .get(&unit_id)
                    .cloned()
                    .ok_or_else(|| corrupt("programme's unit"))?;
                Ok(DecidedGrant {
                    id: id.0,
                    title,
                    purpose,
                    requested_sek: requested,
                    granted_sek: granted.ok_or_else(|| corrupt("granted amount"))?,
                    decided_on: decided_on.ok_or_else(|| corrupt("decision day"))?.0,
                    updated_at: utc(updated_at.0),
                    districts: parse_list(&districts, "district")?,
                    recipient_id: o.0,
                    recipient_name,
                    recipient_number,
                    unit_id,
                    unit_name,
                    programme_id: p.0,
                    programme_title,
                })
            },
        )
        .collect()
}
