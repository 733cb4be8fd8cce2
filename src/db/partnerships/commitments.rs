//! What each party undertakes, and the status of each commitment.

use super::*;

/// A commitment, as stored.
#[derive(Debug, Clone)]
pub struct Commitment {
    pub id: uuid::Uuid,
    pub organisation: Option<OrganisationId>,
    pub unit: Option<CityUnitId>,
    pub description: String,
    pub due_on: Option<NaiveDate>,
    pub recurrence: Option<String>,
    pub status: CommitmentStatus,
    pub version: i64,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = pc)]
struct CommitmentRow {
    id: String,
    owner_organisation_id: Option<String>,
    owner_unit_id: Option<String>,
    description: String,
    due_on: Option<NaiveDate>,
    recurrence: Option<String>,
    status: String,
    version: i64,
}

impl TryFrom<CommitmentRow> for Commitment {
    type Error = StoreError;
    fn try_from(r: CommitmentRow) -> Result<Self, StoreError> {
        Ok(Commitment {
            id: parse(&r.id, "commitment id")?,
            organisation: r
                .owner_organisation_id
                .map(|o| parse(&o, "organisation id"))
                .transpose()?,
            unit: r.owner_unit_id.map(|u| parse(&u, "unit id")).transpose()?,
            description: r.description,
            due_on: r.due_on,
            recurrence: r.recurrence,
            status: parse(&r.status, "commitment status")?,
            version: r.version,
        })
    }
}

pub fn commitments(
    conn: &mut DbConnection,
    id: PartnershipId,
) -> Result<Vec<Commitment>, StoreError> {
    pc::table
        .filter(pc::partnership_id.eq(id.to_string()))
        .order((pc::created_at.asc(), pc::id.asc()))
        .select(CommitmentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Commitment::try_from)
        .collect()
}

/// One commitment of the partnership; `None` when the partnership has no
/// commitment with that id (another partnership's is not found either).
pub fn find_commitment(
    conn: &mut DbConnection,
    id: PartnershipId,
    commitment_id: uuid::Uuid,
) -> Result<Option<Commitment>, StoreError> {
    pc::table
        .filter(pc::partnership_id.eq(id.to_string()))
        .filter(pc::id.eq(commitment_id.to_string()))
        .select(CommitmentRow::as_select())
        .first(conn)
        .optional()?
        .map(Commitment::try_from)
        .transpose()
}

pub fn add_commitment(
    conn: &mut DbConnection,
    id: PartnershipId,
    actor: &Actor,
    authorize: impl FnOnce(&Loaded) -> Result<(), StoreError>,
    commitment: Commitment,
) -> Result<Commitment, StoreError> {
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        authorize(&loaded)?;
        still_open(&loaded.partnership)?;
        if let Some(org) = commitment.organisation {
            if !loaded
                .parties
                .iter()
                .any(|p| p.organisation_id == org && p.is_current())
            {
                return Err(StoreError::invalid(
                    "owner_organisation_id",
                    "the organisation is not a party to this partnership",
                ));
            }
        }
        if let Some(unit) = commitment.unit {
            let found: bool = diesel::select(diesel::dsl::exists(
                city_units::table.find(unit.to_string()),
            ))
            .get_result(conn)?;
            if !found {
                return Err(StoreError::invalid("owner_unit_id", "no such city unit"));
            }
        }
        let now = now().naive_utc();
        diesel::insert_into(pc::table)
            .values((
                pc::id.eq(commitment.id.to_string()),
                pc::partnership_id.eq(id.to_string()),
                pc::owner_organisation_id.eq(commitment.organisation.map(|o| o.to_string())),
                pc::owner_unit_id.eq(commitment.unit.map(|u| u.to_string())),
                pc::description.eq(&commitment.description),
                pc::due_on.eq(commitment.due_on),
                pc::recurrence.eq(commitment.recurrence.as_deref()),
                pc::status.eq(commitment.status.as_str()),
                pc::version.eq(1),
                pc::created_at.eq(now),
                pc::updated_at.eq(now),
            ))
            .execute(conn)?;
        let part = Some((
            ResourceType::PartnershipCommitment,
            commitment.id.to_string(),
        ));
        announce(conn, actor, id, part, CREATED)?;
        Ok(commitment)
    })
}

/// Sets a commitment's status. `authorize` sees the partnership and the commitment.
pub fn set_commitment_status(
    conn: &mut DbConnection,
    id: PartnershipId,
    commitment_id: uuid::Uuid,
    precondition: Option<IfMatch>,
    actor: &Actor,
    authorize: impl FnOnce(&Loaded, &Commitment) -> Result<(), StoreError>,
    status: CommitmentStatus,
) -> Result<Commitment, StoreError> {
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        let mut commitment = commitments(conn, id)?
            .into_iter()
            .find(|c| c.id == commitment_id)
            .ok_or(StoreError::NotFound)?;
        authorize(&loaded, &commitment)?;
        if !Version(commitment.version).satisfies(precondition) {
            return Err(StoreError::VersionMismatch {
                current_version: commitment.version,
            });
        }
        let written = diesel::update(
            pc::table
                .find(commitment_id.to_string())
                .filter(pc::version.eq(commitment.version)),
        )
        .set((
            pc::status.eq(status.as_str()),
            pc::version.eq(commitment.version + 1),
            pc::updated_at.eq(now().naive_utc()),
        ))
        .execute(conn)?;
        if written != 1 {
            return Err(StoreError::VersionMismatch {
                current_version: commitment.version,
            });
        }
        commitment.status = status;
        commitment.version += 1;
        let part = Some((
            ResourceType::PartnershipCommitment,
            commitment_id.to_string(),
        ));
        announce(conn, actor, id, part, UPDATED)?;
        Ok(commitment)
    })
}
