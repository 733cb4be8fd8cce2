//! Building success responses: ETag, Location, list pages with `Link`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::db::page::Page;

/// The strong entity tag of one representation: the resource's version and
/// a digest of the body. A resource's views differ by caller (contact
/// details, internal notes, the actions this caller may take), and RFC 9110
/// wants a different strong tag for each different representation; the
/// version before the `-` is what `If-Match` compares.
pub fn etag(version: i64, body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body);
    let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{version}-{short}\"")
}

fn json_body<T: Serialize>(body: &T) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

/// `200` with the resource and its ETag.
pub fn ok<T: Serialize>(version: i64, body: &T) -> HttpResponse {
    let body = json_body(body);
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version, &body)))
        .content_type("application/json")
        .body(body)
}

/// `201` with `Location` (the created resource's own URL, RFC 9110 15.3.2),
/// the resource, and its ETag when it has a version (`None` for what is
/// not changed through `If-Match`: a party, a funding line, a payment, ...).
pub fn created<T: Serialize>(
    location: String,
    version: impl Into<Option<i64>>,
    body: &T,
) -> HttpResponse {
    let body = json_body(body);
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, location));
    if let Some(version) = version.into() {
        response.insert_header((header::ETAG, etag(version, &body)));
    }
    response.content_type("application/json").body(body)
}

/// Whether `If-None-Match` names the ETag (weak comparison, RFC 9110 13.1.2).
fn none_match(if_none_match: &str, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    if_none_match.trim() == "*" || if_none_match.split(',').any(|t| opaque(t) == opaque(etag))
}

/// Conditional reads: a `GET`/`HEAD` whose `If-None-Match` names the ETag of
/// the representation this caller would get answers `304` with the headers
/// and no body, so each caller revalidates its own view.
pub async fn not_modified(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let read = matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    );
    let condition = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let res = next.call(req).await?.map_into_boxed_body();
    let Some(condition) = condition.filter(|_| read) else {
        return Ok(res);
    };
    let matched = res.status() == actix_web::http::StatusCode::OK
        && res
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|etag| none_match(&condition, etag));
    if !matched {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let mut not_modified = HttpResponse::NotModified();
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            not_modified.append_header((name.clone(), value.clone()));
        }
    }
    Ok(actix_web::dev::ServiceResponse::new(
        req,
        not_modified.finish(),
    ))
}

/// The body of every collection `GET`.
#[derive(Serialize)]
pub struct ListBody<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// `200` with `{items, next_cursor}` and a `Link: <...>; rel="next"` header
/// that repeats the request's query with the next cursor.
pub fn page<T, V: Serialize>(
    req: &HttpRequest,
    page: Page<T>,
    view: impl FnMut(T) -> V,
) -> HttpResponse {
    let next_cursor = page.next.as_ref().map(|c| c.encode());
    let mut response = HttpResponse::Ok();
    if let Some(cursor) = &next_cursor {
        let mut query: Vec<String> = req
            .query_string()
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("cursor="))
            .map(str::to_owned)
            .collect();
        query.push(format!("cursor={cursor}"));
        response.insert_header((
            header::LINK,
            format!("<{}?{}>; rel=\"next\"", req.path(), query.join("&")),
        ));
    }
    response.json(ListBody {
        items: page.items.into_iter().map(view).collect(),
        next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_representation_has_its_own_tag_and_if_none_match_compares_weakly() {
        let public = etag(3, br#"{"name":"A"}"#);
        let city = etag(3, br#"{"name":"A","internal_notes":"x"}"#);
        assert_ne!(public, city);
        assert!(public.starts_with("\"3-"));
        assert_eq!(public, etag(3, br#"{"name":"A"}"#));
        assert!(none_match(&public, &public));
        assert!(none_match(&format!("W/{public}, {city}"), &public));
        assert!(none_match("*", &public));
        assert!(!none_match(&city, &public));
    }
}
