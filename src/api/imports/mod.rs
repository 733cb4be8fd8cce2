//! `/api/v1/imports/{resource}`: many records in one request, as NDJSON or
//! CSV. The body is read as a stream and parsed row by row on the blocking
//! pool; each row becomes the request body its single-record endpoint takes
//! (a CSV row through its resource's columns, `domain::import`'s cell
//! rules) and goes through that body's checks and conversion and the same
//! store functions. The answer is a summary and every row that was not
//! simply created or left unchanged.

use std::io::Read;

use actix_web::{post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::{parse_json, ValidQuery};
use super::grants::{ApplicationActionRequest, CreateApplication, CreatePayment};
use super::organisations::CreateOrganisation;
use crate::api::AppState;
use crate::auth::SignedIn;
use crate::db::grants::{self as grants_store, ImportedApplication};
use crate::db::organisations as organisations_store;
use crate::db::{imports as store, Actor, DbConnection, StoreError};
use crate::domain::access::{authorize, Action, Principal};
use crate::domain::grant::{ApplicationAction, RecordedDecision};
use crate::domain::import::{
    check_header, detect_delimiter, kronor, list_items, payment_column, HeaderMismatch, ImportMode,
    PaymentPart, RowResult,
};
use crate::domain::money::Sek;
use crate::domain::organisation::{OrganisationDetails, OrganisationField};
use crate::domain::FieldError;
use crate::error::{ApiError, Problem};
use crate::problem::ProblemCode;

mod file;
use file::*;

crate::text_enum!(
    /// What an import creates and updates.
    ImportResource {
        Organisations => "organisations",
        GrantApplications => "grant-applications",
    }
);

/// A file of rows: NDJSON lines, or CSV with a header row. Its size is
/// bounded by `SAMVERKAN_IMPORT_MAX_BYTES` (1 GiB unless configured).
pub struct ImportFile;

impl utoipa::PartialSchema for ImportFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(1 << 30))
            // Text: tabs and line ends, no other control character.
            .pattern(Some(crate::openapi::MULTI_LINE_PATTERN))
            .description(Some(
                "NDJSON lines, or CSV with a header row; at most SAMVERKAN_IMPORT_MAX_BYTES",
            ))
            .into()
    }
}

impl ToSchema for ImportFile {}

/// How the rows are written.
#[derive(Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check every row as if written, write nothing.
    pub dry_run: Option<bool>,
    /// All rows or none: one refused row and nothing is written.
    pub atomic: Option<bool>,
    /// The CSV separator, `;` or `,`; when left out, the one the header
    /// line uses most.
    pub delimiter: Option<crate::api::csv::CsvDelimiter>,
}

/// What became of one row (rows created or unchanged are only counted).
#[derive(Serialize, ToSchema, Debug)]
#[schema(example = json!({"line": 4, "external_id": "fb-1042", "result": "error", "code": "validation_failed", "detail": "1 field is invalid", "errors": [{"field": "organisation_number", "message": "check digit does not match (Luhn)"}]}))]
pub struct ImportRowResult {
    /// The row's line in the file (the header is line 1 of a CSV file; a
    /// row of NDJSON is its line).
    pub line: u64,
    /// The row's `external_id`, when it has one.
    pub external_id: Option<String>,
    pub result: RowResult,
    /// The record written or matched (absent for a refused row).
    pub id: Option<String>,
    /// For an `error`: the problem code the single-record endpoint would answer with.
    pub code: Option<String>,
    /// For an `error`: what is wrong, as the single-record endpoint says it.
    pub detail: Option<String>,
    /// For an `error` of invalid fields: each field (the column's name) and what is wrong with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// How many rows came to each result.
#[derive(Serialize, ToSchema, Default, Debug)]
pub struct ImportSummary {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub error: u64,
}

/// The answer to an import: the counts, and each row that was updated or
/// refused (at most 10 000 of them; `rows_truncated` says when more).
#[derive(Serialize, ToSchema, Debug)]
#[schema(example = json!({
    "resource": "organisations", "mode": "batches", "written": true,
    "summary": {"rows": 3, "created": 1, "updated": 1, "unchanged": 0, "error": 1},
    "rows": [
        {"line": 3, "external_id": "reningsborg", "result": "updated", "id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e"},
        {"line": 4, "external_id": "fb-1042", "result": "error", "code": "validation_failed", "detail": "1 field is invalid", "errors": [{"field": "organisation_number", "message": "check digit does not match (Luhn)"}]}
    ],
    "rows_truncated": false
}))]
pub struct ImportReport {
    /// `organisations` or `grant-applications`.
    pub resource: String,
    /// `batches` (each row alone), `atomic` or `dry_run`.
    pub mode: String,
    /// Whether the rows reported `created` and `updated` were written: false
    /// for a dry run, and for an atomic import with a refused row.
    pub written: bool,
    pub summary: ImportSummary,
    /// Every row updated or refused, in file order.
    pub rows: Vec<ImportRowResult>,
    /// More rows were updated or refused than are listed.
    pub rows_truncated: bool,
}

