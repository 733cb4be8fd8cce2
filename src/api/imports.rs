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

/// Why the body ended early.
#[derive(Debug, Clone, Copy)]
enum Cut {
    TooLarge,
    Broken,
    /// A line longer than one record's body may be (the ordinary body limit).
    LineTooLong(usize),
}

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Cut::TooLarge => "the body is larger than the import limit",
            Cut::Broken => "the body could not be read to its end",
            Cut::LineTooLong(cap) => {
                return write!(
                    f,
                    "a line is longer than {cap} bytes, the most one record may take"
                );
            }
        })
    }
}

impl std::error::Error for Cut {}

/// The body as a `Read`, on the blocking pool. No line may be longer than
/// `line_cap`: a reader buffers a line (or a CSV record) whole, so this is
/// what keeps its memory flat for a file without line ends.
struct Body {
    receiver: tokio::sync::mpsc::Receiver<Result<web::Bytes, Cut>>,
    current: web::Bytes,
    line_cap: usize,
    since_line_end: usize,
}

impl Body {
    fn new(
        receiver: tokio::sync::mpsc::Receiver<Result<web::Bytes, Cut>>,
        line_cap: usize,
    ) -> Self {
        Body {
            receiver,
            current: web::Bytes::new(),
            line_cap,
            since_line_end: 0,
        }
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.receiver.blocking_recv() {
                None => return Ok(0),
                Some(Ok(bytes)) => self.current = bytes,
                Some(Err(cut)) => return Err(std::io::Error::other(cut)),
            }
        }
        let mut n = buf.len().min(self.current.len());
        let next = &self.current[..n];
        let since = match next.iter().rposition(|b| *b == b'\n') {
            Some(at) => n - at - 1,
            None => self.since_line_end + n,
        };
        if since > self.line_cap || self.since_line_end + n > self.line_cap {
            // Hand on what comes before the line that is too long, so the
            // reader meets the error on that line, not on one before it.
            let mut run = self.since_line_end;
            for (at, byte) in next.iter().enumerate() {
                run = if *byte == b'\n' { 0 } else { run + 1 };
                if run > self.line_cap {
                    n = at;
                    break;
                }
            }
            if n == 0 {
                return Err(std::io::Error::other(Cut::LineTooLong(self.line_cap)));
            }
        }
        let next = &self.current[..n];
        self.since_line_end = match next.iter().rposition(|b| *b == b'\n') {
            Some(at) => n - at - 1,
            None => self.since_line_end + n,
        };
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// Windows-1252 decoded to UTF-8 as it is read.
struct Decoded<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    raw: Vec<u8>,
    out: Vec<u8>,
    at: usize,
    done: bool,
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.raw.resize(8192, 0);
            let n = self.inner.read(&mut self.raw)?;
            self.done = n == 0;
            self.out.clear();
            self.out.resize(
                self.decoder.max_utf8_buffer_length(n).unwrap_or(4 * n + 16),
                0,
            );
            let (_, _, written, _) =
                self.decoder
                    .decode_to_utf8(&self.raw[..n], &mut self.out, self.done);
            self.out.truncate(written);
            self.at = 0;
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Why an import read nothing or stopped.
/// A file is text: a control character other than tab and the line ends
/// (as the API refuses in every text it takes) makes it unreadable.
fn refuse_control_characters<'a>(
    line: u64,
    texts: impl IntoIterator<Item = &'a str>,
) -> Result<(), ApiError> {
    let refused = |c: &char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    match texts.into_iter().find_map(|t| t.chars().find(refused)) {
        Some(c) => Err(unreadable(
            line,
            format_args!(
                "a control character (U+{:04X}) where text belongs; a file may hold tabs and line ends, no other",
                u32::from(c)
            ),
        )),
        None => Ok(()),
    }
}

fn unreadable(line: u64, what: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest {
        code: ProblemCode::UnreadableImport,
        detail: format!("line {line}: {what}"),
    }
}

