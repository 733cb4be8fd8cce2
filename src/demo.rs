//! Demo data from DOMAIN.md: Gothenburg's city units and organisations, so
//! that `samverkan serve --demo` shows a realistic picture at once.
//! Organisation numbers are sample numbers with valid check digits.

use crate::db::dialogue_events::{self, Attendance, OutcomeValues};
use crate::db::StoreError;
use crate::db::{city_units, organisations, DbConnection};
use crate::domain::city_unit::{CityUnitDetails, CityUnitKind};
use crate::domain::dialogue::{
    DialogueEvent, DialogueEventKind, EventAction, EventDetails, EventFormat, OutcomeStatus,
    ParticipationLevel,
};
use crate::domain::district::District;
use crate::domain::ids::{
    CityUnitId, DialogueEventId, GrantProgrammeId, GrantRoundId, OrganisationId, PartnershipId,
};
use crate::domain::organisation::{LegalForm, OrganisationDetails, OrganisationNumber};

/// Who the demo's programme history names.
fn demo_actor() -> crate::db::Actor {
    crate::db::Actor {
        subject: "demo".into(),
        role: "city_admin",
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
    let today = now.date_naive();
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
    let lundby_collaboration = load_partnerships(conn, &demo, lundby, &ids)?;
    load_grants(conn, &demo, &ids)?;
    load_dialogue_events(conn, &demo, lundby, &ids, lundby_collaboration)?;
    (demo.programme, demo.round) = load_current_programme(conn, &demo, now)?;
    (demo.upcoming_event, demo.past_event) = load_current_events(conn, lundby, now)?;
    Ok(demo)
}

/// This year's development pot: open, a round open now, budgets for this
/// year and the next, so that an application made today can be decided.
fn load_current_programme(
    conn: &mut DbConnection,
    demo: &DemoIds,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(GrantProgrammeId, GrantRoundId), StoreError> {
    use crate::db::grants::{self as store, ProgrammeDetails, Round};
    use crate::domain::grant::ProgrammeStatus;
    let details = ProgrammeDetails {
        title: format!(
            "Utvecklingspotten för samverkan med civilsamhället {}",
            demo.year
        ),
        description: Some(
            "Small grants for new collaborations between the district and civil society.".into(),
        ),
        owning_unit: demo.vastra_goteborg,
        min_sek: 1_000,
        max_sek: 50_000,
        eligible_legal_forms: Vec::new(),
        districts: Vec::new(),
        required_documents: Vec::new(),
        multi_year_allowed: false,
        budgets: vec![(demo.year, 1_500_000), (demo.year + 1, 1_500_000)],
        external_id: None,
    };
    let programme = store::insert_programme(conn, details)?;
    let round = Round {
        id: GrantRoundId::new(),
        name: format!("Open round {}", demo.year),
        opens_at: now - chrono::Duration::days(30),
        deadline: now + chrono::Duration::days(60),
        accepts_late: true,
    };
    let round_id = round.id;
    store::add_round(conn, programme.id, |_| Ok(()), &demo_actor(), round)?;
    store::set_programme_status(
        conn,
        programme.id,
        None,
        |_| Ok(()),
        &demo_actor(),
        ProgrammeStatus::Open,
    )?;
    Ok((programme.id, round_id))
}

/// Two published Idésluss meetings of SDF Lundby around today: one two weeks
/// ahead (registrations open), one that ended a week ago and waits to be
/// marked held.
fn load_current_events(
    conn: &mut DbConnection,
    lundby: CityUnitId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(DialogueEventId, DialogueEventId), StoreError> {
    let ok = |_: &DialogueEvent| Ok(());
    let mut ids = Vec::new();
    for (title, days) in [
        ("Idésluss Lundby: ideas for the coming term", 14),
        ("Idésluss Lundby: what the last term led to", -7),
    ] {
        let date = (now + chrono::Duration::days(days)).date_naive();
        let details = EventDetails {
            title: title.into(),
            description: None,
            kind: DialogueEventKind::MatchingMeeting,
            participation_level: ParticipationLevel::Partnership,
            topic: None,
            organiser_unit: Some(lundby),
            co_organisers: Vec::new(),
            starts_at: at(&format!("{date}T17:00")),
            ends_at: at(&format!("{date}T19:30")),
            format: EventFormat::InPerson,
            place: Some("Lundby district office".into()),
            address: None,
            online_link: None,
            district: Some(District::Lundby),
            capacity: Some(30),
            registration_deadline: None,
            agenda: Vec::new(),
            external_id: None,
        };
        let event = dialogue_events::insert(conn, details)?;
        dialogue_events::transition(conn, event.id, None, ok, EventAction::Publish, None)?;
        ids.push(event.id);
    }
    Ok((ids[0], ids[1]))
}

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
    lundby_collaboration: PartnershipId,
) -> Result<(), StoreError> {
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
                // The first collaboration became a partnership; the second needed none.
                partnership_id: (owner == &"Passalen").then_some(lundby_collaboration.0),
                grant_application_id: None,
            };
            dialogue_events::add_outcome(conn, event.id, ok, values)?;
        }
    }
    Ok(())
}

