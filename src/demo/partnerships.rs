//! The partnerships of the demo.

use super::{day, DemoIds};
use crate::db::{DbConnection, StoreError};
use crate::domain::district::District;
use crate::domain::ids::{CityUnitId, OrganisationId, PartnershipId};

/// The partnerships of DOMAIN.md; returns the Lundby collaboration that came
/// out of the Idésluss meetings.
pub(super) fn load_partnerships(
    conn: &mut DbConnection,
    demo: &DemoIds,
    lundby: CityUnitId,
    orgs: &[OrganisationId],
) -> Result<PartnershipId, StoreError> {
    use crate::db::partnerships::{self as store, ActionInput, Commitment, NewFundingLine};
    use crate::domain::partnership::{
        CommitmentStatus, Initiator, PartnershipAction as A, PartnershipDetails, PartnershipForm,
        Party, PartyRole, PartyStatus,
    };
    let sek = |kronor| {
        crate::domain::money::Sek::positive(kronor)
            .map_err(|why| StoreError::Internal(anyhow::anyhow!("demo amount: {why}")))
    };
    let actor = super::demo_actor();
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
        store::add_commitment(conn, friskvard, &actor, ok, commitment)?;
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
