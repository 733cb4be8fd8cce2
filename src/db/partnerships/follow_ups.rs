//! Follow-ups: meetings, reports and evaluations, with the action plan's
//! indicators.

use super::*;

/// A follow-up, as stored.
#[derive(Debug, Clone)]
pub struct FollowUp {
    pub id: uuid::Uuid,
    pub held_on: NaiveDate,
    pub kind: FollowUpKind,
    pub summary: String,
    pub participants: Option<String>,
    pub perceived_reception: Option<i32>,
    pub effects: Option<String>,
    pub filed_by_organisation: Option<OrganisationId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = fu)]
struct FollowUpRow {
    id: String,
    held_on: NaiveDate,
    kind: String,
    summary: String,
    participants: Option<String>,
    perceived_reception: Option<i32>,
    effects: Option<String>,
    filed_by_organisation_id: Option<String>,
    created_at: NaiveDateTime,
}

impl TryFrom<FollowUpRow> for FollowUp {
    type Error = StoreError;
    fn try_from(r: FollowUpRow) -> Result<Self, StoreError> {
        Ok(FollowUp {
            id: parse(&r.id, "follow-up id")?,
            held_on: r.held_on,
            kind: parse(&r.kind, "follow-up kind")?,
            summary: r.summary,
            participants: r.participants,
            perceived_reception: r.perceived_reception,
            effects: r.effects,
            filed_by_organisation: r
                .filed_by_organisation_id
                .map(|o| parse(&o, "organisation id"))
                .transpose()?,
            created_at: utc(r.created_at),
        })
    }
}

pub fn follow_ups(conn: &mut DbConnection, id: PartnershipId) -> Result<Vec<FollowUp>, StoreError> {
    fu::table
        .filter(fu::partnership_id.eq(id.to_string()))
        .order((fu::held_on.asc(), fu::id.asc()))
        .select(FollowUpRow::as_select())
        .load(conn)?
        .into_iter()
        .map(FollowUp::try_from)
        .collect()
}

/// One follow-up of the partnership; `None` when the partnership has none
/// with that id.
pub fn find_follow_up(
    conn: &mut DbConnection,
    id: PartnershipId,
    follow_up_id: uuid::Uuid,
) -> Result<Option<FollowUp>, StoreError> {
    fu::table
        .filter(fu::partnership_id.eq(id.to_string()))
        .filter(fu::id.eq(follow_up_id.to_string()))
        .select(FollowUpRow::as_select())
        .first(conn)
        .optional()?
        .map(FollowUp::try_from)
        .transpose()
}

pub fn add_follow_up(
    conn: &mut DbConnection,
    id: PartnershipId,
    actor: &Actor,
    authorize: impl FnOnce(&Loaded) -> Result<(), StoreError>,
    follow_up: FollowUp,
) -> Result<FollowUp, StoreError> {
    write_transaction(conn, |conn| {
        let loaded = load_for_write(conn, id)?;
        authorize(&loaded)?;
        diesel::insert_into(fu::table)
            .values((
                fu::id.eq(follow_up.id.to_string()),
                fu::partnership_id.eq(id.to_string()),
                fu::held_on.eq(follow_up.held_on),
                fu::kind.eq(follow_up.kind.as_str()),
                fu::summary.eq(&follow_up.summary),
                fu::participants.eq(follow_up.participants.as_deref()),
                fu::perceived_reception.eq(follow_up.perceived_reception),
                fu::effects.eq(follow_up.effects.as_deref()),
                fu::filed_by.eq(&actor.subject),
                fu::filed_by_organisation_id
                    .eq(follow_up.filed_by_organisation.map(|o| o.to_string())),
                fu::created_at.eq(follow_up.created_at.naive_utc()),
            ))
            .execute(conn)?;
        let part = Some((ResourceType::PartnershipFollowUp, follow_up.id.to_string()));
        announce(conn, actor, id, part, CREATED)?;
        Ok(follow_up)
    })
}
