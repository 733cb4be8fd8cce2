//! Request extractors that answer in problems: JSON bodies (415, 413, 400,
//! 422 naming every bad field), `If-Match`, query strings (400).

use crate::problem::ProblemCode;
use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::BytesMut;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use validator::Validate;

use crate::api::AppState;
use crate::domain::{FieldError, IfMatch};
use crate::error::ApiError;

/// A JSON request body of type `T`.
pub struct JsonBody<T>(pub T);

fn is_json(req: &HttpRequest) -> bool {
    // A compressed body (Content-Encoding: gzip, ...) is not read: 415.
    if req
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"))
    {
        return false;
    }
    let Some(value) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json(req, payload);
        Box::pin(async move { parse_json(&body.await?).map(JsonBody) })
    }
}

/// Reads a JSON request body whole: 413 past the limit, 415 when not JSON.
fn read_json(
    req: &HttpRequest,
    payload: &mut Payload,
) -> LocalBoxFuture<'static, Result<BytesMut, ApiError>> {
    {
        let json = is_json(req);
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.settings.body_limit_bytes)
            .unwrap_or(256 * 1024);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|n| n > limit) {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            if !json {
                return Err(ApiError::UnsupportedMediaType);
            }
            let mut body = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| ApiError::BadRequest {
                    code: ProblemCode::MalformedJson,
                    detail: "the request body could not be read".into(),
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        })
    }
}

/// A JSON body whose own checks (`Validate`) ran but are held for the
/// handler, for an operation that must answer who may act (403, 404) before
/// what is wrong with the fields (422). A body that does not parse is a 422
/// at once, as with [`JsonBody`]; the value comes only with its findings
/// ([`HeldJsonBody::into_parts`]), to be raised with the handler's own.
pub struct HeldJsonBody<T> {
    value: T,
    errors: Vec<FieldError>,
}

impl<T> HeldJsonBody<T> {
    /// The body, and every field its checks found bad (raise them after
    /// the caller's right, with the checks that depend on the caller).
    pub fn into_parts(self) -> (T, Vec<FieldError>) {
        (self.value, self.errors)
    }
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for HeldJsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json(req, payload);
        Box::pin(async move {
            let (value, errors) = parse_json_held(&body.await?)?;
            Ok(HeldJsonBody { value, errors })
        })
    }
}

/// A JSON body that may be left out (actions whose fields are all optional):
/// no body at all is `None`; a body must be JSON like any other.
pub struct OptionalJsonBody<T>(pub Option<T>);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for OptionalJsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let empty = !headers.contains_key(header::TRANSFER_ENCODING)
            && headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|v| v.trim() == "0");
        if empty {
            return Box::pin(async { Ok(OptionalJsonBody(None)) });
        }
        let body = read_json(req, payload);
        Box::pin(async move {
            let body = body.await?;
            // A JSON `null` body is no body, as the spec documents.
            if serde_json::from_slice::<Value>(&body).is_ok_and(|v| v.is_null()) {
                return Ok(OptionalJsonBody(None));
            }
            parse_json(&body).map(|t| OptionalJsonBody(Some(t)))
        })
    }
}

/// Parses a JSON object into `T` and runs its checks (`Validate`) on every
/// body, so no handler has to remember to. Syntax errors are 400; wrong
/// types, unknown and missing fields and failed checks are 422, and every
/// bad field is named once, at once: a field found bad (its syntax, its
/// type, or missing) is set aside with a stand-in value and the rest parsed
/// again, and the rest still gets its field checks, so one answer names a
/// mistyped enum, an empty name and a bad date together. The rules of a
/// type that tie fields together ([`super::checks::Findings`]) are judged
/// when every field could be read.
pub fn parse_json<T: DeserializeOwned + Validate>(body: &[u8]) -> Result<T, ApiError> {
    match parse_json_held(body)? {
        (parsed, errors) if errors.is_empty() => Ok(parsed),
        (_, errors) => Err(ApiError::Validation(errors)),
    }
}

