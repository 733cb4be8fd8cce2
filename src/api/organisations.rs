//! `/api/v1/organisations`: civil-society organisations.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::{required_in_patch, JsonBody, Precondition};
use super::{merge_patch_field, paging, respond};
use crate::api::AppState;
use crate::auth::{Caller, SignedIn};
use crate::db::organisations::{self as store, OrganisationFilter, OrganisationSort};
use crate::db::Actor;
use crate::domain::access::{authorize, can, Action, Principal};
use crate::domain::district::District;
use crate::domain::ids::OrganisationId;
use crate::domain::organisation::{
    normalise_districts, LegalForm, NoticeLanguage, Organisation, OrganisationChange,
    OrganisationDetails, OrganisationNumber,
};
use crate::error::{ApiError, Problem};

/// An organisation as clients see it. Contact details are present only for
/// the city and the organisation itself.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e",
    "name": "Friskvårdsklubben i Göteborg",
    "organisation_number": "802455-9786",
    "legal_form": "non_profit_association",
    "districts": ["centrum", "norra_hisingen", "vastra_goteborg"],
    "description": "User-run association: physical activity for people with mental illness.",
    "website": "https://friskvardsklubben.se",
    "contact_email": "kontakt@friskvardsklubben.se",
    "contact_phone": "031-12 34 56",
    "external_id": "fb-1042",
    "notice_language": "sv",
    "version": 3,
    "created_at": "2026-11-22T09:30:00Z",
    "updated_at": "2026-11-22T10:02:11Z"
}))]
pub struct OrganisationView {
    pub id: OrganisationId,
    pub name: String,
    /// Organisationsnummer `NNNNNN-NNNN`; null for informal networks.
    pub organisation_number: Option<String>,
    pub legal_form: LegalForm,
    /// The districts the organisation works in.
    pub districts: Vec<District>,
    /// What the organisation says about itself (its own to edit).
    pub description: Option<String>,
    pub website: Option<String>,
    /// Only for city staff, admins, integrations and the organisation itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// Only for city staff, admins, integrations and the organisation itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
    /// The id in the system the record was imported from.
    pub external_id: Option<String>,
    /// The language of the organisation's e-mail notices (`sv` unless it
    /// prefers `en`).
    pub notice_language: NoticeLanguage,
    /// Grows by one on every change; the ETag is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrganisationView {
    fn for_caller(org: Organisation, caller: &Principal) -> Self {
        let contacts = can(caller, Action::ReadOrganisationContacts(org.id));
        let d = org.details;
        OrganisationView {
            id: org.id,
            name: d.name,
            organisation_number: d.organisation_number.map(|n| n.to_string()),
            legal_form: d.legal_form,
            districts: d.districts,
            description: d.description,
            website: d.website,
            contact_email: d.contact_email.filter(|_| contacts),
            contact_phone: d.contact_phone.filter(|_| contacts),
            external_id: d.external_id,
            notice_language: d.notice_language,
            version: org.version,
            created_at: org.created_at,
            updated_at: org.updated_at,
        }
    }
}

/// A page of organisations.
#[derive(Serialize, ToSchema)]
pub struct OrganisationList {
    pub items: Vec<OrganisationView>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

fn check_phone(phone: &str) -> Result<(), validator::ValidationError> {
    let ok = (5..=30).contains(&phone.len())
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c))
        && phone.chars().filter(char::is_ascii_digit).count() >= 5;
    if ok {
        Ok(())
    } else {
        Err(validator::ValidationError::new("phone")
            .with_message("must be a phone number such as 031-365 00 00".into()))
    }
}

/// Registers an organisation.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Reningsborg",
    "organisation_number": "802447-2824",
    "legal_form": "social_enterprise",
    "districts": ["vastra_goteborg"],
    "description": "Second-hand shops that give unemployed young people work.",
    "website": "https://reningsborg.se",
    "contact_email": "info@reningsborg.se",
    "external_id": "reningsborg"
}))]
pub struct CreateOrganisation {
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "crate::api::checks::not_blank")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// `NNNNNN-NNNN` (the dash may be left out) whose last digit is a valid
    /// Luhn (mod 10) check digit over all ten digits; a wrong check digit is
    /// a 422 (the pattern cannot say it).
    #[schema(pattern = "^[0-9]{6}-?[0-9]{4}$")]
    #[validate(custom(function = "check_organisation_number"))]
    pub organisation_number: Option<String>,
    pub legal_form: LegalForm,
    #[serde(default)]
    #[validate(length(max = 10, message = "must be at most 10 districts"))]
    #[schema(max_items = 10)]
    pub districts: Vec<District>,
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[validate(
        length(max = 500, message = "must be at most 500 characters"),
        custom(function = "crate::api::check_web_url")
    )]
    #[schema(
        max_length = 500,
        pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?([/?#][!-~]*)?$"
    )]
    pub website: Option<String>,
    #[validate(
        length(max = 254, message = "must be at most 254 characters"),
        email(message = "must be an email address")
    )]
    #[schema(format = Email, max_length = 254)]
    pub contact_email: Option<String>,
    /// 5 to 30 characters: digits, spaces and `+-()`, at least five digits.
    #[validate(custom(function = "check_phone"))]
    #[schema(
        min_length = 5,
        max_length = 30,
        pattern = "^[ +()-]*(?:[0-9][ +()-]*){5,}$"
    )]
    pub contact_phone: Option<String>,
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub external_id: Option<String>,
    /// The language of its e-mail notices; `sv` when left out.
    #[serde(default)]
    pub notice_language: Option<NoticeLanguage>,
}

