//! Webhook subscriptions, their deliveries and the attempts log.
//!
//! Deliveries come from the outbox through [`outbox::consume`] under the
//! consumer name `webhooks`, so each event is fanned out once however many
//! replicas run. A replica sends a delivery only after claiming it
//! ([`claim_due`]): in a write transaction (on PostgreSQL with `FOR UPDATE
//! SKIP LOCKED`, on SQLite under its one write lock) it sets a lease and
//! moves `next_attempt_at` past the attempt's timeout, so no other replica
//! takes it meanwhile; a replica that dies mid-delivery leaves the claim to
//! lapse and another sends it. Subscriptions are admin configuration, not a
//! domain resource: their changes are not in the outbox.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::organisations::utc;
use super::outbox::{self, Event};
use super::parsed::Parsed;
use super::schema::{
    webhook_attempts as wa, webhook_deliveries as wd, webhook_subscriptions as ws,
};
use super::{list_column, parse_list, write_transaction, DbConnection, StoreError};
use crate::domain::ids::{WebhookDeliveryId, WebhookSubscriptionId};
use crate::domain::webhook::{
    AfterAttempt, DeliveryStatus, EventTypeFilter, RetryPolicy, Secret, WebhookSubscription, PING,
};
use crate::domain::{FieldError, IfMatch, Version};

/// The outbox consumer that fans events out to subscriptions.
pub const CONSUMER: &str = "webhooks";

/// What an admin sets on a subscription.
#[derive(Debug, Clone)]
pub struct SubscriptionDetails {
    pub url: String,
    pub event_types: Vec<EventTypeFilter>,
    pub description: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ws)]
struct SubscriptionRow {
    id: Parsed<WebhookSubscriptionId>,
    url: String,
    event_types: String,
    description: Option<String>,
    enabled: bool,
    disabled_reason: Option<String>,
    consecutive_failures: i64,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<SubscriptionRow> for WebhookSubscription {
    type Error = StoreError;
    fn try_from(r: SubscriptionRow) -> Result<Self, StoreError> {
        Ok(WebhookSubscription {
            id: r.id.0,
            url: r.url,
            event_types: parse_list(&r.event_types, "webhook event type")?,
            description: r.description,
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            consecutive_failures: r.consecutive_failures,
            version: r.version,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        })
    }
}

/// One delivery of one event to one subscription, with its attempts.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: WebhookDeliveryId,
    pub subscription_id: WebhookSubscriptionId,
    /// The `webhook-id` of every attempt: the change's id (a ping's own).
    pub event_id: String,
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub last_latency_ms: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The attempts, oldest first.
    pub log: Vec<Attempt>,
}

/// One attempt to send a delivery.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i64>,
    /// Why it failed (a status that is not 2xx, a timeout, a refused address).
    pub error: Option<String>,
    pub latency_ms: i64,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = wd)]
struct DeliveryRow {
    id: Parsed<WebhookDeliveryId>,
    subscription_id: Parsed<WebhookSubscriptionId>,
    event_id: String,
    event_type: String,
    occurred_at: NaiveDateTime,
    status: Parsed<DeliveryStatus>,
    attempts: i64,
    next_attempt_at: NaiveDateTime,
    last_status: Option<i64>,
    last_error: Option<String>,
    last_latency_ms: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        Delivery {
            id: r.id.0,
            subscription_id: r.subscription_id.0,
            event_id: r.event_id,
            event_type: r.event_type,
            occurred_at: utc(r.occurred_at),
            status: r.status.0,
            attempts: r.attempts,
            next_attempt_at: (r.status.0 == DeliveryStatus::Pending)
                .then(|| utc(r.next_attempt_at)),
            last_status: r.last_status,
            last_error: r.last_error,
            last_latency_ms: r.last_latency_ms,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
            log: Vec::new(),
        }
    }
}

pub fn find(
    conn: &mut DbConnection,
    id: WebhookSubscriptionId,
) -> Result<Option<WebhookSubscription>, StoreError> {
    ws::table
        .find(id.to_string())
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()?
        .map(WebhookSubscription::try_from)
        .transpose()
}

