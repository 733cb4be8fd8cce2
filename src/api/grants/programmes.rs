//! `/api/v1/grant-programmes`: list, read, create, change, open and close
//! programmes, and add rounds.

use super::*;

/// List grant programmes
///
/// Open and closed programmes are public; drafts are the city's.
#[utoipa::path(
    tag = "grants",
    security((), ("bearer" = [])),
    params(ProgrammeQuery),
    responses(
        (status = 200, description = "A page of programmes with their figures", body = ProgrammeList),
        (status = 400, description = "Unknown query parameter or bad value", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-programmes")]
pub async fn list_grant_programmes(
    state: web::Data<AppState>,
    caller: Caller,
    query: crate::api::extract::ValidQuery<ProgrammeQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let (limit, cursor) = paging(q.limit, q.cursor.as_deref(), "created_at")?;
    let drafts = can(&caller.0, Action::ReadDraftGrantProgrammes);
    let page = state
        .db(move |conn| {
            store::list_programmes(
                conn,
                drafts,
                q.status,
                q.owning_unit_id,
                limit,
                cursor.as_ref(),
            )
        })
        .await?;
    Ok(respond::page(&req, page, ProgrammeView::from))
}

/// Read a grant programme
///
/// With budget, granted, paid and remaining figures per year.
#[utoipa::path(
    tag = "grants",
    security((), ("bearer" = [])),
    params(("id" = GrantProgrammeId, Path, description = "The programme's id")),
    responses(
        (status = 200, description = "The programme", body = ProgrammeView, headers(("ETag" = String, description = "The version"))),
        (status = 404, description = "No such programme (or a draft)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-programmes/{id}")]
pub async fn get_grant_programme(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<GrantProgrammeId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let p = state
        .db(move |conn| visible_programme(store::find_programme(conn, id)?, &caller.0))
        .await?;
    Ok(respond::ok(p.version, &ProgrammeView::from(p)))
}

/// Create a grant programme
///
/// Staff of the owning unit and admins. It starts as a draft.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$", description = "Makes a retry return the first response (kept 24 h)")),
    request_body(content = CreateProgramme, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = ProgrammeView, headers(("Location" = String, description = "The programme's URL"), ("ETag" = String, description = "The version"))),
        (status = 403, description = "Not staff of the owning unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Duplicate external id; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-programmes")]
pub async fn create_grant_programme(
    state: web::Data<AppState>,
    caller: SignedIn,
    body: JsonBody<CreateProgramme>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::RunGrantProgrammes)?;
    let (details, rounds) = body.0.into_details(&caller.0)?;
    authorize(&caller.0, Action::ManageGrantProgramme(details.owning_unit))?;
    let actor = crate::db::Actor::from(&caller.0);
    let rounds = rounds.into_iter().map(round_of).collect();
    let p = state
        .db(move |conn| store::insert_programme(conn, details, rounds, &actor))
        .await?;
    Ok(respond::created(
        format!("/api/v1/grant-programmes/{}", p.id),
        p.version,
        &ProgrammeView::from(p),
    ))
}

/// Change a programme
///
/// Staff of the owning unit and admins: title, description, amount range,
/// budgets per year and rounds (a JSON merge patch; rounds are added with
/// `POST .../rounds`). A budget below what is already granted that year is
/// refused with 409 `budget_below_granted` naming the year. Every change is
/// kept in the programme's history (who, when, each field before and
/// after); a patch that changes nothing keeps the version.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(
        ("id" = GrantProgrammeId, Path, description = "The programme's id"),
        Precondition,
    ),
    request_body(content = UpdateProgramme, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = ProgrammeView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the owning unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme (or a draft the caller may not see)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A budget below what is granted that year", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/grant-programmes/{id}")]
pub async fn update_grant_programme(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantProgrammeId>,
    precondition: Precondition,
    body: JsonBody<UpdateProgramme>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let change = body.0.into_patch()?;
    let p = state
        .db(move |conn| {
            store::update_programme(
                conn,
                id,
                precondition.0,
                manage_programme(&caller.0),
                &crate::db::Actor::from(&caller.0),
                change,
            )
        })
        .await?;
    Ok(respond::ok(p.version, &ProgrammeView::from(p)))
}

/// One field of a programme changed, before and after.
#[derive(Serialize, ToSchema)]
pub struct ProgrammeChangeView {
    /// `title`, `description`, `min_sek`, `max_sek`, `budgets.<year>`,
    /// `rounds.<round id>` or `status`.
    #[schema(example = "budgets.2027")]
    pub field: String,
    /// The value before (null when there was none): a text, a number or,
    /// for a round, an object.
    pub from: serde_json::Value,
    /// The value after.
    pub to: serde_json::Value,
}

