//! The dialogue events of the demo.

use super::{at, demo_actor, DemoIds};
use crate::db::dialogue_events::{self, Attendance, OutcomeValues};
use crate::db::{DbConnection, StoreError};
use crate::domain::dialogue::{
    DialogueEvent, DialogueEventKind, EventAction, EventDetails, EventFormat, OutcomeStatus,
    ParticipationLevel,
};
use crate::domain::district::District;
use crate::domain::ids::{CityUnitId, DialogueEventId, OrganisationId, PartnershipId};

/// Two published Idésluss meetings of SDF Lundby around today: one two weeks
/// ahead (registrations open), one that ended a week ago and waits to be
/// marked held.
pub(super) fn load_current_events(
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
        let date = crate::domain::local_time::date_of(now + chrono::Duration::days(days));
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
        let event = dialogue_events::insert(conn, details, &demo_actor())?;
        dialogue_events::transition(
            conn,
            event.id,
            None,
            &demo_actor(),
            ok,
            EventAction::Publish,
            None,
        )?;
        ids.push(event.id);
    }
    Ok((ids[0], ids[1]))
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
pub(super) fn load_dialogue_events(
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
        let event = dialogue_events::insert(conn, details, &demo_actor())?;
        dialogue_events::transition(
            conn,
            event.id,
            None,
            &demo_actor(),
            ok,
            EventAction::Publish,
            None,
        )?;
        dialogue_events::transition(
            conn,
            event.id,
            None,
            &demo_actor(),
            ok,
            EventAction::MarkHeld,
            None,
        )?;
        let record = Attendance {
            organisations: m.came.iter().map(|(i, n)| (orgs[*i], *n)).collect(),
            walk_ins: m.walk_ins,
        };
        dialogue_events::record_attendance(conn, event.id, &demo_actor(), ok, record)?;
        dialogue_events::write_minutes(conn, event.id, None, &demo_actor(), ok, m.minutes.into())?;
        for (description, owner) in m.outcomes {
            let values = OutcomeValues {
                description: (*description).into(),
                owner: (*owner).into(),
                status: OutcomeStatus::Realised,
                // The first collaboration became a partnership; the second needed none.
                partnership_id: (owner == &"Passalen").then_some(lundby_collaboration.0),
                grant_application_id: None,
            };
            dialogue_events::add_outcome(conn, event.id, &demo_actor(), ok, values)?;
        }
    }
    Ok(())
}