/// Every subscription, oldest first (admin configuration: few rows).
pub fn list(conn: &mut DbConnection) -> Result<Vec<WebhookSubscription>, StoreError> {
    ws::table
        .order(ws::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(WebhookSubscription::try_from)
        .collect()
}

/// Whether any subscription is enabled.
fn any_enabled(conn: &mut DbConnection) -> Result<bool, StoreError> {
    Ok(
        diesel::select(diesel::dsl::exists(ws::table.filter(ws::enabled.eq(true))))
            .get_result(conn)?,
    )
}

pub fn insert(
    conn: &mut DbConnection,
    details: SubscriptionDetails,
    secret: &Secret,
) -> Result<WebhookSubscription, StoreError> {
    let id = WebhookSubscriptionId::new();
    let now = crate::domain::now().naive_utc();
    diesel::insert_into(ws::table)
        .values((
            ws::id.eq(id.to_string()),
            ws::url.eq(&details.url),
            ws::event_types.eq(list_column(&details.event_types)),
            ws::description.eq(&details.description),
            ws::secret.eq(secret.expose()),
            ws::enabled.eq(details.enabled),
            ws::disabled_reason.eq(&details.disabled_reason),
            ws::consecutive_failures.eq(0),
            ws::version.eq(1),
            ws::created_at.eq(now),
            ws::updated_at.eq(now),
        ))
        .execute(conn)?;
    find(conn, id)?.ok_or(StoreError::NotFound)
}

/// The subscription, locked for a change, with its version checked.
fn current(
    conn: &mut DbConnection,
    id: WebhookSubscriptionId,
    precondition: Option<IfMatch>,
) -> Result<WebhookSubscription, StoreError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT id FROM webhook_subscriptions WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(id.to_string())
            .execute(pg)?;
    }
    let current = find(conn, id)?.ok_or(StoreError::NotFound)?;
    if !Version(current.version).satisfies(precondition) {
        return Err(StoreError::VersionMismatch {
            current_version: current.version,
        });
    }
    Ok(current)
}

/// Replaces a subscription's details after `change` computed them from the
/// current ones. Enabling clears the count of failures.
pub fn update(
    conn: &mut DbConnection,
    id: WebhookSubscriptionId,
    precondition: Option<IfMatch>,
    change: impl FnOnce(SubscriptionDetails) -> Result<SubscriptionDetails, Vec<FieldError>>,
) -> Result<WebhookSubscription, StoreError> {
    write_transaction(conn, |conn| {
        let current = current(conn, id, precondition)?;
        let was_enabled = current.enabled;
        let details = change(SubscriptionDetails {
            url: current.url,
            event_types: current.event_types,
            description: current.description,
            enabled: current.enabled,
            disabled_reason: current.disabled_reason,
        })
        .map_err(StoreError::Invalid)?;
        let failures = if details.enabled && !was_enabled {
            0
        } else {
            current.consecutive_failures
        };
        diesel::update(ws::table.find(id.to_string()))
            .set((
                ws::url.eq(&details.url),
                ws::event_types.eq(list_column(&details.event_types)),
                ws::description.eq(&details.description),
                ws::enabled.eq(details.enabled),
                ws::disabled_reason.eq(&details.disabled_reason),
                ws::consecutive_failures.eq(failures),
                ws::version.eq(current.version + 1),
                ws::updated_at.eq(crate::domain::now().naive_utc()),
            ))
            .execute(conn)?;
        find(conn, id)?.ok_or(StoreError::NotFound)
    })
}

pub fn delete(
    conn: &mut DbConnection,
    id: WebhookSubscriptionId,
    precondition: Option<IfMatch>,
) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        current(conn, id, precondition)?;
        diesel::delete(ws::table.find(id.to_string())).execute(conn)?;
        Ok(())
    })
}

