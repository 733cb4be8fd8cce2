//! Demo data from DOMAIN.md: Gothenburg's city units and organisations, so
//! that `samverkan serve --demo` shows a realistic picture at once.
//! Organisation numbers are sample numbers with valid check digits.

use crate::db::dialogue_events::{self, Attendance, OutcomeValues};
use crate::db::{city_units, organisations, DbConnection};
use crate::domain::city_unit::{CityUnitDetails, CityUnitKind};
use crate::domain::dialogue::{
    DialogueEvent, DialogueEventKind, EventAction, EventDetails, EventFormat, OutcomeStatus,
    ParticipationLevel,
};
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
        };
        ids.push(organisations::insert(conn, details)?.id);
    }
    let demo = DemoIds {
        vastra_goteborg,
        social_resurs,
        reningsborg: ids[0],
        friskvardsklubben: ids[1],
    };
    load_dialogue_events(conn, &demo, lundby, &ids)?;
    Ok(demo)
}

fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
    // Demo times are written as Stockholm wall-clock times.
    let local =
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").expect("demo times parse");
    crate::domain::stockholm::from_local(local).expect("demo times exist in Stockholm")
}

struct Meeting {
    title: String,
    kind: DialogueEventKind,
    level: ParticipationLevel,
    starts: String,
    ends: String,
    place: &'static str,
    district: District,
    unit: Option<CityUnitId>,
    /// Organisations (by index in ORGANISATIONS) and how many of theirs came.
    came: Vec<(usize, i32)>,
    walk_ins: i32,
    minutes: &'static str,
    outcomes: &'static [(&'static str, &'static str)],
}

/// The meetings of DOMAIN.md, held, with attendance, minutes and outcomes.
fn load_dialogue_events(
    conn: &mut DbConnection,
    demo: &DemoIds,
    lundby: CityUnitId,
    orgs: &[OrganisationId],
) -> Result<(), ApiError> {
    let meeting =
        |title: &str, kind, level, starts: &str, ends: &str, place, district, unit| Meeting {
            title: title.into(),
            kind,
            level,
            starts: starts.into(),
            ends: ends.into(),
            place,
            district,
            unit,
            came: Vec::new(),
            walk_ins: 0,
            minutes: "",
            outcomes: &[],
        };
    let mut meetings = Vec::new();
    // The local agreement was drafted in five dialogue meetings with about 60 organisations.
    for (n, date) in [
        "2011-03-15",
        "2011-05-10",
        "2011-09-20",
        "2011-11-15",
        "2012-02-07",
    ]
    .iter()
    .enumerate()
    {
        meetings.push(Meeting {
            came: vec![(0, 1), (1, 1), (2, 2), (3, 1), (4, 1), (5, 1)],
            walk_ins: 54,
            minutes:
                "About 60 organisations worked on the draft of the local agreement with Idékom.",
            ..meeting(
                &format!("Dialogue meeting {} on the local agreement", n + 1),
                DialogueEventKind::DialogueMeeting,
                ParticipationLevel::Dialogue,
                &format!("{date}T13:00"),
                &format!("{date}T16:00"),
                "Göteborgs Stadshus",
                District::Centrum,
                None,
            )
        });
    }
    meetings.push(Meeting {
        came: vec![(2, 4), (3, 3)],
        walk_ins: 19,
        minutes: "26 participants on homelessness; overnight places and a planned IOP with Göteborgs Stadsmission and Göteborgs Räddningsmission.",
        ..meeting("Homelessness workshop", DialogueEventKind::Workshop, ParticipationLevel::Dialogue, "2016-04-26T09:00", "2016-04-26T15:00", "Burgårdens konferenscenter", District::Centrum, Some(demo.social_resurs))
    });
    meetings.push(Meeting {
        came: vec![(0, 1), (4, 1), (5, 1), (6, 1)],
        walk_ins: 5,
        minutes: "9 actors brought their ideas, needs and resources.",
        ..meeting(
            "Idésluss Lundby: ideas, needs and resources",
            DialogueEventKind::MatchingMeeting,
            ParticipationLevel::Partnership,
            "2016-04-14T17:00",
            "2016-04-14T19:30",
            "Lundby district office",
            District::Lundby,
            Some(lundby),
        )
    });
    meetings.push(Meeting {
        came: vec![(0, 1), (4, 1), (5, 1), (6, 1)],
        walk_ins: 3,
        minutes: "4 actors returned and 3 new came; two collaborations were formed.",
        outcomes: &[
            ("Passalen and KFUM Göteborg start a joint leisure activity for children with and without disabilities", "Passalen"),
            ("Mammanätverket i Backa meets weekly in the district's premises", "SDF Lundby"),
        ],
        ..meeting("Idésluss Lundby: forming activities", DialogueEventKind::MatchingMeeting, ParticipationLevel::Partnership, "2016-05-12T17:00", "2016-05-12T19:30", "Lundby district office", District::Lundby, Some(lundby))
    });
    meetings.push(Meeting {
        came: vec![(2, 1)],
        walk_ins: 100,
        minutes: "About 100 of 120 managers heard the director of Göteborgs Stadsmission on collaboration with civil society.",
        ..meeting("Leadership forum: Göteborgs Stadsmission", DialogueEventKind::LeadershipForum, ParticipationLevel::Information, "2016-05-26T08:30", "2016-05-26T12:00", "Hotell Riverton", District::Centrum, Some(demo.vastra_goteborg))
    });

    let ok = |_: &DialogueEvent| Ok(());
    for m in meetings {
        let details = EventDetails {
            title: m.title,
            description: None,
            kind: m.kind,
            participation_level: m.level,
            topic: None,
            organiser_unit: m.unit,
            // Idékom's meetings were co-organised with the organisations.
            co_organisers: if m.unit.is_none() {
                vec![orgs[2]]
            } else {
                Vec::new()
            },
            starts_at: at(&m.starts),
            ends_at: at(&m.ends),
            format: EventFormat::InPerson,
            place: Some(m.place.into()),
            address: None,
            online_link: None,
            district: Some(m.district),
            capacity: None,
            registration_deadline: None,
            agenda: Vec::new(),
            external_id: None,
        };
        let event = dialogue_events::insert(conn, details)?;
        dialogue_events::transition(conn, event.id, None, ok, EventAction::Publish, None)?;
        dialogue_events::transition(conn, event.id, None, ok, EventAction::MarkHeld, None)?;
        let record = Attendance {
            organisations: m.came.iter().map(|(i, n)| (orgs[*i], *n)).collect(),
            walk_ins: m.walk_ins,
        };
        dialogue_events::record_attendance(conn, event.id, ok, record)?;
        dialogue_events::write_minutes(conn, event.id, None, ok, m.minutes.into())?;
        for (description, owner) in m.outcomes {
            let values = OutcomeValues {
                description: (*description).into(),
                owner: (*owner).into(),
                status: OutcomeStatus::Realised,
                partnership_id: None,
                grant_application_id: None,
            };
            dialogue_events::add_outcome(conn, event.id, ok, values)?;
        }
    }
    Ok(())
}
