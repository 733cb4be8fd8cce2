//! `/api/v1/partnerships`: IOP agreements and other collaborations between a
//! city unit and organisations, with parties, contributions, commitments,
//! follow-ups and a history the organisations can follow.

mod commitments;
mod contributions;
mod follow_ups;
mod history;
mod lifecycle;
mod parties;
mod requests;
mod views;

pub use commitments::*;
pub use contributions::*;
pub use follow_ups::*;
pub use history::*;
pub use lifecycle::*;
pub use parties::*;
pub use requests::*;
pub use views::*;

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{HeldJsonBody, JsonBody, OptionalJsonBody, Precondition};
use super::{all_valid, fields_valid, merge_patch_field, paging, respond, set};
use crate::api::AppState;
use crate::auth::{Caller, SignedIn};
use crate::db::page::Page;
use crate::db::partnerships::{
    self as store, ActionInput, Answer, Commitment, FollowUp, InKind, ListScope, Loaded,
    NewFundingLine, PartnershipFilter,
};
use crate::db::Actor;
use crate::db::{DbConnection, StoreError};
use crate::domain::access::{authorize, can, Action, Principal};
use crate::domain::district::District;
use crate::domain::ids::{CityUnitId, OrganisationId, PartnershipId};
use crate::domain::money::Sek;
use crate::domain::partnership::{
    check_follow_up_voice, check_invitation_answer, funding_totals, in_kind_total, is_party,
    may_add_party, may_change, may_file_follow_up, may_record_in_kind, party_shown_to,
    status_when_named, CommitmentStatus, FollowUpKind, FollowUpVoice, FundingLine, InKindKind,
    Initiator, InvitationRefusal, Partnership, PartnershipAction, PartnershipDetails,
    PartnershipForm, PartnershipStatus, Party, PartyRole, PartyStatus,
};
use crate::domain::{FieldError, IfMatch};
use crate::error::{ApiError, Problem};

fn scope(principal: &Principal) -> ListScope {
    match principal {
        Principal::Partner { organisation, .. } => ListScope::PublicAnd(Some(*organisation)),
        p if can(p, Action::ReadEveryCase) => ListScope::Everything,
        _ => ListScope::PublicAnd(None),
    }
}

/// Refuses a caller who may not manage the partnership (after hiding it from
/// those who may not see it).
fn manage(principal: &Principal) -> impl Fn(&Loaded) -> Result<(), StoreError> + '_ {
    move |l| {
        visible(principal, l)?;
        Ok(authorize(
            principal,
            Action::ManagePartnership(l.partnership.details.responsible_unit),
        )?)
    }
}

fn visible(principal: &Principal, l: &Loaded) -> Result<(), StoreError> {
    if crate::domain::partnership::visible_to(principal, &l.partnership, &l.parties) {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// Whether the caller may see a partnership (for links from other resources).
pub fn partnership_visible(
    conn: &mut DbConnection,
    id: PartnershipId,
    principal: &Principal,
) -> Result<bool, StoreError> {
    match store::load_visible(conn, id, principal) {
        Ok(_) => Ok(true),
        Err(StoreError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Registers the routes of partnerships and what hangs on them; utoipa collects
/// each one into the spec, so the spec cannot drift from what is served.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_partnerships)
        .service(create_partnership)
        .service(get_partnership)
        .service(update_partnership)
        .service(list_parties)
        .service(add_party)
        .service(get_party)
        .service(remove_party)
        .service(accept_partnership_invitation)
        .service(decline_partnership_invitation)
        .service(get_contributions)
        .service(add_funding_line)
        .service(get_funding_line)
        .service(add_in_kind)
        .service(get_in_kind)
        .service(list_commitments)
        .service(add_commitment)
        .service(get_commitment)
        .service(update_commitment)
        .service(list_follow_ups)
        .service(add_follow_up)
        .service(get_follow_up)
        .service(get_history)
        // Last: `/partnerships/{id}/{action}` would otherwise catch the
        // sub-resources above (`/partnerships/{id}/parties`, ...).
        .service(act_on_partnership);
}