/// Gives a subscription a new secret; the old one still signs until
/// `grace_until`.
pub fn rotate_secret(
    conn: &mut DbConnection,
    id: WebhookSubscriptionId,
    precondition: Option<IfMatch>,
    secret: &Secret,
    grace_until: DateTime<Utc>,
) -> Result<WebhookSubscription, StoreError> {
    write_transaction(conn, |conn| {
        let current = current(conn, id, precondition)?;
        let old: String = ws::table
            .find(id.to_string())
            .select(ws::secret)
            .first(conn)?;
        diesel::update(ws::table.find(id.to_string()))
            .set((
                ws::secret.eq(secret.expose()),
                ws::previous_secret.eq(Some(old)),
                ws::previous_secret_until.eq(Some(grace_until.naive_utc())),
                ws::version.eq(current.version + 1),
                ws::updated_at.eq(crate::domain::now().naive_utc()),
            ))
            .execute(conn)?;
        find(conn, id)?.ok_or(StoreError::NotFound)
    })
}

/// Queues a delivery; `false` when the subscription already has one of
/// this event.
fn queue(
    conn: &mut DbConnection,
    subscription: WebhookSubscriptionId,
    event_id: &str,
    event_type: &str,
    occurred_at: DateTime<Utc>,
    payload: &str,
) -> Result<Option<WebhookDeliveryId>, StoreError> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        wd::table
            .filter(wd::subscription_id.eq(subscription.to_string()))
            .filter(wd::event_id.eq(event_id)),
    ))
    .get_result(conn)?;
    if exists {
        return Ok(None);
    }
    let id = WebhookDeliveryId::new();
    let now = crate::domain::now().naive_utc();
    diesel::insert_into(wd::table)
        .values((
            wd::id.eq(id.to_string()),
            wd::subscription_id.eq(subscription.to_string()),
            wd::event_id.eq(event_id),
            wd::event_type.eq(event_type),
            wd::occurred_at.eq(occurred_at.naive_utc()),
            wd::payload.eq(payload),
            wd::status.eq(DeliveryStatus::Pending.as_str()),
            wd::attempts.eq(0),
            wd::next_attempt_at.eq(now),
            wd::created_at.eq(now),
            wd::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(Some(id))
}

/// Queues a test ping to a subscription (sent also while it is disabled,
/// to check a receiver before enabling it again).
pub fn ping(
    conn: &mut DbConnection,
    id: WebhookSubscriptionId,
    payload: &str,
) -> Result<Delivery, StoreError> {
    write_transaction(conn, |conn| {
        find(conn, id)?.ok_or(StoreError::NotFound)?;
        let event_id = uuid::Uuid::now_v7().to_string();
        let delivery = queue(conn, id, &event_id, PING, crate::domain::now(), payload)?
            .ok_or(StoreError::NotFound)?;
        find_delivery(conn, id, delivery)?.ok_or(StoreError::NotFound)
    })
}

/// A subscription's deliveries, newest first: `limit` of them from
/// position `start`, and how many there are in all.
pub fn deliveries(
    conn: &mut DbConnection,
    subscription: WebhookSubscriptionId,
    limit: usize,
    start: usize,
) -> Result<(Vec<Delivery>, usize), StoreError> {
    find(conn, subscription)?.ok_or(StoreError::NotFound)?;
    let of = wd::table.filter(wd::subscription_id.eq(subscription.to_string()));
    let total: i64 = of.clone().count().get_result(conn)?;
    let rows: Vec<DeliveryRow> = of
        .order(wd::id.desc())
        .limit(limit as i64)
        .offset(start as i64)
        .select(DeliveryRow::as_select())
        .load(conn)?;
    let mut found: Vec<Delivery> = rows.into_iter().map(Delivery::from).collect();
    with_log(conn, &mut found)?;
    Ok((found, total as usize))
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = wa)]
struct AttemptRow {
    delivery_id: String,
    attempted_at: NaiveDateTime,
    status_code: Option<i64>,
    error: Option<String>,
    latency_ms: i64,
}

/// What sending a claimed delivery takes, as read.
#[derive(Queryable)]
struct ClaimRow {
    id: Parsed<WebhookDeliveryId>,
    subscription_id: Parsed<WebhookSubscriptionId>,
    event_id: String,
    payload: String,
    attempts: i64,
    url: String,
    secret: String,
    previous_secret: Option<String>,
    previous_secret_until: Option<NaiveDateTime>,
}

