//! Bearer-token authentication: verification (the service never issues
//! tokens in production), the claims, and development minting.

mod claims;
mod verifier;

pub use claims::{mint_development_token, Claims, Role};
pub use verifier::TokenVerifier;

use std::future::{ready, Ready};

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};

use crate::domain::access::Principal;
use crate::error::ApiError;

/// The caller of a request: anonymous without a token; a refused token is a
/// 401 before the handler runs.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller_of(req).map(Caller))
    }
}

/// A caller that must have sent a valid token: anonymous requests are a 401
/// before the body is even read (writes and actions use this).
#[derive(Debug, Clone)]
pub struct SignedIn(pub Principal);

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match caller_of(req) {
            Ok(Principal::Anonymous) => Err(ApiError::Unauthenticated),
            Ok(principal) => Ok(SignedIn(principal)),
            Err(err) => Err(err),
        })
    }
}

/// Establishes the principal of a request from its Authorization header.
pub fn caller_of(req: &HttpRequest) -> Result<Principal, ApiError> {
    // RFC 6750 §2.3 / RFC 8725: a token in a URL ends up in logs and
    // histories; it is refused, never read, and never taken as anonymous.
    if query_has_token(req.query_string()) {
        return Err(ApiError::InvalidToken(
            "a token in the query string is not accepted; send `Authorization: Bearer <JWT>`"
                .into(),
        ));
    }
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Principal::Anonymous);
    };
    let verifier = req
        .app_data::<web::Data<TokenVerifier>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("token verifier missing")))?;
    let token = bearer_token(value.to_str().unwrap_or_default())
        .ok_or_else(|| ApiError::InvalidToken("expected `Authorization: Bearer <JWT>`".into()))?;
    verifier.verify(token).map_err(ApiError::InvalidToken)
}

fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Whether a query string carries a token (`access_token`, as RFC 6750 names it).
fn query_has_token(query: &str) -> bool {
    query.split('&').any(|pair| {
        let name = pair.split('=').next().unwrap_or_default();
        name.eq_ignore_ascii_case("access_token")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_in_the_query_string_is_recognised() {
        for query in [
            "access_token=x",
            "limit=2&access_token=",
            "ACCESS_TOKEN=y&q=z",
        ] {
            assert!(query_has_token(query), "{query}");
        }
        for query in ["", "q=access_token", "limit=2", "my_access_token=x"] {
            assert!(!query_has_token(query), "{query}");
        }
    }
}