fn day(text: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("demo dates parse")
}

/// The partnerships of DOMAIN.md; returns the Lundby collaboration that came
/// out of the Idésluss meetings.
fn load_partnerships(
    conn: &mut DbConnection,
    demo: &DemoIds,
    lundby: CityUnitId,
    orgs: &[OrganisationId],
) -> Result<PartnershipId, StoreError> {
    use crate::db::partnerships::{self as store, ActionInput, Commitment, NewFundingLine};
    use crate::db::Actor;
    use crate::domain::partnership::{
        CommitmentStatus, Initiator, PartnershipAction as A, PartnershipDetails, PartnershipForm,
        Party, PartyRole, PartyStatus,
    };
    let sek = |kronor| {
        crate::domain::money::Sek::positive(kronor)
            .map_err(|why| StoreError::Internal(anyhow::anyhow!("demo amount: {why}")))
    };
    let actor = Actor {
        subject: "demo-loader".into(),
        role: "city_admin",
    };
    let ok = |_: &store::Loaded| Ok(());
    let no_change = |d: PartnershipDetails| Ok(d);
    let party = |org: OrganisationId, role, joined: &str| Party {
        organisation_id: org,
        role,
        joined_on: day(joined),
        left_on: None,
        status: PartyStatus::Active,
    };
    let details = |title: &str,
                   purpose: &str,
                   unit,
                   initiating: Option<OrganisationId>,
                   districts: Vec<District>,
                   start: &str,
                   end: &str| PartnershipDetails {
        title: title.into(),
        purpose: purpose.into(),
        form: PartnershipForm::Iop,
        responsible_unit: unit,
        contact_name: None,
        contact_email: None,
        initiated_by: if initiating.is_some() {
            Initiator::Organisation
        } else {
            Initiator::City
        },
        initiating_organisation: initiating,
        target_groups: Vec::new(),
        districts,
        start_date: day(start),
        end_date: day(end),
        registry_number: None,
        internal_notes: None,
        external_id: None,
    };
    let run = |conn: &mut DbConnection, id, actions: &[A]| -> Result<(), StoreError> {
        for action in actions {
            store::act(
                conn,
                id,
                &actor,
                *action,
                ok,
                no_change,
                ActionInput::default(),
            )?;
        }
        Ok(())
    };

    // Friskvårdsklubben with Social resursförvaltning: 2015, extended through 2016.
    let mut d = details(
        "IOP Friskvårdsklubben – Social resursförvaltning",
        "Physical activity for people with mental illness, run by the users' own association at the city's activity houses.",
        demo.social_resurs,
        Some(demo.friskvardsklubben),
        vec![District::Centrum, District::NorraHisingen, District::VastraGoteborg, District::Angered],
        "2015-01-01",
        "2015-12-31",
    );
    d.target_groups = vec!["people with mental illness".into()];
    let friskvard = store::insert(
        conn,
        d,
        vec![party(demo.friskvardsklubben, PartyRole::Lead, "2015-01-01")],
        &actor,
    )?
    .partnership
    .id;
    run(conn, friskvard, &[A::StartDialogue, A::Agree, A::Activate])?;
    for (source_unit, source_name, amount_sek) in [
        (
            Some(demo.social_resurs),
            Some("Social resursförvaltning (activity houses)".to_owned()),
            100_000,
        ),
        (None, Some("State PRIO grant".to_owned()), 300_000),
    ] {
        store::add_funding_line(
            conn,
            friskvard,
            &actor,
            ok,
            NewFundingLine {
                source_unit,
                source_name,
                year: 2015,
                amount_sek: sek(amount_sek)?,
            },
        )?;
    }
    for (house, per_week) in [
        ("Hisingen", 1),
        ("Centrum", 1),
        ("Nordost Sekelhuset", 1),
        ("Nordost Gunnared", 2),
        ("Väster", 2),
    ] {
        let commitment = Commitment {
            id: uuid::Uuid::now_v7(),
            organisation: Some(demo.friskvardsklubben),
            unit: None,
            description: format!(
                "{per_week} activit{} per week per term at the {house} activity house",
                if per_week == 1 { "y" } else { "ies" }
            ),
            due_on: None,
            recurrence: Some("weekly during terms".into()),
            status: CommitmentStatus::Met,
            version: 1,
        };
        store::add_commitment(conn, friskvard, ok, commitment)?;
    }
    let extension = ActionInput {
        new_end_date: Some(day("2016-12-31")),
        reason: Some("Extended through 2016".into()),
        ..Default::default()
    };
    store::act(conn, friskvard, &actor, A::Extend, ok, no_change, extension)?;

    // Unaccompanied minors: 7 organisations in spring 2015, 9 by decision of Social resursnämnden.
    let mut d = details(
        "IOP housing for unaccompanied minors",
        "Housing and support for unaccompanied minors, together with organisations that already do the work.",
        demo.social_resurs,
        None,
        vec![District::Centrum, District::Angered, District::OstraGoteborg],
        "2015-04-01",
        "2017-03-31",
    );
    d.target_groups = vec!["unaccompanied minors".into()];
    let first_seven = [3, 7, 8, 9, 2, 5, 10]
        .iter()
        .map(|i| party(orgs[*i], PartyRole::Member, "2015-04-01"))
        .collect();
    let minors = store::insert(conn, d, first_seven, &actor)?.partnership.id;
    run(conn, minors, &[A::StartDialogue, A::Agree, A::Activate])?;
    for i in [11, 12] {
        store::add_party(
            conn,
            minors,
            &actor,
            ok,
            party(orgs[i], PartyRole::Member, "2015-10-01"),
        )?;
    }

    // Reningsborg with SDF Västra Göteborg: the district's first IOP.
    let mut d = details(
        "IOP Reningsborg – SDF Västra Göteborg",
        "Jobs and work training for unemployed young people in Västra Göteborg.",
        demo.vastra_goteborg,
        Some(demo.reningsborg),
        vec![District::VastraGoteborg],
        "2015-03-01",
        "2016-02-29",
    );
    d.target_groups = vec!["unemployed young people".into()];
    let reningsborg = store::insert(
        conn,
        d,
        vec![party(demo.reningsborg, PartyRole::Lead, "2015-03-01")],
        &actor,
    )?
    .partnership
    .id;
    run(
        conn,
        reningsborg,
        &[A::StartDialogue, A::Agree, A::Activate],
    )?;
    store::add_funding_line(
        conn,
        reningsborg,
        &actor,
        ok,
        NewFundingLine {
            source_unit: Some(demo.vastra_goteborg),
            source_name: Some("Garaget, summer 2015 (Tynnered)".into()),
            year: 2015,
            amount_sek: sek(75_000)?,
        },
    )?;

    // What the Idésluss in Lundby led to.
    let mut d = details(
        "Joint leisure activity in Lundby",
        "Passalen and KFUM Göteborg open their activities to children with and without disabilities.",
        lundby,
        Some(orgs[4]),
        vec![District::Lundby],
        "2016-06-01",
        "2017-05-31",
    );
    d.form = PartnershipForm::Dialogue;
    let lundby_collaboration = store::insert(
        conn,
        d,
        vec![
            party(orgs[4], PartyRole::Lead, "2016-06-01"),
            party(orgs[5], PartyRole::Member, "2016-06-01"),
        ],
        &actor,
    )?
    .partnership
    .id;
    run(
        conn,
        lundby_collaboration,
        &[A::StartDialogue, A::Agree, A::Activate],
    )?;
    Ok(lundby_collaboration)
}