/// Fills in each delivery's attempts.
fn with_log(conn: &mut DbConnection, deliveries: &mut [Delivery]) -> Result<(), StoreError> {
    let ids: Vec<String> = deliveries.iter().map(|d| d.id.to_string()).collect();
    let rows: Vec<AttemptRow> = wa::table
        .filter(wa::delivery_id.eq_any(&ids))
        .order(wa::id.asc())
        .select(AttemptRow::as_select())
        .load(conn)?;
    for row in rows {
        if let Some(d) = deliveries
            .iter_mut()
            .find(|d| d.id.to_string() == row.delivery_id)
        {
            d.log.push(Attempt {
                attempted_at: utc(row.attempted_at),
                status_code: row.status_code,
                error: row.error,
                latency_ms: row.latency_ms,
            });
        }
    }
    Ok(())
}

pub fn find_delivery(
    conn: &mut DbConnection,
    subscription: WebhookSubscriptionId,
    id: WebhookDeliveryId,
) -> Result<Option<Delivery>, StoreError> {
    let Some(row) = wd::table
        .find(id.to_string())
        .filter(wd::subscription_id.eq(subscription.to_string()))
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let mut found = [Delivery::from(row)];
    with_log(conn, &mut found)?;
    let [delivery] = found;
    Ok(Some(delivery))
}

/// The set that puts a delivery back in the queue, due now, with a fresh
/// count of attempts (its log is kept).
macro_rules! requeued {
    ($now:expr) => {
        (
            wd::status.eq(DeliveryStatus::Pending.as_str()),
            wd::attempts.eq(0),
            wd::next_attempt_at.eq($now),
            wd::lease.eq(None::<String>),
            wd::updated_at.eq($now),
        )
    };
}

/// Sends one delivery again (whatever its status), with the same
/// `webhook-id` and body.
pub fn replay(
    conn: &mut DbConnection,
    subscription: WebhookSubscriptionId,
    id: WebhookDeliveryId,
) -> Result<Delivery, StoreError> {
    write_transaction(conn, |conn| {
        find_delivery(conn, subscription, id)?.ok_or(StoreError::NotFound)?;
        let now = crate::domain::now().naive_utc();
        diesel::update(wd::table.find(id.to_string()))
            .set(requeued!(now))
            .execute(conn)?;
        find_delivery(conn, subscription, id)?.ok_or(StoreError::NotFound)
    })
}

/// Sends again every change of `[from, to)` that the subscription takes:
/// its deliveries are queued again, and changes still in the outbox that it
/// has no delivery of (it was disabled, or did not exist yet) are queued
/// for the first time. Returns how many were queued.
pub fn replay_range(
    conn: &mut DbConnection,
    subscription: WebhookSubscriptionId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    payload: &dyn Fn(&Event) -> String,
) -> Result<usize, StoreError> {
    write_transaction(conn, |conn| {
        let sub = find(conn, subscription)?.ok_or(StoreError::NotFound)?;
        let now = crate::domain::now().naive_utc();
        let mut queued = diesel::update(
            wd::table
                .filter(wd::subscription_id.eq(subscription.to_string()))
                .filter(wd::occurred_at.ge(from.naive_utc()))
                .filter(wd::occurred_at.lt(to.naive_utc()))
                .filter(wd::event_type.ne(PING)),
        )
        .set(requeued!(now))
        .execute(conn)?;
        for event in outbox::between(conn, from, to)? {
            if crate::domain::webhook::subscribed(&sub.event_types, event.resource, &event.action)
                && queue(
                    conn,
                    subscription,
                    &event.event_id.to_string(),
                    &event_type(&event),
                    event.occurred_at,
                    &payload(&event),
                )?
                .is_some()
            {
                queued += 1;
            }
        }
        Ok(queued)
    })
}

fn event_type(event: &Event) -> String {
    format!("{}.{}", event.resource, event.action)
}

