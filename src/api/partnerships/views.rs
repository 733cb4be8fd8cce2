//! Partnerships and their parts as callers see them (the public view has no
//! internal notes).

use super::*;

/// An organisation named in a partnership: a party (`active`), or
/// `invited` by the proposing organisation and not a party until it accepts.
/// Invitations are shown to the city, the parties and the invited
/// organisation only; others see the organisations that are (or were) parties.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "role": "lead", "joined_on": "2015-01-01", "left_on": null, "status": "active"}))]
pub struct PartyView {
    pub organisation_id: OrganisationId,
    pub role: PartyRole,
    /// When it joins (joined); for an invitation, from when it would.
    pub joined_on: NaiveDate,
    /// Set when the organisation has left; it stays in the record.
    pub left_on: Option<NaiveDate>,
    pub status: PartyStatus,
}

impl From<Party> for PartyView {
    fn from(p: Party) -> Self {
        PartyView {
            organisation_id: p.organisation_id,
            role: p.role,
            joined_on: p.joined_on,
            left_on: p.left_on,
            status: p.status,
        }
    }
}

/// The parties (and invitations) the caller is shown.
pub(super) fn parties_for(
    principal: &Principal,
    p: &Partnership,
    parties: &[Party],
) -> Vec<PartyView> {
    parties
        .iter()
        .filter(|party| party_shown_to(principal, p, parties, party))
        .cloned()
        .map(Into::into)
        .collect()
}

/// A funding line.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c3002", "source_unit_id": null, "source_name": "State PRIO grant", "year": 2015, "amount_sek": 300000}))]
pub struct FundingLineView {
    pub id: Uuid,
    /// The city unit paying, when the source is the city.
    pub source_unit_id: Option<CityUnitId>,
    #[schema(example = "State PRIO grant")]
    pub source_name: String,
    #[schema(example = 2015)]
    pub year: i32,
    /// Whole kronor for the year, 1 to 10^12.
    #[schema(example = 300000, minimum = 1, maximum = 1000000000000_i64)]
    pub amount_sek: i64,
}

impl From<FundingLine> for FundingLineView {
    fn from(l: FundingLine) -> Self {
        FundingLineView {
            id: l.id,
            source_unit_id: l.source_unit,
            source_name: l.source_name,
            year: l.year,
            amount_sek: l.amount_sek.kronor(),
        }
    }
}

/// A sum for a year (a checked sum, never negative).
#[derive(Serialize, ToSchema)]
pub struct YearTotal {
    pub year: i32,
    #[schema(minimum = 0)]
    pub amount_sek: i64,
}

/// A sum for a source (a checked sum, never negative).
#[derive(Serialize, ToSchema)]
pub struct SourceTotal {
    pub source_name: String,
    #[schema(minimum = 0)]
    pub amount_sek: i64,
}

/// Funding lines and their totals.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "lines": [
        {"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c3001", "source_unit_id": "0193516a-0000-7000-8000-00000000000c", "source_name": "Social resursförvaltning (activity houses)", "year": 2015, "amount_sek": 100000},
        {"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c3002", "source_unit_id": null, "source_name": "State PRIO grant", "year": 2015, "amount_sek": 300000}
    ],
    "by_year": [{"year": 2015, "amount_sek": 400000}],
    "by_source": [{"source_name": "Social resursförvaltning (activity houses)", "amount_sek": 100000}, {"source_name": "State PRIO grant", "amount_sek": 300000}],
    "total_sek": 400000
}))]
pub struct FundingView {
    pub lines: Vec<FundingLineView>,
    pub by_year: Vec<YearTotal>,
    pub by_source: Vec<SourceTotal>,
    /// The checked sum of every line, never negative.
    #[schema(minimum = 0)]
    pub total_sek: i64,
}

impl TryFrom<Vec<FundingLine>> for FundingView {
    type Error = crate::domain::money::Overflow;
    fn try_from(lines: Vec<FundingLine>) -> Result<Self, Self::Error> {
        let totals = funding_totals(&lines)?;
        Ok(FundingView {
            by_year: totals
                .by_year
                .into_iter()
                .map(|(year, amount_sek)| YearTotal { year, amount_sek })
                .collect(),
            by_source: totals
                .by_source
                .into_iter()
                .map(|(source_name, amount_sek)| SourceTotal {
                    source_name,
                    amount_sek,
                })
                .collect(),
            total_sek: totals.total_sek,
            lines: lines.into_iter().map(Into::into).collect(),
        })
    }
}

/// A contribution in kind.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c3101", "organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "unit_id": null, "kind": "volunteer_hours", "description": "Members lead the weekly walks", "estimated_value_sek": 40000}))]
pub struct InKindView {
    pub id: Uuid,
    /// The contributing organisation, or null when a city unit contributes.
    pub organisation_id: Option<OrganisationId>,
    pub unit_id: Option<CityUnitId>,
    pub kind: InKindKind,
    #[schema(example = "The activity house in Gunnared, two evenings a week")]
    pub description: String,
    /// Whole kronor, 0 to 10^12.
    #[schema(minimum = 0, maximum = 1000000000000_i64)]
    pub estimated_value_sek: Option<i64>,
}

