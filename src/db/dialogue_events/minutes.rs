//! The minutes of a held event and the co-organisers' contributions to them.

use super::*;
use crate::problem::ProblemCode;

/// Writes the minutes of a held event.
pub fn write_minutes(
    conn: &mut DbConnection,
    id: DialogueEventId,
    precondition: Option<IfMatch>,
    actor: &Actor,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    text: String,
) -> Result<DialogueEvent, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        authorize(&event)?;
        check_version(&event, precondition)?;
        if event.status != EventStatus::Held {
            return Err(StoreError::Conflict {
                code: ProblemCode::EventNotHeld,
                detail: format!(
                    "minutes are written after the event; it is {}",
                    event.status
                ),
            });
        }
        let now = bump(conn, &event)?;
        diesel::update(ev::table.find(id.to_string()))
            .set(ev::minutes.eq(&text))
            .execute(conn)?;
        let event = DialogueEvent {
            minutes: Some(text),
            version: event.version + 1,
            updated_at: now,
            ..event
        };
        let part = Some((ResourceType::DialogueMinutes, id.to_string()));
        announce(conn, actor, &event, part, UPDATED)?;
        Ok(event)
    })
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = mc)]
struct ContributionRow {
    id: String,
    organisation_id: Option<String>,
    author: String,
    text: String,
    created_at: NaiveDateTime,
}

impl TryFrom<ContributionRow> for MinutesContribution {
    type Error = StoreError;
    fn try_from(r: ContributionRow) -> Result<Self, StoreError> {
        Ok(MinutesContribution {
            id: parse(&r.id, "contribution id")?,
            organisation_id: r
                .organisation_id
                .map(|o| parse(&o, "organisation id"))
                .transpose()?,
            author: r.author,
            text: r.text,
            created_at: utc(r.created_at),
        })
    }
}

pub fn contributions(
    conn: &mut DbConnection,
    id: DialogueEventId,
) -> Result<Vec<MinutesContribution>, StoreError> {
    mc::table
        .filter(mc::event_id.eq(id.to_string()))
        .order((mc::created_at.asc(), mc::id.asc()))
        .select(ContributionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(MinutesContribution::try_from)
        .collect()
}

/// One contribution to the event's minutes; `None` when the event has none
/// with that id.
pub fn find_contribution(
    conn: &mut DbConnection,
    id: DialogueEventId,
    contribution_id: uuid::Uuid,
) -> Result<Option<MinutesContribution>, StoreError> {
    mc::table
        .filter(mc::event_id.eq(id.to_string()))
        .filter(mc::id.eq(contribution_id.to_string()))
        .select(ContributionRow::as_select())
        .first(conn)
        .optional()?
        .map(MinutesContribution::try_from)
        .transpose()
}

/// Adds a co-organiser's contribution to the minutes of a held event.
pub fn contribute(
    conn: &mut DbConnection,
    id: DialogueEventId,
    actor: &Actor,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    contribution: MinutesContribution,
) -> Result<MinutesContribution, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        authorize(&event)?;
        if event.status != EventStatus::Held {
            return Err(StoreError::Conflict {
                code: ProblemCode::EventNotHeld,
                detail: format!(
                    "minutes are written after the event; it is {}",
                    event.status
                ),
            });
        }
        diesel::insert_into(mc::table)
            .values((
                mc::id.eq(contribution.id.to_string()),
                mc::event_id.eq(id.to_string()),
                mc::organisation_id.eq(contribution.organisation_id.map(|o| o.to_string())),
                mc::author.eq(&contribution.author),
                mc::text.eq(&contribution.text),
                mc::created_at.eq(contribution.created_at.naive_utc()),
            ))
            .execute(conn)?;
        let part = Some((
            ResourceType::DialogueMinutesContribution,
            contribution.id.to_string(),
        ));
        announce(conn, actor, &event, part, CREATED)?;
        Ok(contribution)
    })
}