/// Hands the next outbox events (at most `batch`) to the enabled
/// subscriptions that take them, as pending deliveries with the body
/// `payload` gives. Events from before a subscription was created are not
/// its (a replay of a time range sends them). Exactly once per event across
/// replicas ([`outbox::consume`]). Returns how many events were taken.
pub fn fan_out(
    conn: &mut DbConnection,
    batch: usize,
    payload: &dyn Fn(&Event) -> String,
) -> Result<usize, StoreError> {
    // Most rounds find nothing new: a read, not the write lock, says so.
    if !outbox::has_after_consumer(conn, CONSUMER)? {
        return Ok(0);
    }
    // With no subscription enabled there is no one to hand anything to:
    // pass over what came (a subscription gets what occurs after it).
    if outbox::pass_over(conn, CONSUMER, |conn| Ok(!any_enabled(conn)?))? {
        return Ok(0);
    }
    outbox::consume(conn, CONSUMER, batch, |conn, events| {
        let subscriptions: Vec<WebhookSubscription> =
            list(conn)?.into_iter().filter(|s| s.enabled).collect();
        for event in events {
            let kind = event_type(event);
            let mut body = None;
            for sub in &subscriptions {
                if event.occurred_at >= sub.created_at
                    && crate::domain::webhook::subscribed(
                        &sub.event_types,
                        event.resource,
                        &event.action,
                    )
                {
                    let body = body.get_or_insert_with(|| payload(event));
                    queue(
                        conn,
                        sub.id,
                        &event.event_id.to_string(),
                        &kind,
                        event.occurred_at,
                        body,
                    )?;
                }
            }
        }
        Ok(())
    })
}

/// A delivery claimed for one attempt, with what it takes to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: WebhookDeliveryId,
    pub subscription_id: WebhookSubscriptionId,
    pub lease: String,
    pub url: String,
    pub event_id: String,
    pub payload: String,
    pub attempts: i64,
    pub secret: Secret,
    /// The secret a rotation replaced, while it still signs.
    pub previous_secret: Option<Secret>,
}

/// Whether any delivery is due (a read: most rounds find none).
pub fn any_due(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(
        wd::table
            .filter(wd::status.eq(DeliveryStatus::Pending.as_str()))
            .filter(wd::next_attempt_at.le(now.naive_utc())),
    ))
    .get_result(conn)?)
}

/// Claims up to `batch` due deliveries of enabled subscriptions (and pings
/// of any) for one attempt each: each gets a lease, and is not due again
/// until `lease_for` has passed, so no other replica sends it meanwhile.
pub fn claim_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    lease_for: std::time::Duration,
    batch: usize,
) -> Result<Vec<Claimed>, StoreError> {
    write_transaction(conn, |conn| {
        let enabled = ws::table.filter(ws::enabled.eq(true)).select(ws::id);
        let due = wd::table
            .filter(wd::status.eq(DeliveryStatus::Pending.as_str()))
            .filter(wd::next_attempt_at.le(now.naive_utc()))
            .filter(
                wd::subscription_id
                    .eq_any(enabled)
                    .or(wd::event_type.eq(PING)),
            )
            .order(wd::next_attempt_at.asc())
            .limit(batch as i64)
            .select(wd::id);
        let ids: Vec<String> = match conn {
            // Rows another replica is claiming are skipped, not waited for.
            DbConnection::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
            DbConnection::Sqlite(_) => due.load(conn)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let lease = uuid::Uuid::new_v4().to_string();
        let until =
            now + chrono::Duration::from_std(lease_for).unwrap_or(chrono::Duration::minutes(5));
        diesel::update(wd::table.filter(wd::id.eq_any(&ids)))
            .set((
                wd::lease.eq(Some(&lease)),
                wd::next_attempt_at.eq(until.naive_utc()),
            ))
            .execute(conn)?;
        let rows: Vec<ClaimRow> = wd::table
            .inner_join(ws::table)
            .filter(wd::id.eq_any(&ids))
            .select((
                wd::id,
                wd::subscription_id,
                wd::event_id,
                wd::payload,
                wd::attempts,
                ws::url,
                ws::secret,
                ws::previous_secret,
                ws::previous_secret_until,
            ))
            .load(conn)?;
        let read = |s: &str| Secret::parse(s).map_err(|_| super::corrupt("webhook secret"));
        rows.into_iter()
            .map(|r| {
                Ok(Claimed {
                    id: r.id.0,
                    subscription_id: r.subscription_id.0,
                    lease: lease.clone(),
                    url: r.url,
                    event_id: r.event_id,
                    payload: r.payload,
                    attempts: r.attempts,
                    secret: read(&r.secret)?,
                    previous_secret: crate::domain::webhook::previous_in_grace(
                        r.previous_secret.as_deref().map(read).transpose()?,
                        r.previous_secret_until.map(utc),
                        now,
                    ),
                })
            })
            .collect()
    })
}

/// The result of one attempt.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    pub at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub latency_ms: i64,
}

