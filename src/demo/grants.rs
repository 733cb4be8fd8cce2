//! The grant programmes and applications of the demo.

use super::{at, day, demo_actor, DemoIds};
use crate::db::{DbConnection, StoreError};
use crate::domain::district::District;
use crate::domain::ids::{GrantProgrammeId, GrantRoundId, OrganisationId};
use crate::domain::money::Sek;

/// A demo amount, in range as written.
fn sek(kronor: i64) -> Sek {
    Sek::new(kronor).expect("demo amounts are in range")
}

/// This year's development pot: open, a round open now, budgets for this
/// year and the next, so that an application made today can be decided.
pub(super) fn load_current_programme(
    conn: &mut DbConnection,
    demo: &DemoIds,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(GrantProgrammeId, GrantRoundId), StoreError> {
    use crate::db::grants as store;
    use crate::domain::grant::{ProgrammeAction, ProgrammeDetails, Round};
    let details = ProgrammeDetails {
        title: format!(
            "Utvecklingspotten för samverkan med civilsamhället {}",
            demo.year
        ),
        description: Some(
            "Small grants for new collaborations between the district and civil society.".into(),
        ),
        owning_unit: demo.vastra_goteborg,
        min_sek: sek(1_000),
        max_sek: sek(50_000),
        eligible_legal_forms: Vec::new(),
        districts: Vec::new(),
        required_documents: Vec::new(),
        multi_year_allowed: false,
        budgets: vec![(demo.year, sek(1_500_000)), (demo.year + 1, sek(1_500_000))],
        external_id: None,
    };
    let round = Round {
        id: GrantRoundId::new(),
        name: format!("Open round {}", demo.year),
        opens_at: now - chrono::Duration::days(30),
        deadline: now + chrono::Duration::days(60),
        accepts_late: true,
    };
    let round_id = round.id;
    let programme = store::insert_programme(conn, details, vec![round], &demo_actor())?;
    store::set_programme_status(
        conn,
        programme.id,
        None,
        |_| Ok(()),
        &demo_actor(),
        ProgrammeAction::Open,
    )?;
    Ok((programme.id, round_id))
}

/// The grants of DOMAIN.md: the development pot of Västra Göteborg 2015,
/// Reningsborg's 75 000 SEK (decided and paid), Friskvårdsklubben's
/// association grant, one rejection and one awaiting completion.
pub(super) fn load_grants(
    conn: &mut DbConnection,
    demo: &DemoIds,
    orgs: &[OrganisationId],
) -> Result<(), StoreError> {
    use crate::db::grants::{self as store, ActionInput};
    use crate::domain::grant::{
        ApplicationAction as A, ApplicationDetails, BudgetLine, DecisionOutcome, NewDecision,
        Payment, ProgrammeAction, ProgrammeDetails, Round,
    };
    use crate::domain::ids::{GrantApplicationId, GrantProgrammeId, GrantRoundId};
    let admin = demo_actor();

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
            min_sek: sek(range.0),
            max_sek: sek(range.1),
            eligible_legal_forms: Vec::new(),
            districts: Vec::new(),
            required_documents: Vec::new(),
            multi_year_allowed: false,
            budgets: vec![(2015, sek(budget_sek))],
            external_id: None,
        };
        let round_id = GrantRoundId::new();
        let new_round = Round {
            id: round_id,
            name: round.0.into(),
            opens_at: at(round.1),
            deadline: at(round.2),
            accepts_late: round.3,
        };
        let p = store::insert_programme(conn, details, vec![new_round], &demo_actor())?;
        store::set_programme_status(
            conn,
            p.id,
            None,
            |_| Ok(()),
            &demo_actor(),
            ProgrammeAction::Open,
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
            requested_sek: sek(requested_sek),
            start_date: day("2015-06-01"),
            end_date: day("2015-12-31"),
            budget_lines: vec![BudgetLine {
                description: "As described in the application".into(),
                amount_sek: sek(requested_sek),
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
            decision: Some(NewDecision {
                outcome,
                granted_sek: sek(granted),
                motivation: motivation.to_owned(),
            }),
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
            id: uuid::Uuid::now_v7(),
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
