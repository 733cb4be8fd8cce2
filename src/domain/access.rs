//! Who may do what: the role matrix of DOMAIN.md in one place. Every handler
//! asks [`authorize`] before it acts.

use super::ids::{CityUnitId, OrganisationId};
use super::organisation::{FieldKeeper, OrganisationField};

/// The caller of a request, as established from its token (or its absence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// No token: may read what is public.
    Anonymous,
    /// A member of one civil-society organisation.
    Partner {
        subject: String,
        organisation: OrganisationId,
    },
    /// City staff of one unit, optionally with a delegated limit for grant decisions.
    CityStaff {
        subject: String,
        unit: CityUnitId,
        delegation_limit_sek: Option<i64>,
    },
    /// City administrators: manage the service for every unit. They decide
    /// grants only with a delegation in their token, like everyone else.
    CityAdmin {
        subject: String,
        delegation_limit_sek: Option<i64>,
    },
    /// Another city system (imports, change feeds), scoped like staff of its unit.
    Integration { subject: String, unit: CityUnitId },
}

impl Principal {
    /// The token subject, `None` when anonymous.
    pub fn subject(&self) -> Option<&str> {
        match self {
            Principal::Anonymous => None,
            Principal::Partner { subject, .. }
            | Principal::CityStaff { subject, .. }
            | Principal::CityAdmin { subject, .. }
            | Principal::Integration { subject, .. } => Some(subject),
        }
    }

    /// The role's name, as in the token's `role` claim.
    pub fn role_name(&self) -> &'static str {
        match self {
            Principal::Anonymous => "anonymous",
            Principal::Partner { .. } => "partner",
            Principal::CityStaff { .. } => "city_staff",
            Principal::CityAdmin { .. } => "city_admin",
            Principal::Integration { .. } => "integration",
        }
    }

    /// Staff, admins and integrations act for the city.
    pub fn is_city(&self) -> bool {
        matches!(
            self,
            Principal::CityStaff { .. }
                | Principal::CityAdmin { .. }
                | Principal::Integration { .. }
        )
    }

    /// The city unit a staff member or integration acts for.
    pub fn unit(&self) -> Option<CityUnitId> {
        match self {
            Principal::CityStaff { unit, .. } | Principal::Integration { unit, .. } => Some(*unit),
            _ => None,
        }
    }

    /// Whether this caller is a member of the given organisation.
    pub fn is_member_of(&self, organisation: OrganisationId) -> bool {
        matches!(self, Principal::Partner { organisation: o, .. } if *o == organisation)
    }
}

