//! `/api/v1/partnerships/{id}/parties`: who takes part; invitations answered
//! by the organisation named.

use super::*;
use crate::problem::ProblemCode;

/// List the parties
///
/// The organisations taking part, with their role and the dates they joined
/// and left. Invitations not yet answered are shown to the city, the
/// parties and the invited organisation only.
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(crate::api::SubListQuery, ("id" = PartnershipId, Path, description = "The partnership's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Parties, past ones with `left_on`; invitations (`status: invited`) for the city, the parties and the invited organisation", body = PartyList),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/parties")]
pub async fn list_parties(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PartnershipId>,
    req: actix_web::HttpRequest,
    query: crate::api::extract::ValidQuery<crate::api::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let principal = caller.0.clone();
    let loaded = state
        .db(move |conn| store::load_visible(conn, id, &principal))
        .await?;
    crate::api::sub_list(
        &req,
        &query,
        parties_for(&caller.0, &loaded.partnership, &loaded.parties),
    )
}

/// Add a party
///
/// Organisations join running partnerships too (the IOP on unaccompanied
/// minors grew from 7 to 9). Staff of the responsible unit and admins add
/// parties while the partnership is open. The proposing organisation invites
/// organisations to its own proposal (while it is a `proposal`): they are
/// `invited` until they accept.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(("id" = PartnershipId, Path, description = "The partnership's id")),
    request_body(content = AddParty, content_type = "application/json"),
    responses(
        (status = 201, description = "Every party after the change", body = PartyList),
        (status = 403, description = "Not staff of the responsible unit, nor an admin, nor the proposing organisation of a proposal", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a party (`already_party`) or invited (`already_invited`); the partnership is closed; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/parties")]
pub async fn add_party(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<PartnershipId>,
    body: JsonBody<AddParty>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let req = body.0;
    let principal = caller.0.clone();
    let organisation = req.organisation_id;
    let party = Party {
        organisation_id: req.organisation_id,
        role: req.role.unwrap_or(PartyRole::Member),
        joined_on: req
            .joined_on
            .unwrap_or_else(crate::domain::local_time::today),
        left_on: None,
        status: status_when_named(&caller.0, req.organisation_id),
    };
    let actor = Actor::from(&caller.0);
    let (partnership, parties) = state
        .db(move |conn| {
            let authorize_add = |l: &Loaded| {
                visible(&principal, l)?;
                Ok(may_add_party(&principal, &l.partnership)?)
            };
            let parties = store::add_party(conn, id, &actor, authorize_add, party)?;
            Ok((store::find(conn, id)?.ok_or(StoreError::NotFound)?, parties))
        })
        .await?;
    // The party is addressed by its organisation; the body stays the list
    // of every party after the change.
    Ok(respond::created(
        format!("/api/v1/partnerships/{id}/parties/{organisation}"),
        None,
        &PartyList {
            items: parties_for(&caller.0, &partnership, &parties),
            next_cursor: None,
        },
    ))
}

/// Read a party
///
/// One organisation named in the partnership, as the list of parties shows
/// it to this caller: for anyone who may see the partnership, an invitation
/// (`status: invited`) only for the city, the parties and the invited
/// organisation. What the list does not show answers 404.
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("organisation_id" = OrganisationId, Path, description = "The party's organisation"),
    ),
    responses(
        (status = 200, description = "The party", body = PartyView),
        (status = 404, description = "No such partnership or party, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/parties/{organisation_id}")]
pub async fn get_party(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(PartnershipId, OrganisationId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, organisation) = path.into_inner();
    let principal = caller.0.clone();
    // Whether an invitation is shown depends on the other parties: the
    // partnership is read with all of them, as for the list.
    let loaded = state
        .db(move |conn| store::load_visible(conn, id, &principal))
        .await?;
    let party = parties_for(&caller.0, &loaded.partnership, &loaded.parties)
        .into_iter()
        .find(|p| p.organisation_id == organisation)
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(party))
}

pub(super) fn answer(
    state: web::Data<AppState>,
    principal: Principal,
    id: PartnershipId,
    organisation: OrganisationId,
    answer: Answer,
    body: Option<InvitationAnswer>,
) -> impl std::future::Future<Output = Result<(Partnership, Vec<Party>), ApiError>> {
    let reason = body.unwrap_or_default().reason;
    async move {
        let actor = Actor::from(&principal);
        state
            .db(move |conn| {
                let authorize_answer = |l: &Loaded| {
                    check_invitation_answer(&principal, &l.partnership, &l.parties, organisation)
                        .map_err(|refusal| match refusal {
                            InvitationRefusal::NotFound => StoreError::NotFound,
                            InvitationRefusal::Refused(r) => r.into(),
                            InvitationRefusal::NotInvited => StoreError::Conflict {
                                code: ProblemCode::NotInvited,
                                detail: "the organisation is already a party; there is no invitation to answer".into(),
                            },
                        })
                };
                let parties = store::answer_invitation(
                    conn,
                    id,
                    organisation,
                    answer,
                    reason.as_deref(),
                    &actor,
                    authorize_answer,
                )?;
                Ok((store::find(conn, id)?.ok_or(StoreError::NotFound)?, parties))
            })
            .await
    }
}

/// Accept an invitation to be a party
///
/// An organisation named by another organisation's proposal is `invited`,
/// not a party: it reads the partnership (without contact details or
/// history) and accepts or declines here. Accepting makes it a party, in the
/// history. Only a member of the invited organisation answers; city roles
/// are refused (403), another organisation's partner learns nothing (404).
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("organisation_id" = OrganisationId, Path, description = "The invited organisation (the caller's own)"),
    ),
    request_body(content = Option<InvitationAnswer>, content_type = "application/json", examples(
        ("plain" = (summary = "Accept; no body is needed", value = json!({}))),
        ("with_reason" = (summary = "Accept with a note for the history", value = json!({"reason": "Our board agreed on 2015-08-20 to join the partnership"}))),
    )),
    responses(
        (status = 200, description = "A party now; every party after the change", body = PartyList),
        (status = 403, description = "A city role: only the invited organisation answers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership or invitation, or not the caller's organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a party (`not_invited`); or the partnership is closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid reason", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/parties/{organisation_id}/accept")]
pub async fn accept_partnership_invitation(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(PartnershipId, OrganisationId)>,
    body: OptionalJsonBody<InvitationAnswer>,
) -> Result<HttpResponse, ApiError> {
    let (id, organisation) = path.into_inner();
    let (partnership, parties) = answer(
        state,
        caller.0.clone(),
        id,
        organisation,
        Answer::Accept,
        body.0,
    )
    .await?;
    Ok(HttpResponse::Ok().json(PartyList {
        items: parties_for(&caller.0, &partnership, &parties),
        next_cursor: None,
    }))
}

/// Decline an invitation to be a party
///
/// The invitation is removed (the history keeps the answer, with an optional
/// reason); the organisation no longer sees the proposal unless it is public.
/// Who may answer: as for `accept`.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("organisation_id" = OrganisationId, Path, description = "The invited organisation (the caller's own)"),
    ),
    request_body(content = Option<InvitationAnswer>, content_type = "application/json", examples(
        ("with_reason" = (summary = "Decline with a reason for the history", value = json!({"reason": "We have no capacity this year"}))),
        ("plain" = (summary = "Decline; no body is needed", value = json!({}))),
    )),
    responses(
        (status = 204, description = "Declined"),
        (status = 403, description = "A city role: only the invited organisation answers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership or invitation, or not the caller's organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a party (`not_invited`); or the partnership is closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid reason", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/parties/{organisation_id}/decline")]
pub async fn decline_partnership_invitation(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(PartnershipId, OrganisationId)>,
    body: OptionalJsonBody<InvitationAnswer>,
) -> Result<HttpResponse, ApiError> {
    let (id, organisation) = path.into_inner();
    answer(state, caller.0, id, organisation, Answer::Decline, body.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Remove a party
///
/// Records that the organisation left (it stays in the record with its
/// dates). A partnership keeps at least one organisation.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("organisation_id" = OrganisationId, Path, description = "The organisation leaving"),
        LeaveQuery,
    ),
    responses(
        (status = 204, description = "Left"),
        (status = 400, description = "Bad query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the responsible unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership or current party", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last party, or the partnership is closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/partnerships/{id}/parties/{organisation_id}")]
pub async fn remove_party(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(PartnershipId, OrganisationId)>,
    query: web::Query<LeaveQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, organisation) = path.into_inner();
    let left_on = query
        .left_on
        .unwrap_or_else(crate::domain::local_time::today);
    let actor = Actor::from(&caller.0);
    state
        .db(move |conn| {
            store::remove_party(conn, id, organisation, left_on, &actor, manage(&caller.0))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
