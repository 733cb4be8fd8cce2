//! HTTP handlers, one module per resource, and the pieces they share. Every
//! handler is thin: parse, authorize (domain::access), call db, respond.

pub mod cases;
pub mod changes;
pub mod checks;
pub mod city_units;
pub mod csv;
pub mod dates;
pub mod delivery_status;
pub mod dialogue_events;
pub mod districts;
pub mod extract;
pub mod grants;
pub mod health;
pub mod ical;
pub mod imports;
pub mod json_keys;
pub mod middleware;
pub mod notices;
pub mod open_data;
pub mod organisations;
pub mod partnerships;
pub mod problems;
pub mod respond;
pub mod state;
pub mod webhooks;

pub use state::AppState;

use crate::db::page::Cursor;
use crate::error::ApiError;

/// The default and largest page sizes (API.md).
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 500;

/// Checks `?limit=` (a larger limit is a 400, never silently cut) and decodes `?cursor=`.
pub fn paging(
    limit: Option<i64>,
    cursor: Option<&str>,
    sort: &str,
) -> Result<(usize, Option<Cursor>), ApiError> {
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(ApiError::bad_query(format!(
                "`limit` must be between 1 and {MAX_LIMIT}, not {n}"
            )))
        }
    };
    // `?cursor=` (empty) is the first page, like no cursor at all.
    let cursor = cursor
        .filter(|c| !c.is_empty())
        .map(|c| Cursor::decode(c, sort))
        .transpose()
        .map_err(ApiError::bad_query)?;
    Ok((limit, cursor))
}

/// Turns validator's report into our field errors, one per problem (see
/// [`checks::field_errors_of`]).
pub fn field_errors(report: validator::ValidationErrors) -> Vec<crate::domain::FieldError> {
    checks::field_errors_of(&report, true)
}

/// Deserializes an optional field of a JSON merge patch: absent is `None`,
/// `null` is `Some(None)`, a value is `Some(Some(v))`.
pub fn merge_patch_field<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

/// A merge-patch field applied: a value sent replaces the current one, a
/// field not sent leaves it as it was.
pub fn set<T>(current: &mut T, sent: Option<T>) {
    if let Some(value) = sent {
        *current = value;
    }
}

/// `value` when no field was found invalid, else a 422 naming every one.
pub fn all_valid<T>(errors: Vec<crate::domain::FieldError>, value: T) -> Result<T, ApiError> {
    fields_valid(errors, value).map_err(ApiError::Validation)
}

/// `value` when no field was found invalid, else every invalid field in
/// order: what a patch that the store applies inside its transaction
/// answers (the store passes them on as a 422).
pub fn fields_valid<T>(
    mut errors: Vec<crate::domain::FieldError>,
    value: T,
) -> Result<T, Vec<crate::domain::FieldError>> {
    if errors.is_empty() {
        return Ok(value);
    }
    errors.sort_by(|a, b| a.field.cmp(&b.field));
    Err(errors)
}

/// The query of a sub-collection (a case's registrations, parties, history,
/// ...): only `limit` and `cursor`; any other parameter is a 400.
#[derive(serde::Deserialize, utoipa::IntoParams, validator::Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SubListQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[validate(length(max = 2048, message = "must be at most 2048 characters"))]
    #[param(max_length = 2048)]
    pub cursor: Option<String>,
}

/// The sort name in a sub-collection's cursor: the list's own order.
const SUB_LIST_SORT: &str = "position";

/// The window a sub-collection's query asks for: the page size and the
/// position of the first item (after the cursor's), checked as [`sub_list`]
/// checks them. For a list that pages in the store ([`sub_list_page`]).
pub fn sub_list_window(query: &SubListQuery) -> Result<(usize, usize), ApiError> {
    let (limit, cursor) = paging(query.limit, query.cursor.as_deref(), SUB_LIST_SORT)?;
    let start = match cursor {
        None => 0,
        Some(c) => c
            .key
            .parse::<usize>()
            .map_err(|_| ApiError::bad_query("`cursor` is not a cursor this service gave out"))?,
    };
    Ok((limit, start))
}

/// One page of a sub-collection, in the list's own order, as every list
/// answers: `{items, next_cursor}` and `Link: rel="next"`.
pub fn sub_list<V: serde::Serialize>(
    req: &actix_web::HttpRequest,
    query: &SubListQuery,
    items: Vec<V>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let (limit, start) = sub_list_window(query)?;
    let total = items.len();
    let items: Vec<V> = items.into_iter().skip(start).take(limit + 1).collect();
    Ok(sub_list_page(req, limit, start, total, items))
}

/// The page of a sub-collection that the store paged: `items` are those
/// from position `start` on (at most `limit + 1`, the extra one saying that
/// more follow) of `total`. The same body and `Link` as [`sub_list`] gives
/// for the whole list.
pub fn sub_list_page<V: serde::Serialize>(
    req: &actix_web::HttpRequest,
    limit: usize,
    start: usize,
    total: usize,
    items: Vec<V>,
) -> actix_web::HttpResponse {
    let rows: Vec<(usize, V)> = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| (start + i, item))
        .collect();
    let page = crate::db::page::Page::from_rows(rows, limit, |(position, _)| Cursor {
        sort: SUB_LIST_SORT.into(),
        key: (position + 1).to_string(),
        id: total.to_string(),
    });
    respond::page(req, page, |(_, item)| item)
}

/// The spec's pattern for a web address; [`check_web_url`] is the same rule.
pub const WEB_URL_PATTERN: &str =
    r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?([/?#][!-~]*)?$";

/// A web address (an organisation's website, an event's online link):
/// `http` or `https`, a host name whose last label starts with a letter, an
/// optional port and a path of visible ASCII characters. Narrower than what
/// browsers take, so that what the spec's pattern allows is what is stored.
pub fn check_web_url(text: &str) -> Result<(), validator::ValidationError> {
    let refused = || {
        Err(validator::ValidationError::new("url")
            .with_message("must be an http or https URL".into()))
    };
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return refused();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok =
        |l: &&str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let last_ok = labels
        .last()
        .is_some_and(|l| l.as_bytes().first().is_some_and(u8::is_ascii_alphabetic));
    let port_ok =
        port.is_none_or(|p| (1..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    let path_ok = path.bytes().all(|b| (b'!'..=b'~').contains(&b));
    if labels.iter().all(label_ok) && last_ok && port_ok && path_ok {
        Ok(())
    } else {
        refused()
    }
}

#[cfg(test)]
mod web_url_tests {
    use super::check_web_url;

    #[test]
    fn web_urls_are_http_with_a_host_name() {
        for good in [
            "https://reningsborg.se",
            "http://www.example.org:8080/a/b?c=d#e",
            "https://meet.goteborg.se/j/123",
            "https://a-b.c",
        ] {
            assert!(check_web_url(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "ftp://example.org",
            "https://",
            "https://999.1",
            "https://exa mple.org",
            "https://example..org",
            "https://example.org:123456",
            "https://example.org/a b",
            "https://[::1]/",
            "mailto:x@example.org",
        ] {
            assert!(check_web_url(bad).is_err(), "{bad}");
        }
    }
}
