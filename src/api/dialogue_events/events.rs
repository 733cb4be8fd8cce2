//! `/api/v1/dialogue-events`: list, read, plan, change, publish, mark held
//! and cancel events.

use super::*;

/// List dialogue events
///
/// Published, cancelled and held events are public; planned ones are
/// visible to the city only.
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(DialogueEventQuery),
    responses(
        (status = 200, description = "A page of events, soonest first", body = DialogueEventList),
        (status = 400, description = "Unknown query parameter or bad value", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events")]
pub async fn list_dialogue_events(
    state: web::Data<AppState>,
    caller: Caller,
    query: crate::api::extract::ValidQuery<DialogueEventQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let (limit, cursor) = paging(q.limit, q.cursor.as_deref(), "starts_at")?;
    let filter = EventFilter {
        kind: q.kind,
        participation_level: q.participation_level,
        status: q.status,
        district: q.district,
        organiser_unit: q.organiser_unit_id,
        organisation: q.organisation_id,
        from: q.from,
        to: q.to,
        updated_since: q.updated_since,
        q: q.q.filter(|t| !t.trim().is_empty()),
        include_planned: can(&caller.0, Action::ReadPlannedDialogueEvents),
    };
    let page = state
        .db(move |conn| {
            let page = store::list(conn, &filter, limit, cursor.as_ref())?;
            counted_page(conn, page)
        })
        .await?;
    Ok(respond::page(&req, page, |(e, counts)| {
        DialogueEventView::new(e, counts)
    }))
}

/// Read a dialogue event
///
/// Published, held and cancelled events are public; a `planned` one is the
/// city's until it is published (404 for others). Times come in UTC and in
/// Stockholm local time, with the places taken and the waiting list.
#[utoipa::path(
    tag = "dialogue events",
    security((), ("bearer" = [])),
    params(("id" = DialogueEventId, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The event", body = DialogueEventView, headers(("ETag" = String, description = "The version"))),
        (status = 404, description = "No such event, or a planned one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dialogue-events/{id}")]
pub async fn get_dialogue_event(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DialogueEventId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (event, counts) = state
        .db(move |conn| {
            let event = visible(store::find(conn, id)?, &caller.0)?;
            let counts = counts_of(conn, &event)?;
            Ok((event, counts))
        })
        .await?;
    Ok(respond::ok(
        event.version,
        &DialogueEventView::new(event, counts),
    ))
}

/// Plan a dialogue event
///
/// City staff plan events for their own unit (the default organiser), admins
/// for any. The event starts `planned` (visible to the city only) until it is
/// published. Times may be given in Stockholm wall-clock time; they are
/// stored in UTC and returned in both. A wall-clock time in the hour skipped
/// in March or repeated in October is refused with a 422 naming the field:
/// give an offset for those.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$", description = "Makes a retry return the first response (kept 24 h)")),
    request_body(content = CreateDialogueEvent, content_type = "application/json"),
    responses(
        (status = 201, description = "Planned", body = DialogueEventView, headers(("Location" = String, description = "The event's URL"), ("ETag" = String, description = "The version"))),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Duplicate external id; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (all listed), including a Stockholm time that does not exist or happens twice", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events")]
pub async fn create_dialogue_event(
    state: web::Data<AppState>,
    caller: SignedIn,
    body: JsonBody<CreateDialogueEvent>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::PlanDialogueEvents)?;
    let details = body.0.into_details(&caller.0)?;
    authorize(
        &caller.0,
        Action::ManageDialogueEvent(details.organiser_unit),
    )?;
    let who = Actor::from(&caller.0);
    let event = state
        .db(move |conn| store::insert(conn, details, &who))
        .await?;
    Ok(respond::created(
        format!("/api/v1/dialogue-events/{}", event.id),
        event.version,
        &DialogueEventView::new(event, Counts::default()),
    ))
}

/// Change a dialogue event
///
/// A JSON merge patch, while the event is planned or published; staff of the
/// organising unit and admins.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        Precondition,
    ),
    request_body(content = UpdateDialogueEvent, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = DialogueEventView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event is cancelled or held; a duplicate external id; or a capacity below the places taken (capacity_below_taken)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/dialogue-events/{id}")]
pub async fn update_dialogue_event(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    precondition: Precondition,
    body: JsonBody<UpdateDialogueEvent>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let patch = body.0;
    let (event, counts) = state
        .db(move |conn| {
            let who = Actor::from(&caller.0);
            let event = store::update(conn, id, precondition.0, &who, manage(&caller.0), |d| {
                patch.apply(d)
            })?;
            let counts = counts_of(conn, &event)?;
            Ok((event, counts))
        })
        .await?;
    Ok(respond::ok(
        event.version,
        &DialogueEventView::new(event, counts),
    ))
}

pub(super) async fn act(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: DialogueEventId,
    precondition: Precondition,
    action: EventAction,
    reason: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let (event, counts) = state
        .db(move |conn| {
            let event = store::transition(
                conn,
                id,
                precondition.0,
                &Actor::from(&caller.0),
                manage(&caller.0),
                action,
                reason,
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

/// Publish a planned event
///
/// Makes it public and opens registrations. Staff of the organising unit and admins.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        Precondition,
    ),
    responses(
        (status = 200, description = "Published", body = DialogueEventView),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the current state (current_state, allowed_actions)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/publish")]
pub async fn publish_dialogue_event(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    precondition: Precondition,
) -> Result<HttpResponse, ApiError> {
    act(
        state,
        caller,
        id.into_inner(),
        precondition,
        EventAction::Publish,
        None,
    )
    .await
}

/// Mark an event as held
///
/// After it has started; attendance and minutes follow. Staff of the organising unit and admins.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        Precondition,
    ),
    responses(
        (status = 200, description = "Held", body = DialogueEventView),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the current state, or the event has not started", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/mark-held")]
pub async fn mark_dialogue_event_held(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    precondition: Precondition,
) -> Result<HttpResponse, ApiError> {
    act(
        state,
        caller,
        id.into_inner(),
        precondition,
        EventAction::MarkHeld,
        None,
    )
    .await
}

/// Cancel an event
///
/// With a reason, which subscribers see; the calendar feed marks it cancelled.
#[utoipa::path(
    tag = "dialogue events",
    security(("bearer" = [])),
    params(
        ("id" = DialogueEventId, Path, description = "The event's id"),
        Precondition,
    ),
    request_body(content = CancelDialogueEvent, content_type = "application/json"),
    responses(
        (status = 200, description = "Cancelled", body = DialogueEventView),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the organising unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the current state (current_state, allowed_actions)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dialogue-events/{id}/cancel")]
pub async fn cancel_dialogue_event(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<DialogueEventId>,
    precondition: Precondition,
    body: JsonBody<CancelDialogueEvent>,
) -> Result<HttpResponse, ApiError> {
    act(
        state,
        caller,
        id.into_inner(),
        precondition,
        EventAction::Cancel,
        Some(body.0.reason),
    )
    .await
}
