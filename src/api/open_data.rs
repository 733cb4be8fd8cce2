//! `/api/v1/open-data/...`: the city's decided grants in the 360Giving Data
//! Standard, as a JSON package and as CSV. Public, from public records
//! only (`db::open_data::decided_grants`, `domain::open_data`).

use actix_web::{get, http::header, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::api::csv::CsvDelimiter;
use crate::api::AppState;
use crate::domain::open_data::{table, to_360giving, Grant};
use crate::error::{ApiError, Problem};

/// A 360Giving data package: the grants, and nothing else.
#[derive(Serialize, ToSchema)]
#[schema(as = GivingPackage, example = json!({"grants": [{
    "id": "360G-goteborg-0193516a-0000-7000-8000-0000000000a1",
    "title": "Garaget",
    "description": "Summer jobs for young people in Tynnered",
    "currency": "SEK",
    "amountAppliedFor": 80000,
    "amountAwarded": 75000,
    "awardDate": "2015-05-20",
    "dateModified": "2015-05-20T12:00:00Z",
    "recipientOrganization": [{"id": "SE-ON-8024472824", "name": "Reningsborg"}],
    "fundingOrganization": [{"id": "360G-goteborg-unit-0193516a-0000-7000-8000-0000000000c1", "name": "SDF Västra Göteborg"}],
    "grantProgramme": [{"code": "0193516a-0000-7000-8000-0000000000b1", "title": "Utvecklingspotten 2015"}],
    "beneficiaryLocation": [{"name": "Västra Göteborg", "geoCode": "vastra_goteborg", "geoCodeType": "stadsdelar-2011", "countryCode": "SE"}]
}]}))]
pub struct Package {
    /// Every decided grant that gives money, in the order of the decisions.
    /// (The 360Giving schema asks for at least one: while nothing is
    /// granted the list is empty, which its validators refuse.)
    pub grants: Vec<Grant>,
}

/// The package takes no parameters; an unknown one is a 400.
#[derive(Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PackageQuery {}

/// How the CSV is written; an unknown parameter is a 400.
#[derive(Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CsvQuery {
    /// Begin with a UTF-8 byte-order mark (`true`), so that Excel reads the
    /// file as UTF-8; `false` by default.
    pub bom: Option<bool>,
    /// The field separator: `,` (default) or `;` (`%3B` in a URL; Excel set
    /// to Swedish expects it).
    pub delimiter: Option<CsvDelimiter>,
}

/// `200` with `body` and a strong ETag of its bytes: open data is fetched
/// again and again, and a `304` to `If-None-Match` spares the body while no
/// grant changed.
fn tagged(body: Vec<u8>, content_type: &str) -> HttpResponse {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(&body);
    let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{tag}\"")))
        .content_type(content_type)
        .body(body)
}

/// Every decided grant as 360Giving has it.
async fn grants(state: &AppState) -> Result<Vec<Grant>, ApiError> {
    let prefix = state.settings.open_data.prefix.clone();
    let decided = state.db(crate::db::open_data::decided_grants).await?;
    Ok(decided
        .into_iter()
        .map(|g| to_360giving(&prefix, g))
        .collect())
}

/// Decided grants (360Giving, JSON)
///
/// Every grant the city decided to give (granted or partly granted; paid,
/// reported and closed ones too) as a 360Giving Data Standard package; no
/// token needed. Drafts, applications in handling and rejected ones are
/// never in it, nor any person (contact persons, deciders) or internal note.
///
/// - `id` is `360G-<prefix>-<the application's id>`; the prefix is the
///   setting `SAMVERKAN_360G_PREFIX` (`goteborg` by default).
/// - `recipientOrganization[0].id` is `SE-ON-` and the ten digits of the
///   Swedish organisation number without the dash; an organisation without
///   a number is `360G-<prefix>-org-<its id>`.
/// - `fundingOrganization[0]` is the city unit that owns the programme,
///   `360G-<prefix>-unit-<its id>`.
/// - Amounts are whole kronor, `currency` is `SEK`; `awardDate` is the day
///   of the decision; `grantProgramme[0].code` is the programme's id.
/// - `beneficiaryLocation` holds the application's districts: the name,
///   `geoCode` the district's code in this API, `geoCodeType`
///   `stadsdelar-2011`, `countryCode` `SE`.
#[utoipa::path(
    tag = "open data",
    security(()),
    params(PackageQuery),
    responses(
        (status = 200, description = "A 360Giving package of the decided grants", body = Package,
            headers(("ETag" = String, description = "A strong tag of the body's bytes, for `If-None-Match`"))),
        (status = 304, description = "Not modified: `If-None-Match` names the package's current ETag"),
        (status = 400, description = "An unknown query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/open-data/360giving")]
