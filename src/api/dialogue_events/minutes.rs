//! `/api/v1/dialogue-events/{id}/minutes`: minutes and co-organisers'
//! contributions.

use super::*;

/// Read the minutes
///
/// Public with the event.
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The minutes", body = MinutesView),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}/minutes")]
pub async fn get_minutes(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DialogueEventId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (event, contributions) = state
        .db(move |conn| {
            let event = visible(store::find(conn, id)?, &caller.0)?;
            let contributions = store::contributions(conn, id)?;
            Ok((event, contributions))
        })
        .await?;
    Ok(HttpResponse::Ok().json(MinutesView {
        text: event.minutes,
        contributions: contributions.into_iter().map(Into::into).collect(),
    }))
}

/// Write the minutes
///
/// After the event is held. Staff of the organising unit and admins.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        Precondition,
    ),
    request_body(content = MinutesText, content_type = "application/json"),
    responses(
        (status = 200, description = "The event with its minutes", body = DialogueEventView),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event is not held yet", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty text", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/dialogue-events/{id}/minutes")]
pub async fn write_minutes(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    precondition: Precondition,
    body: JsonBody<MinutesText>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (event, counts) = state
        .db(move |conn| {
            let event = store::write_minutes(
                conn,
                id,
                precondition.0,
                &Actor::from(&caller.0),
                manage(&caller.0),
                body.0.text,
            )?;
            let counts = counts_of(conn, &event)?;
            Ok((event, counts))
        })
        .await?;
    Ok(respond::ok(
        event.version,
        &DialogueEventView::new(event, counts),
    ))
}

/// Contribute to the minutes
///
/// A co-organising organisation adds its own notes after the event.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    request_body(content = CreateContribution, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = ContributionView),
        (status = 403, description = "Not a member of a co-organising organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event is not held yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty text", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/minutes/contributions")]
pub async fn contribute_to_minutes(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    body: JsonBody<CreateContribution>,
) -> Result<HttpResponse, ApiError> {
    let req = body.0;
    let id = id.into_inner();
    let organisation = req.organisation_id;
    let contribution = MinutesContribution {
        id: Uuid::now_v7(),
        organisation_id: Some(organisation),
        author: caller.0.subject().unwrap_or_default().to_owned(),
        text: req.text,
        created_at: crate::domain::now(),
    };
    let principal = caller.0;
    let added = state
        .db(move |conn| {
            store::contribute(
                conn,
                id,
                &Actor::from(&principal),
                |event| {
                    visible(Some(event.clone()), &principal)?;
                    authorize(&principal, Action::ContributeToMinutesAs(organisation))?;
                    if !event.details.co_organisers.contains(&organisation) {
                        return Err(Refusal::Forbidden(
                            "only co-organising organisations contribute to the minutes".into(),
                        )
                        .into());
                    }
                    Ok(())
                },
                contribution,
            )
        })
        .await?;
    Ok(respond::created(
        format!(
            "/api/v1/dialogue-events/{id}/minutes/contributions/{}",
            added.id
        ),
        None,
        &ContributionView::from(added),
    ))
}

/// Read a contribution to the minutes
///
/// One co-organiser's contribution, as the minutes show it: public with the
/// event (a `planned` one is the city's: 404 for others, as for a
/// contribution to another event).
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        ("contribution_id" = Uuid, Path, description = "The contribution's id"),
    ),
    responses(
        (status = 200, description = "The contribution", body = ContributionView),
        (status = 404, description = "No such event or contribution, or an event the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}/minutes/contributions/{contribution_id}")]
pub async fn get_minutes_contribution(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(DialogueEventId, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, contribution_id) = path.into_inner();
    let contribution = state
        .db(move |conn| {
            visible(store::find(conn, id)?, &caller.0)?;
            store::find_contribution(conn, id, contribution_id)?.ok_or(StoreError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ContributionView::from(contribution)))
}