/// [`parse_json`], but a body that parses is handed back with what its
/// checks found (empty when it is valid) instead of being refused.
fn parse_json_held<T: DeserializeOwned + Validate>(
    body: &[u8],
) -> Result<(T, Vec<FieldError>), ApiError> {
    let mut value: Value = serde_json::from_slice(body).map_err(|e| ApiError::BadRequest {
        code: ProblemCode::MalformedJson,
        detail: format!("the body is not valid JSON: {e}"),
    })?;
    if let Some(duplicate) = super::json_keys::duplicate_key(body) {
        return Err(ApiError::BadRequest {
            code: ProblemCode::MalformedJson,
            detail: format!("the body is ambiguous: {duplicate}"),
        });
    }
    if !value.is_object() {
        return Err(ApiError::BadRequest {
            code: ProblemCode::MalformedJson,
            detail: "the body must be a JSON object".into(),
        });
    }
    whole_numbers_as_integers(&mut value);
    let mut errors = Vec::new();
    control_characters(&value, "", false, &mut errors);
    super::dates::check_json_dates(&value, "", &mut errors);
    let mut set_aside = SetAside::default();
    for error in &errors {
        if !set_aside.stand_in(&mut value, &error.field, None) {
            // A field name with control characters: nothing to parse further.
            return Err(ApiError::Validation(errors));
        }
    }
    for _ in 0..128 {
        let err = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(parsed) => {
                // The rules that tie fields together are judged only when
                // every field was read: with a stand-in they would be about
                // a value the caller never sent.
                let every_field_read = errors.is_empty();
                let mut found = Vec::new();
                if let Err(report) = parsed.validate() {
                    for error in super::checks::field_errors_of(&report, every_field_read) {
                        if !set_aside.covers(&error.field) {
                            found.push(error);
                        }
                    }
                }
                if every_field_read {
                    return Ok((parsed, found));
                }
                errors.extend(found);
                break;
            }
            Err(err) => err,
        };
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        let (field, message, stand_in_at) = if quoted_after(&message, "unknown field `").is_some() {
            // The path already ends with the field's name: drop the field.
            (path.clone(), "unknown field".to_owned(), None)
        } else if let Some(name) = quoted_after(&message, "missing field `") {
            let field = if path == "." {
                name
            } else {
                format!("{path}.{name}")
            };
            (field.clone(), "is required".to_owned(), Some(field))
        } else {
            (path.clone(), message, Some(path.clone()))
        };
        if !errors.iter().any(|e: &FieldError| e.field == field) {
            errors.push(FieldError::new(field.clone(), in_words(&message)));
        }
        let moved_on = match stand_in_at {
            Some(at) => set_aside.stand_in(&mut value, &at, Some(&message)),
            None => remove_at(&mut value, &field),
        };
        if !moved_on {
            break;
        }
    }
    Err(ApiError::Validation(errors))
}

/// serde's message in the API's words: what the field must be, without
/// Rust's type names.
fn in_words(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        if let Some((_, expected)) = rest.split_once("expected one of ") {
            return format!("must be one of {}", expected.replace('`', ""));
        }
    }
    let Some((_, expected)) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|m| m.split_once(", expected "))
    else {
        return message.to_owned();
    };
    let what = match expected {
        "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" => {
            "a whole number"
        }
        "f32" | "f64" => "a number",
        "a string" | "string or map" => "a text",
        "a boolean" => "true or false",
        "a sequence" => "a list",
        e if e.starts_with("struct ") || e == "a map" => "an object",
        e if e.contains("UUID") || e.contains("uuid") => "a UUID",
        e if e.starts_with("one of ") => {
            return format!("must be {}", e.replace('`', ""));
        }
        _ => return message.to_owned(),
    };
    format!("must be {what}")
}

/// The fields set aside while parsing, each with the stand-ins tried so far.
#[derive(Default)]
struct SetAside {
    tried: Vec<(String, usize)>,
}

