//! Partnerships (samverkan): most often an IOP, idéburet offentligt
//! partnerskap. A city unit and one or more organisations agree to work
//! together; money, premises and time come from every side.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::access::{authorize, can, Action, Principal, Refusal};
use super::change::Audience;
use super::district::District;
use super::ids::{CityUnitId, OrganisationId, PartnershipId};
use super::money::{total, Overflow, Sek};
use super::FieldError;

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
    /// Whether an organisation named in a partnership has agreed to be in it.
    /// No organisation is made party to another organisation's proposal
    /// without its consent.
    PartyStatus {
        /// Named by another organisation's proposal: not a party until it
        /// accepts. It may read the partnership (as an invitation) and
        /// accept or decline; nothing else.
        Invited => "invited",
        /// A party: it proposed, accepted, or was added by the city.
        Active => "active",
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

    /// The state changes `principal` may make now: allowed from this state
    /// and by the role matrix ([`needed_for`]). A partner sees `withdraw` on
    /// its own proposal, never the city's `start_dialogue` or `decline`;
    /// staff of another unit see none.
    pub fn actions_for(
        self,
        principal: &Principal,
        unit: CityUnitId,
        initiator: Option<OrganisationId>,
    ) -> Vec<PartnershipAction> {
        self.allowed_actions()
            .into_iter()
            .filter(|a| can(principal, needed_for(*a, unit, initiator)))
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
        let mut errors: Vec<_> = check_period(self.start_date, self.end_date)
            .into_iter()
            .collect();
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

/// A partnership's period ends on or after the day it starts.
pub fn check_period(start: NaiveDate, end: NaiveDate) -> Option<FieldError> {
    (end < start).then(|| FieldError::new("end_date", "must not be before start_date"))
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

/// An organisation named in a partnership: a party, or invited to be one.
#[derive(Debug, Clone, PartialEq)]
pub struct Party {
    pub organisation_id: OrganisationId,
    pub role: PartyRole,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub status: PartyStatus,
}

impl Party {
    /// A party that has left keeps its place in the record but not its
    /// rights; an invited organisation has none yet.
    pub fn is_current(&self) -> bool {
        self.status == PartyStatus::Active && self.left_on.is_none()
    }

    /// Invited and not yet answered.
    pub fn is_invited(&self) -> bool {
        self.status == PartyStatus::Invited && self.left_on.is_none()
    }
}

/// The status of an organisation that `principal` names as a party: the city
/// adds parties (its decision to record), and an organisation joins itself;
/// an organisation named by another organisation is only invited.
pub fn status_when_named(principal: &Principal, organisation: OrganisationId) -> PartyStatus {
    if principal.is_city() || principal.is_member_of(organisation) {
        PartyStatus::Active
    } else {
        PartyStatus::Invited
    }
}

/// Money for a year from one source: a positive amount (a line of zero
/// kronor funds nothing), at most [`super::money::MAX_SEK`].
#[derive(Debug, Clone, PartialEq)]
pub struct FundingLine {
    pub id: uuid::Uuid,
    pub source_unit: Option<CityUnitId>,
    pub source_name: String,
    pub year: i32,
    pub amount_sek: Sek,
}

/// Sums of funding per year and per source.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FundingTotals {
    pub by_year: BTreeMap<i32, i64>,
    pub by_source: BTreeMap<String, i64>,
    pub total_sek: i64,
}

/// Sums of funding per year, per source and in all, each a checked sum (so
/// a total is never negative nor wrapped; every amount is bounded anyway).
pub fn funding_totals(lines: &[FundingLine]) -> Result<FundingTotals, Overflow> {
    let mut by_year: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    let mut by_source: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for line in lines {
        by_year
            .entry(line.year)
            .or_default()
            .push(line.amount_sek.kronor());
        by_source
            .entry(line.source_name.clone())
            .or_default()
            .push(line.amount_sek.kronor());
    }
    fn sums<K: Ord>(groups: BTreeMap<K, Vec<i64>>) -> Result<BTreeMap<K, i64>, Overflow> {
        groups
            .into_iter()
            .map(|(key, amounts)| Ok((key, total(amounts)?)))
            .collect()
    }
    Ok(FundingTotals {
        by_year: sums(by_year)?,
        by_source: sums(by_source)?,
        total_sek: total(lines.iter().map(|l| l.amount_sek.kronor()))?,
    })
}

/// The checked sum of the estimated in-kind values (those estimated).
pub fn in_kind_total(values: impl IntoIterator<Item = Option<Sek>>) -> Result<i64, Overflow> {
    total(values.into_iter().flatten().map(Sek::kronor))
}

/// Whether a caller may know a partnership exists: public ones for anyone,
/// others for the city, the organisations party to it (or that proposed
/// it), and an organisation invited to it (which sees it as an invitation:
/// see [`party_shown_to`] and [`is_party`] for what it does not get).
pub fn visible_to(principal: &Principal, p: &Partnership, parties: &[Party]) -> bool {
    visible_by(
        principal,
        p.status,
        p.details.initiating_organisation,
        parties,
    )
}

/// [`visible_to`] from the parts it looks at: the status, the initiating
/// organisation and the parties (what a list of links loads, rather than
/// whole partnerships).
pub fn visible_by(
    principal: &Principal,
    status: PartnershipStatus,
    initiating_organisation: Option<OrganisationId>,
    parties: &[Party],
) -> bool {
    status.is_public()
        || principal.is_city()
        || is_party_by(principal, initiating_organisation, parties)
        || is_invited(principal, parties)
}

/// Who may learn of a change of a partnership (or of a part of it): the
/// callers [`visible_to`] admits, as it stands after the change.
pub fn audience(p: &Partnership, parties: &[Party]) -> Audience {
    let named = p
        .details
        .initiating_organisation
        .into_iter()
        .chain(parties.iter().map(|party| party.organisation_id));
    Audience::by_rule(named, |principal| visible_to(principal, p, parties))
}

/// Whether the caller is a member of a current party (or of the organisation
/// that proposed it). An invited organisation is not a party: it gets no
/// contact details, no history, and takes no part until it accepts.
pub fn is_party(principal: &Principal, p: &Partnership, parties: &[Party]) -> bool {
    is_party_by(principal, p.details.initiating_organisation, parties)
}

/// [`is_party`] from the parts it looks at (for a list that loads only
/// those).
pub fn is_party_by(
    principal: &Principal,
    initiating_organisation: Option<OrganisationId>,
    parties: &[Party],
) -> bool {
    initiating_organisation.is_some_and(|o| principal.is_member_of(o))
        || parties
            .iter()
            .any(|party| party.is_current() && principal.is_member_of(party.organisation_id))
}

/// Whether the caller is a member of an organisation invited (and not yet
/// answered) to the partnership.
pub fn is_invited(principal: &Principal, parties: &[Party]) -> bool {
    parties
        .iter()
        .any(|party| party.is_invited() && principal.is_member_of(party.organisation_id))
}

/// Whether the caller is shown `party` in the list of parties. Invitations
/// are shown to the city, the parties and the invited organisation itself;
/// anyone else sees only the organisations that are (or were) parties, so
/// no organisation is published as part of a partnership it has not accepted.
pub fn party_shown_to(
    principal: &Principal,
    p: &Partnership,
    parties: &[Party],
    party: &Party,
) -> bool {
    party.status == PartyStatus::Active
        || principal.is_city()
        || is_party(principal, p, parties)
        || principal.is_member_of(party.organisation_id)
}

/// Who names organisations as parties: the responsible unit (and admins)
/// while the partnership is open, adding parties; the proposing
/// organisation to its own proposal, inviting them ([`status_when_named`]).
pub fn may_add_party(principal: &Principal, p: &Partnership) -> Result<(), Refusal> {
    let unit = p.details.responsible_unit;
    let proposer = p
        .details
        .initiating_organisation
        .is_some_and(|o| principal.is_member_of(o));
    if can(principal, Action::ManagePartnership(unit))
        || (proposer && p.status == PartnershipStatus::Proposal)
    {
        return Ok(());
    }
    authorize(principal, Action::ManagePartnership(unit))?;
    Err(Refusal::Forbidden(
        "the responsible unit adds parties; the proposing organisation invites organisations to its proposal while it is a proposal".into(),
    ))
}

/// Why a change to a partnership's fields is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeRefusal {
    /// The period of an active partnership changes through `extend` or
    /// `amend`, which keep its history (409 `use_extend`).
    UseExtend,
    /// Not the caller's to change (role matrix, 401/403).
    Refused(Refusal),
}

/// Who changes a partnership's fields (field ownership): the responsible
/// unit (and admins) any, except an active partnership's period; the
/// proposing organisation the fields an organisation may send
/// (`organisation_fields_only`) of its own proposal while it is a proposal.
pub fn may_change(
    principal: &Principal,
    p: &Partnership,
    organisation_fields_only: bool,
    touches_period: bool,
) -> Result<(), ChangeRefusal> {
    if can(
        principal,
        Action::ManagePartnership(p.details.responsible_unit),
    ) {
        if touches_period && p.status == PartnershipStatus::Active {
            return Err(ChangeRefusal::UseExtend);
        }
        return Ok(());
    }
    let proposer = p
        .details
        .initiating_organisation
        .is_some_and(|o| principal.is_member_of(o));
    if proposer && p.status == PartnershipStatus::Proposal && organisation_fields_only {
        return Ok(());
    }
    authorize(
        principal,
        Action::ManagePartnership(p.details.responsible_unit),
    )
    .map_err(ChangeRefusal::Refused)?;
    Err(ChangeRefusal::Refused(Refusal::Forbidden(
        "the responsible unit changes partnerships; the proposing organisation changes its proposal's description".into(),
    )))
}

/// Why an answer to an invitation is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvitationRefusal {
    /// No such invitation, or not one the caller may know of (another
    /// organisation's partner learns nothing): 404.
    NotFound,
    /// A city role: only the invited organisation answers (role matrix).
    Refused(Refusal),
    /// The organisation is already a party: there is nothing to answer.
    NotInvited,
}