/// The most rows a report lists.
const MAX_LISTED: usize = 10_000;
/// Rows per transaction in the default mode.
const BATCH: usize = 500;

/// The formats an import reads.
#[derive(Debug, Clone, Copy)]
enum Format {
    Ndjson,
    Csv { windows_1252: bool },
}

fn format_of(req: &HttpRequest) -> Result<Format, ApiError> {
    let value = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut parts = value.split(';').map(str::trim);
    let media = parts.next().unwrap_or_default();
    let charset = parts
        .find_map(|p| p.strip_prefix("charset="))
        .map(|c| c.trim_matches('"').to_owned());
    match (media, charset.as_deref()) {
        ("application/x-ndjson", None | Some("utf-8")) => Ok(Format::Ndjson),
        ("text/csv", None | Some("utf-8")) => Ok(Format::Csv {
            windows_1252: false,
        }),
        ("text/csv", Some("windows-1252" | "cp1252")) => Ok(Format::Csv { windows_1252: true }),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}

/// Import records
///
/// Creates or updates many records from one file: `application/x-ndjson`
/// (one JSON object per line, each the body of the resource's `POST`) or
/// `text/csv` (a header row of the resource's columns; `;` or `,`; UTF-8
/// with or without a BOM, or `charset=windows-1252`). Each row is matched
/// by its `external_id` (an organisation also by its organisation number)
/// and goes through the checks of the resource's own endpoints; grant
/// applications may carry their submission, decision and payments
/// (historical records). A wrong CSV header is refused before anything is
/// written. City staff, admins and integrations import; each row is then
/// allowed as its own request would be. Changes are recorded as made `via:
/// import` by the caller. See the README's "Imports" for the columns.
#[utoipa::path(
    tag = "imports",
    security(("bearer" = [])),
    params(
        ("resource" = ImportResource, Path, description = "What the file holds"),
        ImportQuery,
    ),
    request_body(content(
        (ImportFile = "application/x-ndjson", example = json!("{\"name\":\"Reningsborg\",\"legal_form\":\"social_enterprise\",\"external_id\":\"reningsborg\"}")),
        (ImportFile = "text/csv", example = json!("name;organisation_number;legal_form;districts;external_id")),
    )),
    responses(
        (status = 200, description = "The file was read: a summary and each row updated or refused", body = ImportReport),
        (status = 400, description = "The file cannot be read as its media type (a broken quote, bytes that are not UTF-8)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not import", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource to import", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than SAMVERKAN_IMPORT_MAX_BYTES", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not NDJSON or CSV (UTF-8 or windows-1252)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The CSV header names unknown columns or misses required ones (`unknown_columns`, `missing_columns`); nothing was written", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/imports/{resource}")]
pub async fn import_records(
    state: web::Data<AppState>,
    caller: SignedIn,
    resource: web::Path<String>,
    query: ValidQuery<ImportQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let resource: ImportResource = resource.parse().map_err(|_| ApiError::NotFound)?;
    authorize(&caller.0, Action::Import)?;
    let format = format_of(&req)?;
    let query = query.into_inner();
    let mode = match (query.dry_run, query.atomic) {
        (Some(true), _) => ImportMode::DryRun,
        (_, Some(true)) => ImportMode::Atomic,
        _ => ImportMode::Batches,
    };
    let delimiter = query.delimiter.map(|d| d.char() as u8);
    let limit = state.settings.import_max_bytes;
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let (sender, receiver) = tokio::sync::mpsc::channel(16);
    let feed = feed(payload, sender, limit);
    let principal = caller.0.clone();
    let line_cap = state.settings.body_limit_bytes;
    let work = state.db(move |conn| {
        let body = Body::new(receiver, line_cap);
        let asked = Asked {
            resource,
            format,
            delimiter,
            mode,
            limit,
        };
        Ok(run(conn, asked, body, &principal))
    });
    let (_, report) = futures_util::future::join(feed, work).await;
    Ok(HttpResponse::Ok().json(report??))
}

fn too_large(limit: u64) -> ApiError {
    ApiError::PayloadTooLarge {
        limit: usize::try_from(limit).unwrap_or(usize::MAX),
    }
}

/// Hands the body's chunks to the reader on the blocking pool, at most 16
/// chunks ahead of it (memory stays flat), and stops past the limit.
async fn feed(
    mut payload: web::Payload,
    sender: tokio::sync::mpsc::Sender<Result<web::Bytes, Cut>>,
    limit: u64,
) {
    let mut read: u64 = 0;
    while let Some(chunk) = payload.next().await {
        let item = match chunk {
            Ok(bytes) => {
                read += bytes.len() as u64;
                if read > limit {
                    Err(Cut::TooLarge)
                } else {
                    Ok(bytes)
                }
            }
            Err(_) => Err(Cut::Broken),
        };
        let stop = item.is_err();
        if sender.send(item).await.is_err() || stop {
            return;
        }
    }
}

/// Reads the file, checks and writes its rows, and answers the report.
/// What an import was asked to do.
#[derive(Clone, Copy)]
struct Asked {
    resource: ImportResource,
    format: Format,
    delimiter: Option<u8>,
    mode: ImportMode,
    limit: u64,
}

fn run(
    conn: &mut DbConnection,
    asked: Asked,
    body: Body,
    principal: &Principal,
) -> Result<ImportReport, ApiError> {
    let Asked {
        resource,
        format,
        delimiter,
        mode,
        limit,
    } = asked;
    let mut rows = Rows::open(resource, format, delimiter, body, limit)?;
    let mut report = ImportReport {
        resource: resource.as_str().to_owned(),
        mode: mode.as_str().to_owned(),
        written: mode != ImportMode::DryRun,
        summary: ImportSummary::default(),
        rows: Vec::new(),
        rows_truncated: false,
    };
    let actor = || Actor::from(principal).importing();
    let mut finished = false;
    let mut failure: Option<ApiError> = None;
    let batch_size = if mode == ImportMode::Batches {
        BATCH
    } else {
        usize::MAX
    };
    while !finished && failure.is_none() {
        let outcome = store::transaction(conn, |conn| {
            let mut done = 0;
            while done < batch_size {
                let row = match rows.next_row() {
                    Ok(Some(row)) => row,
                    Ok(None) => {
                        finished = true;
                        break;
                    }
                    Err(err) => {
                        failure = Some(err);
                        // Nothing of a batch the file broke off in is kept.
                        return Ok(((), false));
                    }
                };
                done += 1;
                let line = row.line;
                let body = match row.body {
                    Ok(body) => body,
                    Err(errors) => {
                        report_error(&mut report, line, None, &ApiError::Validation(errors));
                        continue;
                    }
                };
                let external_id = body
                    .get("external_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                // The row in a savepoint: refused, it is undone alone.
                match store::row(conn, |conn| {
                    import_row(conn, resource, body, principal, &actor()).map_err(Refused)
                }) {
                    Ok((result, id)) => tally(&mut report, line, external_id, result, id),
                    Err(Refused(err)) => report_error(&mut report, line, external_id, &err),
                }
            }
            let keep = match mode {
                ImportMode::Batches => true,
                ImportMode::Atomic => report.summary.error == 0,
                ImportMode::DryRun => false,
            };
            Ok(((), keep))
        });
        if let Err(err) = outcome {
            return Err(ApiError::from(err));
        }
        if mode == ImportMode::Atomic && report.summary.error > 0 {
            report.written = false;
        }
    }
    match failure {
        Some(err) => Err(err),
        None => Ok(report),
    }
}

fn tally(
    report: &mut ImportReport,
    line: u64,
    external_id: Option<String>,
    result: RowResult,
    id: String,
) {
    report.summary.rows += 1;
    match result {
        RowResult::Created => report.summary.created += 1,
        RowResult::Unchanged => report.summary.unchanged += 1,
        RowResult::Updated | RowResult::Error => {
            report.summary.updated += 1;
            list(
                report,
                ImportRowResult {
                    line,
                    external_id,
                    result,
                    id: Some(id),
                    code: None,
                    detail: None,
                    errors: Vec::new(),
                },
            );
        }
    }
}

fn report_error(report: &mut ImportReport, line: u64, external_id: Option<String>, err: &ApiError) {
    report.summary.rows += 1;
    report.summary.error += 1;
    let problem = err.problem();
    list(
        report,
        ImportRowResult {
            line,
            external_id,
            result: RowResult::Error,
            id: None,
            code: Some(problem.code),
            detail: Some(problem.detail),
            errors: problem.errors,
        },
    );
}

fn list(report: &mut ImportReport, row: ImportRowResult) {
    if report.rows.len() < MAX_LISTED {
        report.rows.push(row);
    } else {
        report.rows_truncated = true;
    }
}

/// A row refused, by its checks or by the store.
struct Refused(ApiError);

impl From<diesel::result::Error> for Refused {
    fn from(err: diesel::result::Error) -> Self {
        Refused(ApiError::from(StoreError::from(err)))
    }
}

/// One row through its resource's checks and store function.
fn import_row(
    conn: &mut DbConnection,
    resource: ImportResource,
    body: Map<String, Value>,
    principal: &Principal,
    actor: &Actor,
) -> Result<(RowResult, String), ApiError> {
    match resource {
        ImportResource::Organisations => {
            let given: Vec<OrganisationField> = OrganisationField::ALL
                .into_iter()
                .filter(|f| body.contains_key(f.name()))
                .collect();
            let request: CreateOrganisation = parse_json(&to_bytes(body))?;
            let details = OrganisationDetails::try_from(request)?;
            let (result, org) =
                organisations_store::import(conn, details, &given, actor, |id, fields| {
                    for field in fields {
                        authorize(principal, Action::EditOrganisationField(id, *field))?;
                    }
                    Ok(())
                })?;
            Ok((result, org.id.to_string()))
        }
        ImportResource::GrantApplications => {
            let row = application_row(body, principal)?;
            let (result, a) = grants_store::import_application(conn, row, principal, actor)?;
            Ok((result, a.id.to_string()))
        }
    }
}

fn to_bytes(body: Map<String, Value>) -> Vec<u8> {
    serde_json::to_vec(&Value::Object(body)).unwrap_or_default()
}

/// The keys of a grant application's row that are its handling, not the
/// application's body.
const HANDLING: [&str; 7] = [
    "submitted_at",
    "outcome",
    "granted_sek",
    "motivation",
    "decided_by",
    "decided_on",
    "payments",
];

/// How far a historical application had come: its submission, decision and
/// payments (each checked as its own request's body is).
#[derive(Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Handling {
    #[serde(default, deserialize_with = "crate::api::dates::instant_in_patch")]
    submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    decided_by: Option<String>,
    decided_on: Option<chrono::NaiveDate>,
    #[serde(default)]
    #[validate(length(max = 100, message = "must be at most 100 payments"))]
    payments: Vec<Value>,
}

/// A grant application's row as the store imports it: the body of `POST
/// /grant-applications`, its decision as the body of `.../decide`, each
/// payment as the body of `.../payments`.
fn application_row(
    mut body: Map<String, Value>,
    principal: &Principal,
) -> Result<ImportedApplication, ApiError> {
    let mut handling = Map::new();
    for key in HANDLING {
        if let Some(v) = body.remove(key) {
            handling.insert(key.to_owned(), v);
        }
    }
    let mut decision = Map::new();
    for key in ["outcome", "granted_sek", "motivation"] {
        if let Some(v) = handling.remove(key) {
            decision.insert(key.to_owned(), v);
        }
    }
    let mut errors = Vec::new();
    let request = parse_json::<CreateApplication>(&to_bytes(body));
    let handling = parse_json::<Handling>(&to_bytes(handling));
    let decision = (!decision.is_empty()).then(|| {
        parse_json::<ApplicationActionRequest>(&to_bytes(decision))
            .and_then(|d| d.into_input(ApplicationAction::Decide, None))
    });
    let decision = decision.transpose();
    let (request, handling, decision) = match (request, handling, decision) {
        (Ok(r), Ok(h), Ok(d)) => (r, h, d.and_then(|d| d.decision)),
        (r, h, d) => {
            for e in [r.err(), h.err(), d.err()].into_iter().flatten() {
                match e {
                    ApiError::Validation(mut e) => errors.append(&mut e),
                    other => return Err(other),
                }
            }
            return Err(ApiError::Validation(errors));
        }
    };
    authorize(
        principal,
        Action::RegisterGrantApplication(request.organisation_id),
    )?;
    for field in request.city_kept_fields() {
        authorize(principal, Action::SetCityKeptField(field))?;
    }
    let details = request.into_details()?;
    let decision = match decision {
        Some(d) => {
            let mut missing = Vec::new();
            for (field, absent) in [
                ("submitted_at", handling.submitted_at.is_none()),
                ("decided_by", handling.decided_by.is_none()),
                ("decided_on", handling.decided_on.is_none()),
            ] {
                if absent {
                    missing.push(FieldError::new(field, "is required with a decision"));
                }
            }
            match (handling.decided_by.clone(), handling.decided_on) {
                (Some(decided_by), Some(decided_on)) if missing.is_empty() => Some((
                    d,
                    RecordedDecision {
                        decided_by,
                        decided_on,
                    },
                )),
                _ => return Err(ApiError::Validation(missing)),
            }
        }
        None => None,
    };
    let mut payments = Vec::new();
    for (i, p) in handling.payments.into_iter().enumerate() {
        let payment: CreatePayment = parse_json(&serde_json::to_vec(&p).unwrap_or_default())
            .map_err(|e| prefixed(e, &format!("payments[{i}].")))?;
        let amount = Sek::positive(payment.amount_sek)
            .map_err(|m| ApiError::invalid(format!("payments[{i}].amount_sek"), m))?;
        payments.push((amount, payment.paid_on));
    }
    if !payments.is_empty() && decision.is_none() {
        return Err(ApiError::invalid(
            "payments",
            "are recorded only with a decision",
        ));
    }
    Ok(ImportedApplication {
        details,
        submitted_at: handling.submitted_at,
        decision,
        payments,
    })
}

fn prefixed(err: ApiError, prefix: &str) -> ApiError {
    match err {
        ApiError::Validation(errors) => ApiError::Validation(
            errors
                .into_iter()
                .map(|e| FieldError::new(format!("{prefix}{}", e.field), e.message))
                .collect(),
        ),
        other => other,
    }
}

/// Registers the import route.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(import_records);
}
