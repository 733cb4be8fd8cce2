//! `/api/v1/organisations/{id}/notices`: the e-mail notices sent to an
//! organisation's contact address, for the organisation and the city.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::changes::href;
use super::{respond, sub_list_page, sub_list_window, SubListQuery};
use crate::api::AppState;
use crate::auth::SignedIn;
use crate::db::notices::{self as store, Notice};
use crate::db::StoreError;
use crate::domain::access::{authorize, Action};
use crate::domain::change::ResourceType;
use crate::domain::ids::OrganisationId;
use crate::domain::notice::{NoticeKind, NoticeStatus};
use crate::domain::organisation::NoticeLanguage;
use crate::error::{ApiError, Problem};

/// What a notice told of: an application, or an event (also for a
/// registration's notice).
#[derive(Serialize, ToSchema)]
pub struct NoticeAbout {
    pub resource_type: ResourceType,
    pub resource_id: String,
    /// The resource in this API.
    pub href: String,
}

/// An e-mail notice to an organisation's contact address.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-0000-7000-8000-0000000000e1",
    "kind": "decision_recorded",
    "language": "sv",
    "recipient": "kontakt@friskvardsklubben.se",
    "subject": "Beslut om ansökan: Läxhjälp i Biskopsgården",
    "body": "Ett beslut har fattats om ansökan \"Läxhjälp i Biskopsgården\". Ansökan är delvis beviljad: 125 000 kr.\n\nLäs mer: https://samverkan.goteborg.se/api/v1/grant-applications/0193516a-0000-7000-8000-0000000000a1\n\nDetta meddelande skickas automatiskt till organisationens kontaktadress.\n",
    "about": {
        "resource_type": "grant_application",
        "resource_id": "0193516a-0000-7000-8000-0000000000a1",
        "href": "/api/v1/grant-applications/0193516a-0000-7000-8000-0000000000a1"
    },
    "status": "sent",
    "attempts": 1,
    "last_error": null,
    "created_at": "2026-12-07T09:30:01Z",
    "sent_at": "2026-12-07T09:30:02Z"
}))]
pub struct NoticeView {
    pub id: uuid::Uuid,
    pub kind: NoticeKind,
    pub language: NoticeLanguage,
    /// The organisation's contact address when the notice was made.
    pub recipient: String,
    pub subject: String,
    /// The text sent (plain text).
    pub body: String,
    pub about: NoticeAbout,
    pub status: NoticeStatus,
    /// Attempts to send so far.
    pub attempts: i32,
    /// Why the last attempt failed; null once sent.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<Notice> for NoticeView {
    fn from(n: Notice) -> Self {
        let about_href = href(n.resource, &n.resource_id, None);
        NoticeView {
            id: n.id,
            kind: n.kind,
            language: n.language,
            recipient: n.recipient,
            subject: n.subject,
            body: n.body,
            about: NoticeAbout {
                resource_type: n.resource,
                resource_id: n.resource_id,
                href: about_href,
            },
            status: n.status,
            attempts: n.attempts,
            last_error: n.last_error,
            created_at: n.created_at,
            sent_at: n.sent_at,
        }
    }
}

/// A page of notices.
#[derive(Serialize, ToSchema)]
pub struct NoticeList {
    pub items: Vec<NoticeView>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// List an organisation's notices
///
/// The e-mail notices made for the organisation, oldest first: a completion
/// requested, a decision or payment recorded, a registration confirmed or
/// promoted from the waiting list, an event it registered for changed or
/// cancelled; each with its status (`pending`, `sent`, `failed`). For the
/// organisation itself and the city.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(SubListQuery, ("id" = OrganisationId, Path, description = "The organisation's id")),
    responses(
        (status = 200, description = "The organisation's notices", body = NoticeList),
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the organisation itself nor the city", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{id}/notices")]
pub async fn list_organisation_notices(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<OrganisationId>,
    req: HttpRequest,
    query: crate::api::extract::ValidQuery<SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    authorize(&caller.0, Action::ReadOrganisationNotices(id))?;
    let (limit, start) = sub_list_window(&query)?;
    let (notices, total) = state
        .db(move |conn| {
            crate::db::organisations::find(conn, id)?.ok_or(StoreError::NotFound)?;
            store::of_organisation(conn, id, start, limit + 1)
        })
        .await?;
    let items = notices.into_iter().map(NoticeView::from).collect();
    Ok(sub_list_page(&req, limit, start, total, items))
}

/// Read a notice
///
/// One notice of the organisation, for the organisation itself and the city.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(
        ("id" = OrganisationId, Path, description = "The organisation's id"),
        ("notice_id" = uuid::Uuid, Path, description = "The notice's id"),
    ),
    responses(
        (status = 200, description = "The notice", body = NoticeView),
        (status = 403, description = "Not the organisation itself nor the city", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation, or no such notice of it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{id}/notices/{notice_id}")]
pub async fn get_organisation_notice(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(OrganisationId, uuid::Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, notice_id) = path.into_inner();
    authorize(&caller.0, Action::ReadOrganisationNotices(id))?;
    let notice = state
        .db(move |conn| store::find(conn, id, notice_id))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(respond::ok(
        i64::from(notice.attempts),
        &NoticeView::from(notice),
    ))
}

/// Registers the notice routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_organisation_notices)
        .service(get_organisation_notice);
}
