use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::access::Principal;
use crate::domain::ids::{CityUnitId, OrganisationId};

/// The role claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    CityAdmin,
    CityStaff,
    Partner,
    Integration,
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "city_admin" => Ok(Role::CityAdmin),
            "city_staff" => Ok(Role::CityStaff),
            "partner" => Ok(Role::Partner),
            "integration" => Ok(Role::Integration),
            other => Err(format!(
                "`{other}` is not one of city_admin, city_staff, partner, integration"
            )),
        }
    }
}

/// The claims this service reads. `iss`, `aud`, `exp` and `nbf` are checked by
/// the verifier before these are looked at.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation_limit_sek: Option<i64>,
    pub exp: i64,
    pub iat: i64,
}

impl Claims {
    /// The principal these claims describe, or why they do not describe one.
    pub fn into_principal(self) -> Result<Principal, String> {
        let subject = self.sub;
        if subject.is_empty() {
            return Err("the `sub` claim is empty".into());
        }
        let delegation_limit_sek = match self.delegation_limit_sek {
            Some(limit) if limit < 0 => return Err("`delegation_limit_sek` is negative".into()),
            other => other,
        };
        match self.role {
            Role::CityAdmin => Ok(Principal::CityAdmin {
                subject,
                delegation_limit_sek,
            }),
            Role::CityStaff => Ok(Principal::CityStaff {
                subject,
                unit: CityUnitId(self.unit.ok_or("a city_staff token needs a `unit` claim")?),
                delegation_limit_sek,
            }),
            Role::Partner => Ok(Principal::Partner {
                subject,
                organisation: OrganisationId(
                    self.org.ok_or("a partner token needs an `org` claim")?,
                ),
            }),
            Role::Integration => Ok(Principal::Integration {
                subject,
                unit: CityUnitId(
                    self.unit
                        .ok_or("an integration token needs a `unit` claim")?,
                ),
            }),
        }
    }
}

#[derive(Serialize)]
struct MintedClaims<'a> {
    #[serde(flatten)]
    claims: &'a Claims,
    iss: &'a str,
    aud: &'a str,
}

/// Signs a development token with the HS256 secret (never used in production,
/// where the city's identity provider issues tokens).
pub fn mint_development_token(
    secret: &str,
    issuer: &str,
    audience: &str,
    claims: &Claims,
) -> Result<String, jsonwebtoken::errors::Error> {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &MintedClaims {
            claims,
            iss: issuer,
            aud: audience,
        },
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
}