impl From<InKind> for InKindView {
    fn from(c: InKind) -> Self {
        InKindView {
            id: c.id,
            organisation_id: c.organisation,
            unit_id: c.unit,
            kind: c.kind,
            description: c.description,
            estimated_value_sek: c.estimated_value_sek.map(Sek::kronor),
        }
    }
}

/// A partnership. Contact details are for the city and the parties;
/// internal notes for the city only.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c2001",
    "title": "IOP Friskvårdsklubben – Social resursförvaltning",
    "purpose": "Physical activity for people with mental illness, run by the users' own association at the activity houses.",
    "form": "iop",
    "responsible_unit_id": "0193516a-0000-7000-8000-00000000000c",
    "contact_name": "Samordnare aktivitetshus",
    "contact_email": "aktivitetshus@socialresurs.goteborg.se",
    "initiated_by": "organisation",
    "initiating_organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e",
    "target_groups": ["people with mental illness"],
    "districts": ["centrum", "norra_hisingen", "vastra_goteborg", "angered"],
    "start_date": "2015-01-01",
    "end_date": "2016-12-31",
    "registry_number": "SRF 2015/0042",
    "status": "active",
    "allowed_actions": ["extend", "amend", "terminate", "conclude"],
    "parties": [{"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "role": "lead", "joined_on": "2015-01-01", "left_on": null, "status": "active"}],
    "funding": {"lines": [], "by_year": [{"year": 2015, "amount_sek": 400000}], "by_source": [], "total_sek": 400000},
    "external_id": null,
    "version": 6,
    "created_at": "2014-11-20T09:00:00Z",
    "updated_at": "2015-12-10T14:00:00Z"
}))]
pub struct PartnershipView {
    pub id: PartnershipId,
    pub title: String,
    /// The need and what the partnership shall achieve.
    pub purpose: String,
    pub form: PartnershipForm,
    pub responsible_unit_id: CityUnitId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    pub initiated_by: Initiator,
    pub initiating_organisation_id: Option<OrganisationId>,
    pub target_groups: Vec<String>,
    pub districts: Vec<District>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// Diarienummer.
    pub registry_number: Option<String>,
    pub status: PartnershipStatus,
    /// The state changes this caller may make now (the state's transitions
    /// that the role matrix lets this caller take).
    pub allowed_actions: Vec<PartnershipAction>,
    /// City only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_notes: Option<String>,
    /// Parties and, for those who may see them, invitations.
    pub parties: Vec<PartyView>,
    pub funding: FundingView,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A partnership with what its view shows beside it.
pub(super) struct Full {
    pub(super) loaded: Loaded,
    pub(super) funding: FundingView,
}

pub(super) fn full(conn: &mut DbConnection, loaded: Loaded) -> Result<Full, StoreError> {
    let funding = store::funding_lines(conn, loaded.partnership.id)?.try_into()?;
    Ok(Full { loaded, funding })
}

/// A page of partnerships with their parties and funding: one statement per
/// child table for the whole page, whatever its size.
pub(super) fn full_page(
    conn: &mut DbConnection,
    page: Page<Partnership>,
) -> Result<Page<Full>, StoreError> {
    let ids: Vec<PartnershipId> = page.items.iter().map(|p| p.id).collect();
    let mut parties = store::parties_of(conn, &ids)?;
    let mut funding = store::funding_lines_of(conn, &ids)?;
    page.try_map(|partnership| {
        Ok(Full {
            funding: funding
                .remove(&partnership.id)
                .unwrap_or_default()
                .try_into()?,
            loaded: Loaded {
                parties: parties.remove(&partnership.id).unwrap_or_default(),
                partnership,
            },
        })
    })
}

impl PartnershipView {
    pub(super) fn for_caller(f: Full, principal: &Principal) -> Self {
        let Full {
            loaded: Loaded {
                partnership: p,
                parties,
            },
            funding,
        } = f;
        let city = can(principal, Action::ReadPartnershipInternals);
        let contacts = city || is_party(principal, &p, &parties);
        let parties = parties_for(principal, &p, &parties);
        let d = p.details;
        PartnershipView {
            id: p.id,
            title: d.title,
            purpose: d.purpose,
            form: d.form,
            responsible_unit_id: d.responsible_unit,
            contact_name: d.contact_name.filter(|_| contacts),
            contact_email: d.contact_email.filter(|_| contacts),
            initiated_by: d.initiated_by,
            initiating_organisation_id: d.initiating_organisation,
            target_groups: d.target_groups,
            districts: d.districts,
            start_date: d.start_date,
            end_date: d.end_date,
            registry_number: d.registry_number,
            status: p.status,
            allowed_actions: p.status.actions_for(
                principal,
                d.responsible_unit,
                d.initiating_organisation,
            ),
            internal_notes: d.internal_notes.filter(|_| city),
            parties,
            funding,
            external_id: d.external_id,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A page of partnerships.
#[derive(Serialize, ToSchema)]
pub struct PartnershipList {
    pub items: Vec<PartnershipView>,
    pub next_cursor: Option<String>,
}

/// The parties of a partnership.
#[derive(Serialize, ToSchema)]
pub struct PartyList {
    pub items: Vec<PartyView>,
    pub next_cursor: Option<String>,
}

/// Everything the parties contribute.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "funding": {
        "lines": [
            {"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c3001", "source_unit_id": "0193516a-0000-7000-8000-00000000000c", "source_name": "Social resursförvaltning (activity houses)", "year": 2015, "amount_sek": 100000},
            {"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c3002", "source_unit_id": null, "source_name": "State PRIO grant", "year": 2015, "amount_sek": 300000}
        ],
        "by_year": [{"year": 2015, "amount_sek": 400000}],
        "by_source": [
            {"source_name": "Social resursförvaltning (activity houses)", "amount_sek": 100000},
            {"source_name": "State PRIO grant", "amount_sek": 300000}
        ],
        "total_sek": 400000
    },
    "in_kind": [
        {"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c3101", "organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "unit_id": null, "kind": "volunteer_hours", "description": "Members lead the weekly walks", "estimated_value_sek": 40000},
        {"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c3102", "organisation_id": null, "unit_id": "0193516a-0000-7000-8000-00000000000c", "kind": "premises", "description": "The activity house in Gunnared, two evenings a week", "estimated_value_sek": null}
    ],
    "in_kind_estimated_sek": 40000
}))]
pub struct ContributionsView {
    pub funding: FundingView,
    pub in_kind: Vec<InKindView>,
    /// The estimated value of in-kind contributions, where estimated (a
    /// checked sum, never negative).
    #[schema(minimum = 0)]
    pub in_kind_estimated_sek: i64,
}