/// Something a caller may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    CreateOrganisation,
    /// Change one field of an existing organisation.
    EditOrganisationField(OrganisationId, OrganisationField),
    DeleteOrganisation,
    /// See the contact person's email and phone of an organisation.
    ReadOrganisationContacts(OrganisationId),
    /// See the e-mail notices sent to an organisation.
    ReadOrganisationNotices(OrganisationId),
    /// Follow every case an organisation is party to, in one list.
    ReadOrganisationCases(OrganisationId),
    ManageCityUnits,
    /// Subscribe URLs to changes (webhooks), read their deliveries, replay.
    ManageWebhooks,
    /// See how far the outbox's consumers (webhooks, notices) are behind.
    ReadDeliveryStatus,
    /// Send a file of records to `/api/v1/imports/{resource}`; each row is
    /// then authorized as the single-record endpoint would authorize it.
    Import,
    /// Create, change, publish, cancel an event organised by this unit (None:
    /// organised by organisations only), and record attendance and outcomes.
    ManageDialogueEvent(Option<CityUnitId>),
    /// See events still being planned (drafts).
    ReadPlannedDialogueEvents,
    /// Register this organisation for an event, or cancel its registration.
    RegisterForDialogueEvent(OrganisationId),
    /// See participant names and needs of this organisation's registration.
    ReadRegistrationDetails(OrganisationId),
    /// Add to the minutes as this co-organising organisation.
    ContributeToMinutesAs(OrganisationId),
    /// Move a partnership of this responsible unit through its life, change
    /// its parties, funding and commitments.
    ManagePartnership(CityUnitId),
    /// Propose a partnership on behalf of this organisation.
    ProposePartnership(OrganisationId),
    /// Withdraw a proposal made by this organisation (None: the city's own).
    WithdrawPartnership(CityUnitId, Option<OrganisationId>),
    /// See contact details and internal notes of partnerships.
    ReadPartnershipInternals,
    /// Manage a grant programme owned by this unit and handle its applications.
    ManageGrantProgramme(CityUnitId),
    /// Apply, complete, report and withdraw for this organisation.
    ApplyForGrant(OrganisationId),
    /// Record that a declared conflict of interest no longer applies.
    ReleaseConflictOfInterest,
    /// Accept or decline this organisation's invitation to be a party to a
    /// partnership another organisation proposed (consent).
    AnswerPartnershipInvitation(OrganisationId),
    /// Read a partnership's history and who took part in its follow-ups:
    /// the city and the organisations party to it (`party`: the caller's
    /// organisation is one).
    FollowPartnership {
        party: bool,
    },
    /// See every partnership and grant application in a list, whatever its
    /// state; others see the public ones and their own organisation's.
    ReadEveryCase,
    /// Set a field of a case that the city keeps (a partnership's or an
    /// application's registry number, external id, internal notes).
    SetCityKeptField(CityKeptField),
    /// Plan dialogue events at all (for which unit: [`Action::ManageDialogueEvent`]).
    PlanDialogueEvents,
    /// Run grant programmes at all (which one: [`Action::ManageGrantProgramme`]).
    RunGrantProgrammes,
    /// See draft grant programmes.
    ReadDraftGrantProgrammes,
    /// Read a programme's history: it names who made each change.
    ReadGrantProgrammeHistory,
    /// Register an application for this organisation: its members, or the
    /// city on its behalf.
    RegisterGrantApplication(OrganisationId),
    /// Write an internal review note on an application (whose: the store
    /// asks [`Action::ManageGrantProgramme`]); the organisation never learns of them.
    ReviewGrantApplication,
    /// Read an application's internal review notes.
    ReadGrantReviews,
    /// Declare one's own conflict of interest (jäv) on an application.
    DeclareConflictOfInterest,
    /// See the declarations of conflict of interest on an application.
    ReadConflictDeclarations,
}

/// A field of a case that the city keeps up to date: partners never set
/// it (an organisation's own registry facts: [`FieldKeeper::City`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CityKeptField {
    /// The number of the city's registry (diarienummer).
    RegistryNumber,
    /// The id in the system the record came from.
    ExternalId,
    /// The city's own notes.
    InternalNotes,
}

impl CityKeptField {
    pub fn name(self) -> &'static str {
        match self {
            Self::RegistryNumber => "registry_number",
            Self::ExternalId => "external_id",
            Self::InternalNotes => "internal_notes",
        }
    }
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No (valid) token: the caller must authenticate (401).
    Unauthenticated,
    /// Authenticated, but this role may not (403).
    Forbidden(String),
}