/// The organisation number's syntax and check digit, as a field check, so
/// that it is named with the other bad fields of a request.
fn check_organisation_number(number: &str) -> Result<(), validator::ValidationError> {
    OrganisationNumber::parse(number.trim())
        .map(|_| ())
        .map_err(|message| {
            validator::ValidationError::new("organisation_number").with_message(message.into())
        })
}

/// The domain's organisation number, once `check_organisation_number`
/// has passed.
fn organisation_number(number: String) -> Result<OrganisationNumber, ApiError> {
    OrganisationNumber::parse(number.trim())
        .map_err(|message| ApiError::invalid("organisation_number", message))
}

impl TryFrom<CreateOrganisation> for OrganisationDetails {
    type Error = ApiError;
    fn try_from(req: CreateOrganisation) -> Result<Self, ApiError> {
        Ok(OrganisationDetails {
            name: req.name.trim().to_owned(),
            organisation_number: req
                .organisation_number
                .map(organisation_number)
                .transpose()?,
            legal_form: req.legal_form,
            districts: normalise_districts(req.districts),
            description: req.description,
            website: req.website,
            contact_email: req.contact_email,
            contact_phone: req.contact_phone,
            external_id: req.external_id,
            notice_language: req.notice_language.unwrap_or_default(),
        })
    }
}

/// A JSON merge patch (RFC 7396) of an organisation: fields left out stay as
/// they are, `null` clears an optional field (a required one is a 422).
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Activities every week at five activity houses.", "website": null}))]
pub struct UpdateOrganisation {
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "crate::api::checks::not_blank")
    )]
    #[serde(default, deserialize_with = "required_in_patch")]
    #[schema(min_length = 1, max_length = 200, nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    /// `NNNNNN-NNNN` (the dash may be left out) whose last digit is a valid
    /// Luhn (mod 10) check digit over all ten digits; a wrong check digit is
    /// a 422 (the pattern cannot say it).
    #[schema(value_type = Option<String>, pattern = "^[0-9]{6}-?[0-9]{4}$")]
    #[validate(custom(function = "check_organisation_number"))]
    pub organisation_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "required_in_patch")]
    #[schema(nullable = false)]
    pub legal_form: Option<LegalForm>,
    #[serde(default, deserialize_with = "required_in_patch")]
    #[validate(length(max = 10, message = "must be at most 10 districts"))]
    #[schema(nullable = false, max_items = 10)]
    pub districts: Option<Vec<District>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>, max_length = 5000)]
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>, max_length = 500, pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?([/?#][!-~]*)?$")]
    #[validate(
        length(max = 500, message = "must be at most 500 characters"),
        custom(function = "crate::api::check_web_url")
    )]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>, format = Email, max_length = 254)]
    #[validate(
        length(max = 254, message = "must be at most 254 characters"),
        email(message = "must be an email address")
    )]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    /// 5 to 30 characters: digits, spaces and `+-()`, at least five digits.
    #[schema(value_type = Option<String>, min_length = 5, max_length = 30, pattern = "^[ +()-]*(?:[0-9][ +()-]*){5,}$")]
    #[validate(custom(function = "check_phone"))]
    pub contact_phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    pub external_id: Option<Option<String>>,
    /// The language of its e-mail notices.
    #[serde(default, deserialize_with = "required_in_patch")]
    #[schema(nullable = false)]
    pub notice_language: Option<NoticeLanguage>,
}

impl TryFrom<UpdateOrganisation> for OrganisationChange {
    type Error = ApiError;
    fn try_from(req: UpdateOrganisation) -> Result<Self, ApiError> {
        Ok(OrganisationChange {
            name: req.name.map(|n| n.trim().to_owned()),
            organisation_number: req
                .organisation_number
                .map(|n| n.map(organisation_number).transpose())
                .transpose()?,
            legal_form: req.legal_form,
            districts: req.districts.map(normalise_districts),
            description: req.description,
            website: req.website,
            contact_email: req.contact_email,
            contact_phone: req.contact_phone,
            external_id: req.external_id,
            notice_language: req.notice_language,
        })
    }
}

/// Filters, order and paging of the organisation list.
#[derive(Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganisationQuery {
    /// Text the name contains (case-insensitive).
    #[validate(length(max = 200, message = "must be at most 200 characters"))]
    #[param(example = "stadsmission", max_length = 200)]
    pub q: Option<String>,
    /// Organisations working in this district.
    pub district: Option<District>,
    pub legal_form: Option<LegalForm>,
    /// Changed at or after this time (RFC 3339), for incremental sync.
    #[param(example = "2026-01-01T00:00:00Z")]
    pub updated_since: Option<DateTime<Utc>>,
    /// `created_at` (default), `updated_at` or `name`; `-` before it sorts descending.
    pub sort: Option<OrganisationSort>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[validate(length(max = 2048, message = "must be at most 2048 characters"))]
    #[param(max_length = 2048)]
    pub cursor: Option<String>,
}

