//! `/api/v1/grant-applications`: list, read, apply, change, and move an
//! application through its handling.

use super::*;

/// List grant applications
///
/// The city sees all; an organisation its own in every state; everyone the
/// decided grants (openness), never drafts, reviews or rejections.
#[utoipa::path(
    tag = "grants",
    security((), ("bearer" = [])),
    params(ApplicationQuery),
    responses(
        (status = 200, description = "A page of applications", body = ApplicationList),
        (status = 400, description = "Unknown query parameter or bad value", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications")]
pub async fn list_grant_applications(
    state: web::Data<AppState>,
    caller: Caller,
    query: crate::api::extract::ValidQuery<ApplicationQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let (limit, cursor) = paging(q.limit, q.cursor.as_deref(), "created_at")?;
    let filter = ApplicationFilter {
        programme: q.programme_id,
        round: q.round_id,
        status: q.status,
        organisation: q.organisation_id,
        district: q.district,
        decided_from: q.decided_from,
        decided_to: q.decided_to,
        min_sek: q.min_sek,
        max_sek: q.max_sek,
        updated_since: q.updated_since,
        q: q.q.filter(|t| !t.trim().is_empty()),
    };
    let scope = match &caller.0 {
        p if can(p, Action::ReadEveryCase) => ApplicationScope::Everything,
        Principal::Partner { organisation, .. } => ApplicationScope::PublicAnd(Some(*organisation)),
        _ => ApplicationScope::PublicAnd(None),
    };
    let (page, units) = state
        .db(move |conn| {
            let page = store::list_applications(conn, &filter, scope, limit, cursor.as_ref())?;
            // Who handles them (for `allowed_actions`), on the same connection.
            let programmes: Vec<GrantProgrammeId> =
                page.items.iter().map(|a| a.details.programme).collect();
            let units = store::owning_units(conn, &programmes)?;
            Ok((page, units))
        })
        .await?;
    Ok(respond::page(&req, page, |a| {
        ApplicationView::for_caller(a, &caller.0, &units)
    }))
}

/// Read a grant application
///
/// The city and the applying organisation see it whole; anyone else sees
/// only a decided grant (not a rejection), which names the deciding unit and
/// role but no person. Others get 404.
#[utoipa::path(
    tag = "grants",
    security((), ("bearer" = [])),
    params(("id" = GrantApplicationId, Path, description = "The application's id")),
    responses(
        (status = 200, description = "The application", body = ApplicationView, headers(("ETag" = String, description = "The version"))),
        (status = 404, description = "No such application, or one the caller may not know of", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications/{id}")]
pub async fn get_grant_application(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<GrantApplicationId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let principal = caller.0.clone();
    let a = state
        .db(move |conn| visible_application(store::find_application(conn, id)?, &principal))
        .await?;
    let units = application_units(&state, &[&a]).await?;
    Ok(respond::ok(
        a.version,
        &ApplicationView::for_caller(a, &caller.0, &units),
    ))
}

/// Apply for a grant
///
/// A partner applies for its own organisation; the application is a draft
/// until submitted. The amount must be within the programme's range, the
/// programme open and the round its own.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$", description = "Makes a retry return the first response (kept 24 h)")),
    request_body(content = CreateApplication, content_type = "application/json"),
    responses(
        (status = 201, description = "A draft", body = ApplicationView, headers(("Location" = String, description = "The application's URL"), ("ETag" = String, description = "The version"))),
        (status = 403, description = "Applying for another organisation, or setting city fields", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Duplicate registry number or external id; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, an amount out of range, a programme not open", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-applications")]
pub async fn create_grant_application(
    state: web::Data<AppState>,
    caller: SignedIn,
    body: JsonBody<CreateApplication>,
) -> Result<HttpResponse, ApiError> {
    let req = body.0;
    authorize(
        &caller.0,
        Action::RegisterGrantApplication(req.organisation_id),
    )?;
    for field in req.city_kept_fields() {
        authorize(&caller.0, Action::SetCityKeptField(field))?;
    }
    let details = req.into_details()?;
    let who = Actor::from(&caller.0);
    let a = state
        .db(move |conn| store::insert_application(conn, details, &who))
        .await?;
    let units = application_units(&state, &[&a]).await?;
    Ok(respond::created(
        format!("/api/v1/grant-applications/{}", a.id),
        a.version,
        &ApplicationView::for_caller(a, &caller.0, &units),
    ))
}

/// Change an application
///
/// The applicant, while it is a draft or a completion is asked for.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(
        ("id" = GrantApplicationId, Path, description = "The application's id"),
        Precondition,
    ),
    request_body(content = UpdateApplication, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = ApplicationView),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the applicant", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application, or one the caller may not know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not editable in this state", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/grant-applications/{id}")]
pub async fn update_grant_application(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    precondition: Precondition,
    body: JsonBody<UpdateApplication>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let patch = body.0;
    let principal = caller.0.clone();
    let who = Actor::from(&caller.0);
    let a = state
        .db(move |conn| {
            let authorize_edit = |a: &Application| {
                own_or_city(a, &principal)?;
                Ok(authorize(
                    &principal,
                    Action::ApplyForGrant(a.details.organisation),
                )?)
            };
            store::update_application(conn, id, precondition.0, &who, authorize_edit, |d| {
                patch.apply(d)
            })
        })
        .await?;
    let units = application_units(&state, &[&a]).await?;
    Ok(respond::ok(
        a.version,
        &ApplicationView::for_caller(a, &caller.0, &units),
    ))
}

/// Move an application through its handling
///
/// The applicant `submit`s (deadline enforced; late ones marked when the
/// round accepts them), `complete`s when asked, `report`s after payment and
/// may `withdraw` before a decision. Staff of the owning unit `start_review`,
/// `request_completion`, `decide` (within their delegation limit, after
/// declaring no conflict of interest, and within the year's budget) and
/// `close`. Payments are recorded at `.../payments`.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(
        ("id" = GrantApplicationId, Path, description = "The application's id"),
        ("action" = ApplicationActionName, Path, description = "The action (a payment is recorded at `.../payments`)"),
        Precondition,
    ),
    request_body(content = Option<ApplicationActionRequest>, content_type = "application/json", examples(
        ("submit" = (summary = "submit, start_review, close: no body is needed", value = json!({}))),
        ("request_completion" = (summary = "request_completion: what to complete", value = json!({"message": "Please add how many children take part and the budget for transport."}))),
        ("complete" = (summary = "complete (or withdraw): an optional message", value = json!({"message": "About 25 children take part; transport is 6 000 SEK of the budget."}))),
        ("decide" = (summary = "decide: outcome, amount granted and motivation", value = json!({"outcome": "partly_granted", "granted_sek": 20000, "motivation": "A good, user-driven idea; premises are available free of charge."}))),
        ("reject" = (summary = "decide: a rejection grants 0", value = json!({"outcome": "rejected", "granted_sek": 0, "motivation": "Equipment for a regular activity falls outside the development pot; apply for an association grant."}))),
        ("report" = (summary = "report: the follow-up report", value = json!({"report": "Garaget gave 3 young people summer jobs and 10 an internship in Tynnered; two went on to further work."}))),
    )),
    responses(
        (status = 200, description = "Done", body = ApplicationView),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed for this caller: not the applicant or unit, over the delegation limit (`over_delegation_limit`), a declared or undeclared conflict of interest", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application or action, or one the caller may not know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the current state (current_state, allowed_actions); deadline passed; over budget", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid fields for the action", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-applications/{id}/{action}")]
pub async fn act_on_grant_application(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(GrantApplicationId, String)>,
    precondition: Precondition,
    body: OptionalJsonBody<ApplicationActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let action: ApplicationAction = action.parse().map_err(|_| ApiError::NotFound)?;
    if action == ApplicationAction::Pay {
        return Err(ApiError::NotFound);
    }
    let input = body
        .0
        .unwrap_or_default()
        .into_input(action, precondition.0)?;
    let principal = caller.0.clone();
    let a = state
        .db(move |conn| store::act(conn, id, &principal, action, input))
        .await?;
    let units = application_units(&state, &[&a]).await?;
    Ok(respond::ok(
        a.version,
        &ApplicationView::for_caller(a, &caller.0, &units),
    ))
}
