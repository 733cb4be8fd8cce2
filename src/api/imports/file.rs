//! Reading an import's file: the body as a stream with its limits (size,
//! line length, control characters), Windows-1252 decoded as it is read,
//! NDJSON lines and CSV records (header checked, cells turned into the
//! bodies the resources' endpoints take).

use super::*;

/// Why the body ended early.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cut {
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
pub(super) struct Body {
    receiver: tokio::sync::mpsc::Receiver<Result<web::Bytes, Cut>>,
    current: web::Bytes,
    line_cap: usize,
    since_line_end: usize,
}

impl Body {
    pub(super) fn new(
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
pub(super) struct Decoded<R> {
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

/// A file is text: a control character other than tab and the line ends
/// (as the API refuses in every text it takes) makes it unreadable.
pub(super) fn refuse_control_characters<'a>(
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

/// Why an import read nothing or stopped.
pub(super) fn unreadable(line: u64, what: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest {
        code: ProblemCode::UnreadableImport,
        detail: format!("line {line}: {what}"),
    }
}

/// One row read from the file: its line and the body it stands for (or why
/// it could not be read).
pub(super) struct Row {
    pub(super) line: u64,
    pub(super) body: Result<Map<String, Value>, Vec<FieldError>>,
}

/// The kind of a CSV column: how its cell becomes a JSON value.
#[derive(Clone, Copy)]
pub(super) enum Cell {
    Text,
    Money,
    List,
}

pub(super) const ORGANISATION_COLUMNS: &[(&str, Cell)] = &[
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

pub(super) const APPLICATION_COLUMNS: &[(&str, Cell)] = &[
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
    pub(super) fn columns(self) -> &'static [(&'static str, Cell)] {
        match self {
            Self::Organisations => ORGANISATION_COLUMNS,
            Self::GrantApplications => APPLICATION_COLUMNS,
        }
    }

    pub(super) fn required(self) -> &'static [&'static str] {
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

    pub(super) fn known(self, column: &str) -> bool {
        self.columns().iter().any(|(c, _)| *c == column)
            || (self == Self::GrantApplications && payment_column(column).is_some())
    }
}

/// The rows of a file, read one at a time.
pub(super) enum Rows {
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
    pub(super) fn open(
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

    pub(super) fn next_row(&mut self) -> Result<Option<Row>, ApiError> {
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
pub(super) fn read_error(e: &std::io::Error, line: u64, limit: u64) -> ApiError {
    match e.get_ref().and_then(|e| e.downcast_ref::<Cut>()) {
        Some(Cut::TooLarge) => too_large(limit),
        Some(cut) => unreadable(line, cut),
        None => unreadable(line, e),
    }
}

pub(super) fn header_refused(mismatch: HeaderMismatch) -> ApiError {
    ApiError::HeaderMismatch {
        detail: format!("the header row does not fit: {mismatch}; nothing was written"),
        unknown: mismatch.unknown,
        missing: mismatch.missing,
    }
}

/// A CSV row as the JSON body its endpoint takes: an empty cell is a field
/// left out (or cleared, when updating), money read as whole kronor, lists
/// split on `,` or `|`, payments gathered from their numbered columns.
pub(super) fn csv_body(
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
