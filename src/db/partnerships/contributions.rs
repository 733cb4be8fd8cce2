//! Funding lines per year and source, and contributions in kind, with their
//! history entries.

use super::*;

pub fn funding_lines(
    conn: &mut DbConnection,
    id: PartnershipId,
) -> Result<Vec<FundingLine>, StoreError> {
    let rows: Vec<(String, Option<String>, String, i32, i64)> = fl::table
        .filter(fl::partnership_id.eq(id.to_string()))
        .order((fl::year.asc(), fl::created_at.asc(), fl::id.asc()))
        .select((
            fl::id,
            fl::source_unit_id,
            fl::source_name,
            fl::year,
            fl::amount_sek,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(lid, unit, source_name, year, amount_sek)| {
            Ok(FundingLine {
                id: parse(&lid, "funding line id")?,
                source_unit: unit.map(|u| parse(&u, "unit id")).transpose()?,
                source_name,
                year,
                amount_sek: Sek::positive(amount_sek).map_err(|_| corrupt("funding amount"))?,
            })
        })
        .collect()
}

/// The funding lines of a page of partnerships in one statement, per
/// partnership in the order of [`funding_lines`]. Partnerships without any
/// are absent.
pub fn funding_lines_of(
    conn: &mut DbConnection,
    ids: &[PartnershipId],
) -> Result<HashMap<PartnershipId, Vec<FundingLine>>, StoreError> {
    type Row = (
        Parsed<PartnershipId>,
        Parsed<uuid::Uuid>,
        Option<Parsed<CityUnitId>>,
        String,
        i32,
        i64,
    );
    let rows: Vec<Row> = crate::db::children_of(conn, ids, |ids| {
        fl::table
            .filter(crate::db::parent_in(fl::partnership_id, ids))
            .order((fl::partnership_id, fl::year, fl::created_at, fl::id))
            .select((
                fl::partnership_id,
                fl::id,
                fl::source_unit_id,
                fl::source_name,
                fl::year,
                fl::amount_sek,
            ))
    })?;
    let mut by_partnership: HashMap<PartnershipId, Vec<FundingLine>> = HashMap::new();
    for (partnership, id, source_unit, source_name, year, amount_sek) in rows {
        by_partnership
            .entry(partnership.0)
            .or_default()
            .push(FundingLine {
                id: id.0,
                source_unit: source_unit.map(|u| u.0),
                source_name,
                year,
                amount_sek: Sek::positive(amount_sek).map_err(|_| corrupt("funding amount"))?,
            });
    }
    Ok(by_partnership)
}

/// A funding line to add: from a city unit or a named external source.
pub struct NewFundingLine {
    pub source_unit: Option<CityUnitId>,
    pub source_name: Option<String>,
    pub year: i32,
    pub amount_sek: Sek,
}

/// Adds a funding line. A line from a city unit is named after the unit.
pub fn add_funding_line(
    conn: &mut DbConnection,
    id: PartnershipId,
    actor: &Actor,
    authorize: impl FnOnce(&Loaded) -> Result<(), StoreError>,
    new: NewFundingLine,
) -> Result<FundingLine, StoreError> {
    let NewFundingLine {
        source_unit,
        source_name,
        year,
        amount_sek,
    } = new;
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        authorize(&loaded)?;
        still_open(&loaded.partnership)?;
        let name = match (source_unit, source_name) {
            (Some(unit), name) => {
                let unit_name: Option<String> = city_units::table
                    .find(unit.to_string())
                    .select(city_units::name)
                    .first(conn)
                    .optional()?;
                let unit_name = unit_name
                    .ok_or_else(|| StoreError::invalid("source_unit_id", "no such city unit"))?;
                name.unwrap_or(unit_name)
            }
            (None, Some(name)) => name,
            (None, None) => {
                return Err(StoreError::invalid(
                    "source_name",
                    "name the source, or give source_unit_id",
                ))
            }
        };
        let line = FundingLine {
            id: uuid::Uuid::now_v7(),
            source_unit,
            source_name: name,
            year,
            amount_sek,
        };
        diesel::insert_into(fl::table)
            .values((
                fl::id.eq(line.id.to_string()),
                fl::partnership_id.eq(id.to_string()),
                fl::source_unit_id.eq(source_unit.map(|u| u.to_string())),
                fl::source_name.eq(&line.source_name),
                fl::year.eq(year),
                fl::amount_sek.eq(amount_sek.kronor()),
                fl::created_at.eq(now().naive_utc()),
            ))
            .execute(conn)?;
        bump(conn, &loaded.partnership)?;
        let detail = format!("{year}: {amount_sek} from {}", line.source_name);
        record(
            conn,
            id,
            actor,
            Record {
                change: "funding",
                from: None,
                to: None,
                detail,
                reason: None,
            },
        )?;
        Ok(line)
    })
}

