//! `/api/v1/dialogue-events/{id}/outcomes`: what came of an event, linked to
//! partnerships and grant applications the caller may see.

use super::*;

/// Whether the caller may see the partnership and the grant application an outcome links to.
pub(super) fn link_visible(
    conn: &mut crate::db::DbConnection,
    o: &Outcome,
    principal: &Principal,
) -> Result<(bool, bool), StoreError> {
    let partnership = match o.partnership_id {
        Some(p) => crate::api::partnerships::partnership_visible(
            conn,
            crate::domain::ids::PartnershipId(p),
            principal,
        )?,
        None => false,
    };
    let application = match o.grant_application_id {
        Some(a) => crate::api::grants::application_visible(
            conn,
            crate::domain::ids::GrantApplicationId(a),
            principal,
        )?,
        None => false,
    };
    Ok((partnership, application))
}

/// Refuses a link to a partnership or grant application that does not exist.
pub(super) fn check_link_exists(
    conn: &mut crate::db::DbConnection,
    partnership: Option<Uuid>,
    application: Option<Uuid>,
) -> Result<(), StoreError> {
    if let Some(p) = partnership {
        if crate::db::partnerships::find(conn, crate::domain::ids::PartnershipId(p))?.is_none() {
            return Err(StoreError::invalid("partnership_id", "no such partnership"));
        }
    }
    if let Some(a) = application {
        if crate::db::grants::find_application(conn, crate::domain::ids::GrantApplicationId(a))?
            .is_none()
        {
            return Err(StoreError::invalid(
                "grant_application_id",
                "no such grant application",
            ));
        }
    }
    Ok(())
}

/// List outcomes
///
/// What the event led to, in the order recorded. A linked partnership or
/// grant application is named only to a caller who may see that case.
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(crate::api::SubListQuery, ("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Outcomes; links only where the caller may see the case", body = OutcomeList),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}/outcomes")]
pub async fn list_outcomes(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DialogueEventId>,
    req: actix_web::HttpRequest,
    query: crate::api::extract::ValidQuery<crate::api::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let principal = caller.0.clone();
    // The window is checked after the event is found, so an unknown event
    // is a 404 whatever the query says.
    let window = crate::api::sub_list_window(&query);
    let (limit, start, total, items) = state
        .db(move |conn| {
            visible(store::find(conn, id)?, &principal)?;
            let (limit, start) = match window {
                Ok(window) => window,
                Err(refused) => return Ok(Err(refused)),
            };
            // The page alone (one more, to know whether more follow), paged
            // by the database.
            let total = store::count_outcomes(conn, id)?;
            let outcomes = store::outcomes_window(conn, id, start, limit + 1)?;
            let items = outcome_views(conn, &principal, outcomes)?;
            Ok(Ok((limit, start, total, items)))
        })
        .await??;
    Ok(crate::api::sub_list_page(&req, limit, start, total, items))
}

/// The views of a page of outcomes for `principal`: a linked case is named
/// only to whoever may see it. What its visibility looks at is read once per
/// table for the page.
fn outcome_views(
    conn: &mut crate::db::DbConnection,
    principal: &Principal,
    outcomes: Vec<crate::domain::dialogue::Outcome>,
) -> Result<Vec<OutcomeView>, StoreError> {
    let partnerships = crate::db::partnerships::visibility_of(
        conn,
        &outcomes
            .iter()
            .filter_map(|o| o.partnership_id.map(PartnershipId))
            .collect::<Vec<_>>(),
    )?;
    let applications = crate::db::grants::visibility_of(
        conn,
        &outcomes
            .iter()
            .filter_map(|o| o.grant_application_id.map(GrantApplicationId))
            .collect::<Vec<_>>(),
    )?;
    Ok(outcomes
        .into_iter()
        .map(|o| {
            let partnership = o
                .partnership_id
                .and_then(|p| partnerships.get(&PartnershipId(p)))
                .is_some_and(|v| {
                    crate::domain::partnership::visible_by(
                        principal,
                        v.status,
                        v.initiating_organisation,
                        &v.parties,
                    )
                });
            let application = o
                .grant_application_id
                .and_then(|a| applications.get(&GrantApplicationId(a)))
                .is_some_and(|v| crate::api::grants::visible_by(principal, v));
            OutcomeView::for_caller(o, (partnership, application))
        })
        .collect())
}

