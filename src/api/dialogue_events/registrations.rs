//! `/api/v1/dialogue-events/{id}/registrations`: places, the waiting list
//! and cancellations.

use super::*;

/// List registrations
///
/// In the order they came, with their status (registered, waitlisted,
/// cancelled). Everyone who may see the event sees which organisations come
/// and how many;
/// participants' names and needs only the city and the registering
/// organisation.
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(crate::api::SubListQuery, ("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Registrations, names and needs only where the caller may see them", body = RegistrationList),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}/registrations")]
pub async fn list_registrations(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DialogueEventId>,
    req: actix_web::HttpRequest,
    query: crate::api::extract::ValidQuery<crate::api::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let principal = caller.0.clone();
    let items = state
        .db(move |conn| {
            visible(store::find(conn, id)?, &principal)?;
            store::registrations(conn, id)
        })
        .await?;
    crate::api::sub_list(
        &req,
        &query,
        items
            .into_iter()
            .map(|r| RegistrationView::for_caller(r, &caller.0))
            .collect(),
    )
}

/// Register an organisation
///
/// A partner registers its own organisation (the city may register any).
/// While the event is published and before its deadline; when the places are
/// taken the registration is `waitlisted` and moves up when a place frees.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    request_body(content = CreateRegistration, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered or waitlisted", body = RegistrationView, headers(("Location" = String, description = "The registration's URL"))),
        (status = 403, description = "A partner registering another organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event (or a planned one)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Registration closed, deadline passed, or already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/registrations")]
pub async fn register_for_dialogue_event(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    body: JsonBody<CreateRegistration>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let req = body.0;
    authorize(
        &caller.0,
        Action::RegisterForDialogueEvent(req.organisation_id),
    )?;
    let new = NewRegistration {
        organisation_id: req.organisation_id,
        participants: req.participants,
        names: req.names,
        needs: req.needs,
    };
    let principal = caller.0.clone();
    let registration = state
        .db(move |conn| {
            // A planned event stays hidden (404) from those who may not see it.
            visible(store::find(conn, id)?, &principal)?;
            store::register(conn, id, new, &Actor::from(&principal))
        })
        .await?;
    Ok(respond::created(
        format!(
            "/api/v1/dialogue-events/{id}/registrations/{}",
            registration.id
        ),
        None,
        &RegistrationView::for_caller(registration, &caller.0),
    ))
}

/// Read a registration
///
/// One registration, as the list shows it to this caller (participants'
/// names and needs only for the city and the registering organisation): for
/// anyone who may see the event (a `planned` one is the city's: 404 for
/// others, as for a registration of another event).
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        ("registration_id" = RegistrationId, Path, description = "The registration's id"),
    ),
    responses(
        (status = 200, description = "The registration, names and needs only where the caller may see them", body = RegistrationView),
        (status = 404, description = "No such event or registration, or an event the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}/registrations/{registration_id}")]
pub async fn get_registration(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(DialogueEventId, RegistrationId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, registration_id) = path.into_inner();
    let principal = caller.0.clone();
    let registration = state
        .db(move |conn| {
            visible(store::find(conn, id)?, &principal)?;
            store::find_registration(conn, id, registration_id)?.ok_or(StoreError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Ok().json(RegistrationView::for_caller(registration, &caller.0)))
}

/// Cancel a registration
///
/// The registering organisation or the city; frees its places for those waiting.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        ("registration_id" = RegistrationId, Path, description = "The registration's id"),
    ),
    responses(
        (status = 200, description = "Every registration after the cancellation (waitlisted ones may have moved up)", body = RegistrationList),
        (status = 403, description = "Another organisation's registration", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event or registration", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already cancelled, or the event is no longer published", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/registrations/{registration_id}/cancel")]
pub async fn cancel_registration(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(DialogueEventId, RegistrationId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, registration) = path.into_inner();
    let principal = caller.0.clone();
    let items = state
        .db(move |conn| {
            store::cancel_registration(
                conn,
                id,
                registration,
                &Actor::from(&principal),
                |event, r| {
                    visible(Some(event.clone()), &principal)?;
                    Ok(authorize(
                        &principal,
                        Action::RegisterForDialogueEvent(r.organisation_id),
                    )?)
                },
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(RegistrationList {
        items: items
            .into_iter()
            .map(|r| RegistrationView::for_caller(r, &caller.0))
            .collect(),
        next_cursor: None,
    }))
}
