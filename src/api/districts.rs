//! The ten districts of Gothenburg (reference data).

use actix_web::{get, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::district::District;

/// A district (stadsdel).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "vastra_goteborg", "name": "Västra Göteborg"}))]
pub struct DistrictView {
    /// The value used in `district` fields and filters.
    pub id: District,
    /// The Swedish name.
    pub name: &'static str,
}

/// All ten districts, in one page.
#[derive(Serialize, ToSchema)]
pub struct DistrictList {
    pub items: Vec<DistrictView>,
    /// Always null: the list fits in one page.
    pub next_cursor: Option<String>,
}

/// List the districts of Gothenburg
///
/// The ten districts (stadsdelar) used by `district` fields and filters everywhere.
#[utoipa::path(
    tag = "reference data",
    security((), ("bearer" = [])),
    params(super::SubListQuery),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "The ten districts", body = DistrictList),
    )
)]
#[get("/districts")]
pub async fn list_districts(
    _caller: crate::auth::Caller,
    req: actix_web::HttpRequest,
    query: crate::api::extract::ValidQuery<super::SubListQuery>,
) -> HttpResponse {
    match super::sub_list(
        &req,
        &query,
        District::ALL
            .iter()
            .map(|d| DistrictView {
                id: *d,
                name: d.name(),
            })
            .collect(),
    ) {
        Ok(res) => res,
        Err(e) => actix_web::ResponseError::error_response(&e),
    }
}

/// Registers the routes of the districts; utoipa collects each one into the
/// spec, so the spec cannot drift from what is served.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_districts);
}