impl SetAside {
    /// Puts the next stand-in value at `path` (creating the last key if it
    /// is missing); false when every stand-in was tried there or the path
    /// does not lead into the body.
    fn stand_in(&mut self, value: &mut Value, path: &str, message: Option<&str>) -> bool {
        let attempt = match self.tried.iter_mut().find(|(p, _)| p == path) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.tried.push((path.to_owned(), 0));
                0
            }
        };
        // An enum names what it takes: the first variant fits.
        let variant = message
            .and_then(|m| quoted_after(m.split("expected one of ").nth(1)?, "`"))
            .map(Value::String);
        let stand_ins = [
            Value::String("x".into()),
            Value::from(1),
            Value::Bool(true),
            Value::Array(Vec::new()),
            Value::Object(Default::default()),
            Value::String("2000-01-01".into()),
            Value::String("2000-01-01T00:00:00Z".into()),
            Value::String("00000000-0000-0000-0000-000000000000".into()),
            Value::Null,
        ];
        // An enum's own variant first; otherwise each stand-in in turn.
        let Some(stand_in) = variant.or_else(|| stand_ins.into_iter().nth(attempt)) else {
            return false;
        };
        match slot_at(value, path) {
            Some(slot) => {
                *slot = stand_in;
                true
            }
            None => false,
        }
    }

    /// Whether `field` is a set-aside field or lies inside one.
    fn covers(&self, field: &str) -> bool {
        self.tried.iter().any(|(p, _)| {
            field == p
                || field.starts_with(&format!("{p}."))
                || field.starts_with(&format!("{p}["))
                || p.starts_with(&format!("{field}."))
                || p.starts_with(&format!("{field}["))
        })
    }
}

/// The steps of a path such as `organisations[0].attendees`.
fn steps(path: &str) -> Option<Vec<Result<&str, usize>>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Ok(key));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let close = stripped.find(']')?;
            out.push(Err(stripped[..close].parse().ok()?));
            rest = &stripped[close + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The place of `path` in `value`; the last key of an object is created.
fn slot_at<'v>(value: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    let mut here = value;
    for step in steps(path)? {
        here = match step {
            Ok(key) => here
                .as_object_mut()?
                .entry(key.to_owned())
                .or_insert(Value::Null),
            Err(index) => here.as_array_mut()?.get_mut(index)?,
        };
    }
    Some(here)
}

/// Removes the field at `path`; false when it is not there.
fn remove_at(value: &mut Value, path: &str) -> bool {
    let Some(mut steps) = steps(path) else {
        return false;
    };
    let Some(Ok(last)) = steps.pop() else {
        return false;
    };
    let mut here = value;
    for step in steps {
        here = match step {
            Ok(key) => match here.as_object_mut().and_then(|o| o.get_mut(key)) {
                Some(v) => v,
                None => return false,
            },
            Err(index) => match here.as_array_mut().and_then(|a| a.get_mut(index)) {
                Some(v) => v,
                None => return false,
            },
        };
    }
    here.as_object_mut().and_then(|o| o.remove(last)).is_some()
}

