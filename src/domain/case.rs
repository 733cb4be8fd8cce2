//! An organisation's cases: everything it is party to (partnerships, grant
//! applications, registrations for dialogue events), so that it can "follow
//! the handling of the cases that concern it". Which of them a caller sees,
//! and whether it sees their history, is each kind's own read rule.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::access::{can, Action, Principal};
use super::dialogue::{EventStatus, RegistrationStatus};
use super::grant::{sees_whole_application, ApplicationStatus};
use super::ids::OrganisationId;
use super::partnership::{is_party_by, visible_by, PartnershipStatus, Party};

text_enum!(
    /// What kind of case: a partnership the organisation is party to (or
    /// proposed, or is invited to), a grant application of the
    /// organisation, or its registration for a dialogue event.
    CaseKind {
        Partnership => "partnership",
        GrantApplication => "grant_application",
        DialogueRegistration => "dialogue_registration",
    }
);

/// The latest entry of a case's history: when, and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestEntry {
    pub at: DateTime<Utc>,
    /// The history's own word for it (a partnership's `change`, an
    /// application's `action`; a registration's status).
    pub action: String,
    /// The state the case was left in, when the entry changed it.
    pub to_status: Option<String>,
}

/// Where a case stands, in its own kind's states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStatus {
    Partnership(PartnershipStatus),
    GrantApplication(ApplicationStatus),
    DialogueRegistration(RegistrationStatus),
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Partnership(s) => s.as_str(),
            CaseStatus::GrantApplication(s) => s.as_str(),
            CaseStatus::DialogueRegistration(s) => s.as_str(),
        }
    }
}

/// A partnership that names the organisation, as the store finds it.
#[derive(Debug, Clone)]
pub struct PartnershipCase {
    pub id: Uuid,
    pub title: String,
    pub status: PartnershipStatus,
    pub initiating_organisation: Option<OrganisationId>,
    pub parties: Vec<Party>,
    pub created_at: DateTime<Utc>,
    pub latest: Option<LatestEntry>,
}

/// An application of the organisation, as the store finds it.
#[derive(Debug, Clone)]
pub struct ApplicationCase {
    pub id: Uuid,
    pub title: String,
    pub status: ApplicationStatus,
    pub created_at: DateTime<Utc>,
    pub latest: Option<LatestEntry>,
}

/// A registration of the organisation for an event, as the store finds it.
#[derive(Debug, Clone)]
pub struct RegistrationCase {
    pub id: Uuid,
    pub event_id: Uuid,
    /// The event's title.
    pub title: String,
    pub event_status: EventStatus,
    pub status: RegistrationStatus,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the store finds of an organisation's cases, before anyone's read
/// rule is applied.
#[derive(Debug, Clone, Default)]
pub struct CaseRecords {
    pub partnerships: Vec<PartnershipCase>,
    pub applications: Vec<ApplicationCase>,
    pub registrations: Vec<RegistrationCase>,
}

/// One case as a caller may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub kind: CaseKind,
    pub id: Uuid,
    /// The event's id, for a registration (its address names both).
    pub event_id: Option<Uuid>,
    pub title: String,
    pub status: CaseStatus,
    pub created_at: DateTime<Utc>,
    /// `None` when the case has no history yet, or the caller may not
    /// follow it (an invited organisation, or one that has left).
    pub latest: Option<LatestEntry>,
}

