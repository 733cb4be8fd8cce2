//! The minutes of a held event and the co-organisers' contributions to them.

use super::*;

/// Writes the minutes of a held event.
pub fn write_minutes(
    conn: &mut DbConnection,
    id: DialogueEventId,
    precondition: Option<IfMatch>,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    text: String,
) -> Result<DialogueEvent, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        authorize(&event)?;
        check_version(&event, precondition)?;
        if event.status != EventStatus::Held {
            return Err(StoreError::Conflict {
                code: "event_not_held",
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
        Ok(DialogueEvent {
            minutes: Some(text),
            version: event.version + 1,
            updated_at: now,
            ..event
        })
    })
}

pub fn contributions(
    conn: &mut DbConnection,
    id: DialogueEventId,
) -> Result<Vec<MinutesContribution>, StoreError> {
    let rows: Vec<(Option<String>, String, String, NaiveDateTime)> = mc::table
        .filter(mc::event_id.eq(id.to_string()))
        .order((mc::created_at.asc(), mc::id.asc()))
        .select((mc::organisation_id, mc::author, mc::text, mc::created_at))
        .load(conn)?;
    rows.into_iter()
        .map(|(org, author, text, at)| {
            Ok(MinutesContribution {
                organisation_id: org.map(|o| parse(&o, "organisation id")).transpose()?,
                author,
                text,
                created_at: utc(at),
            })
        })
        .collect()
}

/// Adds a co-organiser's contribution to the minutes of a held event.
pub fn contribute(
    conn: &mut DbConnection,
    id: DialogueEventId,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    contribution: MinutesContribution,
) -> Result<MinutesContribution, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        authorize(&event)?;
        if event.status != EventStatus::Held {
            return Err(StoreError::Conflict {
                code: "event_not_held",
                detail: format!(
                    "minutes are written after the event; it is {}",
                    event.status
                ),
            });
        }
        diesel::insert_into(mc::table)
            .values((
                mc::id.eq(uuid::Uuid::now_v7().to_string()),
                mc::event_id.eq(id.to_string()),
                mc::organisation_id.eq(contribution.organisation_id.map(|o| o.to_string())),
                mc::author.eq(&contribution.author),
                mc::text.eq(&contribution.text),
                mc::created_at.eq(contribution.created_at.naive_utc()),
            ))
            .execute(conn)?;
        Ok(contribution)
    })
}