/// JSON Schema counts `1000.0` as the integer 1000: a number with no
/// fractional part, exactly representable, is read as an integer so that
/// integer fields take it. Float fields take integers as well.
fn whole_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(x) = n.as_f64() {
                // Within ±2^53 every whole f64 is exact.
                const EXACT: f64 = 9_007_199_254_740_992.0;
                if x.fract() == 0.0 && x.abs() <= EXACT {
                    *value = Value::from(x as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// Fields whose text may run over several lines (newline, carriage return
/// and tab allowed); every other text is one line.
pub(crate) const MULTI_LINE_FIELDS: &[&str] = &[
    "description",
    "body",
    "purpose",
    "text",
    "summary",
    "motivation",
    "message",
    "report",
    "needs",
    "effects",
    "internal_notes",
    "reason",
    "address",
    "notes",
    "note",
    "comment",
    "changes",
    "agenda",
    "minutes",
    "waiver_reason",
    "review",
    "content",
];

/// Names every string (and key) with a control character: NUL and the other
/// C0 and C1 controls are refused everywhere, except newline, carriage return
/// and tab in multi-line fields. Both backends then answer the same 422
/// (PostgreSQL cannot store NUL in text at all).
fn control_characters(value: &Value, path: &str, multi_line: bool, errors: &mut Vec<FieldError>) {
    match value {
        Value::String(text) => {
            let bad = |c: char| c.is_control() && !(multi_line && matches!(c, '\n' | '\r' | '\t'));
            if text.chars().any(bad) {
                let field = if path.is_empty() { "." } else { path };
                errors.push(FieldError::new(
                    field,
                    if text.contains('\0') {
                        "must not contain a NUL character"
                    } else if multi_line {
                        "must not contain control characters other than newline and tab"
                    } else {
                        "must not contain control characters (it is one line)"
                    },
                ));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                control_characters(item, &format!("{path}[{i}]"), multi_line, errors);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let field = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if key.chars().any(char::is_control) {
                    errors.push(FieldError::new(
                        field.escape_default().to_string(),
                        "a field name must not contain control characters",
                    ));
                    continue;
                }
                let multi = MULTI_LINE_FIELDS.contains(&key.as_str());
                control_characters(item, &field, multi, errors);
            }
        }
        _ => {}
    }
}

fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    Some(rest[..rest.find('`')?].to_owned())
}

/// Deserializes a required field of a JSON merge patch: absent is `None`
/// (kept as it is), a value is `Some(v)`, and `null` (which would clear it)
/// is refused naming the field, so that nothing is silently ignored.
pub fn required_in_patch<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    match Option::<T>::deserialize(deserializer)? {
        Some(value) => Ok(Some(value)),
        None => Err(serde::de::Error::custom(
            "is required and cannot be null; leave it out to keep its value",
        )),
    }
}

/// The longest `If-Match` header read (a few dozen entity tags); a longer
/// one is a 400, as the spec states.
pub const IF_MATCH_MAX_LENGTH: usize = 1000;

/// The parsed `If-Match` header, if any. Declared once for the spec (its
/// `IntoParams`): an operation lists `Precondition` among its `params`.
pub struct Precondition(pub Option<IfMatch>);

/// The syntax of `If-Match` the service reads: `*` or entity tags.
pub const IF_MATCH_PATTERN: &str = r#"^(\*|(W/)?"[!#-+.-~-]*"(, ?(W/)?"[!#-+.-~-]*")*)$"#;

impl utoipa::IntoParams for Precondition {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::Required;
        vec![ParameterBuilder::new()
            .name("If-Match")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "The ETag last read of what this operation changes (or `*`); a stale one is refused with 412",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(IF_MATCH_PATTERN))
                    .max_length(Some(IF_MATCH_MAX_LENGTH)),
            ))
            .build()]
    }
}

impl FromRequest for Precondition {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_if_match(req).map(Precondition))
    }
}

fn parse_if_match(req: &HttpRequest) -> Result<Option<IfMatch>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let bad = || ApiError::BadRequest {
        code: ProblemCode::InvalidIfMatch,
        detail: "If-Match must be `*` or entity tags such as \"3\" (from the ETag header)".into(),
    };
    if value.len() > IF_MATCH_MAX_LENGTH {
        return Err(ApiError::BadRequest {
            code: ProblemCode::InvalidIfMatch,
            detail: format!("If-Match must be at most {IF_MATCH_MAX_LENGTH} characters"),
        });
    }
    let text = value.to_str().map_err(|_| bad())?.trim();
    if text == "*" {
        return Ok(Some(IfMatch::Any));
    }
    let mut versions = Vec::new();
    for tag in text.split(',').map(str::trim) {
        // If-Match compares strongly: a weak tag never matches.
        if tag.starts_with("W/") {
            continue;
        }
        let inner = tag
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .ok_or_else(bad)?;
        // `"3-<digest>"` (any view of version 3) or `"3"`; tags this
        // service never made cannot match any version.
        let version = inner.split_once('-').map_or(inner, |(v, _)| v);
        versions.push(version.parse().unwrap_or(-1));
    }
    Ok(Some(IfMatch::Versions(versions)))
}

/// Query parameters of type `T`, read as `web::Query` reads them (a 400
/// from [`query_error`]) and checked by their `Validate` limits: a 400
/// naming each parameter past its limit.
pub struct ValidQuery<T>(pub T);

