//! `/api/v1/changes`: the change feed. Every committed change of every
//! resource, in the outbox's order, each shown only to callers its
//! resource's read rule admits (`domain::change::Audience`).

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::ValidQuery;
use super::{AppState, DEFAULT_LIMIT, MAX_LIMIT};
use crate::auth::Caller;
use crate::db::outbox::{self as store, Event, Position, CURSOR_SORT};
use crate::db::page::Cursor;
use crate::domain::change::{ResourceType, Via, DELETED};
use crate::error::{ApiError, Problem};

/// How many events one page may read past the ones the caller may see, so
/// that a caller who sees few of them still moves on in bounded steps.
const SCAN_FACTOR: usize = 10;

/// What the feed is asked for.
#[derive(Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The `next_cursor` of the previous page: the feed continues after it.
    /// Without it the feed starts at the oldest change kept.
    #[validate(length(max = 2048, message = "must be at most 2048 characters"))]
    #[param(max_length = 2048, pattern = "^[A-Za-z0-9_-]*$")]
    pub after: Option<String>,
    /// The resource types to keep, comma-separated (e.g.
    /// `grant_application,partnership`); all when absent. An unknown type
    /// is a 400 naming it.
    #[validate(length(max = 1000, message = "must be at most 1000 characters"))]
    #[param(value_type = Option<Vec<ResourceType>>, style = Form, explode = false, max_items = 18)]
    pub types: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The resource a change of a part belongs to.
#[derive(Serialize, ToSchema)]
pub struct ParentView {
    pub resource_type: ResourceType,
    pub resource_id: String,
}

/// One committed change.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1b2-0000-7000-8000-000000000001",
    "type": "grant_application.decide",
    "resource_type": "grant_application",
    "resource_id": "0193516a-0000-7000-8000-0000000000a1",
    "parent": null,
    "action": "decide",
    "version": 6,
    "deleted": false,
    "actor_role": "city_staff",
    "via": "api",
    "occurred_at": "2026-12-07T09:30:00Z",
    "href": "/api/v1/grant-applications/0193516a-0000-7000-8000-0000000000a1"
}))]
pub struct ChangeView {
    /// The change's own id, the same wherever it is seen (the change feed,
    /// a webhook's `webhook-id`): what a consumer deduplicates by.
    pub id: uuid::Uuid,
    /// `<resource_type>.<action>`.
    #[schema(example = "grant_application.decide")]
    #[serde(rename = "type")]
    pub event_type: String,
    pub resource_type: ResourceType,
    pub resource_id: String,
    /// The resource a part belongs to (a payment's application, a
    /// registration's event); null for a resource of its own.
    pub parent: Option<ParentView>,
    /// `created`, `updated`, `deleted`, or the state action taken
    /// (`submit`, `decide`, `publish`, ...).
    #[schema(example = "decide")]
    pub action: String,
    /// The resource's version after the change (for a part: its parent's).
    pub version: Option<i64>,
    /// True for a tombstone: the resource was deleted.
    pub deleted: bool,
    /// The role of who made the change (never the person).
    #[schema(example = "city_staff")]
    pub actor_role: String,
    /// `api` (one request) or `import` (a row of an import).
    pub via: Via,
    pub occurred_at: DateTime<Utc>,
    /// Where to read the resource now (a deleted one answers 404).
    pub href: String,
}

impl From<Event> for ChangeView {
    fn from(e: Event) -> Self {
        let href = href(e.resource, &e.resource_id, e.parent.as_ref());
        ChangeView {
            id: e.event_id,
            event_type: format!("{}.{}", e.resource, e.action),
            resource_type: e.resource,
            resource_id: e.resource_id,
            parent: e.parent.map(|(resource_type, resource_id)| ParentView {
                resource_type,
                resource_id,
            }),
            deleted: e.action == DELETED,
            action: e.action,
            version: e.version,
            actor_role: e.actor_role,
            via: e.via,
            occurred_at: e.occurred_at,
            href,
        }
    }
}

/// Where a resource is read: its own URL, under its parent's for a part
/// (invitations are read as their event's list).
pub fn href(resource: ResourceType, id: &str, parent: Option<&(ResourceType, String)>) -> String {
    use ResourceType as R;
    let root = |r: ResourceType| match r {
        R::CityUnit => "city-units",
        R::Organisation => "organisations",
        R::Partnership => "partnerships",
        R::GrantProgramme => "grant-programmes",
        R::GrantApplication => "grant-applications",
        _ => "dialogue-events",
    };
    let Some((parent, parent_id)) = parent else {
        return format!("/api/v1/{}/{id}", root(resource));
    };
    let under = format!("/api/v1/{}/{parent_id}", root(*parent));
    match resource {
        R::PartnershipParty => format!("{under}/parties/{id}"),
        R::PartnershipFundingLine => format!("{under}/funding-lines/{id}"),
        R::PartnershipInKind => format!("{under}/in-kind-contributions/{id}"),
        R::PartnershipCommitment => format!("{under}/commitments/{id}"),
        R::PartnershipFollowUp => format!("{under}/follow-ups/{id}"),
        R::GrantReview => format!("{under}/reviews/{id}"),
        R::DialogueRegistration => format!("{under}/registrations/{id}"),
        R::DialogueInvitation => format!("{under}/invitations"),
        R::DialogueAttendance => format!("{under}/attendance"),
        R::DialogueMinutes => format!("{under}/minutes"),
        R::DialogueMinutesContribution => format!("{under}/minutes/contributions/{id}"),
        R::DialogueOutcome => format!("{under}/outcomes/{id}"),
        _ => under,
    }
}