/// The role matrix.
pub fn can(principal: &Principal, action: Action) -> bool {
    use Action::*;
    match action {
        CreateOrganisation | Import => principal.is_city(),
        EditOrganisationField(organisation, field) => match field.keeper() {
            FieldKeeper::City => principal.is_city(),
            FieldKeeper::Organisation => principal.is_member_of(organisation),
            FieldKeeper::Both => principal.is_city() || principal.is_member_of(organisation),
        },
        DeleteOrganisation | ManageCityUnits | ManageWebhooks | ReadDeliveryStatus => {
            matches!(principal, Principal::CityAdmin { .. })
        }
        ReadOrganisationContacts(organisation)
        | ReadOrganisationNotices(organisation)
        | ReadOrganisationCases(organisation) => {
            principal.is_city() || principal.is_member_of(organisation)
        }
        ManageDialogueEvent(unit) => match principal {
            Principal::CityAdmin { .. } => true,
            Principal::CityStaff { .. } | Principal::Integration { .. } => {
                unit.is_some() && principal.unit() == unit
            }
            _ => false,
        },
        ReadPlannedDialogueEvents => principal.is_city(),
        RegisterForDialogueEvent(organisation) | ReadRegistrationDetails(organisation) => {
            principal.is_city() || principal.is_member_of(organisation)
        }
        ContributeToMinutesAs(organisation) => principal.is_member_of(organisation),
        ManagePartnership(unit) => match principal {
            Principal::CityAdmin { .. } => true,
            Principal::CityStaff { .. } | Principal::Integration { .. } => {
                principal.unit() == Some(unit)
            }
            _ => false,
        },
        ProposePartnership(organisation) => principal.is_member_of(organisation),
        WithdrawPartnership(unit, initiator) => {
            can(principal, ManagePartnership(unit))
                || initiator.is_some_and(|o| principal.is_member_of(o))
        }
        ReadPartnershipInternals => principal.is_city(),
        ManageGrantProgramme(unit) => match principal {
            Principal::CityAdmin { .. } => true,
            Principal::CityStaff { .. } | Principal::Integration { .. } => {
                principal.unit() == Some(unit)
            }
            _ => false,
        },
        ApplyForGrant(organisation) => principal.is_member_of(organisation),
        ReleaseConflictOfInterest => matches!(principal, Principal::CityAdmin { .. }),
        AnswerPartnershipInvitation(organisation) => principal.is_member_of(organisation),
        FollowPartnership { party } => {
            principal.is_city() || (party && matches!(principal, Principal::Partner { .. }))
        }
        ReadEveryCase
        | SetCityKeptField(_)
        | PlanDialogueEvents
        | RunGrantProgrammes
        | ReadDraftGrantProgrammes
        | ReadGrantProgrammeHistory
        | ReviewGrantApplication
        | ReadGrantReviews
        | DeclareConflictOfInterest
        | ReadConflictDeclarations => principal.is_city(),
        RegisterGrantApplication(organisation) => {
            principal.is_city() || principal.is_member_of(organisation)
        }
    }
}