/// One change of a programme: who made it, when, and what it changed.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"at": "2015-06-01T09:00:00Z", "actor": "chef@vastra.goteborg.se", "actor_role": "city_staff", "action": "update", "changes": [{"field": "budgets.2015", "from": 1200000, "to": 1500000}]}))]
pub struct ProgrammeHistoryView {
    pub at: DateTime<Utc>,
    /// The token subject of who made the change.
    pub actor: String,
    pub actor_role: String,
    /// `create`, `update` (a PATCH), `add_round`, `open` or `close`.
    pub action: String,
    pub changes: Vec<ProgrammeChangeView>,
}

#[derive(Serialize, ToSchema)]
pub struct ProgrammeHistoryList {
    pub items: Vec<ProgrammeHistoryView>,
    pub next_cursor: Option<String>,
}

/// Read a programme's history
///
/// Every change of the programme, oldest first: who changed the title,
/// range, budgets, rounds or status, when, and each field before and after.
/// For the city (it names the people who made the changes).
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(crate::api::SubListQuery, ("id" = GrantProgrammeId, Path, description = "The programme's id")),
    responses(
        (status = 200, description = "The history, oldest first", body = ProgrammeHistoryList),
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the city", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme (or a draft the caller may not see)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-programmes/{id}/history")]
pub async fn get_grant_programme_history(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantProgrammeId>,
    req: HttpRequest,
    query: crate::api::extract::ValidQuery<crate::api::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db(move |conn| {
            let p = crate::db::grants::find_programme(conn, id)?;
            visible_programme(p, &caller.0)?;
            authorize(&caller.0, Action::ReadGrantProgrammeHistory)?;
            crate::db::grants::programme_history(conn, id)
        })
        .await?;
    crate::api::sub_list(
        &req,
        &query,
        items
            .into_iter()
            .map(|h| ProgrammeHistoryView {
                at: h.at,
                actor: h.actor,
                actor_role: h.actor_role,
                action: h.action,
                changes: h
                    .changes
                    .into_iter()
                    .map(|c| ProgrammeChangeView {
                        field: c.field,
                        from: c.from,
                        to: c.to,
                    })
                    .collect(),
            })
            .collect(),
    )
}

/// Open or close a programme
///
/// `open` (from draft) starts taking applications; `close` (from open) ends it.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(
        ("id" = GrantProgrammeId, Path, description = "The programme's id"),
        ("action" = crate::openapi::ProgrammeActionName, Path, description = "`open` (from draft) or `close` (from open)"),
        Precondition,
    ),
    responses(
        (status = 200, description = "Done", body = ProgrammeView),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the owning unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme or action", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the current state", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-programmes/{id}/{action}")]
pub async fn act_on_grant_programme(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(GrantProgrammeId, String)>,
    precondition: Precondition,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let action = match action.as_str() {
        "open" => ProgrammeAction::Open,
        "close" => ProgrammeAction::Close,
        _ => return Err(ApiError::NotFound),
    };
    let p = state
        .db(move |conn| {
            store::set_programme_status(
                conn,
                id,
                precondition.0,
                manage_programme(&caller.0),
                &crate::db::Actor::from(&caller.0),
                action,
            )
        })
        .await?;
    Ok(respond::ok(p.version, &ProgrammeView::from(p)))
}

/// Add a round
///
/// Staff of the owning unit and admins.
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(("id" = GrantProgrammeId, Path, description = "The programme's id")),
    request_body(content = CreateRound, content_type = "application/json"),
    responses(
        (status = 201, description = "The programme with the new round", body = ProgrammeView),
        (status = 403, description = "Not staff of the owning unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such programme", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grant-programmes/{id}/rounds")]
pub async fn add_grant_round(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantProgrammeId>,
    body: JsonBody<CreateRound>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let round = round_of(body.0);
    let round_id = round.id;
    let p = state
        .db(move |conn| {
            store::add_round(
                conn,
                id,
                manage_programme(&caller.0),
                &crate::db::Actor::from(&caller.0),
                round,
            )
        })
        .await?;
    // The round is read at its Location; the body stays the programme with
    // every round.
    Ok(respond::created(
        format!("/api/v1/grant-programmes/{id}/rounds/{round_id}"),
        None,
        &ProgrammeView::from(p),
    ))
}

/// Read a round
///
/// One application round, as the programme lists it: for anyone who may see
/// the programme (a draft is the city's: 404 for others, as for a round of
/// another programme).
#[utoipa::path(
    tag = "grants",
    security((), ("bearer" = [])),
    params(
        ("id" = GrantProgrammeId, Path, description = "The programme's id"),
        ("round_id" = GrantRoundId, Path, description = "The round's id"),
    ),
    responses(
        (status = 200, description = "The round", body = RoundView),
        (status = 404, description = "No such programme or round, or a programme the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-programmes/{id}/rounds/{round_id}")]
pub async fn get_grant_round(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(GrantProgrammeId, GrantRoundId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, round_id) = path.into_inner();
    let round = state
        .db(move |conn| {
            visible_programme(store::find_programme(conn, id)?, &caller.0)?;
            store::find_round(conn, id, round_id)?.ok_or(StoreError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Ok().json(RoundView::from(round)))
}
