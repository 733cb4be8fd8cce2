//! `/api/v1/city-units`: the city's district administrations, specialist
//! administrations and companies. Admins write; everyone reads.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::checks::Findings;
use super::extract::{required_in_patch, JsonBody, Precondition};
use super::{merge_patch_field, paging, respond};
use crate::api::AppState;
use crate::auth::{Caller, SignedIn};
use crate::db::city_units::{self as store, CityUnitFilter};
use crate::db::Actor;
use crate::domain::access::{authorize, Action};
use crate::domain::city_unit::{check_district, CityUnit, CityUnitDetails, CityUnitKind};
use crate::domain::district::District;
use crate::domain::ids::CityUnitId;
use crate::domain::FieldError;
use crate::error::{ApiError, Problem};

/// A city unit.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193516a-0000-7000-8000-00000000000a",
    "name": "SDF Västra Göteborg",
    "kind": "district_administration",
    "district": "vastra_goteborg",
    "version": 1,
    "created_at": "2026-11-22T09:30:00Z",
    "updated_at": "2026-11-22T09:30:00Z"
}))]
pub struct CityUnitView {
    pub id: CityUnitId,
    pub name: String,
    pub kind: CityUnitKind,
    /// The district a district administration serves; null for other units.
    pub district: Option<District>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CityUnit> for CityUnitView {
    fn from(u: CityUnit) -> Self {
        CityUnitView {
            id: u.id,
            name: u.details.name,
            kind: u.details.kind,
            district: u.details.district,
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// A page of city units.
#[derive(Serialize, ToSchema)]
pub struct CityUnitList {
    pub items: Vec<CityUnitView>,
    pub next_cursor: Option<String>,
}

/// Creates a city unit.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Social resursförvaltning", "kind": "specialist_administration"}))]
#[validate(schema(function = "unit_rules", skip_on_field_errors = false))]
pub struct CreateCityUnit {
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "crate::api::checks::not_blank")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: CityUnitKind,
    /// Required for a district administration, absent otherwise.
    pub district: Option<District>,
}

/// A JSON merge patch of a city unit.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Stadsdelsförvaltningen Lundby"}))]
pub struct UpdateCityUnit {
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "crate::api::checks::not_blank")
    )]
    #[serde(default, deserialize_with = "required_in_patch")]
    #[schema(min_length = 1, max_length = 200, nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "required_in_patch")]
    #[schema(nullable = false)]
    pub kind: Option<CityUnitKind>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<District>)]
    pub district: Option<Option<District>>,
}

/// A new unit as a whole: a district only where its kind has one.
fn unit_rules(unit: &CreateCityUnit) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    if let Err(message) = check_district(unit.kind, unit.district) {
        found.rule("district", message);
    }
    found.done()
}

/// A changed unit as a whole: a district only where its kind has one.
fn checked(details: CityUnitDetails) -> Result<CityUnitDetails, Vec<FieldError>> {
    check_district(details.kind, details.district)
        .map_err(|m| vec![FieldError::new("district", m)])?;
    Ok(details)
}

/// Filters and paging of the city unit list (ordered by name).
#[derive(Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CityUnitQuery {
    pub kind: Option<CityUnitKind>,
    pub district: Option<District>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[validate(length(max = 2048, message = "must be at most 2048 characters"))]
    #[param(max_length = 2048)]
    pub cursor: Option<String>,
}

