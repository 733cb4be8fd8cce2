//! `samverkan import <resource> <file>`: sends a CSV or NDJSON file to
//! `POST /api/v1/imports/{resource}` in chunks, with progress, a summary,
//! a file of the failed rows, resume after an interruption, and an exit
//! code for scripts (0 all rows succeeded, 1 some rows failed, 2 the import
//! could not run: usage, connection, a refused file or token).
//!
//! There is one import path: the endpoint. With `--database-url` the
//! command starts the service in this process on a loopback port against
//! that database, signs itself a city-admin token with a random secret only
//! this process knows, and speaks HTTP to it like to any other service.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use samverkan::auth::{mint_development_token, Claims, Role};
use samverkan::config::{DatabaseUrl, Settings};
use samverkan::startup::Application;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The arguments of `samverkan import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// What the file holds: organisations or grant-applications.
    #[arg(value_parser = ["organisations", "grant-applications"])]
    resource: String,
    /// The file: `.csv` (UTF-8 or windows-1252, `;` or `,`) or `.ndjson` / `.jsonl`.
    file: PathBuf,
    /// Check every row as if written; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// All rows or none, in one request.
    #[arg(long)]
    atomic: bool,
    /// The service's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "SAMVERKAN_URL", value_name = "URL")]
    url: Option<String>,
    /// A bearer token of city staff, an admin or an integration.
    #[arg(long, env = "SAMVERKAN_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Import straight into this database (a service is started in this
    /// process against it; no running service is needed).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// The CSV file's charset; by default windows-1252 when the file is not UTF-8.
    #[arg(long, value_parser = ["utf-8", "windows-1252"])]
    charset: Option<String>,
    /// Rows per request.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    chunk_rows: u64,
    /// Start from the top even when an interrupted import of the file left its state.
    #[arg(long)]
    restart: bool,
}

/// Runs the command; every failure to run is exit code 2.
pub fn run(settings: Settings, args: ImportArgs) -> ExitCode {
    match import(settings, &args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("import: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Csv,
    Ndjson,
}

/// The counts of the endpoint's answer, added up over the chunks.
#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize)]
struct Summary {
    rows: u64,
    created: u64,
    updated: u64,
    unchanged: u64,
    error: u64,
}

impl Summary {
    fn add(&mut self, other: &Summary) {
        self.rows += other.rows;
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.error += other.error;
    }
}

#[derive(Debug, Deserialize)]
struct Report {
    summary: Summary,
    #[serde(default)]
    rows: Vec<RowResult>,
    #[serde(default)]
    rows_truncated: bool,
}

#[derive(Debug, Deserialize)]
struct RowResult {
    line: u64,
    result: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    errors: Vec<FieldError>,
}

#[derive(Debug, Deserialize)]
struct FieldError {
    field: String,
    message: String,
}

impl RowResult {
    /// The row's errors in one line: each field and its message, or the
    /// problem's code and detail.
    fn message(&self) -> String {
        if self.errors.is_empty() {
            format!(
                "{}: {}",
                self.code.as_deref().unwrap_or("error"),
                self.detail.as_deref().unwrap_or_default()
            )
        } else {
            self.errors
                .iter()
                .map(|e| {
                    if e.field.is_empty() {
                        e.message.clone()
                    } else {
                        format!("{}: {}", e.field, e.message)
                    }
                })
                .collect::<Vec<_>>()
                .join("; ")
        }
    }
}

/// Where an interrupted import stands: written after each confirmed chunk.
#[derive(Debug, Serialize, Deserialize)]
struct State {
    resource: String,
    /// The file it was: its size and modification time.
    size: u64,
    modified_ns: u128,
    /// Where the next chunk starts (bytes after any BOM) and its line.
    offset: u64,
    line: u64,
    /// The failed-rows file's length when the chunk was confirmed.
    failed_bytes: u64,
    summary: Summary,
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `rows.csv` → `rows.failed.csv`.
fn failed_path(file: &Path) -> PathBuf {
    let ext = file.extension().map(|e| e.to_string_lossy().into_owned());
    match ext {
        Some(ext) => file.with_extension(format!("failed.{ext}")),
        None => with_suffix(file, ".failed"),
    }
}

fn modified_ns(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

fn import(settings: Settings, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let file = &args.file;
    let kind = match file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .as_deref()
    {
        Some("csv") => Kind::Csv,
        Some("ndjson" | "jsonl") => Kind::Ndjson,
        _ => bail!(
            "{}: the file name must end in .csv, .ndjson or .jsonl",
            file.display()
        ),
    };
    let meta = std::fs::metadata(file).with_context(|| format!("{}", file.display()))?;
    let data = std::fs::read(file).with_context(|| format!("{}", file.display()))?;
    let body: &[u8] = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&data);
    let windows_1252 = match args.charset.as_deref() {
        Some("windows-1252") => true,
        Some(_) => false,
        None => kind == Kind::Csv && std::str::from_utf8(body).is_err(),
    };
    if windows_1252 && kind == Kind::Ndjson {
        bail!("NDJSON is UTF-8; --charset windows-1252 is for CSV files");
    }

    let (base, token, _server) = match &args.database_url {
        Some(url) => {
            let (base, token, server) = in_process(settings, url)?;
            (base, token, Some(server))
        }
        None => {
            let base = args.url.clone().ok_or_else(|| {
                anyhow!("say where to import: --url and --token (or SAMVERKAN_URL, SAMVERKAN_TOKEN), or --database-url")
            })?;
            let token = args
                .token
                .clone()
                .ok_or_else(|| anyhow!("--url needs --token (or SAMVERKAN_TOKEN)"))?;
            (base.trim_end_matches('/').to_owned(), token, None)
        }
    };
    let client = Client::new(base, token, &args.resource);

    let state_path = with_suffix(file, ".import-state");
    let failed_path = failed_path(file);
    let keeps_state = !args.dry_run && !args.atomic;
    let resumed = if keeps_state && !args.restart {
        read_state(&state_path, &args.resource, &meta)
    } else {
        None
    };
    if let Some(state) = &resumed {
        eprintln!(
            "import: resuming after line {} ({} rows already confirmed; a chunk sent again comes back unchanged)",
            state.line - 1,
            state.summary.rows
        );
    }
    if !keeps_state || args.restart {
        let _ = std::fs::remove_file(&state_path);
    }

    let mut chunker = Chunker::new(kind, body, resumed.as_ref().map(|s| (s.offset, s.line)))?;
    let mut failed = FailedFile::open(
        &failed_path,
        kind,
        chunker.header_for_failed(),
        chunker.delimiter,
        windows_1252,
        resumed.as_ref().map(|s| s.failed_bytes),
    )?;
    let mut total = resumed.as_ref().map(|s| s.summary).unwrap_or_default();
    let start_offset = resumed.as_ref().map_or(0, |s| s.offset);
    let content_type = match (kind, windows_1252) {
        (Kind::Ndjson, _) => "application/x-ndjson",
        (Kind::Csv, false) => "text/csv; charset=utf-8",
        (Kind::Csv, true) => "text/csv; charset=windows-1252",
    };
    let mut query = Vec::new();
    if args.dry_run {
        query.push("dry_run=true".to_owned());
    }
    if args.atomic {
        query.push("atomic=true".to_owned());
    }
    if kind == Kind::Csv {
        query.push(format!(
            "delimiter={}",
            if chunker.delimiter == b';' {
                "%3B"
            } else {
                "%2C"
            }
        ));
    }
    let query = query.join("&");

    let started = Instant::now();
    let mut progress = Progress::new(body.len() as u64, start_offset, total);
    let chunk_rows = if args.atomic {
        u64::MAX
    } else {
        args.chunk_rows
    };
    let mut written = true;
    let mut first_after_resume = resumed.is_some();
    while let Some(chunk) = chunker.next_chunk(chunk_rows)? {
        let mut report = if args.atomic {
            let mut on_bytes = |sent: u64| progress.sent(sent, chunk.body.len() as u64);
            client.post(&query, content_type, &chunk.body, &mut on_bytes)?
        } else {
            client.post(&query, content_type, &chunk.body, &mut |_| {})?
        };
        if first_after_resume && report.summary.error > 0 {
            // The interrupted run's last request may still be at work on
            // these very rows in the service (a killed client's request
            // runs on); once it is done, the chunk comes back clean.
            std::thread::sleep(Duration::from_secs(2));
            report = client.post(&query, content_type, &chunk.body, &mut |_| {})?;
        }
        first_after_resume = false;
        written = !args.dry_run && (report.summary.error == 0 || !args.atomic);
        if report.rows_truncated {
            eprintln!("import: the service listed only part of the rows; the failed-rows file may miss some");
        }
        for row in report.rows.iter().filter(|r| r.result == "error") {
            match chunk.rows.get(&row.line) {
                Some((line, original)) => {
                    failed.write(original, &format!("line {line}: {}", row.message()))?
                }
                None => eprintln!(
                    "import: a row of the chunk ending at line {}: {}",
                    chunk.next_line - 1,
                    row.message()
                ),
            }
        }
        failed.flush()?;
        total.add(&report.summary);
        if keeps_state {
            write_state(
                &state_path,
                &State {
                    resource: args.resource.clone(),
                    size: meta.len(),
                    modified_ns: modified_ns(&meta),
                    offset: chunk.end,
                    line: chunk.next_line,
                    failed_bytes: failed.len,
                    summary: total,
                },
            )?;
        }
        progress.chunk_done(chunk.end, total, started.elapsed());
    }
    progress.finish();
    if keeps_state {
        let _ = std::fs::remove_file(&state_path);
    }
    let failed_kept = failed.finish(total.error > 0)?;
    print_summary(&total, started.elapsed(), written, failed_kept.as_deref());
    Ok(if total.error == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn read_state(path: &Path, resource: &str, meta: &std::fs::Metadata) -> Option<State> {
    let text = std::fs::read_to_string(path).ok()?;
    match serde_json::from_str::<State>(&text) {
        Ok(s)
            if s.resource == resource
                && s.size == meta.len()
                && s.modified_ns == modified_ns(meta) =>
        {
            Some(s)
        }
        _ => {
            eprintln!(
                "import: {} is of another file or resource; starting from the top",
                path.display()
            );
            None
        }
    }
}

/// Written to a temporary file and renamed, so a kill never leaves half a state.
fn write_state(path: &Path, state: &State) -> anyhow::Result<()> {
    let tmp = with_suffix(path, ".tmp");
    std::fs::write(&tmp, serde_json::to_vec(state)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn print_summary(total: &Summary, elapsed: Duration, written: bool, failed: Option<&Path>) {
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        total.rows as f64 / seconds
    } else {
        0.0
    };
    let mut out = String::new();
    for (name, value) in [
        ("rows", total.rows.to_string()),
        ("created", total.created.to_string()),
        ("updated", total.updated.to_string()),
        ("unchanged", total.unchanged.to_string()),
        ("errors", total.error.to_string()),
        ("elapsed", format!("{seconds:.1} s")),
        ("rows/s", format!("{rate:.0}")),
    ] {
        out.push_str(&format!("{name:<10} {value:>10}\n"));
    }
    if !written {
        out.push_str("nothing was written (dry run, or an atomic import with errors)\n");
    }
    if let Some(path) = failed {
        out.push_str(&format!(
            "failed rows: {} (fix them and import that file)\n",
            path.display()
        ));
    }
    print!("{out}");
}

/// Starts the service in this process on a loopback port against
/// `database_url` and signs a city-admin token for it.
fn in_process(
    mut settings: Settings,
    database_url: &str,
) -> anyhow::Result<(String, String, actix_web::dev::ServerHandle)> {
    settings.database_url =
        DatabaseUrl::parse(database_url).map_err(|m| anyhow!("--database-url: {m}"))?;
    settings.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    settings.workers = 1;
    // A secret only this process knows: the token is good for this service alone.
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    settings.jwt.hs256_secret = Some(secret.clone());
    if !settings
        .jwt
        .algorithms
        .contains(&jsonwebtoken::Algorithm::HS256)
    {
        settings.jwt.algorithms.push(jsonwebtoken::Algorithm::HS256);
    }
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: "import-command".into(),
        role: Role::CityAdmin,
        org: None,
        unit: None,
        delegation_limit_sek: None,
        iat: now,
        exp: now + 24 * 3600,
    };
    let token = mint_development_token(
        &secret,
        &settings.jwt.issuer,
        &settings.jwt.audience,
        &claims,
    )?;
    let (port, handle) = Application::spawn_on_thread(settings)
        .map_err(|e| anyhow!("cannot start the service on --database-url: {e}"))?;
    Ok((format!("http://127.0.0.1:{port}"), token, handle))
}

/// The HTTP side: one agent, the endpoint's URL and the token.
struct Client {
    agent: ureq::Agent,
    url: String,
    token: String,
}

/// Counts the bytes read from a body, for the progress of one large request.
struct Counting<'a> {
    inner: &'a [u8],
    sent: u64,
    on_bytes: &'a mut dyn FnMut(u64),
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sent += n as u64;
        (self.on_bytes)(self.sent);
        Ok(n)
    }
}

impl Client {
    fn new(base: String, token: String, resource: &str) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(Duration::from_secs(10)))
            .user_agent(concat!("samverkan-import/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: ureq::Agent::new_with_config(config),
            url: format!("{base}/api/v1/imports/{resource}"),
            token,
        }
    }

    /// Sends one chunk; a lost connection or an overloaded service is
    /// tried again three times (a chunk sent twice is harmless: its rows
    /// come back `unchanged`).
    fn post(
        &self,
        query: &str,
        content_type: &str,
        body: &[u8],
        on_bytes: &mut dyn FnMut(u64),
    ) -> anyhow::Result<Report> {
        let url = if query.is_empty() {
            self.url.clone()
        } else {
            format!("{}?{query}", self.url)
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut reader = Counting {
                inner: body,
                sent: 0,
                on_bytes: &mut *on_bytes,
            };
            let sent = self
                .agent
                .post(&url)
                .header("Authorization", format!("Bearer {}", self.token))
                .header("Content-Type", content_type)
                .send(ureq::SendBody::from_reader(&mut reader));
            let retry = match sent {
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    let text = response
                        .body_mut()
                        .with_config()
                        .limit(256 * 1024 * 1024)
                        .read_to_string();
                    match (status, text) {
                        (200, Ok(text)) => {
                            return serde_json::from_str(&text).with_context(|| {
                                format!("the service's answer is not an import report: {text}")
                            })
                        }
                        (502..=504, _) => format!("the service answered {status}"),
                        (_, Ok(text)) => return Err(refused(status, &text)),
                        (_, Err(e)) => format!("reading the answer: {e}"),
                    }
                }
                Err(e) => format!("{e}"),
            };
            if attempt > 3 {
                bail!("{retry}: {url} (run the same command again to resume)");
            }
            eprintln!("import: {retry}; trying again");
            std::thread::sleep(Duration::from_secs(1 << (attempt - 1)));
        }
    }
}

/// A refused request: the problem's title, detail and column lists.
fn refused(status: u16, text: &str) -> anyhow::Error {
    let problem: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let mut message = format!("the service refused the file ({status}");
    if let Some(code) = problem["code"].as_str() {
        message.push_str(&format!(" {code}"));
    }
    message.push(')');
    match problem["detail"].as_str().or(problem["title"].as_str()) {
        Some(detail) => message.push_str(&format!(": {detail}")),
        None => message.push_str(&format!(": {}", text.chars().take(500).collect::<String>())),
    }
    for list in ["unknown_columns", "missing_columns"] {
        if let Some(columns) = problem[list].as_array().filter(|c| !c.is_empty()) {
            let names: Vec<&str> = columns.iter().filter_map(Value::as_str).collect();
            message.push_str(&format!(
                "; {}: {}",
                list.replace('_', " "),
                names.join(", ")
            ));
        }
    }
    anyhow!(message)
}

/// A row as it stands in the file, for the failed-rows file.
enum Original {
    Csv(csv::ByteRecord),
    Ndjson(Vec<u8>),
}

/// One request's rows.
struct Chunk {
    body: Vec<u8>,
    /// Each row by its line in `body`: its line in the file and the row.
    rows: HashMap<u64, (u64, Original)>,
    /// Where the next chunk starts and its line in the file.
    end: u64,
    next_line: u64,
}

/// Cuts the file into chunks of whole rows; a CSV chunk repeats the header.
/// The column `error` of a CSV file and the field `_error` of an NDJSON
/// row (what the failed-rows file adds) are left out, so a failed-rows
/// file is imported as it is.
struct Chunker<'a> {
    kind: Kind,
    body: &'a [u8],
    offset: u64,
    line: u64,
    delimiter: u8,
    header: csv::ByteRecord,
    drop_column: Option<usize>,
}

fn without(record: &csv::ByteRecord, column: Option<usize>) -> csv::ByteRecord {
    match column {
        None => record.clone(),
        Some(c) => record
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != c)
            .map(|(_, f)| f)
            .collect(),
    }
}

impl<'a> Chunker<'a> {
    fn new(kind: Kind, body: &'a [u8], resume: Option<(u64, u64)>) -> anyhow::Result<Self> {
        let mut chunker = Chunker {
            kind,
            body,
            offset: 0,
            line: 1,
            delimiter: b',',
            header: csv::ByteRecord::new(),
            drop_column: None,
        };
        if kind == Kind::Csv {
            let first = body.split(|b| *b == b'\n').next().unwrap_or_default();
            chunker.delimiter = samverkan::domain::import::detect_delimiter(first);
            let mut reader = chunker.reader(0);
            if !reader.read_byte_record(&mut chunker.header)? {
                bail!("the file is empty: a CSV file starts with its header line");
            }
            chunker.drop_column = chunker
                .header
                .iter()
                .position(|name| name.trim_ascii().eq_ignore_ascii_case(b"error"));
            chunker.header = without(&chunker.header, chunker.drop_column);
            (chunker.offset, chunker.line) =
                chunker.settle(reader.position().byte(), reader.position().line());
        }
        if let Some((offset, line)) = resume {
            chunker.offset = offset;
            chunker.line = line;
        }
        Ok(chunker)
    }

    /// csv leaves its position on the `\n` of a `\r\n` it ended a record
    /// at: the byte and line where the next row really starts.
    fn settle(&self, mut byte: u64, mut line: u64) -> (u64, u64) {
        while let Some(b) = self.body.get(byte as usize) {
            match b {
                b'\n' => line += 1,
                b'\r' => {}
                _ => break,
            }
            byte += 1;
        }
        (byte, line)
    }

    fn reader(&self, from: u64) -> csv::Reader<&'a [u8]> {
        csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(&self.body[from as usize..])
    }

    /// The header of the failed-rows file (CSV: the file's own and `error`).
    fn header_for_failed(&self) -> Option<csv::ByteRecord> {
        (self.kind == Kind::Csv).then(|| {
            let mut header = self.header.clone();
            header.push_field(b"error");
            header
        })
    }

    fn next_chunk(&mut self, max_rows: u64) -> anyhow::Result<Option<Chunk>> {
        match self.kind {
            Kind::Csv => self.next_csv(max_rows),
            Kind::Ndjson => Ok(self.next_ndjson(max_rows)),
        }
    }

    fn next_csv(&mut self, max_rows: u64) -> anyhow::Result<Option<Chunk>> {
        let mut reader = self.reader(self.offset);
        let mut writer = csv::WriterBuilder::new()
            .delimiter(self.delimiter)
            .flexible(true)
            .from_writer(Vec::new());
        writer.write_byte_record(&self.header)?;
        let mut rows = HashMap::new();
        let mut body_line = 2;
        let mut record = csv::ByteRecord::new();
        let mut count = 0;
        while count < max_rows {
            let read = reader
                .read_byte_record(&mut record)
                .with_context(|| format!("the CSV file cannot be read after line {}", self.line))?;
            if !read {
                break;
            }
            let row = without(&record, self.drop_column);
            writer.write_byte_record(&row)?;
            let newlines = row
                .iter()
                .map(|f| f.iter().filter(|b| **b == b'\n').count() as u64)
                .sum::<u64>();
            let (_, file_line) = record.position().map_or((self.offset, self.line), |p| {
                self.settle(self.offset + p.byte(), self.line + p.line() - 1)
            });
            rows.insert(body_line, (file_line, Original::Csv(row)));
            body_line += 1 + newlines;
            count += 1;
        }
        if count == 0 {
            return Ok(None);
        }
        let position = reader.position();
        let (end, line) = self.settle(
            self.offset + position.byte(),
            self.line + position.line() - 1,
        );
        self.line = line;
        self.offset = end;
        Ok(Some(Chunk {
            body: writer.into_inner().map_err(|e| anyhow!("{e}"))?,
            rows,
            end,
            next_line: self.line,
        }))
    }

    fn next_ndjson(&mut self, max_rows: u64) -> Option<Chunk> {
        let mut body = Vec::new();
        let mut rows = HashMap::new();
        let mut body_line = 1;
        let mut count = 0;
        while count < max_rows && (self.offset as usize) < self.body.len() {
            let rest = &self.body[self.offset as usize..];
            let (line, taken) = match rest.iter().position(|b| *b == b'\n') {
                Some(at) => (&rest[..at], at + 1),
                None => (rest, rest.len()),
            };
            self.offset += taken as u64;
            self.line += 1;
            // From here `self.line - 1` is this row's line in the file.
            let line = line.trim_ascii();
            if line.is_empty() {
                continue;
            }
            let row = strip_error_field(line);
            body.extend_from_slice(&row);
            body.push(b'\n');
            rows.insert(body_line, (self.line - 1, Original::Ndjson(row)));
            body_line += 1;
            count += 1;
        }
        (count > 0).then_some(Chunk {
            body,
            rows,
            end: self.offset,
            next_line: self.line,
        })
    }
}

/// An NDJSON row without the `_error` field the failed-rows file adds.
fn strip_error_field(line: &[u8]) -> Vec<u8> {
    if !line.windows(8).any(|w| w == b"\"_error\"") {
        return line.to_vec();
    }
    match serde_json::from_slice::<serde_json::Map<String, Value>>(line) {
        Ok(mut map) => {
            map.remove("_error");
            serde_json::to_vec(&map).unwrap_or_else(|_| line.to_vec())
        }
        Err(_) => line.to_vec(),
    }
}

/// The failed rows beside the input: the rows as they are in the file,
/// with their errors (CSV: an extra column `error`; NDJSON: a field `_error`).
struct FailedFile {
    path: PathBuf,
    file: File,
    kind: Kind,
    delimiter: u8,
    windows_1252: bool,
    /// Bytes written so far.
    len: u64,
}

impl FailedFile {
    fn open(
        path: &Path,
        kind: Kind,
        header: Option<csv::ByteRecord>,
        delimiter: u8,
        windows_1252: bool,
        resume_at: Option<u64>,
    ) -> anyhow::Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(path)
            .with_context(|| format!("creating {}", path.display()))?;
        let mut failed = FailedFile {
            path: path.to_owned(),
            file,
            kind,
            delimiter,
            windows_1252,
            len: 0,
        };
        match resume_at {
            Some(len) => {
                failed.file.set_len(len)?;
                failed.len = len;
                std::io::Seek::seek(&mut failed.file, std::io::SeekFrom::Start(len))?;
            }
            None => {
                failed.file.set_len(0)?;
                if let Some(header) = header {
                    let bytes = failed.csv_line(&header)?;
                    failed.append(&bytes)?;
                }
            }
        }
        Ok(failed)
    }

    fn csv_line(&self, record: &csv::ByteRecord) -> anyhow::Result<Vec<u8>> {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(self.delimiter)
            .flexible(true)
            .from_writer(Vec::new());
        writer.write_byte_record(record)?;
        writer.into_inner().map_err(|e| anyhow!("{e}"))
    }

    fn append(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.file
            .write_all(bytes)
            .with_context(|| format!("writing {}", self.path.display()))?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    fn write(&mut self, original: &Original, message: &str) -> anyhow::Result<()> {
        let bytes = match (original, self.kind) {
            (Original::Csv(record), _) => {
                let mut record = record.clone();
                if self.windows_1252 {
                    let (encoded, _, _) = encoding_rs::WINDOWS_1252.encode(message);
                    record.push_field(&encoded);
                } else {
                    record.push_field(message.as_bytes());
                }
                self.csv_line(&record)?
            }
            (Original::Ndjson(line), _) => {
                match serde_json::from_slice::<serde_json::Map<String, Value>>(line) {
                    Ok(mut map) => {
                        map.insert("_error".into(), Value::String(message.to_owned()));
                        let mut bytes = serde_json::to_vec(&map)?;
                        bytes.push(b'\n');
                        bytes
                    }
                    Err(_) => {
                        // Not a JSON object: kept as it is, its error told here.
                        eprintln!(
                            "import: {}: {message}",
                            String::from_utf8_lossy(line)
                                .chars()
                                .take(80)
                                .collect::<String>()
                        );
                        let mut bytes = line.clone();
                        bytes.push(b'\n');
                        bytes
                    }
                }
            }
        };
        self.append(&bytes)
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        self.file.flush()?;
        Ok(())
    }

    /// Keeps the file when some row failed (its path), removes it otherwise.
    fn finish(self, any_failed: bool) -> anyhow::Result<Option<PathBuf>> {
        drop(self.file);
        if any_failed {
            Ok(Some(self.path))
        } else {
            let _ = std::fs::remove_file(&self.path);
            Ok(None)
        }
    }
}

/// A bar on a terminal; plain lines (one a chunk, or every two seconds of
/// one large request) otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    size: u64,
    start_offset: u64,
    started: Instant,
    start_rows: u64,
    last_line: Instant,
}

impl Progress {
    fn new(size: u64, start_offset: u64, summary: Summary) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{elapsed_precise} [{bar:20}] {percent:>3}% {msg} ETA {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_position(start_offset);
            bar.set_message(format!("{} rows", summary.rows));
            bar
        });
        Progress {
            bar,
            size,
            start_offset,
            started: Instant::now(),
            start_rows: summary.rows,
            last_line: Instant::now(),
        }
    }

    fn percent(&self, at: u64) -> u64 {
        (at * 100).checked_div(self.size).unwrap_or(100)
    }

    /// The bytes sent of one large request (atomic mode).
    fn sent(&mut self, sent: u64, of: u64) {
        let at = self.start_offset + sent.min(of);
        match &self.bar {
            Some(bar) => bar.set_position(at),
            None => {
                if self.last_line.elapsed() >= Duration::from_secs(2) || sent == of {
                    self.last_line = Instant::now();
                    eprintln!(
                        "import: sent {} of {} bytes ({}%)",
                        at,
                        self.size,
                        self.percent(at)
                    );
                }
            }
        }
    }

    fn chunk_done(&mut self, at: u64, total: Summary, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64().max(0.001);
        let rate = (total.rows - self.start_rows) as f64 / seconds;
        let message = format!(
            "{} rows, {rate:.0} rows/s, {} errors",
            total.rows, total.error
        );
        match &self.bar {
            Some(bar) => {
                bar.set_position(at);
                bar.set_message(message);
            }
            None => {
                let done = at.saturating_sub(self.start_offset);
                let left = self.size.saturating_sub(at);
                let eta = if done > 0 {
                    format!(
                        "{:.0}s",
                        self.started.elapsed().as_secs_f64() * left as f64 / done as f64
                    )
                } else {
                    "?".into()
                };
                self.last_line = Instant::now();
                eprintln!(
                    "import: {message}, {}% of the file, ETA {eta}",
                    self.percent(at)
                );
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_chunks_repeat_the_header_drop_the_error_column_and_map_lines() {
        let file = b"name;legal_form;error\nA;other;x\n\"B\nb\";other;\nC;other;y\n";
        let mut chunker = Chunker::new(Kind::Csv, file, None).unwrap();
        assert_eq!(chunker.delimiter, b';');
        let first = chunker.next_chunk(2).unwrap().unwrap();
        assert_eq!(first.body, b"name;legal_form\nA;other\n\"B\nb\";other\n");
        assert_eq!((first.rows[&2].0, first.rows[&3].0), (2, 3));
        assert_eq!(first.next_line, 5);
        let second = chunker.next_chunk(2).unwrap().unwrap();
        assert_eq!(second.body, b"name;legal_form\nC;other\n");
        assert_eq!(second.rows[&2].0, 5);
        assert_eq!(second.end, file.len() as u64);
        assert!(chunker.next_chunk(2).unwrap().is_none());
        // Resumed where the first chunk ended: the same second chunk.
        let mut resumed =
            Chunker::new(Kind::Csv, file, Some((first.end, first.next_line))).unwrap();
        assert_eq!(resumed.next_chunk(2).unwrap().unwrap().body, second.body);
    }

    #[test]
    fn csv_lines_are_right_with_crlf_line_ends() {
        let file = b"name;legal_form\r\nA;other\r\nB;other\r\nC;other\r\n";
        let mut chunker = Chunker::new(Kind::Csv, file, None).unwrap();
        let first = chunker.next_chunk(2).unwrap().unwrap();
        assert_eq!(first.body, b"name;legal_form\nA;other\nB;other\n");
        assert_eq!(first.rows[&2].0, 2);
        assert_eq!(first.rows[&3].0, 3);
        assert_eq!(first.next_line, 4);
        let second = chunker.next_chunk(2).unwrap().unwrap();
        assert_eq!(second.rows[&2].0, 4);
        assert!(chunker.next_chunk(2).unwrap().is_none());
    }

    #[test]
    fn ndjson_chunks_skip_blank_lines_and_drop_the_error_field() {
        let file = b"{\"a\":1}\n\n{\"a\":2,\"_error\":\"x\"}\n{\"a\":3}";
        let mut chunker = Chunker::new(Kind::Ndjson, file, None).unwrap();
        let first = chunker.next_chunk(2).unwrap().unwrap();
        assert_eq!(first.body, b"{\"a\":1}\n{\"a\":2}\n");
        assert_eq!((first.rows[&1].0, first.rows[&2].0), (1, 3));
        assert_eq!(first.next_line, 4);
        let second = chunker.next_chunk(2).unwrap().unwrap();
        assert_eq!(second.body, b"{\"a\":3}\n");
        assert!(chunker.next_chunk(2).unwrap().is_none());
    }

    #[test]
    fn the_failed_file_sits_beside_the_input() {
        assert_eq!(
            failed_path(Path::new("/x/rows.csv")),
            PathBuf::from("/x/rows.failed.csv")
        );
        assert_eq!(
            failed_path(Path::new("rows.ndjson")),
            PathBuf::from("rows.failed.ndjson")
        );
    }
}
