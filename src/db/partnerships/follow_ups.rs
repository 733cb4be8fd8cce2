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

pub fn follow_ups(conn: &mut DbConnection, id: PartnershipId) -> Result<Vec<FollowUp>, StoreError> {
    type Row = (
        String,
        NaiveDate,
        String,
        String,
        Option<String>,
        Option<i32>,
        Option<String>,
        Option<String>,
        NaiveDateTime,
    );
    let rows: Vec<Row> = fu::table
        .filter(fu::partnership_id.eq(id.to_string()))
        .order((fu::held_on.asc(), fu::id.asc()))
        .select((
            fu::id,
            fu::held_on,
            fu::kind,
            fu::summary,
            fu::participants,
            fu::perceived_reception,
            fu::effects,
            fu::filed_by_organisation_id,
            fu::created_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(
                fid,
                held_on,
                kind,
                summary,
                participants,
                perceived_reception,
                effects,
                org,
                created_at,
            )| {
                Ok(FollowUp {
                    id: parse(&fid, "follow-up id")?,
                    held_on,
                    kind: parse(&kind, "follow-up kind")?,
                    summary,
                    participants,
                    perceived_reception,
                    effects,
                    filed_by_organisation: org.map(|o| parse(&o, "organisation id")).transpose()?,
                    created_at: utc(created_at),
                })
            },
        )
        .collect()
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
        Ok(follow_up)
    })
}