/// A commitment: what a party does.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c4001", "owner_organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "owner_unit_id": null, "description": "One activity per week per term at the Hisingen activity house", "due_on": null, "recurrence": "weekly during terms", "status": "ongoing", "version": 2}))]
pub struct CommitmentView {
    pub id: Uuid,
    pub owner_organisation_id: Option<OrganisationId>,
    pub owner_unit_id: Option<CityUnitId>,
    pub description: String,
    pub due_on: Option<NaiveDate>,
    pub recurrence: Option<String>,
    pub status: CommitmentStatus,
    pub version: i64,
}

impl From<Commitment> for CommitmentView {
    fn from(c: Commitment) -> Self {
        CommitmentView {
            id: c.id,
            owner_organisation_id: c.organisation,
            owner_unit_id: c.unit,
            description: c.description,
            due_on: c.due_on,
            recurrence: c.recurrence,
            status: c.status,
            version: c.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommitmentList {
    pub items: Vec<CommitmentView>,
    pub next_cursor: Option<String>,
}

/// A follow-up: a meeting, a report or an evaluation, with the action plan's
/// indicators (perceived reception, effects).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c4101", "held_on": "2015-12-10", "kind": "report", "summary": "Activities ran every week at five activity houses.", "participants": "The association's board and the activity houses' coordinator", "perceived_reception": 4, "effects": "More members take part in physical activity; two new groups formed.", "filed_by_organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "created_at": "2015-12-10T13:30:00Z"}))]
pub struct FollowUpView {
    pub id: Uuid,
    pub held_on: NaiveDate,
    pub kind: FollowUpKind,
    pub summary: String,
    /// Who took part. It may name people, so only the city and the parties
    /// see it; others get null.
    pub participants: Option<String>,
    /// How the organisation perceived the city's reception, 1 (poor) to 5 (very good).
    pub perceived_reception: Option<i32>,
    pub effects: Option<String>,
    /// The organisation that filed it; null when the city did.
    pub filed_by_organisation_id: Option<OrganisationId>,
    pub created_at: DateTime<Utc>,
}

impl From<FollowUp> for FollowUpView {
    fn from(f: FollowUp) -> Self {
        FollowUpView {
            id: f.id,
            held_on: f.held_on,
            kind: f.kind,
            summary: f.summary,
            participants: f.participants,
            perceived_reception: f.perceived_reception,
            effects: f.effects,
            filed_by_organisation_id: f.filed_by_organisation,
            created_at: f.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpList {
    pub items: Vec<FollowUpView>,
    pub next_cursor: Option<String>,
}

/// One change in a partnership's history.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"at": "2015-12-10T14:00:00Z", "actor": "samordnare@socialresurs.goteborg.se", "actor_role": "city_staff", "change": "period", "from_status": "active", "to_status": "active", "detail": "extended: period 2015-01-01 to 2015-12-31 became 2015-01-01 to 2016-12-31", "reason": "Extended through 2016"}))]
pub struct HistoryView {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_role: String,
    /// `created`, `status`, `period`, `amendment`, `party` or `funding`.
    pub change: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub detail: String,
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryList {
    pub items: Vec<HistoryView>,
    pub next_cursor: Option<String>,
}
