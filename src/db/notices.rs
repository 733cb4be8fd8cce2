//! E-mail notices: made from the outbox's changes (one per change and
//! organisation told), taken by any replica's worker to send, and listed
//! for the organisation they were sent to.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::organisations::utc;
use super::outbox::Event;
use super::schema::notices as nt;
use super::{parse, write_transaction, DbConnection, StoreError};
use crate::domain::change::ResourceType;
use crate::domain::dialogue::RegistrationStatus;
use crate::domain::ids::{DialogueEventId, GrantApplicationId, OrganisationId, RegistrationId};
use crate::domain::notice::{compose, NoticeKind, NoticeStatus, Subject, MAX_ATTEMPTS};
use crate::domain::now;
use crate::domain::organisation::NoticeLanguage;

/// A notice as stored.
#[derive(Debug, Clone)]
pub struct Notice {
    pub id: uuid::Uuid,
    pub organisation_id: OrganisationId,
    pub event_id: uuid::Uuid,
    pub kind: NoticeKind,
    pub language: NoticeLanguage,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub resource: ResourceType,
    pub resource_id: String,
    pub status: NoticeStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = nt)]
struct NoticeRow {
    id: String,
    organisation_id: String,
    event_id: String,
    kind: String,
    language: String,
    recipient: String,
    subject: String,
    body: String,
    resource_type: String,
    resource_id: String,
    status: String,
    attempts: i32,
    last_error: Option<String>,
    #[diesel(deserialize_as = super::stamp::Stamp)]
    created_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
}

impl TryFrom<NoticeRow> for Notice {
    type Error = StoreError;
    fn try_from(r: NoticeRow) -> Result<Self, StoreError> {
        Ok(Notice {
            id: parse(&r.id, "notice id")?,
            organisation_id: parse(&r.organisation_id, "organisation id")?,
            event_id: parse(&r.event_id, "event id")?,
            kind: parse(&r.kind, "notice kind")?,
            language: parse(&r.language, "notice language")?,
            recipient: r.recipient,
            subject: r.subject,
            body: r.body,
            resource: parse(&r.resource_type, "resource type")?,
            resource_id: r.resource_id,
            status: parse(&r.status, "notice status")?,
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: utc(r.created_at),
            sent_at: r.sent_at.map(utc),
        })
    }
}

/// Makes the notices that `events` call for, in the transaction that
/// hands them on (`outbox::consume`), so each change is told once. Only an
/// organisation's own contact address is written to; an organisation
/// without one is not told. `link` gives the API address of a resource.
pub fn make(
    conn: &mut DbConnection,
    events: &[Event],
    link: &dyn Fn(ResourceType, &str) -> String,
) -> Result<usize, StoreError> {
    let mut made = 0;
    for event in events {
        let Some(kind) = NoticeKind::for_change(event.resource, &event.action) else {
            continue;
        };
        let Some((organisations, about)) = concerned(conn, event)? else {
            continue;
        };
        // A registration's notice is about its event: what the organisation
        // reads next.
        let (about_type, about_id) = match (&event.resource, &event.parent) {
            (ResourceType::DialogueRegistration, Some((parent, parent_id))) => (*parent, parent_id),
            _ => (event.resource, &event.resource_id),
        };
        let href = link(about_type, about_id);
        for organisation in organisations {
            let Some(org) = super::organisations::find(conn, organisation)? else {
                continue;
            };
            let Some(recipient) = org.details.contact_email else {
                continue;
            };
            let language = org.details.notice_language;
            let message = compose(kind, language, &about, &href);
            let at = now().naive_utc();
            diesel::insert_into(nt::table)
                .values((
                    nt::id.eq(uuid::Uuid::now_v7().to_string()),
                    nt::organisation_id.eq(organisation.to_string()),
                    nt::event_id.eq(event.event_id.to_string()),
                    nt::kind.eq(kind.as_str()),
                    nt::language.eq(language.as_str()),
                    nt::recipient.eq(recipient),
                    nt::subject.eq(message.subject),
                    nt::body.eq(message.body),
                    nt::resource_type.eq(about_type.as_str()),
                    nt::resource_id.eq(about_id),
                    nt::status.eq(NoticeStatus::Pending.as_str()),
                    nt::attempts.eq(0),
                    nt::next_attempt_at.eq(at),
                    nt::created_at.eq(at),
                ))
                .execute(conn)?;
            made += 1;
        }
    }
    Ok(made)
}

