//! `/api/v1/partnerships/{id}/history`: what happened to a partnership.

use super::*;

/// Read the history
///
/// Every change of status, party, period and funding: who, when, what and
/// why. For the city and the organisations party to the partnership.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(crate::api::SubListQuery, ("id" = PartnershipId, Path, description = "The partnership's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "The history, oldest first", body = HistoryList),
        (status = 403, description = "Not the city nor a party", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/history")]
pub async fn get_history(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<PartnershipId>,
    req: actix_web::HttpRequest,
    query: crate::api::extract::ValidQuery<crate::api::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db(move |conn| {
            let loaded = store::load_visible(conn, id, &caller.0)?;
            let party = is_party(&caller.0, &loaded.partnership, &loaded.parties);
            authorize(&caller.0, Action::FollowPartnership { party })?;
            store::history(conn, id)
        })
        .await?;
    crate::api::sub_list(
        &req,
        &query,
        items
            .into_iter()
            .map(|h| HistoryView {
                at: h.at,
                actor: h.actor,
                actor_role: h.actor_role,
                change: h.change,
                from_status: h.from_status,
                to_status: h.to_status,
                detail: h.detail,
                reason: h.reason,
            })
            .collect(),
    )
}
