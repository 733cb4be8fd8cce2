//! Open data: decided grants as the 360Giving Data Standard has them
//! (a package `{"grants": [...]}` of grant objects, and the same as a
//! table for spreadsheets). Only what is public goes in: a grant the city
//! decided to give (granted or partly granted), never a draft, an
//! application in handling or a rejection, never a person (no contact, no
//! decider), never an internal note.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::district::District;

/// The currency of every amount: whole Swedish kronor.
pub const CURRENCY: &str = "SEK";

/// What 360Giving's `geoCodeType` says of our district codes: the area set
/// they belong to (Gothenburg's ten districts of 2011–2020).
pub const DISTRICT_CODE_TYPE: &str = "stadsdelar-2011";

/// A publisher's part of every 360Giving identifier (`360G-<prefix>-...`):
/// 1 to 40 letters, digits and inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix(String);

impl Prefix {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let fits = !text.is_empty()
            && text.len() <= 40
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !text.starts_with('-')
            && !text.ends_with('-');
        if fits {
            Ok(Prefix(text.to_owned()))
        } else {
            Err("must be 1 to 40 letters (a-z), digits and inner hyphens, e.g. goteborg")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Prefix {
    fn default() -> Self {
        Prefix("goteborg".into())
    }
}

/// A grant the city decided to give, as the store finds it: only fields
/// that the public view of an application shows.
#[derive(Debug, Clone)]
pub struct DecidedGrant {
    pub id: Uuid,
    pub title: String,
    pub purpose: String,
    pub requested_sek: i64,
    pub granted_sek: i64,
    pub decided_on: NaiveDate,
    pub updated_at: DateTime<Utc>,
    pub districts: Vec<District>,
    pub recipient_id: Uuid,
    pub recipient_name: String,
    /// `NNNNNN-NNNN`, as the organisation register keeps it.
    pub recipient_number: Option<String>,
    pub unit_id: Uuid,
    pub unit_name: String,
    pub programme_id: Uuid,
    pub programme_title: String,
}

/// An organisation in a 360Giving grant: the recipient or the funder.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = GivingOrganisation)]
pub struct Organization {
    /// The organisation identifier: `SE-ON-` and the ten digits of the
    /// Swedish organisation number without the dash (`SE-ON-8024559786`);
    /// `360G-<prefix>-org-<id>` for an organisation without a number;
    /// `360G-<prefix>-unit-<id>` for the funding city unit.
    #[schema(example = "SE-ON-8024559786")]
    pub id: String,
    #[schema(example = "Reningsborg")]
    pub name: String,
}

/// The programme a grant was given under.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = GivingProgramme)]
pub struct GrantProgramme {
    /// The programme's id in this API.
    pub code: String,
    /// The programme's title.
    #[schema(example = "Utvecklingspotten 2015")]
    pub title: String,
}

/// Where the grant's beneficiaries are: a district.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = GivingLocation)]
pub struct Location {
    /// The district's name.
    #[schema(example = "Västra Göteborg")]
    pub name: String,
    /// The district's code in this API (`vastra_goteborg`).
    #[schema(example = "vastra_goteborg")]
    pub geo_code: String,
    /// Always `stadsdelar-2011`: the codes are Gothenburg's ten districts
    /// of 2011–2020.
    #[schema(example = "stadsdelar-2011")]
    pub geo_code_type: String,
    /// Always `SE`.
    #[schema(example = "SE")]
    pub country_code: String,
}

/// One grant in the 360Giving Data Standard.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = GivingGrant)]
pub struct Grant {
    /// `360G-<prefix>-<the application's id>`; the prefix is the
    /// `SAMVERKAN_360G_PREFIX` setting.
    #[schema(example = "360G-goteborg-0193516a-0000-7000-8000-0000000000a1")]
    pub id: String,
    /// The application's title.
    #[schema(example = "Garaget")]
    pub title: String,
    /// The application's purpose.
    #[schema(example = "Summer jobs for young people in Tynnered")]
    pub description: String,
    /// Always `SEK`.
    #[schema(example = "SEK")]
    pub currency: String,
    /// The amount applied for, in kronor.
    #[schema(example = 80000)]
    pub amount_applied_for: i64,
    /// The amount granted, in kronor.
    #[schema(example = 75000)]
    pub amount_awarded: i64,
    /// The day of the decision (`YYYY-MM-DD`).
    #[schema(example = "2015-05-20")]
    pub award_date: NaiveDate,
    /// When the application last changed (RFC 3339, UTC).
    #[schema(example = "2015-05-20T12:00:00Z")]
    pub date_modified: String,
    /// The applicant organisation (one).
    pub recipient_organization: Vec<Organization>,
    /// The city unit that owns the programme (one).
    pub funding_organization: Vec<Organization>,
    /// The programme (one).
    pub grant_programme: Vec<GrantProgramme>,
    /// The districts the application named (none when it named none).
    pub beneficiary_location: Vec<Location>,
}

/// `360G-<prefix>-<id>`.
pub fn grant_id(prefix: &Prefix, id: Uuid) -> String {
    format!("360G-{}-{id}", prefix.as_str())
}

/// `SE-ON-<ten digits>` for an organisation with a Swedish organisation
/// number, `360G-<prefix>-org-<id>` for one without.
pub fn recipient_id(prefix: &Prefix, id: Uuid, number: Option<&str>) -> String {
    match number {
        Some(n) => format!("SE-ON-{}", n.replace('-', "")),
        None => format!("360G-{}-org-{id}", prefix.as_str()),
    }
}

/// `360G-<prefix>-unit-<id>`: a city unit has no number of its own in the
/// register (the municipality has one for all of them).
pub fn funder_id(prefix: &Prefix, id: Uuid) -> String {
    format!("360G-{}-unit-{id}", prefix.as_str())
}

/// The grant as 360Giving has it.
pub fn to_360giving(prefix: &Prefix, g: DecidedGrant) -> Grant {
    Grant {
        id: grant_id(prefix, g.id),
        title: g.title,
        description: g.purpose,
        currency: CURRENCY.into(),
        amount_applied_for: g.requested_sek,
        amount_awarded: g.granted_sek,
        award_date: g.decided_on,
        date_modified: g.updated_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        recipient_organization: vec![Organization {
            id: recipient_id(prefix, g.recipient_id, g.recipient_number.as_deref()),
            name: g.recipient_name,
        }],
        funding_organization: vec![Organization {
            id: funder_id(prefix, g.unit_id),
            name: g.unit_name,
        }],
        grant_programme: vec![GrantProgramme {
            code: g.programme_id.to_string(),
            title: g.programme_title,
        }],
        beneficiary_location: g
            .districts
            .iter()
            .map(|d| Location {
                name: d.name().into(),
                geo_code: d.as_str().into(),
                geo_code_type: DISTRICT_CODE_TYPE.into(),
                country_code: "SE".into(),
            })
            .collect(),
    }
}

/// The columns of a location, after `Beneficiary Location:<n>:`.
const LOCATION_COLUMNS: [&str; 4] = [
    "Name",
    "Geographic Code",
    "Geographic Code Type",
    "Country Code",
];

/// The grants as a table, with 360Giving's column titles: one row per
/// grant; its locations in numbered groups (`Beneficiary Location:0:Name`,
/// `Beneficiary Location:1:Name`, ...), as many groups as the grant with
/// the most districts needs (at least one), empty where a grant has fewer.
pub fn table(grants: &[Grant]) -> (Vec<String>, Vec<Vec<String>>) {
    let groups = grants
        .iter()
        .map(|g| g.beneficiary_location.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut header: Vec<String> = [
        "Identifier",
        "Title",
        "Description",
        "Currency",
        "Amount Applied For",
        "Amount Awarded",
        "Award Date",
        "Last Modified",
        "Recipient Org:Identifier",
        "Recipient Org:Name",
        "Funding Org:Identifier",
        "Funding Org:Name",
        "Grant Programme:Code",
        "Grant Programme:Title",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for n in 0..groups {
        for column in LOCATION_COLUMNS {
            header.push(format!("Beneficiary Location:{n}:{column}"));
        }
    }
    let first = |orgs: &[Organization]| orgs.first().cloned();
    let rows = grants
        .iter()
        .map(|g| {
            let recipient = first(&g.recipient_organization);
            let funder = first(&g.funding_organization);
            let programme = g.grant_programme.first();
            let mut row = vec![
                g.id.clone(),
                g.title.clone(),
                g.description.clone(),
                g.currency.clone(),
                g.amount_applied_for.to_string(),
                g.amount_awarded.to_string(),
                g.award_date.to_string(),
                g.date_modified.clone(),
                recipient.as_ref().map(|o| o.id.clone()).unwrap_or_default(),
                recipient.map(|o| o.name).unwrap_or_default(),
                funder.as_ref().map(|o| o.id.clone()).unwrap_or_default(),
                funder.map(|o| o.name).unwrap_or_default(),
                programme.map(|p| p.code.clone()).unwrap_or_default(),
                programme.map(|p| p.title.clone()).unwrap_or_default(),
            ];
            for n in 0..groups {
                match g.beneficiary_location.get(n) {
                    Some(l) => row.extend([
                        l.name.clone(),
                        l.geo_code.clone(),
                        l.geo_code_type.clone(),
                        l.country_code.clone(),
                    ]),
                    None => row.extend(std::iter::repeat_n(String::new(), 4)),
                }
            }
            row
        })
        .collect();
    (header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn decided(number: Option<&str>, districts: Vec<District>) -> DecidedGrant {
        DecidedGrant {
            id: Uuid::from_u128(1),
            title: "Garaget".into(),
            purpose: "Summer jobs in Tynnered".into(),
            requested_sek: 80_000,
            granted_sek: 75_000,
            decided_on: NaiveDate::from_ymd_opt(2015, 5, 20).unwrap(),
            updated_at: Utc.with_ymd_and_hms(2015, 5, 20, 12, 0, 0).unwrap(),
            districts,
            recipient_id: Uuid::from_u128(2),
            recipient_name: "Reningsborg".into(),
            recipient_number: number.map(Into::into),
            unit_id: Uuid::from_u128(3),
            unit_name: "SDF Västra Göteborg".into(),
            programme_id: Uuid::from_u128(4),
            programme_title: "Utvecklingspotten 2015".into(),
        }
    }

    #[test]
    fn prefixes_are_short_words_with_inner_hyphens() {
        for good in ["goteborg", "malmo-stad", "G1"] {
            assert_eq!(Prefix::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "-goteborg",
            "goteborg-",
            "göteborg",
            "a b",
            &"x".repeat(41),
        ] {
            assert!(Prefix::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Prefix::default().as_str(), "goteborg");
    }

    #[test]
    fn identifiers_follow_the_documented_forms() {
        let p = Prefix::parse("goteborg").unwrap();
        let id = Uuid::from_u128(9);
        assert_eq!(grant_id(&p, id), format!("360G-goteborg-{id}"));
        assert_eq!(
            recipient_id(&p, id, Some("802455-9786")),
            "SE-ON-8024559786"
        );
        assert_eq!(
            recipient_id(&p, id, None),
            format!("360G-goteborg-org-{id}")
        );
        assert_eq!(funder_id(&p, id), format!("360G-goteborg-unit-{id}"));
    }

    #[test]
    fn a_decided_grant_maps_field_by_field() {
        let p = Prefix::parse("test").unwrap();
        let g = to_360giving(
            &p,
            decided(Some("802455-9786"), vec![District::VastraGoteborg]),
        );
        let json = serde_json::to_value(&g).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": format!("360G-test-{}", Uuid::from_u128(1)),
                "title": "Garaget",
                "description": "Summer jobs in Tynnered",
                "currency": "SEK",
                "amountAppliedFor": 80000,
                "amountAwarded": 75000,
                "awardDate": "2015-05-20",
                "dateModified": "2015-05-20T12:00:00Z",
                "recipientOrganization": [{"id": "SE-ON-8024559786", "name": "Reningsborg"}],
                "fundingOrganization": [{"id": format!("360G-test-unit-{}", Uuid::from_u128(3)), "name": "SDF Västra Göteborg"}],
                "grantProgramme": [{"code": Uuid::from_u128(4).to_string(), "title": "Utvecklingspotten 2015"}],
                "beneficiaryLocation": [{"name": "Västra Göteborg", "geoCode": "vastra_goteborg", "geoCodeType": "stadsdelar-2011", "countryCode": "SE"}]
            })
        );
    }

    #[test]
    fn the_table_has_a_location_group_for_the_most_districts() {
        let p = Prefix::default();
        let grants = vec![
            to_360giving(&p, decided(None, vec![])),
            to_360giving(
                &p,
                decided(None, vec![District::Lundby, District::NorraHisingen]),
            ),
        ];
        let (header, rows) = table(&grants);
        assert_eq!(header.len(), 14 + 2 * 4);
        assert_eq!(header[14], "Beneficiary Location:0:Name");
        assert_eq!(header[18], "Beneficiary Location:1:Name");
        assert!(rows.iter().all(|r| r.len() == header.len()));
        assert_eq!(rows[0][14], "");
        assert_eq!(rows[1][18], "Norra Hisingen");
        assert_eq!(
            rows[1][8],
            format!("360G-goteborg-org-{}", Uuid::from_u128(2))
        );
        // No grants: the header alone, with one location group.
        let (header, rows) = table(&[]);
        assert_eq!((header.len(), rows.len()), (18, 0));
    }
}