/// [`can`], as a refusal that says why.
pub fn authorize(principal: &Principal, action: Action) -> Result<(), Refusal> {
    if can(principal, action) {
        return Ok(());
    }
    if *principal == Principal::Anonymous {
        return Err(Refusal::Unauthenticated);
    }
    Err(Refusal::Forbidden(match action {
        Action::CreateOrganisation => "only city staff, admins and integrations register organisations".into(),
        Action::EditOrganisationField(_, field) => match field.keeper() {
            FieldKeeper::City => format!("`{}` is a registry fact kept by the city", field.name()),
            FieldKeeper::Organisation => format!(
                "`{}` is what the organisation says about itself: only the organisation may change it",
                field.name()
            ),
            FieldKeeper::Both => format!("only the city or the organisation itself may change `{}`", field.name()),
        },
        Action::DeleteOrganisation => "only city admins delete organisations".into(),
        Action::Import => "only city staff, admins and integrations import records".into(),
        Action::ReadOrganisationContacts(_) => "contact details are for the city and the organisation itself".into(),
        Action::ReadOrganisationNotices(_) => "an organisation's notices are for the city and the organisation itself".into(),
        Action::ReadOrganisationCases(_) => "an organisation's cases are for the city and the organisation itself".into(),
        Action::ManageCityUnits => "only city admins manage city units".into(),
        Action::ManageWebhooks => "only city admins manage webhook subscriptions".into(),
        Action::ReadDeliveryStatus => "only city admins see the delivery status".into(),
        Action::ManageDialogueEvent(_) => "only staff of the organising unit and city admins manage this event".into(),
        Action::ReadPlannedDialogueEvents => "planned events are visible to the city only".into(),
        Action::RegisterForDialogueEvent(_) => "a partner registers only its own organisation".into(),
        Action::ReadRegistrationDetails(_) => "registration details are for the city and the registering organisation".into(),
        Action::ContributeToMinutesAs(_) => "only co-organising organisations contribute to the minutes".into(),
        Action::ManagePartnership(_) => {
            "only staff of the responsible unit and city admins act on this partnership (others may read it)".into()
        }
        Action::ProposePartnership(_) => "a partner proposes partnerships for its own organisation".into(),
        Action::WithdrawPartnership(..) => "only the proposing organisation or the responsible unit withdraws a proposal".into(),
        Action::ReadPartnershipInternals => "internal notes are for the city only".into(),
        Action::ManageGrantProgramme(_) => "only staff of the owning unit and city admins handle this programme".into(),
        Action::ApplyForGrant(_) => "an organisation applies, completes and reports only for itself".into(),
        Action::ReleaseConflictOfInterest => {
            "only city admins record that a declared conflict of interest no longer applies".into()
        }
        Action::AnswerPartnershipInvitation(_) => "only the invited organisation accepts or declines its invitation to be a party".into(),
        Action::FollowPartnership { .. } => "the history is for the city and the parties".into(),
        Action::ReadEveryCase => "only the city sees every case".into(),
        Action::SetCityKeptField(field) => format!("`{}` is kept by the city", field.name()),
        Action::PlanDialogueEvents => "only the city plans dialogue events".into(),
        Action::RunGrantProgrammes => "only the city runs grant programmes".into(),
        Action::ReadDraftGrantProgrammes => "draft programmes are visible to the city only".into(),
        Action::ReadGrantProgrammeHistory => {
            "a programme's history is for the city: it names who made each change".into()
        }
        Action::RegisterGrantApplication(_) => "an organisation applies, completes and reports only for itself".into(),
        Action::ReviewGrantApplication | Action::ReadGrantReviews => "review notes are internal to the city".into(),
        Action::DeclareConflictOfInterest => "only the city's deciders declare conflicts of interest".into(),
        Action::ReadConflictDeclarations => "declarations of conflict of interest are for the city".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrganisationField as F;

    fn principals(own: OrganisationId, unit: CityUnitId) -> Vec<(&'static str, Principal)> {
        vec![
            ("anonymous", Principal::Anonymous),
            (
                "partner_own",
                Principal::Partner {
                    subject: "p".into(),
                    organisation: own,
                },
            ),
            (
                "partner_other",
                Principal::Partner {
                    subject: "q".into(),
                    organisation: OrganisationId::new(),
                },
            ),
            (
                "staff",
                Principal::CityStaff {
                    subject: "s".into(),
                    unit,
                    delegation_limit_sek: None,
                },
            ),
            (
                "admin",
                Principal::CityAdmin {
                    subject: "a".into(),
                    delegation_limit_sek: None,
                },
            ),
            (
                "integration",
                Principal::Integration {
                    subject: "i".into(),
                    unit,
                },
            ),
        ]
    }

    /// Every (role, action) pair, written out: a new action cannot slip in
    /// without a decision for every role (`name` must list it, and the
    /// table must hold it).
    #[test]
    fn role_matrix() {
        let own = OrganisationId::new();
        let unit = CityUnitId::new();
        //                                           anon   own    other  staff  admin  integ
        let table: Vec<(Action, [bool; 6])> = vec![
            (
                Action::CreateOrganisation,
                [false, false, false, true, true, true],
            ),
            (
                Action::EditOrganisationField(own, F::Name),
                [false, true, false, true, true, true],
            ),
            (
                Action::EditOrganisationField(own, F::Districts),
                [false, true, false, true, true, true],
            ),
            (
                Action::EditOrganisationField(own, F::ContactEmail),
                [false, true, false, true, true, true],
            ),
            (
                Action::EditOrganisationField(own, F::ContactPhone),
                [false, true, false, true, true, true],
            ),
            (
                Action::EditOrganisationField(own, F::Description),
                [false, true, false, false, false, false],
            ),
            (
                Action::EditOrganisationField(own, F::Website),
                [false, true, false, false, false, false],
            ),
            (
                Action::EditOrganisationField(own, F::OrganisationNumber),
                [false, false, false, true, true, true],
            ),
            (
                Action::EditOrganisationField(own, F::LegalForm),
                [false, false, false, true, true, true],
            ),
            (
                Action::EditOrganisationField(own, F::ExternalId),
                [false, false, false, true, true, true],
            ),
            (
                Action::DeleteOrganisation,
                [false, false, false, false, true, false],
            ),
            (Action::Import, [false, false, false, true, true, true]),
            (
                Action::ReadOrganisationContacts(own),
                [false, true, false, true, true, true],
            ),
            (
                Action::ReadOrganisationNotices(own),
                [false, true, false, true, true, true],
            ),
            (
                Action::ReadOrganisationCases(own),
                [false, true, false, true, true, true],
            ),
            (
                Action::ManageCityUnits,
                [false, false, false, false, true, false],
            ),
            (
                Action::ManageWebhooks,
                [false, false, false, false, true, false],
            ),
            (
                Action::ReadDeliveryStatus,
                [false, false, false, false, true, false],
            ),
            (
                Action::ManageDialogueEvent(Some(unit)),
                [false, false, false, true, true, true],
            ),
            (
                Action::ManageDialogueEvent(Some(CityUnitId::new())),
                [false, false, false, false, true, false],
            ),
            (
                Action::ManageDialogueEvent(None),
                [false, false, false, false, true, false],
            ),
            (
                Action::ReadPlannedDialogueEvents,
                [false, false, false, true, true, true],
            ),
            (
                Action::RegisterForDialogueEvent(own),
                [false, true, false, true, true, true],
            ),
            (
                Action::ReadRegistrationDetails(own),
                [false, true, false, true, true, true],
            ),
            (
                Action::ContributeToMinutesAs(own),
                [false, true, false, false, false, false],
            ),
            (
                Action::ManagePartnership(unit),
                [false, false, false, true, true, true],
            ),
            (
                Action::ManagePartnership(CityUnitId::new()),
                [false, false, false, false, true, false],
            ),
            (
                Action::ProposePartnership(own),
                [false, true, false, false, false, false],
            ),
            (
                Action::WithdrawPartnership(unit, Some(own)),
                [false, true, false, true, true, true],
            ),
            (
                Action::WithdrawPartnership(unit, None),
                [false, false, false, true, true, true],
            ),
            (
                Action::WithdrawPartnership(CityUnitId::new(), Some(own)),
                [false, true, false, false, true, false],
            ),
            (
                Action::ReadPartnershipInternals,
                [false, false, false, true, true, true],
            ),
            (
                Action::ManageGrantProgramme(unit),
                [false, false, false, true, true, true],
            ),
            (
                Action::ManageGrantProgramme(CityUnitId::new()),
                [false, false, false, false, true, false],
            ),
            (
                Action::ApplyForGrant(own),
                [false, true, false, false, false, false],
            ),
            (
                Action::ReleaseConflictOfInterest,
                [false, false, false, false, true, false],
            ),
            (
                Action::AnswerPartnershipInvitation(own),
                [false, true, false, false, false, false],
            ),
            (
                Action::FollowPartnership { party: false },
                [false, false, false, true, true, true],
            ),
            (
                Action::FollowPartnership { party: true },
                [false, true, true, true, true, true],
            ),
            (
                Action::ReadEveryCase,
                [false, false, false, true, true, true],
            ),
            (
                Action::SetCityKeptField(CityKeptField::RegistryNumber),
                [false, false, false, true, true, true],
            ),
            (
                Action::SetCityKeptField(CityKeptField::ExternalId),
                [false, false, false, true, true, true],
            ),
            (
                Action::SetCityKeptField(CityKeptField::InternalNotes),
                [false, false, false, true, true, true],
            ),
            (
                Action::PlanDialogueEvents,
                [false, false, false, true, true, true],
            ),
            (
                Action::RunGrantProgrammes,
                [false, false, false, true, true, true],
            ),
            (
                Action::ReadDraftGrantProgrammes,
                [false, false, false, true, true, true],
            ),
            (
                Action::ReadGrantProgrammeHistory,
                [false, false, false, true, true, true],
            ),
            (
                Action::RegisterGrantApplication(own),
                [false, true, false, true, true, true],
            ),
            (
                Action::ReviewGrantApplication,
                [false, false, false, true, true, true],
            ),
            (
                Action::ReadGrantReviews,
                [false, false, false, true, true, true],
            ),
            (
                Action::DeclareConflictOfInterest,
                [false, false, false, true, true, true],
            ),
            (
                Action::ReadConflictDeclarations,
                [false, false, false, true, true, true],
            ),
        ];
        for (action, expected) in &table {
            for ((role, principal), allowed) in principals(own, unit).iter().zip(expected) {
                assert_eq!(can(principal, *action), *allowed, "{role} / {action:?}");
            }
        }
        let mut covered: Vec<&str> = table.iter().map(|(a, _)| name(a)).collect();
        covered.sort_unstable();
        covered.dedup();
        let mut every = EVERY_ACTION.to_vec();
        every.sort_unstable();
        assert_eq!(covered, every, "every action has rows in the table");
    }

    const EVERY_ACTION: [&str; 35] = [
        "CreateOrganisation",
        "Import",
        "EditOrganisationField",
        "DeleteOrganisation",
        "ReadOrganisationContacts",
        "ReadOrganisationNotices",
        "ReadOrganisationCases",
        "ManageCityUnits",
        "ManageWebhooks",
        "ReadDeliveryStatus",
        "ManageDialogueEvent",
        "ReadPlannedDialogueEvents",
        "RegisterForDialogueEvent",
        "ReadRegistrationDetails",
        "ContributeToMinutesAs",
        "ManagePartnership",
        "ProposePartnership",
        "WithdrawPartnership",
        "ReadPartnershipInternals",
        "ManageGrantProgramme",
        "ApplyForGrant",
        "ReleaseConflictOfInterest",
        "AnswerPartnershipInvitation",
        "FollowPartnership",
        "ReadEveryCase",
        "SetCityKeptField",
        "PlanDialogueEvents",
        "RunGrantProgrammes",
        "ReadDraftGrantProgrammes",
        "ReadGrantProgrammeHistory",
        "RegisterGrantApplication",
        "ReviewGrantApplication",
        "ReadGrantReviews",
        "DeclareConflictOfInterest",
        "ReadConflictDeclarations",
    ];

    /// The variant's name: a new action does not compile until it has one
    /// here, a line in `EVERY_ACTION` and rows in `role_matrix`.
    fn name(action: &Action) -> &'static str {
        use Action::*;
        match action {
            CreateOrganisation => "CreateOrganisation",
            Import => "Import",
            EditOrganisationField(..) => "EditOrganisationField",
            DeleteOrganisation => "DeleteOrganisation",
            ReadOrganisationContacts(_) => "ReadOrganisationContacts",
            ReadOrganisationNotices(_) => "ReadOrganisationNotices",
            ReadOrganisationCases(_) => "ReadOrganisationCases",
            ManageCityUnits => "ManageCityUnits",
            ManageWebhooks => "ManageWebhooks",
            ReadDeliveryStatus => "ReadDeliveryStatus",
            ManageDialogueEvent(_) => "ManageDialogueEvent",
            ReadPlannedDialogueEvents => "ReadPlannedDialogueEvents",
            RegisterForDialogueEvent(_) => "RegisterForDialogueEvent",
            ReadRegistrationDetails(_) => "ReadRegistrationDetails",
            ContributeToMinutesAs(_) => "ContributeToMinutesAs",
            ManagePartnership(_) => "ManagePartnership",
            ProposePartnership(_) => "ProposePartnership",
            WithdrawPartnership(..) => "WithdrawPartnership",
            ReadPartnershipInternals => "ReadPartnershipInternals",
            ManageGrantProgramme(_) => "ManageGrantProgramme",
            ApplyForGrant(_) => "ApplyForGrant",
            ReleaseConflictOfInterest => "ReleaseConflictOfInterest",
            AnswerPartnershipInvitation(_) => "AnswerPartnershipInvitation",
            FollowPartnership { .. } => "FollowPartnership",
            ReadEveryCase => "ReadEveryCase",
            SetCityKeptField(_) => "SetCityKeptField",
            PlanDialogueEvents => "PlanDialogueEvents",
            RunGrantProgrammes => "RunGrantProgrammes",
            ReadDraftGrantProgrammes => "ReadDraftGrantProgrammes",
            ReadGrantProgrammeHistory => "ReadGrantProgrammeHistory",
            RegisterGrantApplication(_) => "RegisterGrantApplication",
            ReviewGrantApplication => "ReviewGrantApplication",
            ReadGrantReviews => "ReadGrantReviews",
            DeclareConflictOfInterest => "DeclareConflictOfInterest",
            ReadConflictDeclarations => "ReadConflictDeclarations",
        }
    }

    #[test]
    fn anonymous_is_asked_to_authenticate_others_are_forbidden() {
        let own = OrganisationId::new();
        assert_eq!(
            authorize(&Principal::Anonymous, Action::CreateOrganisation),
            Err(Refusal::Unauthenticated)
        );
        let partner = Principal::Partner {
            subject: "p".into(),
            organisation: own,
        };
        assert!(matches!(
            authorize(&partner, Action::CreateOrganisation),
            Err(Refusal::Forbidden(_))
        ));
    }
}