impl AttemptResult {
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Records an attempt of a claimed delivery and what follows it: done,
/// due again after the backoff, or failed, which counts against the
/// subscription and may disable it. Nothing is recorded once the claim was
/// lost (it lapsed, or an admin replayed the delivery meanwhile).
pub fn record(
    conn: &mut DbConnection,
    claimed: &Claimed,
    result: &AttemptResult,
    policy: &RetryPolicy,
    jitter: f64,
) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        let held: Option<i64> = wd::table
            .find(claimed.id.to_string())
            .filter(wd::lease.eq(&claimed.lease))
            .select(wd::attempts)
            .first(conn)
            .optional()?;
        let Some(attempts) = held else {
            return Ok(());
        };
        let attempts = attempts + 1;
        let at = result.at.naive_utc();
        diesel::insert_into(wa::table)
            .values((
                wa::delivery_id.eq(claimed.id.to_string()),
                wa::attempted_at.eq(at),
                wa::status_code.eq(result.status_code.map(i64::from)),
                wa::error.eq(&result.error),
                wa::latency_ms.eq(result.latency_ms),
            ))
            .execute(conn)?;
        let after = policy.after_attempt(attempts as u32, result.succeeded(), jitter);
        let (status, next) = match after {
            AfterAttempt::Succeeded => (DeliveryStatus::Succeeded, at),
            AfterAttempt::Failed => (DeliveryStatus::Failed, at),
            AfterAttempt::RetryAfter(delay) => (
                DeliveryStatus::Pending,
                at + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(6)),
            ),
        };
        diesel::update(wd::table.find(claimed.id.to_string()))
            .set((
                wd::status.eq(status.as_str()),
                wd::attempts.eq(attempts),
                wd::next_attempt_at.eq(next),
                wd::lease.eq(None::<String>),
                wd::last_status.eq(result.status_code.map(i64::from)),
                wd::last_error.eq(&result.error),
                wd::last_latency_ms.eq(result.latency_ms),
                wd::updated_at.eq(at),
            ))
            .execute(conn)?;
        let sub = ws::table.find(claimed.subscription_id.to_string());
        match after {
            AfterAttempt::Succeeded => {
                diesel::update(sub.clone())
                    .set(ws::consecutive_failures.eq(0))
                    .execute(conn)?;
            }
            AfterAttempt::Failed => {
                let failures: i64 = diesel::update(sub.clone())
                    .set(ws::consecutive_failures.eq(ws::consecutive_failures + 1))
                    .returning(ws::consecutive_failures)
                    .get_result(conn)?;
                let last = result.error.as_deref().unwrap_or("no answer");
                if let Some(reason) = policy.disables(failures, last) {
                    diesel::update(sub.filter(ws::enabled.eq(true)))
                        .set((
                            ws::enabled.eq(false),
                            ws::disabled_reason.eq(Some(reason)),
                            ws::version.eq(ws::version + 1),
                            ws::updated_at.eq(at),
                        ))
                        .execute(conn)?;
                }
            }
            AfterAttempt::RetryAfter(_) => {}
        }
        Ok(())
    })
}

/// The deliveries still to be sent, and when the oldest of them was due.
pub fn backlog(conn: &mut DbConnection) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
    let pending = wd::table.filter(wd::status.eq(DeliveryStatus::Pending.as_str()));
    let count: i64 = pending.count().get_result(conn)?;
    let oldest: Option<NaiveDateTime> = pending
        .order(wd::occurred_at.asc())
        .select(wd::occurred_at)
        .first(conn)
        .optional()?;
    Ok((count, oldest.map(utc)))
}
