//! Demo data from DOMAIN.md: Gothenburg's city units and organisations, so
//! that `samverkan serve --demo` shows a realistic picture at once.
//! Organisation numbers are sample numbers with valid check digits.

use crate::db::{city_units, organisations, DbConnection};
use crate::domain::city_unit::{CityUnitDetails, CityUnitKind};
use crate::domain::district::District;
use crate::domain::ids::{CityUnitId, OrganisationId};
use crate::domain::organisation::{LegalForm, OrganisationDetails, OrganisationNumber};
use crate::error::ApiError;

/// The ids of the demo records that tokens are minted for.
pub struct DemoIds {
    pub vastra_goteborg: CityUnitId,
    pub social_resurs: CityUnitId,
    pub reningsborg: OrganisationId,
    pub friskvardsklubben: OrganisationId,
}

struct Org {
    name: &'static str,
    number: Option<&'static str>,
    form: LegalForm,
    districts: &'static [District],
    description: &'static str,
    website: Option<&'static str>,
}

const ORGANISATIONS: &[Org] = &[
    Org { name: "Reningsborg", number: Some("802447-2824"), form: LegalForm::SocialEnterprise, districts: &[District::VastraGoteborg, District::AskimFrolundaHogsbo], description: "Social enterprise: second-hand shops that give unemployed young people work.", website: Some("https://reningsborg.se") },
    Org { name: "Friskvårdsklubben i Göteborg", number: Some("802455-9786"), form: LegalForm::NonProfitAssociation, districts: &[District::Centrum, District::NorraHisingen, District::VastraGoteborg, District::Angered], description: "User-run association: physical activity for people with mental illness, at the city's activity houses.", website: None },
    Org { name: "Göteborgs Stadsmission", number: Some("857209-0929"), form: LegalForm::Foundation, districts: &[District::Centrum, District::MajornaLinne, District::Angered], description: "Support for people in homelessness and social exclusion.", website: Some("https://stadsmissionen.org") },
    Org { name: "Göteborgs Räddningsmission", number: Some("857200-3815"), form: LegalForm::FaithCommunity, districts: &[District::Centrum, District::OstraGoteborg], description: "Social work with people in vulnerable situations; party to the IOP on unaccompanied minors.", website: None },
    Org { name: "Passalen", number: Some("802004-7810"), form: LegalForm::NonProfitAssociation, districts: &[District::VastraGoteborg, District::Lundby], description: "Leisure activities for children and young people with disabilities.", website: Some("https://passalen.se") },
    Org { name: "KFUM Göteborg", number: Some("802010-3126"), form: LegalForm::NonProfitAssociation, districts: &[District::Centrum, District::VastraHisingen], description: "Youth association: sport, leisure and democracy.", website: None },
    Org { name: "Mammanätverket i Backa", number: None, form: LegalForm::Other, districts: &[District::NorraHisingen], description: "Informal network of mothers; never registered, meets where it can.", website: None },
];

/// Loads the demo records into an empty database.
pub fn load(conn: &mut DbConnection) -> Result<DemoIds, ApiError> {
    let unit = |conn: &mut DbConnection, name: &str, kind, district| {
        city_units::insert(
            conn,
            CityUnitDetails {
                name: name.into(),
                kind,
                district,
            },
        )
        .map(|u| u.id)
    };
    let vastra_goteborg = unit(
        conn,
        "SDF Västra Göteborg",
        CityUnitKind::DistrictAdministration,
        Some(District::VastraGoteborg),
    )?;
    unit(
        conn,
        "SDF Lundby",
        CityUnitKind::DistrictAdministration,
        Some(District::Lundby),
    )?;
    unit(
        conn,
        "SDF Angered",
        CityUnitKind::DistrictAdministration,
        Some(District::Angered),
    )?;
    unit(
        conn,
        "SDF Askim-Frölunda-Högsbo",
        CityUnitKind::DistrictAdministration,
        Some(District::AskimFrolundaHogsbo),
    )?;
    let social_resurs = unit(
        conn,
        "Social resursförvaltning",
        CityUnitKind::SpecialistAdministration,
        None,
    )?;
    unit(
        conn,
        "Idrotts- och föreningsförvaltningen",
        CityUnitKind::SpecialistAdministration,
        None,
    )?;
    unit(
        conn,
        "Park- och naturförvaltningen",
        CityUnitKind::SpecialistAdministration,
        None,
    )?;

    let mut ids = Vec::new();
    for org in ORGANISATIONS {
        let details = OrganisationDetails {
            name: org.name.into(),
            organisation_number: org
                .number
                .map(|n| OrganisationNumber::parse(n).expect("demo numbers are valid")),
            legal_form: org.form,
            districts: org.districts.to_vec(),
            description: Some(org.description.into()),
            website: org.website.map(Into::into),
            contact_email: None,
            contact_phone: None,
            external_id: None,
        };
        ids.push(organisations::insert(conn, details)?.id);
    }
    Ok(DemoIds {
        vastra_goteborg,
        social_resurs,
        reningsborg: ids[0],
        friskvardsklubben: ids[1],
    })
}
