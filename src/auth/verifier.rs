use jsonwebtoken::jwk::{JwkSet, KeyAlgorithm};
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};

use super::claims::Claims;
use crate::config::{ConfigError, JwtSettings};
use crate::domain::access::Principal;

/// The longest token read (8 KB): an identity provider's tokens are far
/// shorter, and a longer one is not decoded at all.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// A configured public key with the one algorithm it may verify.
struct PublicKey {
    kid: String,
    algorithm: Algorithm,
    key: DecodingKey,
}

/// Verifies bearer tokens against keys from configuration only (RFC 8725):
/// algorithms pinned per key, `alg: none` and key URLs in tokens refused,
/// `exp`, `nbf`, `iss` and `aud` always checked.
pub struct TokenVerifier {
    public_keys: Vec<PublicKey>,
    hs256: Option<DecodingKey>,
    algorithms: Vec<Algorithm>,
    issuer: String,
    audience: String,
    leeway_seconds: u64,
}

impl TokenVerifier {
    pub fn from_settings(settings: &JwtSettings) -> Result<Self, ConfigError> {
        let bad = |setting: &str, message: String| ConfigError {
            setting: setting.into(),
            message,
        };
        let mut public_keys = Vec::new();
        if let Some(path) = &settings.jwks_path {
            let text = std::fs::read_to_string(path).map_err(|e| {
                bad(
                    "SAMVERKAN_JWT_JWKS_PATH",
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            let set: JwkSet = serde_json::from_str(&text).map_err(|e| {
                bad(
                    "SAMVERKAN_JWT_JWKS_PATH",
                    format!("not a JWKS document: {e}"),
                )
            })?;
            for jwk in &set.keys {
                let kid = jwk.common.key_id.clone().ok_or_else(|| {
                    bad("SAMVERKAN_JWT_JWKS_PATH", "every key needs a `kid`".into())
                })?;
                let algorithm = match jwk.common.key_algorithm {
                    Some(KeyAlgorithm::RS256) => Algorithm::RS256,
                    Some(KeyAlgorithm::ES256) => Algorithm::ES256,
                    _ => {
                        return Err(bad(
                            "SAMVERKAN_JWT_JWKS_PATH",
                            format!("key `{kid}` must name its algorithm: `alg` RS256 or ES256"),
                        ))
                    }
                };
                let key = DecodingKey::from_jwk(jwk)
                    .map_err(|e| bad("SAMVERKAN_JWT_JWKS_PATH", format!("key `{kid}`: {e}")))?;
                public_keys.push(PublicKey {
                    kid,
                    algorithm,
                    key,
                });
            }
        }
        Ok(Self {
            public_keys,
            hs256: settings
                .hs256_secret
                .as_deref()
                .map(|s| DecodingKey::from_secret(s.as_bytes())),
            algorithms: settings.algorithms.clone(),
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            leeway_seconds: settings.leeway_seconds.min(60),
        })
    }

    /// Whether any key is configured (otherwise every token is refused).
    pub fn has_keys(&self) -> bool {
        self.hs256.is_some() || !self.public_keys.is_empty()
    }

    /// The principal of a valid token, or why it is not valid (safe to show).
    pub fn verify(&self, token: &str) -> Result<Principal, String> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(format!("the token is longer than {MAX_TOKEN_BYTES} bytes"));
        }
        // `alg: none` (and any algorithm jsonwebtoken does not know) fails here.
        let header = decode_header(token)
            .map_err(|_| "malformed token or unsupported algorithm".to_owned())?;
        if header.jku.is_some() || header.x5u.is_some() || header.jwk.is_some() {
            return Err("keys named or embedded in the token are not accepted".into());
        }
        if !self.algorithms.contains(&header.alg) {
            return Err(format!("algorithm {:?} is not accepted", header.alg));
        }
        let key = match header.alg {
            Algorithm::HS256 => self.hs256.as_ref(),
            alg => header.kid.as_deref().and_then(|kid| {
                self.public_keys
                    .iter()
                    .find(|k| k.kid == kid && k.algorithm == alg)
                    .map(|k| &k.key)
            }),
        }
        .ok_or_else(|| "no configured key matches the token's kid and algorithm".to_owned())?;

        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.leeway_seconds;
        let data = decode::<Claims>(token, key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind::*;
            match e.kind() {
                ExpiredSignature => "the token has expired".to_owned(),
                ImmatureSignature => "the token is not valid yet (nbf)".to_owned(),
                InvalidIssuer => "wrong issuer".to_owned(),
                InvalidAudience => "wrong audience".to_owned(),
                InvalidSignature => "bad signature".to_owned(),
                MissingRequiredClaim(claim) => format!("the `{claim}` claim is missing"),
                Json(e) => claims_problem(&e.to_string()),
                _ => "the token could not be verified".to_owned(),
            }
        })?;
        data.claims.into_principal()
    }
}

/// What is wrong with claims that do not read as [`Claims`], naming the
/// claim (serde's message, without its position, names the field or value).
fn claims_problem(serde_message: &str) -> String {
    let quoted = |prefix: &str| {
        let rest = &serde_message[serde_message.find(prefix)? + prefix.len()..];
        Some(rest[..rest.find('`')?].to_owned())
    };
    if let Some(claim) = quoted("missing field `") {
        format!("the `{claim}` claim is missing")
    } else if let Some(role) = quoted("unknown variant `") {
        format!(
            "the `role` claim `{role}` is not one of city_admin, city_staff, partner, integration"
        )
    } else {
        "the claims are not valid for this service (sub, role, org, unit, exp, iat)".to_owned()
    }
}