/// List organisations
///
/// Public: anyone may list organisations' public profiles. Contact details
/// appear for the city and for the organisation's own members.
#[utoipa::path(
    tag = "organisations",
    security((), ("bearer" = [])),
    params(OrganisationQuery),
    responses(
        (status = 200, description = "A page of organisations; `Link` carries the next page", body = OrganisationList,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "Unknown query parameter or bad value", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations")]
pub async fn list_organisations(
    state: web::Data<AppState>,
    caller: Caller,
    query: crate::api::extract::ValidQuery<OrganisationQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let sort = query.sort.unwrap_or(OrganisationSort::CreatedAt);
    let (limit, cursor) = paging(query.limit, query.cursor.as_deref(), sort.as_str())?;
    let filter = OrganisationFilter {
        q: query.q.filter(|q| !q.trim().is_empty()),
        district: query.district,
        legal_form: query.legal_form,
        updated_since: query.updated_since,
    };
    let page = state
        .db(move |conn| store::list(conn, &filter, sort, limit, cursor.as_ref()))
        .await?;
    Ok(respond::page(&req, page, |org| {
        OrganisationView::for_caller(org, &caller.0)
    }))
}

/// Read an organisation
///
/// Public profile for anyone; contact details for the city and the organisation itself.
#[utoipa::path(
    tag = "organisations",
    security((), ("bearer" = [])),
    params(("id" = OrganisationId, Path, description = "The organisation's id")),
    responses(
        (status = 200, description = "The organisation", body = OrganisationView, headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{id}")]
pub async fn get_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OrganisationId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let org = state
        .db(move |conn| store::find(conn, id))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(respond::ok(
        org.version,
        &OrganisationView::for_caller(org, &caller.0),
    ))
}

/// Register an organisation
///
/// City staff, admins and integrations register organisations (for example
/// in a bulk import, with `external_id` and an `Idempotency-Key` so that a
/// retried request creates nothing twice).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$", description = "Makes a retry return the first response instead of creating again (kept 24 h)")),
    request_body(content = CreateOrganisation, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered", body = OrganisationView,
            headers(("Location" = String, description = "The new organisation's URL"), ("ETag" = String, description = "The version"))),
        (status = 403, description = "The role may not register organisations", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Duplicate organisation number or external id; or the same Idempotency-Key is still in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (all are listed); or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations")]
pub async fn create_organisation(
    state: web::Data<AppState>,
    caller: SignedIn,
    body: JsonBody<CreateOrganisation>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::CreateOrganisation)?;
    let details = OrganisationDetails::try_from(body.0)?;
    let who = Actor::from(&caller.0);
    let org = state
        .db(move |conn| store::insert(conn, details, &who))
        .await?;
    let location = format!("/api/v1/organisations/{}", org.id);
    Ok(respond::created(
        location,
        org.version,
        &OrganisationView::for_caller(org, &caller.0),
    ))
}

/// Change an organisation
///
/// A JSON merge patch. Who may change what follows the organisation's
/// integrity: the description and website are the organisation's own words
/// and only its members change them; the organisation number, legal form and
/// external id are registry facts kept by the city; name, districts and
/// contact details may be corrected by either. A partner of another
/// organisation is refused. Send `If-Match` with the ETag you read to be sure
/// nobody changed it in between.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(
        ("id" = OrganisationId, Path, description = "The organisation's id"),
        Precondition,
    ),
    request_body(content = UpdateOrganisation, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = OrganisationView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not change one of the fields", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Duplicate organisation number or external id", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (all are listed)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/organisations/{id}")]
pub async fn update_organisation(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<OrganisationId>,
    precondition: Precondition,
    body: JsonBody<UpdateOrganisation>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let change = OrganisationChange::try_from(body.0)?;
    for field in change.fields() {
        authorize(&caller.0, Action::EditOrganisationField(id, field))?;
    }
    let org = state
        .db({
            let who = Actor::from(&caller.0);
            move |conn| store::update(conn, id, precondition.0, change, &who)
        })
        .await?;
    Ok(respond::ok(
        org.version,
        &OrganisationView::for_caller(org, &caller.0),
    ))
}

/// Delete an organisation
///
/// City admins only; refused with 409 while other records refer to it.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(
        ("id" = OrganisationId, Path, description = "The organisation's id"),
        Precondition,
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only city admins delete organisations", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Other records refer to it", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/organisations/{id}")]
pub async fn delete_organisation(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<OrganisationId>,
    precondition: Precondition,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::DeleteOrganisation)?;
    let id = id.into_inner();
    state
        .db(move |conn| store::delete(conn, id, precondition.0, &Actor::from(&caller.0)))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers the routes of the organisations; utoipa collects each one into the
/// spec, so the spec cannot drift from what is served.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_organisations)
        .service(create_organisation)
        .service(get_organisation)
        .service(update_organisation)
        .service(delete_organisation);
}
