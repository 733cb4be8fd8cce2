//! Demo data from DOMAIN.md: Gothenburg's city units and organisations, so
//! that `samverkan serve --demo` shows a realistic picture at once.
//! Organisation numbers are sample numbers with valid check digits.

mod events;
mod grants;
mod partnerships;
mod session;

pub use session::DemoSession;

use crate::db::StoreError;
use crate::db::{city_units, organisations, DbConnection};
use crate::domain::city_unit::{CityUnitDetails, CityUnitKind};
use crate::domain::district::District;
use crate::domain::ids::{
    CityUnitId, DialogueEventId, GrantProgrammeId, GrantRoundId, OrganisationId,
};
use crate::domain::organisation::{LegalForm, OrganisationDetails, OrganisationNumber};

/// Who the demo's programme history names.
pub(super) fn demo_actor() -> crate::db::Actor {
    crate::db::Actor {
        subject: "demo".into(),
        role: "city_admin",
        via: crate::domain::change::Via::Api,
    }
}

/// The ids of the demo records that tokens are minted for and that the
/// README's walkthroughs use.
pub struct DemoIds {
    pub vastra_goteborg: CityUnitId,
    pub social_resurs: CityUnitId,
    pub lundby: CityUnitId,
    pub reningsborg: OrganisationId,
    pub friskvardsklubben: OrganisationId,
    /// This year's development pot of Västra Göteborg, open, with budgets
    /// for this year and the next.
    pub programme: GrantProgrammeId,
    /// Its round, open now (opened 30 days ago, closes in 60 days).
    pub round: GrantRoundId,
    /// A published Idésluss of SDF Lundby two weeks from today.
    pub upcoming_event: DialogueEventId,
    /// A published Idésluss of SDF Lundby that ended a week ago and is not
    /// yet marked held.
    pub past_event: DialogueEventId,
    /// The date the demo was loaded (UTC) and its year.
    pub today: chrono::NaiveDate,
    pub year: i32,
}

pub(super) struct Org {
    name: &'static str,
    number: Option<&'static str>,
    form: LegalForm,
    districts: &'static [District],
    description: &'static str,
    website: Option<&'static str>,
}

pub(super) const ORGANISATIONS: &[Org] = &[
    Org { name: "Reningsborg", number: Some("802447-2824"), form: LegalForm::SocialEnterprise, districts: &[District::VastraGoteborg, District::AskimFrolundaHogsbo], description: "Social enterprise: second-hand shops that give unemployed young people work.", website: Some("https://reningsborg.se") },
    Org { name: "Friskvårdsklubben i Göteborg", number: Some("802455-9786"), form: LegalForm::NonProfitAssociation, districts: &[District::Centrum, District::NorraHisingen, District::VastraGoteborg, District::Angered], description: "User-run association: physical activity for people with mental illness, at the city's activity houses.", website: None },
    Org { name: "Göteborgs Stadsmission", number: Some("857209-0929"), form: LegalForm::Foundation, districts: &[District::Centrum, District::MajornaLinne, District::Angered], description: "Support for people in homelessness and social exclusion.", website: Some("https://stadsmissionen.org") },
    Org { name: "Göteborgs Räddningsmission", number: Some("857200-3815"), form: LegalForm::FaithCommunity, districts: &[District::Centrum, District::OstraGoteborg], description: "Social work with people in vulnerable situations; party to the IOP on unaccompanied minors.", website: None },
    Org { name: "Passalen", number: Some("802004-7810"), form: LegalForm::NonProfitAssociation, districts: &[District::VastraGoteborg, District::Lundby], description: "Leisure activities for children and young people with disabilities.", website: Some("https://passalen.se") },
    Org { name: "KFUM Göteborg", number: Some("802010-3126"), form: LegalForm::NonProfitAssociation, districts: &[District::Centrum, District::VastraHisingen], description: "Youth association: sport, leisure and democracy.", website: None },
    Org { name: "Mammanätverket i Backa", number: None, form: LegalForm::Other, districts: &[District::NorraHisingen], description: "Informal network of mothers; never registered, meets where it can.", website: None },
    Org { name: "Bräcke diakoni", number: None, form: LegalForm::Foundation, districts: &[District::Centrum], description: "Diaconal foundation: care and housing.", website: None },
    Org { name: "Skyddsvärnet", number: None, form: LegalForm::NonProfitAssociation, districts: &[District::Centrum, District::Angered], description: "Social work with young people and families.", website: None },
    Org { name: "KarriärKraft", number: None, form: LegalForm::SocialEnterprise, districts: &[District::OstraGoteborg], description: "Work integration for young people new in Sweden.", website: None },
    Org { name: "Rädda Barnen Göteborg", number: None, form: LegalForm::NonProfitAssociation, districts: &[District::Centrum], description: "Children's rights organisation, local branch.", website: None },
    Org { name: "Individuell Människohjälp Göteborg", number: None, form: LegalForm::NonProfitAssociation, districts: &[District::Angered], description: "Support to people in exclusion; local group.", website: None },
    Org { name: "Sensus Västra Sverige", number: None, form: LegalForm::NonProfitAssociation, districts: &[District::Centrum], description: "Adult education association.", website: None },
];

/// Loads the demo records into an empty database; "now" is the clock's.
pub fn load(conn: &mut DbConnection) -> Result<DemoIds, StoreError> {
    load_at(conn, chrono::Utc::now())
}

/// Loads the demo records as of `now`: the current programme, its open round
/// and the upcoming and past events are placed around it.
pub fn load_at(
    conn: &mut DbConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<DemoIds, StoreError> {
    let unit = |conn: &mut DbConnection, name: &str, kind, district| {
        city_units::insert(
            conn,
            CityUnitDetails {
                name: name.into(),
                kind,
                district,
            },
            &demo_actor(),
        )
        .map(|u| u.id)
    };
    let vastra_goteborg = unit(
        conn,
        "SDF Västra Göteborg",
        CityUnitKind::DistrictAdministration,
        Some(District::VastraGoteborg),
    )?;
    let lundby = unit(
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
            notice_language: Default::default(),
        };
        ids.push(organisations::insert(conn, details, &demo_actor())?.id);
    }
    let today = crate::domain::local_time::date_of(now);
    let mut demo = DemoIds {
        vastra_goteborg,
        social_resurs,
        lundby,
        reningsborg: ids[0],
        friskvardsklubben: ids[1],
        programme: GrantProgrammeId::new(),
        round: GrantRoundId::new(),
        upcoming_event: DialogueEventId::new(),
        past_event: DialogueEventId::new(),
        today,
        year: chrono::Datelike::year(&today),
    };
    let lundby_collaboration = partnerships::load_partnerships(conn, &demo, lundby, &ids)?;
    grants::load_grants(conn, &demo, &ids)?;
    events::load_dialogue_events(conn, &demo, lundby, &ids, lundby_collaboration)?;
    (demo.programme, demo.round) = grants::load_current_programme(conn, &demo, now)?;
    (demo.upcoming_event, demo.past_event) = events::load_current_events(conn, lundby, now)?;
    Ok(demo)
}

/// A Stockholm wall-clock time of the demo, in UTC.
pub(super) fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
    // Demo times are written as Stockholm wall-clock times.
    let local =
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").expect("demo times parse");
    crate::domain::local_time::from_local(local).expect("demo times exist in Stockholm")
}

/// A date of the demo.
pub(super) fn day(text: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("demo dates parse")
}
