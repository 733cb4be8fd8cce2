//! What `serve --demo` prints: the ids and tokens of the demo.

use super::DemoIds;

/// What `serve --demo` prints: the ids and tokens as shell `export` lines
/// (the README's walkthroughs use exactly these names), and a banner.
pub struct DemoSession {
    /// `(NAME, value)` in the order printed.
    pub exports: Vec<(&'static str, String)>,
    /// `(role, who, token)` for the banner.
    pub tokens: Vec<(&'static str, &'static str, String)>,
}

impl DemoSession {
    /// Mints a token (valid 8 hours) for every role the README uses.
    pub fn new(
        ids: &DemoIds,
        jwt: &crate::config::JwtSettings,
        base: &str,
    ) -> anyhow::Result<Self> {
        use crate::auth::{mint_development_token, Claims, Role};
        let secret = jwt.hs256_secret.as_deref().unwrap_or_default();
        let now = chrono::Utc::now().timestamp();
        let mint = |sub: &str, role, org: Option<uuid::Uuid>, unit: Option<uuid::Uuid>, limit| {
            let claims = Claims {
                sub: sub.into(),
                role,
                org,
                unit,
                delegation_limit_sek: limit,
                iat: now,
                exp: now + 8 * 3600,
            };
            mint_development_token(secret, &jwt.issuer, &jwt.audience, &claims)
        };
        let tokens = vec![
            (
                "ADMIN",
                "city_admin",
                "",
                mint("admin@goteborg.se", Role::CityAdmin, None, None, None)?,
            ),
            (
                "STAFF",
                "city_staff",
                "SDF Västra Göteborg",
                mint(
                    "handlaggare@vastra.goteborg.se",
                    Role::CityStaff,
                    None,
                    Some(ids.vastra_goteborg.0),
                    Some(50_000),
                )?,
            ),
            (
                "LUNDBY_STAFF",
                "city_staff",
                "SDF Lundby",
                mint(
                    "samordnare@lundby.goteborg.se",
                    Role::CityStaff,
                    None,
                    Some(ids.lundby.0),
                    Some(50_000),
                )?,
            ),
            (
                "SOCIAL_STAFF",
                "city_staff",
                "Social resursförvaltning",
                mint(
                    "samordnare@socialresurs.goteborg.se",
                    Role::CityStaff,
                    None,
                    Some(ids.social_resurs.0),
                    Some(500_000),
                )?,
            ),
            (
                "PARTNER",
                "partner",
                "Reningsborg",
                mint(
                    "kontakt@reningsborg.se",
                    Role::Partner,
                    Some(ids.reningsborg.0),
                    None,
                    None,
                )?,
            ),
            (
                "PARTNER2",
                "partner",
                "Friskvårdsklubben",
                mint(
                    "ordforande@friskvardsklubben.se",
                    Role::Partner,
                    Some(ids.friskvardsklubben.0),
                    None,
                    None,
                )?,
            ),
            (
                "INTEGRATION",
                "integration",
                "Västra Göteborg",
                mint(
                    "import-job",
                    Role::Integration,
                    None,
                    Some(ids.vastra_goteborg.0),
                    None,
                )?,
            ),
        ];
        let mut exports = vec![
            ("API", format!("{base}/api/v1")),
            ("UNIT", ids.vastra_goteborg.to_string()),
            ("LUNDBY", ids.lundby.to_string()),
            ("ORG", ids.reningsborg.to_string()),
            ("ORG2", ids.friskvardsklubben.to_string()),
            ("PROGRAMME", ids.programme.to_string()),
            ("ROUND", ids.round.to_string()),
            ("UPCOMING_EVENT", ids.upcoming_event.to_string()),
            ("PAST_EVENT", ids.past_event.to_string()),
            ("YEAR", ids.year.to_string()),
            ("TODAY", ids.today.to_string()),
        ];
        let mut banner_tokens = Vec::new();
        for (name, role, who, token) in tokens {
            exports.push((name, token.clone()));
            banner_tokens.push((role, who, token));
        }
        Ok(DemoSession {
            exports,
            tokens: banner_tokens,
        })
    }

    /// The `export` lines, one per variable, ready to paste into a shell.
    pub fn export_lines(&self) -> String {
        self.exports
            .iter()
            .map(|(name, value)| format!("export {name}='{value}'\n"))
            .collect()
    }

    /// The text `serve --demo` prints.
    pub fn banner(&self, base: &str) -> String {
        let mut text =
            format!("\nsamverkan demo at {base} (docs: {base}/docs/), tokens valid 8 hours:\n\n");
        for (role, who, token) in &self.tokens {
            text.push_str(&format!("  {role:<12}{who:<28}{token}\n"));
        }
        text.push_str(
            "\nPaste these lines into your shell; the README's walkthroughs use them:\n\n",
        );
        text.push_str(&self.export_lines());
        text.push_str(
            "\nTry:\n  curl -s \"$API/organisations/$ORG\" -H \"Authorization: Bearer $PARTNER\"\n",
        );
        text
    }
}