/// An in-kind contribution, as stored.
#[derive(Debug, Clone)]
pub struct InKind {
    pub id: uuid::Uuid,
    pub organisation: Option<OrganisationId>,
    pub unit: Option<CityUnitId>,
    pub kind: InKindKind,
    pub description: String,
    pub estimated_value_sek: Option<Sek>,
}

pub fn in_kind(conn: &mut DbConnection, id: PartnershipId) -> Result<Vec<InKind>, StoreError> {
    type Row = (
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        Option<i64>,
    );
    let rows: Vec<Row> = ik::table
        .filter(ik::partnership_id.eq(id.to_string()))
        .order((ik::created_at.asc(), ik::id.asc()))
        .select((
            ik::id,
            ik::contributed_by_organisation_id,
            ik::contributed_by_unit_id,
            ik::kind,
            ik::description,
            ik::estimated_value_sek,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(cid, org, unit, kind, description, estimated_value_sek)| {
            Ok(InKind {
                id: parse(&cid, "contribution id")?,
                organisation: org.map(|o| parse(&o, "organisation id")).transpose()?,
                unit: unit.map(|u| parse(&u, "unit id")).transpose()?,
                kind: parse(&kind, "in-kind kind")?,
                description,
                estimated_value_sek: estimated_value_sek
                    .map(|v| Sek::new(v).map_err(|_| corrupt("in-kind value")))
                    .transpose()?,
            })
        })
        .collect()
}

pub fn add_in_kind(
    conn: &mut DbConnection,
    id: PartnershipId,
    actor: &Actor,
    authorize: impl FnOnce(&Loaded) -> Result<(), StoreError>,
    contribution: InKind,
) -> Result<InKind, StoreError> {
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        authorize(&loaded)?;
        still_open(&loaded.partnership)?;
        if let Some(org) = contribution.organisation {
            if !loaded
                .parties
                .iter()
                .any(|p| p.organisation_id == org && p.is_current())
            {
                return Err(StoreError::invalid(
                    "organisation_id",
                    "the organisation is not a party to this partnership",
                ));
            }
        }
        if let Some(unit) = contribution.unit {
            let found: bool = diesel::select(diesel::dsl::exists(
                city_units::table.find(unit.to_string()),
            ))
            .get_result(conn)?;
            if !found {
                return Err(StoreError::invalid("unit_id", "no such city unit"));
            }
        }
        diesel::insert_into(ik::table)
            .values((
                ik::id.eq(contribution.id.to_string()),
                ik::partnership_id.eq(id.to_string()),
                ik::contributed_by_organisation_id
                    .eq(contribution.organisation.map(|o| o.to_string())),
                ik::contributed_by_unit_id.eq(contribution.unit.map(|u| u.to_string())),
                ik::kind.eq(contribution.kind.as_str()),
                ik::description.eq(&contribution.description),
                ik::estimated_value_sek.eq(contribution.estimated_value_sek.map(Sek::kronor)),
                ik::created_at.eq(now().naive_utc()),
            ))
            .execute(conn)?;
        bump(conn, &loaded.partnership)?;
        let detail = format!(
            "in kind ({}): {}",
            contribution.kind, contribution.description
        );
        record(
            conn,
            id,
            actor,
            Record {
                change: "funding",
                from: None,
                to: None,
                detail,
                reason: None,
            },
        )?;
        Ok(contribution)
    })
}
