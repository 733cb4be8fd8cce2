//! `/api/v1/partnerships/{id}/follow-ups`: how the parties see the work going.

use super::*;

/// List follow-ups
///
/// The follow-ups of the action plan's indicators, for anyone who may see
/// the partnership; who took part (which may name people) only for the city
/// and the parties.
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(crate::api::SubListQuery, ("id" = PartnershipId, Path, description = "The partnership's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Follow-ups", body = FollowUpList),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/follow-ups")]
pub async fn list_follow_ups(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PartnershipId>,
    req: actix_web::HttpRequest,
    query: crate::api::extract::ValidQuery<crate::api::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let principal = caller.0.clone();
    let (insider, items) = state
        .db(move |conn| {
            let loaded = store::load_visible(conn, id, &principal)?;
            Ok((insider(&principal, &loaded), store::follow_ups(conn, id)?))
        })
        .await?;
    crate::api::sub_list(
        &req,
        &query,
        items
            .into_iter()
            .map(|f| follow_up_view(f, insider))
            .collect(),
    )
}

/// Whether the caller sees who took part in follow-ups: the city and the
/// parties.
fn insider(principal: &Principal, loaded: &Loaded) -> bool {
    let party = is_party(principal, &loaded.partnership, &loaded.parties);
    can(principal, Action::FollowPartnership { party })
}

fn follow_up_view(f: FollowUp, insider: bool) -> FollowUpView {
    let mut view = FollowUpView::from(f);
    // Who took part may name people: for the city and the parties only.
    if !insider {
        view.participants = None;
    }
    view
}

/// Read a follow-up
///
/// One follow-up, as the list shows it to this caller (who took part only
/// for the city and the parties): for anyone who may see the partnership
/// (404 otherwise, and for a follow-up of another partnership).
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("follow_up_id" = Uuid, Path, description = "The follow-up's id"),
    ),
    responses(
        (status = 200, description = "The follow-up", body = FollowUpView),
        (status = 404, description = "No such partnership or follow-up, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/follow-ups/{follow_up_id}")]
pub async fn get_follow_up(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(PartnershipId, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, follow_up_id) = path.into_inner();
    let view = state
        .db(move |conn| {
            let loaded = store::load_visible(conn, id, &caller.0)?;
            let follow_up =
                store::find_follow_up(conn, id, follow_up_id)?.ok_or(StoreError::NotFound)?;
            Ok(follow_up_view(follow_up, insider(&caller.0, &loaded)))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// File a follow-up
///
/// The responsible unit files any kind; an organisation party to the
/// partnership files its own reports (`kind: report`). The perceived
/// reception and the effects are the organisation's own rating: only its
/// members record them; the city sending them (or `organisation_id`) is a 422.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(("id" = PartnershipId, Path, description = "The partnership's id")),
    request_body(content = CreateFollowUp, content_type = "application/json"),
    responses(
        (status = 201, description = "Filed", body = FollowUpView),
        (status = 403, description = "Neither the responsible unit nor a party filing its own report", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/follow-ups")]
pub async fn add_follow_up(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<PartnershipId>,
    body: HeldJsonBody<CreateFollowUp>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (request, found) = body.into_parts();
    let (follow_up, mut errors) = request.into_follow_up(&caller.0);
    errors.extend(found);
    let principal = caller.0.clone();
    let actor = Actor::from(&caller.0);
    let added = state
        .db(move |conn| {
            store::add_follow_up(
                conn,
                id,
                &actor,
                // Who may file comes first (403), then every invalid field (422).
                |l| {
                    visible(&principal, l)?;
                    may_file_follow_up(
                        &principal,
                        &l.partnership,
                        &l.parties,
                        follow_up.kind,
                        follow_up.filed_by_organisation,
                    )?;
                    fields_valid(errors, ()).map_err(StoreError::Invalid)
                },
                follow_up.clone(),
            )
        })
        .await?;
    Ok(respond::created(
        format!("/api/v1/partnerships/{id}/follow-ups/{}", added.id),
        None,
        &FollowUpView::from(added),
    ))
}