/// The organisations a change concerns, and what it is about as it stands
/// now; `None` when the resource is gone or the change concerns nobody (a
/// registration that went to the waiting list is not confirmed).
fn concerned(
    conn: &mut DbConnection,
    event: &Event,
) -> Result<Option<(Vec<OrganisationId>, Subject)>, StoreError> {
    use super::dialogue_events as events;
    match event.resource {
        ResourceType::GrantApplication => {
            let id: GrantApplicationId = parse(&event.resource_id, "application id")?;
            let Some(application) = super::grants::find_application(conn, id)? else {
                return Ok(None);
            };
            let about = Subject::Application {
                title: application.details.title.clone(),
                decision: application
                    .decision
                    .as_ref()
                    .map(|d| (d.outcome, d.granted_sek)),
                paid: application.paid_sek,
            };
            Ok(Some((vec![application.details.organisation], about)))
        }
        ResourceType::DialogueRegistration => {
            let Some((ResourceType::DialogueEvent, event_id)) = &event.parent else {
                return Ok(None);
            };
            let event_id: DialogueEventId = parse(event_id, "event id")?;
            let registration_id: RegistrationId = parse(&event.resource_id, "registration id")?;
            let (Some(dialogue), Some(registration)) = (
                events::find(conn, event_id)?,
                events::find_registration(conn, event_id, registration_id)?,
            ) else {
                return Ok(None);
            };
            // A new registration is confirmed only if it got a place then
            // (the change's state); one on the waiting list is told when it
            // moves up.
            let waitlisted = RegistrationStatus::Waitlisted.as_str();
            if event.action == crate::domain::change::CREATED
                && event.state.as_deref().is_none_or(|s| s == waitlisted)
            {
                return Ok(None);
            }
            Ok(Some((
                vec![registration.organisation_id],
                event_subject(&dialogue),
            )))
        }
        ResourceType::DialogueEvent => {
            let id: DialogueEventId = parse(&event.resource_id, "event id")?;
            let Some(dialogue) = events::find(conn, id)? else {
                return Ok(None);
            };
            // Everyone with a place or on the waiting list: a change or a
            // cancellation matters to both.
            let mut organisations: Vec<OrganisationId> = events::registrations(conn, id)?
                .into_iter()
                .filter(|r| r.status != RegistrationStatus::Cancelled)
                .map(|r| r.organisation_id)
                .collect();
            organisations.sort();
            organisations.dedup();
            Ok(Some((organisations, event_subject(&dialogue))))
        }
        _ => Ok(None),
    }
}

fn event_subject(dialogue: &crate::domain::dialogue::DialogueEvent) -> Subject {
    Subject::Event {
        title: dialogue.details.title.clone(),
        starts: crate::domain::local_time::to_local(dialogue.details.starts_at)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        reason: dialogue.cancellation_reason.clone(),
    }
}

/// A notice a worker took to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// This attempt's number, from 1.
    pub attempt: i32,
}

