//! Funding lines per year and source, and contributions in kind, with their
//! history entries.

use super::*;

#[derive(Queryable, Selectable)]
#[diesel(table_name = fl)]
struct FundingLineRow {
    id: String,
    source_unit_id: Option<String>,
    source_name: String,
    year: i32,
    amount_sek: i64,
}

impl TryFrom<FundingLineRow> for FundingLine {
    type Error = StoreError;
    fn try_from(r: FundingLineRow) -> Result<Self, StoreError> {
        Ok(FundingLine {
            id: parse(&r.id, "funding line id")?,
            source_unit: r.source_unit_id.map(|u| parse(&u, "unit id")).transpose()?,
            source_name: r.source_name,
            year: r.year,
            amount_sek: Sek::positive(r.amount_sek).map_err(|_| corrupt("funding amount"))?,
        })
    }
}

pub fn funding_lines(
    conn: &mut DbConnection,
    id: PartnershipId,
) -> Result<Vec<FundingLine>, StoreError> {
    fl::table
        .filter(fl::partnership_id.eq(id.to_string()))
        .order((fl::year.asc(), fl::created_at.asc(), fl::id.asc()))
        .select(FundingLineRow::as_select())
        .load(conn)?
        .into_iter()
        .map(FundingLine::try_from)
        .collect()
}

/// One funding line of the partnership; `None` when the partnership has no
/// line with that id.
pub fn find_funding_line(
    conn: &mut DbConnection,
    id: PartnershipId,
    line_id: uuid::Uuid,
) -> Result<Option<FundingLine>, StoreError> {
    fl::table
        .filter(fl::partnership_id.eq(id.to_string()))
        .filter(fl::id.eq(line_id.to_string()))
        .select(FundingLineRow::as_select())
        .first(conn)
        .optional()?
        .map(FundingLine::try_from)
        .transpose()
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
        let part = Some((ResourceType::PartnershipFundingLine, line.id.to_string()));
        announce(conn, actor, id, part, CREATED)?;
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

#[derive(Queryable, Selectable)]
#[diesel(table_name = ik)]
struct InKindRow {
    id: String,
    contributed_by_organisation_id: Option<String>,
    contributed_by_unit_id: Option<String>,
    kind: String,
    description: String,
    estimated_value_sek: Option<i64>,
}

impl TryFrom<InKindRow> for InKind {
    type Error = StoreError;
    fn try_from(r: InKindRow) -> Result<Self, StoreError> {
        Ok(InKind {
            id: parse(&r.id, "contribution id")?,
            organisation: r
                .contributed_by_organisation_id
                .map(|o| parse(&o, "organisation id"))
                .transpose()?,
            unit: r
                .contributed_by_unit_id
                .map(|u| parse(&u, "unit id"))
                .transpose()?,
            kind: parse(&r.kind, "in-kind kind")?,
            description: r.description,
            estimated_value_sek: r
                .estimated_value_sek
                .map(|v| Sek::new(v).map_err(|_| corrupt("in-kind value")))
                .transpose()?,
        })
    }
}

pub fn in_kind(conn: &mut DbConnection, id: PartnershipId) -> Result<Vec<InKind>, StoreError> {
    ik::table
        .filter(ik::partnership_id.eq(id.to_string()))
        .order((ik::created_at.asc(), ik::id.asc()))
        .select(InKindRow::as_select())
        .load(conn)?
        .into_iter()
        .map(InKind::try_from)
        .collect()
}

/// One in-kind contribution to the partnership; `None` when the
/// partnership has none with that id.
pub fn find_in_kind(
    conn: &mut DbConnection,
    id: PartnershipId,
    contribution_id: uuid::Uuid,
) -> Result<Option<InKind>, StoreError> {
    ik::table
        .filter(ik::partnership_id.eq(id.to_string()))
        .filter(ik::id.eq(contribution_id.to_string()))
        .select(InKindRow::as_select())
        .first(conn)
        .optional()?
        .map(InKind::try_from)
        .transpose()
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
        let part = Some((ResourceType::PartnershipInKind, contribution.id.to_string()));
        announce(conn, actor, id, part, CREATED)?;
        Ok(contribution)
    })
}