/// One row read from the file: its line and the body it stands for (or why
/// it could not be read).
struct Row {
    line: u64,
    body: Result<Map<String, Value>, Vec<FieldError>>,
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

/// The kind of a CSV column: how its cell becomes a JSON value.
#[derive(Clone, Copy)]
enum Cell {
    Text,
    Money,
    List,
}

const ORGANISATION_COLUMNS: &[(&str, Cell)] = &[
    ("name", Cell::Text),
    ("organisation_number", Cell::Text),
    ("legal_form", Cell::Text),
    ("districts", Cell::List),
    ("description", Cell::Text),
    ("website", Cell::Text),
    ("contact_email", Cell::Text),
    ("contact_phone", Cell::Text),
    ("external_id", Cell::Text),
    ("notice_language", Cell::Text),
];

const APPLICATION_COLUMNS: &[(&str, Cell)] = &[
    ("organisation_id", Cell::Text),
    ("programme_id", Cell::Text),
    ("round_id", Cell::Text),
    ("title", Cell::Text),
    ("purpose", Cell::Text),
    ("target_group", Cell::Text),
    ("districts", Cell::List),
    ("requested_sek", Cell::Money),
    ("start_date", Cell::Text),
    ("end_date", Cell::Text),
    ("registry_number", Cell::Text),
    ("external_id", Cell::Text),
    ("submitted_at", Cell::Text),
    ("outcome", Cell::Text),
    ("granted_sek", Cell::Money),
    ("motivation", Cell::Text),
    ("decided_by", Cell::Text),
    ("decided_on", Cell::Text),
];

impl ImportResource {
    fn columns(self) -> &'static [(&'static str, Cell)] {
        match self {
            Self::Organisations => ORGANISATION_COLUMNS,
            Self::GrantApplications => APPLICATION_COLUMNS,
        }
    }

    fn required(self) -> &'static [&'static str] {
        match self {
            Self::Organisations => &["name", "legal_form"],
            Self::GrantApplications => &[
                "organisation_id",
                "programme_id",
                "round_id",
                "title",
                "purpose",
                "requested_sek",
                "start_date",
                "end_date",
            ],
        }
    }

    fn known(self, column: &str) -> bool {
        self.columns().iter().any(|(c, _)| *c == column)
            || (self == Self::GrantApplications && payment_column(column).is_some())
    }
}

/// The rows of a file, read one at a time.
enum Rows {
    Ndjson {
        lines: std::io::BufReader<Body>,
        line: u64,
        limit: u64,
    },
    Csv {
        records: csv::Reader<Box<dyn Read + Send>>,
        header: Vec<String>,
        resource: ImportResource,
        limit: u64,
        /// 1 where the file has Windows line ends: what csv's line is short.
        crlf: u64,
    },
}

impl Rows {
    fn open(
        resource: ImportResource,
        format: Format,
        delimiter: Option<u8>,
        body: Body,
        limit: u64,
    ) -> Result<Rows, ApiError> {
        let windows_1252 = match format {
            Format::Ndjson => {
                return Ok(Rows::Ndjson {
                    lines: std::io::BufReader::new(body),
                    line: 0,
                    limit,
                })
            }
            Format::Csv { windows_1252 } => windows_1252,
        };
        let mut reader = std::io::BufReader::with_capacity(64 * 1024, body);
        // The header line decides the separator, so it is looked at first.
        let first =
            std::io::BufRead::fill_buf(&mut reader).map_err(|e| read_error(&e, 1, limit))?;
        let first: Vec<u8> = first.to_vec();
        let first_line = first.split(|b| *b == b'\n').next().unwrap_or_default();
        let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(first_line));
        // csv stops a record at the `\r` of `\r\n` and counts its `\n` in
        // the next record's position: in a file with Windows line ends (as
        // Excel saves) every record stands one line lower than csv says.
        let crlf = u64::from(first_line.ends_with(b"\r"));
        let source: Box<dyn Read + Send> = if windows_1252 {
            Box::new(Decoded {
                inner: reader,
                decoder: encoding_rs::WINDOWS_1252.new_decoder(),
                raw: Vec::new(),
                out: Vec::new(),
                at: 0,
                done: false,
            })
        } else {
            Box::new(reader)
        };
        let mut records = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(source);
        let header = records.headers().map_err(|e| unreadable(1, e))?;
        refuse_control_characters(1, header.iter())?;
        let header: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let h = if i == 0 {
                    h.trim_start_matches('\u{feff}')
                } else {
                    h
                };
                h.trim().to_owned()
            })
            .collect();
        check_header(&header, |c| resource.known(c), resource.required())
            .map_err(header_refused)?;
        Ok(Rows::Csv {
            records,
            header,
            resource,
            limit,
            crlf,
        })
    }

    fn next_row(&mut self) -> Result<Option<Row>, ApiError> {
        match self {
            Rows::Ndjson { lines, line, limit } => loop {
                let mut text = String::new();
                *line += 1;
                let n = std::io::BufRead::read_line(lines, &mut text)
                    .map_err(|e| read_error(&e, *line, *limit))?;
                if n == 0 {
                    return Ok(None);
                }
                refuse_control_characters(*line, [text.as_str()])?;
                let text = text.trim_start_matches('\u{feff}').trim();
                if text.is_empty() {
                    continue;
                }
                let body = match serde_json::from_str::<Value>(text) {
                    Ok(Value::Object(map)) => Ok(map),
                    Ok(_) => Err(vec![FieldError::new("", "each line is one JSON object")]),
                    Err(e) => Err(vec![FieldError::new("", format!("not JSON: {e}"))]),
                };
                return Ok(Some(Row { line: *line, body }));
            },
            Rows::Csv {
                records,
                header,
                resource,
                limit,
                crlf,
            } => {
                let mut record = csv::StringRecord::new();
                match records.read_record(&mut record) {
                    Ok(false) => Ok(None),
                    Ok(true) => {
                        let line = record.position().map_or(0, |p| p.line() + *crlf);
                        refuse_control_characters(line, record.iter())?;
                        if record.iter().all(|c| c.trim().is_empty()) {
                            return self.next_row();
                        }
                        Ok(Some(Row {
                            line,
                            body: csv_body(*resource, header, &record),
                        }))
                    }
                    Err(e) => {
                        let line =
                            e.position().map_or(records.position().line(), |p| p.line()) + *crlf;
                        match e.kind() {
                            csv::ErrorKind::Io(io) => Err(read_error(io, line, *limit)),
                            _ => Err(unreadable(line, e)),
                        }
                    }
                }
            }
        }
    }
}