pub async fn get_360giving(
    state: web::Data<AppState>,
    _query: crate::api::extract::ValidQuery<PackageQuery>,
) -> Result<HttpResponse, ApiError> {
    let package = Package {
        grants: grants(&state).await?,
    };
    let body = serde_json::to_vec(&package).map_err(|e| ApiError::Internal(e.into()))?;
    Ok(tagged(body, "application/json"))
}

/// Decided grants (360Giving, CSV)
///
/// The grants of `GET /open-data/360giving` as a table for spreadsheets,
/// one line per grant, with 360Giving's column titles (`Identifier`,
/// `Title`, `Description`, `Currency`, `Amount Applied For`,
/// `Amount Awarded`, `Award Date`, `Last Modified`,
/// `Recipient Org:Identifier`, `Recipient Org:Name`,
/// `Funding Org:Identifier`, `Funding Org:Name`, `Grant Programme:Code`,
/// `Grant Programme:Title`), then the districts as numbered groups
/// (`Beneficiary Location:0:Name`, `...:0:Geographic Code`,
/// `...:0:Geographic Code Type`, `...:0:Country Code`, then `:1:` ...): as
/// many groups as the grant with the most districts needs, at least one.
/// UTF-8, lines ended by CRLF, fields quoted when they hold the separator,
/// a quote or a line break; a field that begins like a formula (`=`, `+`,
/// `-`, `@`) gets a `'` in front. `?bom=true&delimiter=;` for Excel set to
/// Swedish. No token needed.
#[utoipa::path(
    tag = "open data",
    security(()),
    params(CsvQuery),
    responses(
        (status = 200, description = "The decided grants as CSV", content_type = "text/csv", body = String,
            headers(("ETag" = String, description = "A strong tag of the body's bytes, for `If-None-Match`")),
            example = json!("Identifier,Title,Description,Currency,Amount Applied For,Amount Awarded,Award Date,Last Modified,Recipient Org:Identifier,Recipient Org:Name,Funding Org:Identifier,Funding Org:Name,Grant Programme:Code,Grant Programme:Title,Beneficiary Location:0:Name,Beneficiary Location:0:Geographic Code,Beneficiary Location:0:Geographic Code Type,Beneficiary Location:0:Country Code\r\n360G-goteborg-0193516a-0000-7000-8000-0000000000a1,Garaget,Summer jobs for young people in Tynnered,SEK,80000,75000,2015-05-20,2015-05-20T12:00:00Z,SE-ON-8024559786,Reningsborg,360G-goteborg-unit-0193516a-0000-7000-8000-0000000000c1,SDF Västra Göteborg,0193516a-0000-7000-8000-0000000000b1,Utvecklingspotten 2015,Västra Göteborg,vastra_goteborg,stadsdelar-2011,SE\r\n")),
        (status = 304, description = "Not modified: `If-None-Match` names the file's current ETag"),
        (status = 400, description = "An unknown query parameter or a bad value", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/open-data/360giving.csv")]
pub async fn get_360giving_csv(
    state: web::Data<AppState>,
    query: crate::api::extract::ValidQuery<CsvQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let delimiter = q.delimiter.unwrap_or(CsvDelimiter::Comma).char();
    let grants = grants(&state).await?;
    let (header, rows) = table(&grants);
    let text = super::csv::encode(&header, &rows, delimiter, q.bom.unwrap_or(false));
    Ok(tagged(
        text.into_bytes(),
        "text/csv; charset=utf-8; header=present",
    ))
}

/// Registers the open-data routes (the `.csv` one first: the paths differ,
/// but keep the more specific before the shorter).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_360giving_csv).service(get_360giving);
}