/// The cases of `organisation` that `principal` may read, oldest first
/// (ties by id): each kind's own read rule decides, the same rule as its
/// own `GET`. A partnership's history is shown only to those who may follow
/// it (the city and current parties: `FollowPartnership`); an application's
/// only to the city and the applicant (`sees_whole_application`); a
/// registration's "history" is its status and when it last changed
/// (registrations keep no history of their own). A registration for an
/// event still planned is shown to the city only.
pub fn visible_cases(
    principal: &Principal,
    organisation: OrganisationId,
    records: CaseRecords,
) -> Vec<Case> {
    let mut cases = Vec::new();
    for p in records.partnerships {
        if !visible_by(principal, p.status, p.initiating_organisation, &p.parties) {
            continue;
        }
        let party = is_party_by(principal, p.initiating_organisation, &p.parties);
        let follows = can(principal, Action::FollowPartnership { party });
        cases.push(Case {
            kind: CaseKind::Partnership,
            id: p.id,
            event_id: None,
            title: p.title,
            status: CaseStatus::Partnership(p.status),
            created_at: p.created_at,
            latest: p.latest.filter(|_| follows),
        });
    }
    for a in records.applications {
        if !sees_whole_application(principal, organisation) {
            continue;
        }
        cases.push(Case {
            kind: CaseKind::GrantApplication,
            id: a.id,
            event_id: None,
            title: a.title,
            status: CaseStatus::GrantApplication(a.status),
            created_at: a.created_at,
            latest: a.latest,
        });
    }
    for r in records.registrations {
        if !(r.event_status.is_public() || principal.is_city())
            || !can(principal, Action::ReadRegistrationDetails(organisation))
        {
            continue;
        }
        cases.push(Case {
            kind: CaseKind::DialogueRegistration,
            id: r.id,
            event_id: Some(r.event_id),
            title: r.title,
            status: CaseStatus::DialogueRegistration(r.status),
            created_at: r.registered_at,
            latest: Some(LatestEntry {
                at: r.updated_at,
                action: r.status.as_str().to_owned(),
                to_status: Some(r.status.as_str().to_owned()),
            }),
        });
    }
    cases.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    cases
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::CityUnitId;
    use crate::domain::partnership::{PartyRole, PartyStatus};
    use chrono::{NaiveDate, TimeZone};

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, day, 9, 0, 0).unwrap()
    }

    fn party(org: OrganisationId, status: PartyStatus, left: bool) -> Party {
        Party {
            organisation_id: org,
            role: PartyRole::Member,
            joined_on: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            left_on: left.then(|| NaiveDate::from_ymd_opt(2027, 2, 1).unwrap()),
            status,
        }
    }

    fn entry(day: u32, action: &str) -> Option<LatestEntry> {
        Some(LatestEntry {
            at: at(day),
            action: action.into(),
            to_status: Some(action.into()),
        })
    }

    /// Partnerships in every relation to `own`: party, invited, left
    /// (public and not), and proposed by it.
    fn records(own: OrganisationId) -> CaseRecords {
        let partnership = |day, status, parties: Vec<Party>, initiator| PartnershipCase {
            id: Uuid::from_u128(day as u128),
            title: format!("IOP {day}"),
            status,
            initiating_organisation: initiator,
            parties,
            created_at: at(day),
            latest: entry(day, "created"),
        };
        CaseRecords {
            partnerships: vec![
                partnership(
                    1,
                    PartnershipStatus::Active,
                    vec![party(own, PartyStatus::Active, false)],
                    None,
                ),
                partnership(
                    2,
                    PartnershipStatus::Proposal,
                    vec![party(own, PartyStatus::Invited, false)],
                    Some(OrganisationId::new()),
                ),
                partnership(
                    3,
                    PartnershipStatus::InDialogue,
                    vec![party(own, PartyStatus::Active, true)],
                    None,
                ),
                partnership(
                    4,
                    PartnershipStatus::Concluded,
                    vec![party(own, PartyStatus::Active, true)],
                    None,
                ),
                partnership(5, PartnershipStatus::Proposal, vec![], Some(own)),
            ],
            applications: vec![ApplicationCase {
                id: Uuid::from_u128(6),
                title: "Garaget".into(),
                status: ApplicationStatus::Draft,
                created_at: at(6),
                latest: None,
            }],
            registrations: vec![
                RegistrationCase {
                    id: Uuid::from_u128(7),
                    event_id: Uuid::from_u128(70),
                    title: "Idésluss".into(),
                    event_status: EventStatus::Published,
                    status: RegistrationStatus::Waitlisted,
                    registered_at: at(7),
                    updated_at: at(8),
                },
                RegistrationCase {
                    id: Uuid::from_u128(9),
                    event_id: Uuid::from_u128(90),
                    title: "Planned again".into(),
                    event_status: EventStatus::Planned,
                    status: RegistrationStatus::Registered,
                    registered_at: at(9),
                    updated_at: at(9),
                },
            ],
        }
    }

    /// (title, history shown) of what each caller sees.
    fn seen(principal: &Principal, own: OrganisationId) -> Vec<(String, bool)> {
        visible_cases(principal, own, records(own))
            .into_iter()
            .map(|c| (c.title, c.latest.is_some()))
            .collect()
    }

    #[test]
    fn each_caller_sees_what_each_kind_lets_it_read() {
        let own = OrganisationId::new();
        let member = Principal::Partner {
            subject: "p".into(),
            organisation: own,
        };
        let staff = Principal::CityStaff {
            subject: "s".into(),
            unit: CityUnitId::new(),
            delegation_limit_sek: None,
        };
        let s = |t: &str, h: bool| (t.to_owned(), h);
        // The member: its partnership with history, the invitation without,
        // the public one it left without, not the non-public one it left;
        // its own proposal and draft; the registration for a public event.
        assert_eq!(
            seen(&member, own),
            vec![
                s("IOP 1", true),
                s("IOP 2", false),
                s("IOP 4", false),
                s("IOP 5", true),
                s("Garaget", false),
                s("Idésluss", true),
            ]
        );
        // The city sees everything, with every history.
        assert_eq!(
            seen(&staff, own),
            vec![
                s("IOP 1", true),
                s("IOP 2", true),
                s("IOP 3", true),
                s("IOP 4", true),
                s("IOP 5", true),
                s("Garaget", false),
                s("Idésluss", true),
                s("Planned again", true),
            ]
        );
        // Another organisation's member (refused before this is asked)
        // would see only what is public, without history.
        let other = Principal::Partner {
            subject: "q".into(),
            organisation: OrganisationId::new(),
        };
        assert_eq!(
            seen(&other, own),
            vec![s("IOP 1", false), s("IOP 4", false)]
        );
    }

    #[test]
    fn a_registrations_latest_entry_is_its_status_when_it_last_changed() {
        let own = OrganisationId::new();
        let member = Principal::Partner {
            subject: "p".into(),
            organisation: own,
        };
        let cases = visible_cases(&member, own, records(own));
        let registration = cases
            .iter()
            .find(|c| c.kind == CaseKind::DialogueRegistration)
            .unwrap();
        assert_eq!(registration.latest, entry(8, "waitlisted"));
        assert_eq!(registration.created_at, at(7));
        assert_eq!(registration.event_id, Some(Uuid::from_u128(70)));
    }
}