/// A page of the change feed.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "items": [{
        "id": "0193a1b2-0000-7000-8000-000000000001",
        "type": "grant_application.decide",
        "resource_type": "grant_application",
        "resource_id": "0193516a-0000-7000-8000-0000000000a1",
        "parent": null,
        "action": "decide",
        "version": 6,
        "deleted": false,
        "actor_role": "city_staff",
        "via": "api",
        "occurred_at": "2026-12-07T09:30:00Z",
        "href": "/api/v1/grant-applications/0193516a-0000-7000-8000-0000000000a1"
    }],
    "next_cursor": "eyJzIjoicG9zaXRpb24iLCJrIjoiNzQ0IiwiaSI6IjEyIn0"
}))]
pub struct ChangePage {
    pub items: Vec<ChangeView>,
    /// Where to continue: give it as `after` on the next request. Always
    /// set, also when no change follows yet (poll again with it later).
    #[schema(pattern = "^[A-Za-z0-9_-]*$", max_length = 2048)]
    pub next_cursor: String,
}

/// Read the change feed
///
/// Every committed change of every resource — created, updated, each state
/// action, deleted (a tombstone) — in the order the database committed them,
/// as far as the caller may know of it: anonymous callers see changes of
/// public resources, a partner also those of its own organisation's cases,
/// the city everything. Store `next_cursor` and give it back as `after`:
/// a consumer that does so misses no change and sees none twice, however
/// many replicas write. Changes are kept `SAMVERKAN_OUTBOX_RETENTION_DAYS`
/// (30 by default); a cursor older than that answers 410 `cursor_expired`.
#[utoipa::path(
    tag = "changes",
    security((), ("bearer" = [])),
    params(ChangesQuery),
    responses(
        (status = 200, description = "The next changes (possibly none yet) and where to continue", body = ChangePage,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` (RFC 8288): this request with `after` set to `next_cursor`"))),
        (status = 400, description = "An unknown parameter, an unknown resource type, or a bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`cursor_expired`: changes after the cursor were pruned", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list_changes(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<ChangesQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = match query.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(ApiError::bad_query(format!(
                "`limit` must be between 1 and {MAX_LIMIT}, not {n}"
            )))
        }
    };
    let after = query
        .after
        .as_deref()
        .filter(|a| !a.is_empty())
        .map(|a| {
            Cursor::decode(a, CURSOR_SORT)
                .ok()
                .and_then(|c| Position::from_cursor(&c).ok())
                .ok_or_else(|| ApiError::bad_query("`after` is not a cursor this service gave out"))
        })
        .transpose()?;
    let types = parse_types(query.types.as_deref())?;
    let principal = caller.0;
    // Without a cursor the feed starts at the oldest change kept.
    let (events, after) = state
        .db(move |conn| {
            let pruned = store::pruned_up_to(conn)?;
            if let (Some(after), Some(pruned)) = (after, pruned) {
                if after < pruned {
                    return Err(crate::db::StoreError::CursorExpired);
                }
            }
            let after = after.or(pruned);
            Ok((
                store::after(conn, after, &types, limit * SCAN_FACTOR)?,
                after,
            ))
        })
        .await?;
    // The cursor moves past every change considered, seen or not: up to the
    // last one of a full page, or to the last one scanned.
    let mut items = Vec::new();
    let mut next = after;
    for event in events {
        if items.len() == limit {
            break;
        }
        next = Some(event.position);
        if event.audience.admits(&principal) {
            items.push(ChangeView::from(event));
        }
    }
    let next_cursor = next
        .unwrap_or(Position { txid: 0, id: 0 })
        .cursor()
        .encode();
    let mut link: Vec<String> = req
        .query_string()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("after="))
        .map(str::to_owned)
        .collect();
    link.push(format!("after={next_cursor}"));
    Ok(HttpResponse::Ok()
        .insert_header((
            header::LINK,
            format!("<{}?{}>; rel=\"next\"", req.path(), link.join("&")),
        ))
        .json(ChangePage { items, next_cursor }))
}

/// `types=a,b`: each a resource type; an unknown one is a 400 naming it.
fn parse_types(types: Option<&str>) -> Result<Vec<ResourceType>, ApiError> {
    let Some(types) = types.filter(|t| !t.is_empty()) else {
        return Ok(Vec::new());
    };
    types
        .split(',')
        .map(|t| {
            t.trim()
                .parse::<ResourceType>()
                .map_err(|e| ApiError::bad_query(format!("`types`: {e}")))
        })
        .collect()
}

/// Registers the change feed's route.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_changes);
}
