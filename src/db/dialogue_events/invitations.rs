//! Organisations invited to an event.

use super::*;

/// Invites organisations (again inviting one already invited changes nothing).
pub fn invite(
    conn: &mut DbConnection,
    id: DialogueEventId,
    actor: &Actor,
    authorize: impl FnOnce(&DialogueEvent) -> Result<(), StoreError>,
    organisations_invited: &[OrganisationId],
) -> Result<Vec<OrganisationId>, StoreError> {
    write_transaction(conn, |conn| {
        let event = load_for_write(conn, id)?;
        authorize(&event)?;
        let mut errors = Vec::new();
        for (i, org) in organisations_invited.iter().enumerate() {
            if !crate::db::organisations::exists(conn, *org)? {
                errors.push(FieldError::new(
                    format!("organisation_ids[{i}]"),
                    "no such organisation",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let now = now().naive_utc();
        for org in organisations_invited {
            let already: bool = diesel::select(diesel::dsl::exists(
                inv::table.find((id.to_string(), org.to_string())),
            ))
            .get_result(conn)?;
            if !already {
                diesel::insert_into(inv::table)
                    .values((
                        inv::event_id.eq(id.to_string()),
                        inv::organisation_id.eq(org.to_string()),
                        inv::invited_at.eq(now),
                    ))
                    .execute(conn)?;
                let part = Some((ResourceType::DialogueInvitation, org.to_string()));
                announce(conn, actor, &event, part, CREATED)?;
            }
        }
        invitations(conn, id)
    })
}

pub fn invitations(
    conn: &mut DbConnection,
    id: DialogueEventId,
) -> Result<Vec<OrganisationId>, StoreError> {
    let rows: Vec<String> = inv::table
        .filter(inv::event_id.eq(id.to_string()))
        .order((inv::invited_at.asc(), inv::organisation_id.asc()))
        .select(inv::organisation_id)
        .load(conn)?;
    rows.iter().map(|r| parse(r, "organisation id")).collect()
}
