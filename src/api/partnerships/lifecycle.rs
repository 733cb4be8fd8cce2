//! `/api/v1/partnerships`: list, read, propose, change, and move a
//! partnership through its life.

use super::*;

/// List partnerships
///
/// Anyone sees agreed, active, concluded and terminated partnerships; the
/// city sees all; an organisation also sees the proposals it is party to or
/// invited to.
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(PartnershipQuery),
    responses(
        (status = 200, description = "A page of partnerships", body = PartnershipList),
        (status = 400, description = "Unknown query parameter or bad value", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships")]
pub async fn list_partnerships(
    state: web::Data<AppState>,
    caller: Caller,
    query: crate::api::extract::ValidQuery<PartnershipQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let (limit, cursor) = paging(q.limit, q.cursor.as_deref(), "created_at")?;
    let filter = PartnershipFilter {
        status: q.status,
        form: q.form,
        organisation: q.organisation_id,
        unit: q.city_unit_id,
        district: q.district,
        active_on: q.active_on,
        ends_before: q.ends_before,
        updated_since: q.updated_since,
        q: q.q.filter(|t| !t.trim().is_empty()),
    };
    let list_scope = scope(&caller.0);
    let page = state
        .db(move |conn| {
            let page = store::list(conn, &filter, list_scope, limit, cursor.as_ref())?;
            full_page(conn, page)
        })
        .await?;
    Ok(respond::page(&req, page, |full| {
        PartnershipView::for_caller(full, &caller.0)
    }))
}

/// Read a partnership
///
/// Public ones for anyone; others for the city, the parties and the
/// organisations invited to them. An invited organisation sees the
/// partnership as an invitation: what the public sees of an agreed one (no
/// contact details, no internal notes, no history), with the parties and
/// its own invitation; it takes no action but `accept` or `decline`.
/// Invitations are shown only to the city, the parties and the invitee.
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(("id" = PartnershipId, Path, description = "The partnership's id")),
    responses(
        (status = 200, description = "The partnership with parties and funding totals", body = PartnershipView, headers(("ETag" = String, description = "The version"))),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}")]
pub async fn get_partnership(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PartnershipId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let principal = caller.0.clone();
    let f = state
        .db(move |conn| {
            let loaded = store::load_visible(conn, id, &principal)?;
            full(conn, loaded)
        })
        .await?;
    let version = f.loaded.partnership.version;
    Ok(respond::ok(
        version,
        &PartnershipView::for_caller(f, &caller.0),
    ))
}

/// Propose a partnership
///
/// A partner proposes for its own organisation (the initiative should come
/// from the organisation); other organisations it names in `parties` are
/// `invited` and become parties only when they accept. City staff register
/// one for their unit, naming the initiating organisation when there is one;
/// the organisations the city names are parties. It starts as a `proposal`.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$", description = "Makes a retry return the first response (kept 24 h)")),
    request_body(content = CreatePartnership, content_type = "application/json"),
    responses(
        (status = 201, description = "Proposed", body = PartnershipView, headers(("Location" = String, description = "The partnership's URL"), ("ETag" = String, description = "The version"))),
        (status = 403, description = "A partner proposing for another organisation or setting city fields; staff of another unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Duplicate registry number or external id; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (all listed)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships")]
pub async fn create_partnership(
    state: web::Data<AppState>,
    caller: SignedIn,
    body: JsonBody<CreatePartnership>,
) -> Result<HttpResponse, ApiError> {
    let (details, parties, needed) = body.0.into_parts(&caller.0)?;
    authorize(&caller.0, needed)?;
    let actor = Actor::from(&caller.0);
    let f = state
        .db(move |conn| {
            let loaded = store::insert(conn, details, parties, &actor)?;
            full(conn, loaded)
        })
        .await?;
    let (id, version) = (f.loaded.partnership.id, f.loaded.partnership.version);
    Ok(respond::created(
        format!("/api/v1/partnerships/{id}"),
        version,
        &PartnershipView::for_caller(f, &caller.0),
    ))
}

/// Change a partnership
///
/// A JSON merge patch of its fields. Staff of the responsible unit and
/// admins change any field, except an active partnership's period (409
/// `use_extend`: the `extend` and `amend` actions keep its history); the
/// proposing organisation changes the fields an organisation may send, of
/// its own proposal while it is a `proposal`.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        Precondition,
    ),
    request_body(content = UpdatePartnership, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = PartnershipView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not change these fields now", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The partnership is closed; or a duplicate registry number or external id", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/partnerships/{id}")]
pub async fn update_partnership(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<PartnershipId>,
    precondition: Precondition,
    body: JsonBody<UpdatePartnership>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let patch = body.0;
    let principal = caller.0.clone();
    let actor = Actor::from(&caller.0);
    let f = state
        .db(move |conn| {
            let organisation_fields_only = patch.organisation_may_send();
            let touches_period = patch.touches_period();
            let authorize_patch = |l: &Loaded| {
                visible(&principal, l)?;
                Ok(may_change(
                    &principal,
                    &l.partnership,
                    organisation_fields_only,
                    touches_period,
                )?)
            };
            let loaded =
                store::update(conn, id, precondition.0, &actor, authorize_patch, |d, _| {
                    patch.apply(d)
                })?;
            full(conn, loaded)
        })
        .await?;
    let version = f.loaded.partnership.version;
    Ok(respond::ok(
        version,
        &PartnershipView::for_caller(f, &caller.0),
    ))
}

/// Move a partnership through its life
///
/// `start_dialogue` (proposal → in_dialogue), `agree` (→ agreed), `activate`
/// (→ active), `extend` (new end date; the history keeps each period),
/// `amend`, `terminate` (early, with a reason) and `conclude` (from active),
/// `withdraw` and `decline` (before agreement). Staff of the responsible unit
/// and admins take every action; the proposing organisation may withdraw its
/// proposal. Staff of other units read but do not act. An action not allowed
/// from the current state answers 409 with `current_state` and `allowed_actions`.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("action" = PartnershipAction, Path, description = "The action"),
        Precondition,
    ),
    request_body(content = Option<PartnershipActionRequest>, content_type = "application/json", examples(
        ("start_dialogue" = (summary = "start_dialogue, agree, activate, conclude: no body is needed", value = json!({}))),
        ("extend" = (summary = "extend: the new end date and a reason", value = json!({"new_end_date": "2016-12-31", "reason": "Extended through 2016 by decision of Social resursnämnden"}))),
        ("amend" = (summary = "amend: the changes and a reason", value = json!({"changes": {"target_groups": ["people with mental illness", "their relatives"]}, "reason": "Social resursnämnden opened the activities to relatives"}))),
        ("terminate" = (summary = "terminate: a reason", value = json!({"reason": "The association has dissolved; the activity houses run the walks themselves."}))),
        ("withdraw" = (summary = "withdraw or decline: an optional reason", value = json!({"reason": "We apply for a grant from the development pot instead."}))),
    )),
    responses(
        (status = 200, description = "Done", body = PartnershipView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not take this action", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership or action, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the current state (current_state, allowed_actions)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason or new end date, or invalid changes", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/{action}")]
pub async fn act_on_partnership(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(PartnershipId, String)>,
    precondition: Precondition,
    body: OptionalJsonBody<PartnershipActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let action: PartnershipAction = action.parse().map_err(|_| ApiError::NotFound)?;
    let (input, amendment) = body
        .0
        .unwrap_or_default()
        .into_input(action, precondition.0)?;
    let principal = caller.0.clone();
    let actor = Actor::from(&caller.0);
    let f = state
        .db(move |conn| {
            let authorize_action = |l: &Loaded| {
                visible(&principal, l)?;
                let needed = crate::domain::partnership::needed_for(
                    action,
                    l.partnership.details.responsible_unit,
                    l.partnership.details.initiating_organisation,
                );
                Ok(authorize(&principal, needed)?)
            };
            let amend = |d: PartnershipDetails| amendment.apply(d);
            let loaded = store::act(conn, id, &actor, action, authorize_action, amend, input)?;
            full(conn, loaded)
        })
        .await?;
    let version = f.loaded.partnership.version;
    Ok(respond::ok(
        version,
        &PartnershipView::for_caller(f, &caller.0),
    ))
}