/// Whether the caller may accept or decline `organisation`'s invitation:
/// only a member of that organisation, while the invitation is open.
pub fn check_invitation_answer(
    principal: &Principal,
    p: &Partnership,
    parties: &[Party],
    organisation: OrganisationId,
) -> Result<(), InvitationRefusal> {
    if !visible_to(principal, p, parties) {
        return Err(InvitationRefusal::NotFound);
    }
    if let Err(refusal) = authorize(principal, Action::AnswerPartnershipInvitation(organisation)) {
        return Err(match principal {
            Principal::Partner { .. } => InvitationRefusal::NotFound,
            _ => InvitationRefusal::Refused(refusal),
        });
    }
    match parties
        .iter()
        .find(|q| q.organisation_id == organisation && q.left_on.is_none())
    {
        Some(q) if q.is_invited() => Ok(()),
        Some(_) => Err(InvitationRefusal::NotInvited),
        None => Err(InvitationRefusal::NotFound),
    }
}

/// Who records an in-kind contribution: the responsible unit (and admins)
/// any; a current party its own (an invited organisation is not a party).
pub fn may_record_in_kind(
    principal: &Principal,
    p: &Partnership,
    parties: &[Party],
    organisation: Option<OrganisationId>,
) -> Result<(), Refusal> {
    let own = organisation.is_some_and(|o| {
        principal.is_member_of(o)
            && parties
                .iter()
                .any(|q| q.organisation_id == o && q.is_current())
    });
    if own {
        return Ok(());
    }
    authorize(
        principal,
        Action::ManagePartnership(p.details.responsible_unit),
    )
}

