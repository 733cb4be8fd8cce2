//! A committed change of a resource, as integrating systems learn of it
//! (the outbox behind the change feed and webhooks): which resource, what
//! happened to it, and who may know. A change of a case that also adds a
//! part to it (a payment, a round, a conflict declaration) is one change of
//! the case, named by its action (`pay`, `add_round`, `declare_conflict`).

use super::access::Principal;
use super::ids::OrganisationId;

text_enum!(
    /// The kind of resource a change is about.
    ResourceType {
        CityUnit => "city_unit",
        Organisation => "organisation",
        Partnership => "partnership",
        PartnershipParty => "partnership_party",
        PartnershipFundingLine => "partnership_funding_line",
        PartnershipInKind => "partnership_in_kind",
        PartnershipCommitment => "partnership_commitment",
        PartnershipFollowUp => "partnership_follow_up",
        GrantProgramme => "grant_programme",
        GrantApplication => "grant_application",
        GrantReview => "grant_review",
        DialogueEvent => "dialogue_event",
        DialogueInvitation => "dialogue_invitation",
        DialogueRegistration => "dialogue_registration",
        DialogueAttendance => "dialogue_attendance",
        DialogueMinutes => "dialogue_minutes",
        DialogueMinutesContribution => "dialogue_minutes_contribution",
        DialogueOutcome => "dialogue_outcome",
    }
);

text_enum!(
    /// How a change came: one request to the API, or a row of an import.
    Via {
        Api => "api",
        Import => "import",
    }
);

/// What happened: `created`, `updated`, `deleted`, or the name of the state
/// action taken (`submit`, `decide`, `publish`, ...).
pub const CREATED: &str = "created";
pub const UPDATED: &str = "updated";
pub const DELETED: &str = "deleted";

/// Who may learn of a change: decided when it is made, by the resource's own
/// read rule, so the feed shows each caller exactly what its reads would.
/// The city (staff, admins, integrations) reads every case, so it is always
/// in the audience.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Audience {
    /// Anyone, without a token.
    pub public: bool,
    /// Members of these organisations (besides the city).
    pub organisations: Vec<OrganisationId>,
}

impl Audience {
    /// Anyone may know.
    pub fn public() -> Self {
        Audience {
            public: true,
            organisations: Vec::new(),
        }
    }

    /// Only the city may know (internal notes, reviews, planned events).
    pub fn city() -> Self {
        Audience::default()
    }

    /// The audience a read rule gives: public when an anonymous caller may
    /// read the resource, else each of `candidates` (the organisations the
    /// resource names) whose members may.
    pub fn by_rule(
        candidates: impl IntoIterator<Item = OrganisationId>,
        may_read: impl Fn(&Principal) -> bool,
    ) -> Self {
        if may_read(&Principal::Anonymous) {
            return Audience::public();
        }
        let mut organisations: Vec<OrganisationId> = candidates
            .into_iter()
            .filter(|&organisation| {
                may_read(&Principal::Partner {
                    subject: String::new(),
                    organisation,
                })
            })
            .collect();
        organisations.sort();
        organisations.dedup();
        Audience {
            public: false,
            organisations,
        }
    }

    /// Whether this caller may learn of the change.
    pub fn admits(&self, principal: &Principal) -> bool {
        match principal {
            Principal::Anonymous => self.public,
            Principal::Partner { organisation, .. } => {
                self.public || self.organisations.contains(organisation)
            }
            Principal::CityStaff { .. }
            | Principal::CityAdmin { .. }
            | Principal::Integration { .. } => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::CityUnitId;

    #[test]
    fn an_audience_follows_the_read_rule_and_admits_the_city_always() {
        let (own, other) = (OrganisationId::new(), OrganisationId::new());
        let partner = |organisation| Principal::Partner {
            subject: "p".into(),
            organisation,
        };
        let staff = Principal::CityStaff {
            subject: "s".into(),
            unit: CityUnitId::new(),
            delegation_limit_sek: None,
        };
        // A draft of `own`: its members and the city.
        let draft = Audience::by_rule([own, other], |p| p.is_member_of(own) || p.is_city());
        assert_eq!(draft.organisations, vec![own]);
        //                 anonymous  own    other  staff
        for (audience, expected) in [
            (&draft, [false, true, false, true]),
            (&Audience::public(), [true, true, true, true]),
            (&Audience::city(), [false, false, false, true]),
            (
                &Audience::by_rule([own], |_| true),
                [true, true, true, true],
            ),
        ] {
            let callers = [
                &Principal::Anonymous,
                &partner(own),
                &partner(other),
                &staff,
            ];
            for (caller, allowed) in callers.iter().zip(expected) {
                assert_eq!(
                    audience.admits(caller),
                    allowed,
                    "{audience:?} / {caller:?}"
                );
            }
        }
    }
}
