//! `/api/v1/organisations/{id}/cases`: everything an organisation is party
//! to, with where each stands, for the organisation itself and the city.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{sub_list_page, sub_list_window, SubListQuery};
use crate::api::AppState;
use crate::auth::SignedIn;
use crate::db::StoreError;
use crate::domain::access::{authorize, Action};
use crate::domain::case::{visible_cases, Case, CaseKind};
use crate::domain::ids::OrganisationId;
use crate::error::{ApiError, Problem};

/// The latest entry of a case's history.
#[derive(Serialize, ToSchema)]
pub struct LatestEntryView {
    /// When it happened (RFC 3339, UTC).
    pub at: DateTime<Utc>,
    /// What happened, in the history's own words: for a partnership the
    /// `change` of its history (`created`, `status` for a change of state,
    /// `period`, `amendment`, `party`, `funding`), for an application the
    /// `action` of its history (`create`, `submit`, `start_review`,
    /// `decide`, `pay`, `edit`, ...); a registration keeps no history, so
    /// for it this is its status (`registered`, `waitlisted`, `cancelled`)
    /// and when that last changed.
    #[schema(example = "decide")]
    pub action: String,
    /// The state the entry left the case in; null when it did not change
    /// the state (an edit, a party added, ...).
    #[schema(example = "decided")]
    pub to_status: Option<String>,
}

/// One case an organisation is party to.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "kind": "grant_application",
    "id": "0193516a-0000-7000-8000-0000000000a1",
    "title": "Läxhjälp i Biskopsgården",
    "status": "decided",
    "href": "/api/v1/grant-applications/0193516a-0000-7000-8000-0000000000a1",
    "created_at": "2026-11-02T10:15:00Z",
    "latest": {"at": "2026-12-07T09:30:01Z", "action": "decide", "to_status": "decided"}
}))]
pub struct CaseView {
    pub kind: CaseKind,
    /// The partnership's, application's or registration's id.
    pub id: uuid::Uuid,
    /// The partnership's or application's title; for a registration, the
    /// event's title.
    pub title: String,
    /// Where the case stands, in its kind's own states: a partnership's
    /// status (`proposal`, `in_dialogue`, `agreed`, `active`, `concluded`,
    /// `terminated`, `withdrawn`, `declined`), an application's
    /// (`draft`, `submitted`, `under_review`, `completion_requested`,
    /// `decided`, `paid`, `reported`, `closed`, `withdrawn`), a
    /// registration's (`registered`, `waitlisted`, `cancelled`).
    #[schema(example = "decided")]
    pub status: String,
    /// The case in this API (a registration: under its event).
    pub href: String,
    /// When the case was created (a registration: when it was made).
    pub created_at: DateTime<Utc>,
    /// The latest entry of its history; null when it has none yet, or the
    /// caller may not follow it (an organisation that is only invited to a
    /// partnership, or has left one, does not get its history).
    pub latest: Option<LatestEntryView>,
}

impl From<Case> for CaseView {
    fn from(c: Case) -> Self {
        let href = match (c.kind, c.event_id) {
            (CaseKind::Partnership, _) => format!("/api/v1/partnerships/{}", c.id),
            (CaseKind::GrantApplication, _) => format!("/api/v1/grant-applications/{}", c.id),
            (CaseKind::DialogueRegistration, event) => format!(
                "/api/v1/dialogue-events/{}/registrations/{}",
                event.unwrap_or_default(),
                c.id
            ),
        };
        CaseView {
            kind: c.kind,
            id: c.id,
            title: c.title,
            status: c.status.as_str().to_owned(),
            href,
            created_at: c.created_at,
            latest: c.latest.map(|l| LatestEntryView {
                at: l.at,
                action: l.action,
                to_status: l.to_status,
            }),
        }
    }
}

/// A page of cases.
#[derive(Serialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseView>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Follow an organisation's cases
///
/// Everything the organisation is party to, oldest first: the partnerships
/// that name it (as a party, now or before, as the organisation that
/// proposed it, or as invited), its grant applications (its drafts
/// included) and its registrations for dialogue events; each with its
/// status and the latest entry of its history. "It shall be possible for
/// the organisations to follow the handling of the cases that concern
/// them." For the organisation itself and the city; each case is shown as
/// its own `GET` would show it to the caller.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(SubListQuery, ("id" = OrganisationId, Path, description = "The organisation's id")),
    responses(
        (status = 200, description = "The organisation's cases", body = CaseList),
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the organisation itself nor the city", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{id}/cases")]
pub async fn list_organisation_cases(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<OrganisationId>,
    req: HttpRequest,
    query: crate::api::extract::ValidQuery<SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    authorize(&caller.0, Action::ReadOrganisationCases(id))?;
    let (limit, start) = sub_list_window(&query)?;
    let records = state
        .db(move |conn| {
            crate::db::organisations::find(conn, id)?.ok_or(StoreError::NotFound)?;
            crate::db::cases::of_organisation(conn, id)
        })
        .await?;
    let cases = visible_cases(&caller.0, id, records);
    let total = cases.len();
    let items = cases
        .into_iter()
        .skip(start)
        .take(limit + 1)
        .map(CaseView::from)
        .collect();
    Ok(sub_list_page(&req, limit, start, total, items))
}

/// Registers the cases route.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_organisation_cases);
}
