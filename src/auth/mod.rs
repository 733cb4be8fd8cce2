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
use crate::startup::AppState;

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
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Principal::Anonymous);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state missing")))?;
    let token = bearer_token(value.to_str().unwrap_or_default())
        .ok_or_else(|| ApiError::InvalidToken("expected `Authorization: Bearer <JWT>`".into()))?;
    state.verifier.verify(token).map_err(ApiError::InvalidToken)
}

fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