/// List city units
///
/// Every district administration, specialist administration and city
/// company, by name; anyone may read them. Filter by `kind` and `district`.
#[utoipa::path(
    tag = "city units",
    security((), ("bearer" = [])),
    params(CityUnitQuery),
    responses(
        (status = 200, description = "A page of city units, by name", body = CityUnitList),
        (status = 400, description = "Unknown query parameter or bad value", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/city-units")]
pub async fn list_city_units(
    state: web::Data<AppState>,
    _caller: Caller,
    query: crate::api::extract::ValidQuery<CityUnitQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let (limit, cursor) = paging(query.limit, query.cursor.as_deref(), "name")?;
    let filter = CityUnitFilter {
        kind: query.kind,
        district: query.district,
    };
    let page = state
        .db(move |conn| store::list(conn, &filter, limit, cursor.as_ref()))
        .await?;
    Ok(respond::page(&req, page, CityUnitView::from))
}

/// Read a city unit
///
/// Anyone may read a unit. The `ETag` is what `If-Match` compares when the
/// unit is changed or deleted.
#[utoipa::path(
    tag = "city units",
    security((), ("bearer" = [])),
    params(("id" = CityUnitId, Path, description = "The unit's id")),
    responses(
        (status = 200, description = "The city unit", body = CityUnitView, headers(("ETag" = String, description = "The version"))),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/city-units/{id}")]
pub async fn get_city_unit(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<CityUnitId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let unit = state
        .db(move |conn| store::find(conn, id))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(respond::ok(unit.version, &CityUnitView::from(unit)))
}

/// Create a city unit
///
/// City admins only.
#[utoipa::path(
    tag = "city units",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$", description = "Makes a retry return the first response (kept 24 h)")),
    request_body(content = CreateCityUnit, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = CityUnitView, headers(("Location" = String, description = "The new unit's URL"), ("ETag" = String, description = "The version"))),
        (status = 403, description = "Only city admins manage city units", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A unit with that name exists; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/city-units")]
pub async fn create_city_unit(
    state: web::Data<AppState>,
    caller: SignedIn,
    body: JsonBody<CreateCityUnit>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageCityUnits)?;
    let req = body.0;
    let details = CityUnitDetails {
        name: req.name.trim().to_owned(),
        kind: req.kind,
        district: req.district,
    };
    let who = Actor::from(&caller.0);
    let unit = state
        .db(move |conn| store::insert(conn, details, &who))
        .await?;
    Ok(respond::created(
        format!("/api/v1/city-units/{}", unit.id),
        unit.version,
        &CityUnitView::from(unit),
    ))
}

/// Change a city unit
///
/// City admins only. A JSON merge patch.
#[utoipa::path(
    tag = "city units",
    security(("bearer" = [])),
    params(
        ("id" = CityUnitId, Path, description = "The unit's id"),
        Precondition,
    ),
    request_body(content = UpdateCityUnit, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = CityUnitView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only city admins manage city units", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A unit with that name exists", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/city-units/{id}")]
pub async fn update_city_unit(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<CityUnitId>,
    precondition: Precondition,
    body: JsonBody<UpdateCityUnit>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageCityUnits)?;
    let id = id.into_inner();
    let patch = body.0;
    let who = Actor::from(&caller.0);
    let unit = state
        .db(move |conn| {
            store::update(conn, id, precondition.0, &who, |mut d| {
                if let Some(name) = patch.name {
                    d.name = name.trim().to_owned();
                }
                if let Some(kind) = patch.kind {
                    d.kind = kind;
                }
                if let Some(district) = patch.district {
                    d.district = district;
                }
                checked(d)
            })
        })
        .await?;
    Ok(respond::ok(unit.version, &CityUnitView::from(unit)))
}

/// Delete a city unit
///
/// City admins only; refused with 409 while other records refer to it.
#[utoipa::path(
    tag = "city units",
    security(("bearer" = [])),
    params(
        ("id" = CityUnitId, Path, description = "The unit's id"),
        Precondition,
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only city admins manage city units", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Other records refer to it", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/city-units/{id}")]
pub async fn delete_city_unit(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<CityUnitId>,
    precondition: Precondition,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageCityUnits)?;
    let id = id.into_inner();
    state
        .db(move |conn| store::delete(conn, id, precondition.0, &Actor::from(&caller.0)))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers the routes of the city units; utoipa collects each one into the
/// spec, so the spec cannot drift from what is served.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_city_units)
        .service(create_city_unit)
        .service(get_city_unit)
        .service(update_city_unit)
        .service(delete_city_unit);
}