impl<T> ValidQuery<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for ValidQuery<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Validate> FromRequest for ValidQuery<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = match web::Query::<T>::from_query(req.query_string()) {
            Ok(query) => query.into_inner(),
            Err(err) => return ready(Err(query_error(err, req))),
        };
        ready(match query.validate() {
            Ok(()) => Ok(ValidQuery(query)),
            Err(report) => {
                let problems: Vec<String> = super::field_errors(report)
                    .into_iter()
                    .map(|e| format!("`{}` {}", e.field, e.message))
                    .collect();
                Err(ApiError::bad_query(problems.join("; ")).into())
            }
        })
    }
}

/// The handler for query strings that do not parse: a 400 naming the problem.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_query(match err {
        actix_web::error::QueryPayloadError::Deserialize(e) => format!("bad query parameter: {e}"),
        other => format!("bad query string: {other}"),
    })
    .into()
}

/// A path segment that does not parse (an id that is not a UUID) names nothing.
pub fn path_error(_: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, validator::Validate, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        count: Option<i64>,
        tags: Option<Vec<String>>,
    }

    fn field_names(err: ApiError) -> Vec<String> {
        match err {
            ApiError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn every_unknown_and_mistyped_field_is_named() {
        let err = parse_json::<Sample>(br#"{"name":"x","count":"many","colour":1,"size":2}"#)
            .unwrap_err();
        let mut fields = field_names(err);
        fields.sort();
        assert_eq!(fields, ["colour", "count", "size"]);
    }

    #[test]
    fn missing_required_field_is_named() {
        assert_eq!(
            field_names(parse_json::<Sample>(br#"{"count":1}"#).unwrap_err()),
            ["name"]
        );
    }

    #[test]
    fn whole_numbers_written_with_a_fraction_are_integers() {
        let parsed = parse_json::<Sample>(br#"{"name":"x","count":1000.0}"#).unwrap();
        assert_eq!(parsed.count, Some(1000));
        let parsed = parse_json::<Sample>(br#"{"name":"x","count":-2e3}"#).unwrap();
        assert_eq!(parsed.count, Some(-2000));
        assert_eq!(
            field_names(parse_json::<Sample>(br#"{"name":"x","count":1000.5}"#).unwrap_err()),
            ["count"]
        );
        assert_eq!(
            field_names(parse_json::<Sample>(br#"{"name":"x","count":1e300}"#).unwrap_err()),
            ["count"]
        );
    }

    #[derive(serde::Deserialize, validator::Validate, Debug)]
    #[serde(deny_unknown_fields)]
    #[validate(schema(function = "period_rules", skip_on_field_errors = false))]
    #[allow(dead_code)]
    struct Period {
        #[validate(length(max = 3, message = "at most 3"))]
        name: String,
        from: i64,
        to: i64,
    }

    fn period_rules(p: &Period) -> Result<(), validator::ValidationError> {
        let mut found = crate::api::checks::Findings::new();
        if p.to < p.from {
            found.rule("to", "must not be before from");
        }
        found.done()
    }

    #[test]
    fn every_body_is_checked_and_its_rules_judged_when_every_field_was_read() {
        // The field checks run on a body that parses ...
        assert_eq!(
            field_names(parse_json::<Period>(br#"{"name":"long","from":1,"to":2}"#).unwrap_err()),
            ["name"]
        );
        // ... and the rules with them, every bad field at once.
        assert_eq!(
            field_names(parse_json::<Period>(br#"{"name":"long","from":2,"to":1}"#).unwrap_err()),
            ["name", "to"]
        );
        // A rule is not judged on a stand-in for a field of the wrong type.
        assert_eq!(
            field_names(parse_json::<Period>(br#"{"name":"long","from":"x","to":0}"#).unwrap_err()),
            ["from", "name"]
        );
        assert!(parse_json::<Period>(br#"{"name":"ok","from":1,"to":1}"#).is_ok());
    }

    #[test]
    fn malformed_json_and_non_objects_are_bad_requests() {
        for body in [&b"{"[..], b"[1,2]", b"\"text\"", b""] {
            assert!(matches!(
                parse_json::<Sample>(body),
                Err(ApiError::BadRequest {
                    code: ProblemCode::MalformedJson,
                    ..
                })
            ));
        }
    }
}