/// The fields of a follow-up that say who speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUpVoice {
    /// The organisation a partner files for.
    pub organisation: Option<OrganisationId>,
    pub perceived_reception: bool,
    pub effects: bool,
}

/// The rating of how an organisation was received ("bemötande") and the
/// effects it saw are the organisation's own: only its members record them
/// (integrity and independence). A field that does not apply to the caller
/// is refused, never dropped: the city files as the city (no
/// `organisation_id`), a partner names the organisation it files for.
pub fn check_follow_up_voice(principal: &Principal, voice: FollowUpVoice) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match principal {
        Principal::Partner { .. } => {
            if voice.organisation.is_none() {
                errors.push(FieldError::new(
                    "organisation_id",
                    "is required from partners: the organisation the report is for (your own)",
                ));
            }
        }
        _ => {
            if voice.organisation.is_some() {
                errors.push(FieldError::new(
                    "organisation_id",
                    "the city files follow-ups as the city; organisation_id is for an organisation filing its own report",
                ));
            }
            if voice.perceived_reception {
                errors.push(FieldError::new(
                    "perceived_reception",
                    "only the organisation records its own rating",
                ));
            }
            if voice.effects {
                errors.push(FieldError::new(
                    "effects",
                    "only the organisation records its own rating of the effects",
                ));
            }
        }
    }
    errors
}

/// Who files a follow-up: the responsible unit (and admins) any kind; a
/// current party its own report (`kind: report`, its organisation).
pub fn may_file_follow_up(
    principal: &Principal,
    p: &Partnership,
    parties: &[Party],
    kind: FollowUpKind,
    organisation: Option<OrganisationId>,
) -> Result<(), Refusal> {
    if can(
        principal,
        Action::ManagePartnership(p.details.responsible_unit),
    ) {
        return Ok(());
    }
    let own_report = kind == FollowUpKind::Report
        && organisation.is_some_and(|o| {
            principal.is_member_of(o)
                && parties
                    .iter()
                    .any(|q| q.organisation_id == o && q.is_current())
        });
    if own_report {
        return Ok(());
    }
    Err(Refusal::Forbidden(
        "a party files its own reports (kind `report`, its organisation_id); the responsible unit files the rest".into(),
    ))
}

/// What a caller needs for a state change of a partnership of `unit`: the
/// unit's management, and for a withdrawal also the initiating organisation.
pub fn needed_for(
    action: PartnershipAction,
    unit: CityUnitId,
    initiator: Option<OrganisationId>,
) -> Action {
    match action {
        PartnershipAction::Withdraw => Action::WithdrawPartnership(unit, initiator),
        _ => Action::ManagePartnership(unit),
    }
}

#[cfg(test)]
mod tests;
