//! Building success responses: ETag, Location, list pages with `Link`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::db::page::Page;

/// The strong entity tag of a resource version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// `200` with the resource and its ETag.
pub fn ok<T: Serialize>(version: i64, body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// `201` with `Location`, ETag and the resource.
pub fn created<T: Serialize>(location: String, version: i64, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag(version)))
        .json(body)
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