/// Takes up to `batch` notices that are due, for this worker alone: each is
/// moved `lease` into the future and its attempt counted, in one short
/// transaction (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so replicas take
/// different notices; SQLite: the write lock). The sending happens outside
/// any transaction; a worker that dies mid-send leaves the notice to be
/// taken again when the lease ends (at least once).
pub fn take_due(
    conn: &mut DbConnection,
    batch: usize,
    lease: chrono::Duration,
) -> Result<Vec<Outgoing>, StoreError> {
    // Most rounds find nothing due: a read, not the write lock, says so.
    let due = nt::table
        .filter(nt::status.eq(NoticeStatus::Pending.as_str()))
        .filter(nt::next_attempt_at.le(now().naive_utc()));
    if !diesel::select(diesel::dsl::exists(due)).get_result::<bool>(conn)? {
        return Ok(Vec::new());
    }
    write_transaction(conn, |conn| {
        let at = now();
        let ids: Vec<String> = match conn {
            DbConnection::Postgres(pg) => {
                #[derive(QueryableByName)]
                struct Due {
                    #[diesel(sql_type = diesel::sql_types::Text)]
                    id: String,
                }
                diesel::sql_query(
                    "SELECT id FROM notices WHERE status = 'pending' AND next_attempt_at <= $1 \
                     ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
                )
                .bind::<diesel::sql_types::Timestamp, _>(at.naive_utc())
                .bind::<diesel::sql_types::BigInt, _>(batch as i64)
                .load::<Due>(pg)?
                .into_iter()
                .map(|d| d.id)
                .collect()
            }
            DbConnection::Sqlite(_) => nt::table
                .filter(nt::status.eq(NoticeStatus::Pending.as_str()))
                .filter(nt::next_attempt_at.le(at.naive_utc()))
                .order((nt::next_attempt_at.asc(), nt::id.asc()))
                .limit(batch as i64)
                .select(nt::id)
                .load(conn)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(nt::table.filter(nt::id.eq_any(&ids)))
            .set((
                nt::attempts.eq(nt::attempts + 1),
                nt::next_attempt_at.eq((at + lease).naive_utc()),
            ))
            .execute(conn)?;
        let taken: Vec<(String, String, String, String, i32)> = nt::table
            .filter(nt::id.eq_any(&ids))
            .order((nt::next_attempt_at.asc(), nt::id.asc()))
            .select((nt::id, nt::recipient, nt::subject, nt::body, nt::attempts))
            .load(conn)?;
        Ok(taken
            .into_iter()
            .map(|(id, recipient, subject, body, attempt)| Outgoing {
                id,
                recipient,
                subject,
                body,
                attempt,
            })
            .collect())
    })
}

/// Records that the SMTP server accepted a notice.
pub fn sent(conn: &mut DbConnection, id: &str) -> Result<(), StoreError> {
    diesel::update(nt::table.find(id))
        .set((
            nt::status.eq(NoticeStatus::Sent.as_str()),
            nt::sent_at.eq(Some(now().naive_utc())),
            nt::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: tried again at `retry_at`, or `failed` for
/// good after the last attempt.
pub fn attempt_failed(
    conn: &mut DbConnection,
    id: &str,
    attempt: i32,
    error: &str,
    retry_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let error: String = error.chars().take(1000).collect();
    let status = if attempt >= MAX_ATTEMPTS {
        NoticeStatus::Failed
    } else {
        NoticeStatus::Pending
    };
    diesel::update(nt::table.find(id))
        .set((
            nt::status.eq(status.as_str()),
            nt::last_error.eq(Some(error)),
            nt::next_attempt_at.eq(retry_at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The notices made for an organisation, oldest first: those from position
/// `start` on (at most `limit`), and how many there are in all.
pub fn of_organisation(
    conn: &mut DbConnection,
    organisation: OrganisationId,
    start: usize,
    limit: usize,
) -> Result<(Vec<Notice>, usize), StoreError> {
    let total: i64 = nt::table
        .filter(nt::organisation_id.eq(organisation.to_string()))
        .count()
        .get_result(conn)?;
    let notices = nt::table
        .filter(nt::organisation_id.eq(organisation.to_string()))
        .order((nt::created_at.asc(), nt::id.asc()))
        .offset(start as i64)
        .limit(limit as i64)
        .select(NoticeRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Notice::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((notices, total as usize))
}

/// One notice of an organisation; `None` when it has none with that id.
pub fn find(
    conn: &mut DbConnection,
    organisation: OrganisationId,
    id: uuid::Uuid,
) -> Result<Option<Notice>, StoreError> {
    nt::table
        .filter(nt::organisation_id.eq(organisation.to_string()))
        .filter(nt::id.eq(id.to_string()))
        .select(NoticeRow::as_select())
        .first(conn)
        .optional()?
        .map(Notice::try_from)
        .transpose()
}

/// The notices waiting to be sent, those given up on, and when the oldest
/// waiting one was made.
pub fn backlog(conn: &mut DbConnection) -> Result<(i64, i64, Option<DateTime<Utc>>), StoreError> {
    let pending = nt::table.filter(nt::status.eq(NoticeStatus::Pending.as_str()));
    let waiting: i64 = pending.count().get_result(conn)?;
    let failed: i64 = nt::table
        .filter(nt::status.eq(NoticeStatus::Failed.as_str()))
        .count()
        .get_result(conn)?;
    let oldest: Option<NaiveDateTime> = pending
        .order(nt::created_at.asc())
        .select(nt::created_at)
        .first(conn)
        .optional()?;
    Ok((waiting, failed, oldest.map(utc)))
}
