//! Table tests of the partnership rules: every state and action, every caller.

use super::*;
use PartnershipAction as A;
use PartnershipStatus as S;

#[test]
fn each_caller_is_offered_only_the_actions_it_may_take() {
    let unit = CityUnitId(uuid::Uuid::now_v7());
    let other_unit = CityUnitId(uuid::Uuid::now_v7());
    let a = OrganisationId(uuid::Uuid::now_v7());
    let b = OrganisationId(uuid::Uuid::now_v7());
    let staff = |u| Principal::CityStaff {
        subject: "s".into(),
        unit: u,
        delegation_limit_sek: None,
    };
    let partner = |o| Principal::Partner {
        subject: "p".into(),
        organisation: o,
    };
    let admin = Principal::CityAdmin {
        subject: "a".into(),
        delegation_limit_sek: None,
    };
    let all_of_proposal = vec![A::StartDialogue, A::Withdraw, A::Decline];
    type Case = (&'static str, Principal, S, Option<OrganisationId>, Vec<A>);
    let cases: Vec<Case> = vec![
        (
            "initiator on its proposal",
            partner(a),
            S::Proposal,
            Some(a),
            vec![A::Withdraw],
        ),
        (
            "initiator in dialogue",
            partner(a),
            S::InDialogue,
            Some(a),
            vec![A::Withdraw],
        ),
        ("initiator, active", partner(a), S::Active, Some(a), vec![]),
        (
            "another organisation",
            partner(b),
            S::Proposal,
            Some(a),
            vec![],
        ),
        (
            "a party, city's proposal",
            partner(a),
            S::Proposal,
            None,
            vec![],
        ),
        (
            "responsible staff",
            staff(unit),
            S::Proposal,
            Some(a),
            all_of_proposal.clone(),
        ),
        (
            "responsible staff, active",
            staff(unit),
            S::Active,
            None,
            S::Active.allowed_actions(),
        ),
        (
            "staff of another unit",
            staff(other_unit),
            S::Proposal,
            Some(a),
            vec![],
        ),
        (
            "staff of another unit, active",
            staff(other_unit),
            S::Active,
            None,
            vec![],
        ),
        ("admin", admin.clone(), S::Proposal, None, all_of_proposal),
        ("admin, concluded", admin, S::Concluded, None, vec![]),
        ("anonymous", Principal::Anonymous, S::Active, None, vec![]),
    ];
    for (case, principal, status, initiator, expected) in cases {
        assert_eq!(
            status.actions_for(&principal, unit, initiator),
            expected,
            "{case}"
        );
    }
}

#[test]
fn every_state_and_action() {
    // Rows: states; columns: actions in declaration order.
    let next: [(S, [Option<S>; 9]); 8] = [
        (
            S::Proposal,
            [
                Some(S::InDialogue),
                None,
                None,
                None,
                None,
                None,
                None,
                Some(S::Withdrawn),
                Some(S::Declined),
            ],
        ),
        (
            S::InDialogue,
            [
                None,
                Some(S::Agreed),
                None,
                None,
                None,
                None,
                None,
                Some(S::Withdrawn),
                Some(S::Declined),
            ],
        ),
        (
            S::Agreed,
            [
                None,
                None,
                Some(S::Active),
                None,
                None,
                None,
                None,
                None,
                None,
            ],
        ),
        (
            S::Active,
            [
                None,
                None,
                None,
                Some(S::Active),
                Some(S::Active),
                Some(S::Terminated),
                Some(S::Concluded),
                None,
                None,
            ],
        ),
        (S::Concluded, [None; 9]),
        (S::Terminated, [None; 9]),
        (S::Withdrawn, [None; 9]),
        (S::Declined, [None; 9]),
    ];
    assert_eq!(A::ALL.len(), 9);
    assert_eq!(S::ALL.len(), next.len());
    for (state, row) in next {
        for (action, expected) in A::ALL.iter().zip(row) {
            assert_eq!(state.after(*action), expected, "{state} + {action}");
        }
    }
}

#[test]
fn totals_per_year_and_source() {
    let line = |source: &str, year, amount_sek| FundingLine {
        id: uuid::Uuid::nil(),
        source_unit: None,
        source_name: source.into(),
        year,
        amount_sek: Sek::positive(amount_sek).unwrap(),
    };
    let totals = funding_totals(&[
        line("Activity houses", 2015, 100_000),
        line("State PRIO grant", 2015, 300_000),
        line("Activity houses", 2016, 100_000),
    ])
    .unwrap();
    assert_eq!(totals.total_sek, 500_000);
    assert_eq!(totals.by_year[&2015], 400_000);
    assert_eq!(totals.by_source["Activity houses"], 200_000);
}

#[test]
fn totals_of_the_largest_amounts_do_not_overflow() {
    let line = |year| FundingLine {
        id: uuid::Uuid::nil(),
        source_unit: None,
        source_name: "State".into(),
        year,
        amount_sek: Sek::positive(crate::domain::money::MAX_SEK).unwrap(),
    };
    let totals = funding_totals(&[line(2015), line(2015), line(2016)]).unwrap();
    assert_eq!(totals.total_sek, 3 * crate::domain::money::MAX_SEK);
    assert_eq!(totals.by_year[&2015], 2 * crate::domain::money::MAX_SEK);
    assert!(totals.total_sek > 0);
    assert_eq!(
        in_kind_total([None, Sek::new(5).ok(), Sek::new(0).ok()]),
        Ok(5)
    );
}

fn partner(org: OrganisationId) -> Principal {
    Principal::Partner {
        subject: "p".into(),
        organisation: org,
    }
}

fn staff(unit: CityUnitId) -> Principal {
    Principal::CityStaff {
        subject: "s".into(),
        unit,
        delegation_limit_sek: None,
    }
}

fn proposal(initiator: OrganisationId, unit: CityUnitId) -> Partnership {
    let day = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    Partnership {
        id: PartnershipId::new(),
        details: PartnershipDetails {
            title: "Walks".into(),
            purpose: "Weekly walks".into(),
            form: PartnershipForm::Iop,
            responsible_unit: unit,
            contact_name: None,
            contact_email: None,
            initiated_by: Initiator::Organisation,
            initiating_organisation: Some(initiator),
            target_groups: vec![],
            districts: vec![],
            start_date: day,
            end_date: day,
            registry_number: None,
            internal_notes: None,
            external_id: None,
        },
        status: PartnershipStatus::Proposal,
        version: 1,
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
    }
}

fn named(org: OrganisationId, status: PartyStatus) -> Party {
    Party {
        organisation_id: org,
        role: PartyRole::Lead,
        joined_on: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        left_on: None,
        status,
    }
}

#[test]
fn an_organisation_named_by_another_is_only_invited() {
    let (a, b, c) = (
        OrganisationId::new(),
        OrganisationId::new(),
        OrganisationId::new(),
    );
    let unit = CityUnitId::new();
    assert_eq!(status_when_named(&partner(b), b), PartyStatus::Active);
    assert_eq!(status_when_named(&partner(b), a), PartyStatus::Invited);
    assert_eq!(status_when_named(&staff(unit), a), PartyStatus::Active);
    let p = proposal(b, unit);
    let parties = [
        named(b, PartyStatus::Active),
        named(a, PartyStatus::Invited),
    ];
    // A sees the proposal as an invitation: visible, not a party, and
    // shown its own invitation; C sees nothing.
    assert!(visible_to(&partner(a), &p, &parties));
    assert!(!is_party(&partner(a), &p, &parties));
    assert!(is_invited(&partner(a), &parties));
    assert!(!visible_to(&partner(c), &p, &parties));
    assert!(party_shown_to(&partner(a), &p, &parties, &parties[1]));
    // Once public, others see only the organisations that accepted.
    let mut public = p.clone();
    public.status = PartnershipStatus::Active;
    assert!(!party_shown_to(&partner(c), &public, &parties, &parties[1]));
    assert!(party_shown_to(&partner(c), &public, &parties, &parties[0]));
    assert!(party_shown_to(
        &Principal::Anonymous,
        &public,
        &parties,
        &parties[0]
    ));
    assert!(!party_shown_to(
        &Principal::Anonymous,
        &public,
        &parties,
        &parties[1]
    ));
    assert!(party_shown_to(&staff(unit), &public, &parties, &parties[1]));
    assert!(party_shown_to(&partner(b), &public, &parties, &parties[1]));
}

#[test]
fn only_the_invited_organisation_answers() {
    let (a, b, c) = (
        OrganisationId::new(),
        OrganisationId::new(),
        OrganisationId::new(),
    );
    let unit = CityUnitId::new();
    let p = proposal(b, unit);
    let parties = [
        named(b, PartyStatus::Active),
        named(a, PartyStatus::Invited),
    ];
    let answer = |who: &Principal, org| check_invitation_answer(who, &p, &parties, org);
    assert_eq!(answer(&partner(a), a), Ok(()));
    assert_eq!(answer(&partner(c), a), Err(InvitationRefusal::NotFound));
    assert_eq!(answer(&partner(b), a), Err(InvitationRefusal::NotFound));
    assert_eq!(answer(&partner(b), b), Err(InvitationRefusal::NotInvited));
    assert_eq!(answer(&partner(a), c), Err(InvitationRefusal::NotFound));
    assert!(matches!(
        answer(&staff(unit), a),
        Err(InvitationRefusal::Refused(Refusal::Forbidden(_)))
    ));
    assert!(matches!(
        answer(
            &Principal::CityAdmin {
                subject: "x".into(),
                delegation_limit_sek: None,
            },
            a
        ),
        Err(InvitationRefusal::Refused(Refusal::Forbidden(_)))
    ));
}

#[test]
fn who_adds_parties_and_acts_as_a_party() {
    let (a, b) = (OrganisationId::new(), OrganisationId::new());
    let unit = CityUnitId::new();
    let mut p = proposal(b, unit);
    let parties = [
        named(b, PartyStatus::Active),
        named(a, PartyStatus::Invited),
    ];
    assert_eq!(may_add_party(&partner(b), &p), Ok(()));
    assert!(may_add_party(&partner(a), &p).is_err());
    assert_eq!(may_add_party(&staff(unit), &p), Ok(()));
    assert!(may_add_party(&staff(CityUnitId::new()), &p).is_err());
    p.status = PartnershipStatus::InDialogue;
    assert!(may_add_party(&partner(b), &p).is_err());
    // An invited organisation records nothing as a party.
    assert!(may_record_in_kind(&partner(a), &p, &parties, Some(a)).is_err());
    assert_eq!(
        may_record_in_kind(&partner(b), &p, &parties, Some(b)),
        Ok(())
    );
    assert!(may_file_follow_up(&partner(a), &p, &parties, FollowUpKind::Report, Some(a)).is_err());
    assert_eq!(
        may_file_follow_up(&partner(b), &p, &parties, FollowUpKind::Report, Some(b)),
        Ok(())
    );
    assert!(may_file_follow_up(&partner(b), &p, &parties, FollowUpKind::Meeting, Some(b)).is_err());
}

#[test]
fn ratings_are_the_organisations_own() {
    let a = OrganisationId::new();
    let voice = |organisation, perceived_reception, effects| FollowUpVoice {
        organisation,
        perceived_reception,
        effects,
    };
    let fields = |who: &Principal, v| -> Vec<String> {
        check_follow_up_voice(who, v)
            .into_iter()
            .map(|e| e.field)
            .collect()
    };
    let city = staff(CityUnitId::new());
    assert!(fields(&city, voice(None, false, false)).is_empty());
    assert_eq!(
        fields(&city, voice(Some(a), true, true)),
        ["organisation_id", "perceived_reception", "effects"]
    );
    assert_eq!(
        fields(&city, voice(None, true, false)),
        ["perceived_reception"]
    );
    assert!(fields(&partner(a), voice(Some(a), true, true)).is_empty());
    assert_eq!(
        fields(&partner(a), voice(None, true, false)),
        ["organisation_id"]
    );
}

#[test]
fn who_changes_which_fields_of_a_partnership() {
    let unit = CityUnitId(uuid::Uuid::now_v7());
    let a = OrganisationId(uuid::Uuid::now_v7());
    let b = OrganisationId(uuid::Uuid::now_v7());
    let other_staff = staff(CityUnitId(uuid::Uuid::now_v7()));
    let forbidden = |r: Result<(), ChangeRefusal>| {
        matches!(r, Err(ChangeRefusal::Refused(Refusal::Forbidden(_))))
    };
    let proposal = proposal(a, unit);
    let mut active = proposal.clone();
    active.status = PartnershipStatus::Active;
    // (who, partnership, organisation fields only, touches period) -> outcome
    assert_eq!(may_change(&staff(unit), &proposal, false, true), Ok(()));
    assert_eq!(may_change(&staff(unit), &active, false, false), Ok(()));
    assert_eq!(
        may_change(&staff(unit), &active, false, true),
        Err(ChangeRefusal::UseExtend)
    );
    assert_eq!(may_change(&partner(a), &proposal, true, true), Ok(()));
    assert!(forbidden(may_change(&partner(a), &proposal, false, false)));
    assert!(forbidden(may_change(&partner(a), &active, true, false)));
    assert!(forbidden(may_change(&partner(b), &proposal, true, false)));
    assert!(forbidden(may_change(&other_staff, &proposal, false, false)));
    assert_eq!(
        may_change(&Principal::Anonymous, &proposal, true, false),
        Err(ChangeRefusal::Refused(Refusal::Unauthenticated))
    );
}
