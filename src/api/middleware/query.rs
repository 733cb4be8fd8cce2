//! What every API request's query and every read's answer get: control
//! characters in a query refused, and `Vary: Authorization` on reads.

use crate::error::ApiError;

/// The parameter of a query string that carries a percent-encoded control
/// character (`%00`..`%1F`, `%7F`), if any.
pub fn query_parameter_with_control_character(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let bytes = pair.as_bytes();
        let bad = (0..bytes.len()).any(|i| {
            bytes[i] == b'%'
                && bytes.len() > i + 2
                && std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                    .is_some_and(|b| b < 0x20 || b == 0x7f)
        });
        bad.then(|| pair.split('=').next().unwrap_or_default().to_owned())
    })
}

/// Refuses a query parameter with a control character (a NUL would be a 500
/// on PostgreSQL, and SQLite would search for it): 400 naming the parameter.
pub async fn refuse_control_characters_in_query(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    if let Some(name) = query_parameter_with_control_character(req.query_string()) {
        let err = ApiError::bad_query(format!("`{name}` must not contain control characters"));
        let response = actix_web::ResponseError::error_response(&err);
        return Ok(req.into_response(response));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Reads answer by caller (contact details, internal notes, participants'
/// names are shown to some callers only), so a shared cache must key them by
/// `Authorization` as well: `Vary: Authorization` on every API read.
pub async fn vary_by_authorization(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::http::header::{HeaderValue, VARY};
    let read = matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    );
    let api = req.path().starts_with("/api/");
    let mut res = next.call(req).await?.map_into_boxed_body();
    if read && api {
        let headers = res.headers_mut();
        let vary = match headers.get(VARY).and_then(|v| v.to_str().ok()) {
            Some(existing) if !existing.to_ascii_lowercase().contains("authorization") => {
                format!("{existing}, Authorization")
            }
            Some(existing) => existing.to_owned(),
            None => "Authorization".to_owned(),
        };
        if let Ok(value) = HeaderValue::from_str(&vary) {
            headers.insert(VARY, value);
        }
    }
    Ok(res)
}