/// What a read error of the body means: past the limit (413), or a file
/// that cannot be read (400) at `line`.
fn read_error(e: &std::io::Error, line: u64, limit: u64) -> ApiError {
    match e.get_ref().and_then(|e| e.downcast_ref::<Cut>()) {
        Some(Cut::TooLarge) => too_large(limit),
        Some(cut) => unreadable(line, cut),
        None => unreadable(line, e),
    }
}

fn header_refused(mismatch: HeaderMismatch) -> ApiError {
    ApiError::HeaderMismatch {
        detail: format!("the header row does not fit: {mismatch}; nothing was written"),
        unknown: mismatch.unknown,
        missing: mismatch.missing,
    }
}

/// A CSV row as the JSON body its endpoint takes: an empty cell is a field
/// left out (or cleared, when updating), money read as whole kronor, lists
/// split on `,` or `|`, payments gathered from their numbered columns.
fn csv_body(
    resource: ImportResource,
    header: &[String],
    record: &csv::StringRecord,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut body = Map::new();
    let mut errors = Vec::new();
    let mut payments: std::collections::BTreeMap<usize, Map<String, Value>> = Default::default();
    for (column, cell) in header.iter().zip(record.iter()) {
        let cell = cell.trim();
        if let Some((n, part)) = payment_column(column) {
            if cell.is_empty() {
                continue;
            }
            let entry = payments.entry(n).or_default();
            match part {
                PaymentPart::Amount => match kronor(cell) {
                    Ok(k) => {
                        entry.insert("amount_sek".into(), k.into());
                    }
                    Err(m) => errors.push(FieldError::new(column.clone(), m)),
                },
                PaymentPart::Date => {
                    entry.insert("paid_on".into(), cell.into());
                }
            }
            continue;
        }
        let kind = resource
            .columns()
            .iter()
            .find(|(c, _)| c == column)
            .map_or(Cell::Text, |(_, k)| *k);
        if cell.is_empty() {
            body.insert(column.clone(), Value::Null);
            continue;
        }
        let value = match kind {
            Cell::Text => Value::String(cell.to_owned()),
            Cell::Money => match kronor(cell) {
                Ok(k) => k.into(),
                Err(m) => {
                    errors.push(FieldError::new(column.clone(), m));
                    continue;
                }
            },
            Cell::List => list_items(cell).into_iter().map(Value::from).collect(),
        };
        body.insert(column.clone(), value);
    }
    // An empty cell of a field with a default (a list) is that default.
    for (column, kind) in resource.columns() {
        if matches!(kind, Cell::List) && body.get(*column) == Some(&Value::Null) {
            body.insert((*column).to_owned(), Value::Array(Vec::new()));
        }
    }
    if !payments.is_empty() {
        body.insert(
            "payments".into(),
            payments.into_values().map(Value::Object).collect(),
        );
    }
    if errors.is_empty() {
        Ok(body)
    } else {
        Err(errors)
    }
}

/// Registers the import route.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(import_records);
}
