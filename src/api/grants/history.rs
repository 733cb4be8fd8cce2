//! `/api/v1/grant-applications/{id}/history`: what happened to an application.

use super::*;

/// Follow the handling
///
/// Who did what and when (review notes stay internal). For the city and the
/// applicant organisation: "it shall be possible for the organisations to
/// follow the handling of the cases that concern them".
#[utoipa::path(
    tag = "grants",
    security(("bearer" = [])),
    params(crate::api::SubListQuery, ("id" = GrantApplicationId, Path, description = "The application's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The history, oldest first", body = ApplicationHistoryList),
        (status = 404, description = "No such application, or one the caller may not follow", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grant-applications/{id}/history")]
pub async fn get_grant_history(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<GrantApplicationId>,
    req: actix_web::HttpRequest,
    query: crate::api::extract::ValidQuery<crate::api::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db(move |conn| {
            let a = store::find_application(conn, id)?.ok_or(StoreError::NotFound)?;
            own_or_city(&a, &caller.0)?;
            store::history(conn, id)
        })
        .await?;
    crate::api::sub_list(
        &req,
        &query,
        items
            .into_iter()
            .map(|h| ApplicationHistoryView {
                at: h.at,
                actor: h.actor,
                actor_role: h.actor_role,
                action: h.action,
                from_status: h.from_status,
                to_status: h.to_status,
                note: h.note,
            })
            .collect(),
    )
}