/// The grants of DOMAIN.md: the development pot of Västra Göteborg 2015,
/// Reningsborg's 75 000 SEK (decided and paid), Friskvårdsklubben's
/// association grant, one rejection and one awaiting completion.
fn load_grants(
    conn: &mut DbConnection,
    demo: &DemoIds,
    orgs: &[OrganisationId],
) -> Result<(), StoreError> {
    use crate::db::grants::{
        self as store, ActionInput, ApplicationDetails, BudgetLine, Payment, ProgrammeDetails,
        Round,
    };
    use crate::db::Actor;
    use crate::domain::grant::{ApplicationAction as A, DecisionOutcome, ProgrammeStatus};
    use crate::domain::ids::{GrantApplicationId, GrantProgrammeId, GrantRoundId};
    let admin = Actor {
        subject: "demo-loader".into(),
        role: "city_admin",
    };

    let programme = |conn: &mut DbConnection,
                     title: &str,
                     unit,
                     range: (i64, i64),
                     budget_sek,
                     round: (&str, &str, &str, bool)|
     -> Result<(GrantProgrammeId, GrantRoundId), StoreError> {
        let details = ProgrammeDetails {
            title: title.into(),
            description: None,
            owning_unit: unit,
            min_sek: range.0,
            max_sek: range.1,
            eligible_legal_forms: Vec::new(),
            districts: Vec::new(),
            required_documents: Vec::new(),
            multi_year_allowed: false,
            budgets: vec![(2015, budget_sek)],
            external_id: None,
        };
        let p = store::insert_programme(conn, details)?;
        let round_id = GrantRoundId::new();
        let new_round = Round {
            id: round_id,
            name: round.0.into(),
            opens_at: at(round.1),
            deadline: at(round.2),
            accepts_late: round.3,
        };
        store::add_round(conn, p.id, |_| Ok(()), &demo_actor(), new_round)?;
        store::set_programme_status(
            conn,
            p.id,
            None,
            |_| Ok(()),
            &demo_actor(),
            ProgrammeStatus::Open,
        )?;
        Ok((p.id, round_id))
    };
    let pot = programme(
        conn,
        "Utvecklingspotten för samverkan med civilsamhället 2015",
        demo.vastra_goteborg,
        (1_000, 50_000),
        1_500_000,
        ("Round 2", "2015-06-01T00:00", "2015-09-30T23:59", true),
    )?;
    let larger = programme(
        conn,
        "Västra Göteborg collaboration support 2015 (larger projects)",
        demo.vastra_goteborg,
        (50_000, 200_000),
        600_000,
        ("Spring 2015", "2015-01-15T00:00", "2015-04-30T23:59", false),
    )?;
    let association = programme(
        conn,
        "Föreningsbidrag 2015, Social resursförvaltning",
        demo.social_resurs,
        (5_000, 300_000),
        2_000_000,
        ("2015", "2014-10-01T00:00", "2014-11-30T23:59", false),
    )?;

    let apply = |conn: &mut DbConnection,
                 org: OrganisationId,
                 (programme, round): (GrantProgrammeId, GrantRoundId),
                 title: &str,
                 requested_sek: i64,
                 submitted: &str|
     -> Result<GrantApplicationId, StoreError> {
        let details = ApplicationDetails {
            organisation: org,
            programme,
            round,
            title: title.into(),
            purpose: title.into(),
            target_group: None,
            districts: vec![District::VastraGoteborg],
            requested_sek,
            start_date: day("2015-06-01"),
            end_date: day("2015-12-31"),
            budget_lines: vec![BudgetLine {
                description: "As described in the application".into(),
                amount_sek: requested_sek,
            }],
            document_answers: Vec::new(),
            registry_number: None,
            external_id: None,
        };
        let a = store::insert_application(conn, details, &admin)?;
        store::import_submission(conn, a.id, at(submitted), &admin)?;
        Ok(a.id)
    };
    // The demo's decisions are made by an admin with a delegation, after a
    // declaration of no conflict, like any other decision.
    let decider = crate::domain::access::Principal::CityAdmin {
        subject: admin.subject.clone(),
        delegation_limit_sek: Some(crate::domain::money::MAX_SEK),
    };
    let step = |conn: &mut DbConnection, id, action, input: ActionInput| {
        store::act(conn, id, &decider, action, input).map(|_| ())
    };
    let decide = |conn: &mut DbConnection, id, outcome, granted: i64, motivation: &str| {
        step(conn, id, A::StartReview, ActionInput::default())?;
        store::declare_conflict(conn, id, &decider, false, None)?;
        let input = ActionInput {
            decision: Some((outcome, granted, motivation.to_owned())),
            ..Default::default()
        };
        step(conn, id, A::Decide, input)
    };

    // Reningsborg: Garaget, summer 2015 in Tynnered, 75 000 SEK, decided and paid.
    let garaget = apply(
        conn,
        demo.reningsborg,
        larger,
        "Garaget: summer jobs in Tynnered (3 jobs, 10 internships)",
        75_000,
        "2015-04-20T10:00",
    )?;
    decide(
        conn,
        garaget,
        DecisionOutcome::Granted,
        75_000,
        "Jobs and internships for young people in Tynnered, as the programme intends.",
    )?;
    store::pay(
        conn,
        garaget,
        &decider,
        Payment {
            amount_sek: crate::domain::money::Sek::new(75_000)
                .map_err(|m| StoreError::Internal(anyhow::anyhow!(m)))?,
            paid_on: day("2015-06-10"),
        },
    )?;
    // Friskvårdsklubben's association grant.
    let friskvard = apply(
        conn,
        demo.friskvardsklubben,
        association,
        "Föreningsbidrag 2015: activities for members",
        120_000,
        "2014-11-20T09:00",
    )?;
    decide(
        conn,
        friskvard,
        DecisionOutcome::Granted,
        120_000,
        "The association meets the conditions for the grant.",
    )?;
    // Draknästet-style idea to the development pot: decided.
    let relations = apply(
        conn,
        orgs[6],
        pot,
        "Relationer över generation: single parents meet seniors",
        30_000,
        "2015-09-25T15:00",
    )?;
    decide(
        conn,
        relations,
        DecisionOutcome::PartlyGranted,
        20_000,
        "A good, user-driven idea; premises are available free of charge.",
    )?;
    // One rejected.
    let rejected = apply(
        conn,
        orgs[5],
        pot,
        "Football shirts for the youth team",
        15_000,
        "2015-09-28T12:00",
    )?;
    decide(conn, rejected, DecisionOutcome::Rejected, 0, "Equipment for a regular activity falls outside the development pot; apply for an association grant.")?;
    step(conn, rejected, A::Close, ActionInput::default())?;
    // One awaiting completion.
    let waiting = apply(
        conn,
        orgs[4],
        pot,
        "Passalen: summer activities in Västra Göteborg",
        40_000,
        "2015-09-30T20:00",
    )?;
    step(conn, waiting, A::StartReview, ActionInput::default())?;
    step(
        conn,
        waiting,
        A::RequestCompletion,
        ActionInput {
            message: Some(
                "Please add how many children take part and the budget for transport.".into(),
            ),
            ..Default::default()
        },
    )?;
    Ok(())
}