/// Record an outcome
///
/// Staff of the organising unit and admins; link it to the partnership or
/// grant application it led to when there is one.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    request_body(content = CreateOutcome, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = OutcomeView, headers(("Location" = String, description = "The outcome's URL"), ("ETag" = String, description = "The version"))),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event is not held yet (`event_not_held`); or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/outcomes")]
pub async fn create_outcome(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    body: JsonBody<CreateOutcome>,
) -> Result<HttpResponse, ApiError> {
    let req = body.0;
    let id = id.into_inner();
    let values = OutcomeValues {
        description: req.description,
        owner: req.owner,
        status: req.status.unwrap_or(OutcomeStatus::Proposed),
        partnership_id: req.partnership_id,
        grant_application_id: req.grant_application_id,
    };
    let principal = caller.0.clone();
    let view = state
        .db(move |conn| {
            check_link_exists(conn, values.partnership_id, values.grant_application_id)?;
            let outcome = store::add_outcome(
                conn,
                id,
                &Actor::from(&principal),
                manage(&principal),
                values,
            )?;
            let linked = link_visible(conn, &outcome, &principal)?;
            Ok(OutcomeView::for_caller(outcome, linked))
        })
        .await?;
    let location = format!("/api/v1/dialogue-events/{id}/outcomes/{}", view.id);
    Ok(respond::created(location, view.version, &view))
}

/// Read an outcome
///
/// One outcome, as the list shows it to this caller (a linked partnership or
/// grant application named only to a caller who may see that case), with its
/// ETag for a change (`If-Match`): for anyone who may see the event (404
/// otherwise, and for an outcome of another event).
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        ("outcome_id" = OutcomeId, Path, description = "The outcome's id"),
    ),
    responses(
        (status = 200, description = "The outcome; links only where the caller may see the case", body = OutcomeView, headers(("ETag" = String, description = "The version"))),
        (status = 404, description = "No such event or outcome, or an event the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}/outcomes/{outcome_id}")]
pub async fn get_outcome(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(DialogueEventId, OutcomeId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, outcome_id) = path.into_inner();
    let view = state
        .db(move |conn| {
            visible(store::find(conn, id)?, &caller.0)?;
            let outcome = store::find_outcome(conn, id, outcome_id)?.ok_or(StoreError::NotFound)?;
            let linked = link_visible(conn, &outcome, &caller.0)?;
            Ok(OutcomeView::for_caller(outcome, linked))
        })
        .await?;
    Ok(respond::ok(view.version, &view))
}

/// Change an outcome
///
/// Follow it up: its status, owner or link. Staff of the organising unit and admins.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        ("outcome_id" = OutcomeId, Path, description = "The outcome's id"),
        Precondition,
    ),
    request_body(content = UpdateOutcome, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = OutcomeView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event or outcome", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/dialogue-events/{id}/outcomes/{outcome_id}")]
pub async fn update_outcome(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(DialogueEventId, OutcomeId)>,
    precondition: Precondition,
    body: JsonBody<UpdateOutcome>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.0;
    let (id, outcome_id) = path.into_inner();
    let principal = caller.0.clone();
    let view = state
        .db(move |conn| {
            check_link_exists(
                conn,
                patch.partnership_id.flatten(),
                patch.grant_application_id.flatten(),
            )?;
            let outcome = store::update_outcome(
                conn,
                id,
                outcome_id,
                precondition.0,
                &Actor::from(&principal),
                manage(&principal),
                |o| patch.apply_to(o),
            )?;
            let linked = link_visible(conn, &outcome, &principal)?;
            Ok(OutcomeView::for_caller(outcome, linked))
        })
        .await?;
    Ok(respond::ok(view.version, &view))
}
