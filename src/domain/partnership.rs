//! Partnerships (samverkan): most often an IOP, idéburet offentligt
//! partnerskap. A city unit and one or more organisations agree to work
//! together; money, premises and time come from every side.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::district::District;
use super::ids::{CityUnitId, OrganisationId, PartnershipId};

text_enum!(
    /// The collaboration form.
    PartnershipForm {
        /// Idéburet offentligt partnerskap.
        Iop => "iop",
        /// Föreningsbidrag.
        AssociationGrant => "association_grant",
        /// Direktupphandling.
        DirectProcurement => "direct_procurement",
        Procurement => "procurement",
        Dialogue => "dialogue",
        Other => "other",
    }
);

text_enum!(
    /// Who took the initiative (the action plan follows this up).
    Initiator {
        Organisation => "organisation",
        City => "city",
    }
);

text_enum!(
    /// Where a partnership is in its life.
    PartnershipStatus {
        Proposal => "proposal",
        InDialogue => "in_dialogue",
        Agreed => "agreed",
        Active => "active",
        Concluded => "concluded",
        Terminated => "terminated",
        Withdrawn => "withdrawn",
        Declined => "declined",
    }
);

text_enum!(
    /// A state change of a partnership.
    PartnershipAction {
        StartDialogue => "start_dialogue",
        Agree => "agree",
        Activate => "activate",
        Extend => "extend",
        Amend => "amend",
        Terminate => "terminate",
        Conclude => "conclude",
        Withdraw => "withdraw",
        Decline => "decline",
    }
);

text_enum!(
    /// A party's place in the partnership.
    PartyRole {
        Lead => "lead",
        Member => "member",
    }
);

text_enum!(
    /// What an in-kind contribution is.
    InKindKind {
        Premises => "premises",
        StaffTime => "staff_time",
        VolunteerHours => "volunteer_hours",
        Networks => "networks",
        Other => "other",
    }
);

text_enum!(
    /// How a commitment is going.
    CommitmentStatus {
        Planned => "planned",
        Ongoing => "ongoing",
        Met => "met",
        NotMet => "not_met",
    }
);

text_enum!(
    /// The kind of follow-up.
    FollowUpKind {
        /// A reference-group or follow-up meeting.
        Meeting => "meeting",
        /// A report (organisations file their own).
        Report => "report",
        Evaluation => "evaluation",
    }
);

impl PartnershipStatus {
    /// The state an action leads to, if allowed from here.
    pub fn after(self, action: PartnershipAction) -> Option<PartnershipStatus> {
        use PartnershipAction as A;
        use PartnershipStatus as S;
        match (self, action) {
            (S::Proposal, A::StartDialogue) => Some(S::InDialogue),
            (S::InDialogue, A::Agree) => Some(S::Agreed),
            (S::Agreed, A::Activate) => Some(S::Active),
            (S::Active, A::Extend | A::Amend) => Some(S::Active),
            (S::Active, A::Terminate) => Some(S::Terminated),
            (S::Active, A::Conclude) => Some(S::Concluded),
            (S::Proposal | S::InDialogue, A::Withdraw) => Some(S::Withdrawn),
            (S::Proposal | S::InDialogue, A::Decline) => Some(S::Declined),
            _ => None,
        }
    }

    pub fn allowed_actions(self) -> Vec<PartnershipAction> {
        PartnershipAction::ALL
            .iter()
            .copied()
            .filter(|a| self.after(*a).is_some())
            .collect()
    }

    /// Agreed, running and finished agreements are open to anyone
    /// (openness); proposals and dialogues only to their parties and the city.
    pub fn is_public(self) -> bool {
        matches!(
            self,
            Self::Agreed | Self::Active | Self::Concluded | Self::Terminated
        )
    }

    /// Whether the partnership can still change (parties, funding, details).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Proposal | Self::InDialogue | Self::Agreed | Self::Active
        )
    }
}

/// What describes a partnership, every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnershipDetails {
    pub title: String,
    pub purpose: String,
    pub form: PartnershipForm,
    pub responsible_unit: CityUnitId,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub initiated_by: Initiator,
    pub initiating_organisation: Option<OrganisationId>,
    pub target_groups: Vec<String>,
    pub districts: Vec<District>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub registry_number: Option<String>,
    pub internal_notes: Option<String>,
    pub external_id: Option<String>,
}

impl PartnershipDetails {
    pub fn check(&self) -> Vec<super::FieldError> {
        let mut errors = Vec::new();
        if self.end_date < self.start_date {
            errors.push(super::FieldError::new(
                "end_date",
                "must not be before start_date",
            ));
        }
        match (self.initiated_by, self.initiating_organisation) {
            (Initiator::Organisation, None) => errors.push(super::FieldError::new(
                "initiating_organisation_id",
                "an organisation's initiative names the organisation",
            )),
            (Initiator::City, Some(_)) => errors.push(super::FieldError::new(
                "initiating_organisation_id",
                "only an organisation's initiative names one",
            )),
            _ => {}
        }
        errors
    }
}

/// A stored partnership.
#[derive(Debug, Clone, PartialEq)]
pub struct Partnership {
    pub id: PartnershipId,
    pub details: PartnershipDetails,
    pub status: PartnershipStatus,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// An organisation that is party to a partnership.
#[derive(Debug, Clone, PartialEq)]
pub struct Party {
    pub organisation_id: OrganisationId,
    pub role: PartyRole,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

impl Party {
    /// A party that has left keeps its place in the record but not its rights.
    pub fn is_current(&self) -> bool {
        self.left_on.is_none()
    }
}

/// Money for a year from one source.
#[derive(Debug, Clone, PartialEq)]
pub struct FundingLine {
    pub id: uuid::Uuid,
    pub source_unit: Option<CityUnitId>,
    pub source_name: String,
    pub year: i32,
    pub amount_sek: i64,
}

/// Sums of funding per year and per source.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FundingTotals {
    pub by_year: BTreeMap<i32, i64>,
    pub by_source: BTreeMap<String, i64>,
    pub total_sek: i64,
}

pub fn funding_totals(lines: &[FundingLine]) -> FundingTotals {
    let mut totals = FundingTotals::default();
    for line in lines {
        *totals.by_year.entry(line.year).or_default() += line.amount_sek;
        *totals
            .by_source
            .entry(line.source_name.clone())
            .or_default() += line.amount_sek;
        totals.total_sek += line.amount_sek;
    }
    totals
}

/// Whether a caller may know a partnership exists: public ones for anyone,
/// others for the city and the organisations party to it (or that proposed it).
pub fn visible_to(
    principal: &super::access::Principal,
    p: &Partnership,
    parties: &[Party],
) -> bool {
    p.status.is_public() || principal.is_city() || is_party(principal, p, parties)
}

/// Whether the caller is a member of a current party (or of the organisation that proposed it).
pub fn is_party(principal: &super::access::Principal, p: &Partnership, parties: &[Party]) -> bool {
    p.details
        .initiating_organisation
        .is_some_and(|o| principal.is_member_of(o))
        || parties
            .iter()
            .any(|party| party.is_current() && principal.is_member_of(party.organisation_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use PartnershipAction as A;
    use PartnershipStatus as S;

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
            amount_sek,
        };
        let totals = funding_totals(&[
            line("Activity houses", 2015, 100_000),
            line("State PRIO grant", 2015, 300_000),
            line("Activity houses", 2016, 100_000),
        ]);
        assert_eq!(totals.total_sek, 500_000);
        assert_eq!(totals.by_year[&2015], 400_000);
        assert_eq!(totals.by_source["Activity houses"], 200_000);
    }
}
