//! The outbox: every committed change of a resource, appended in the
//! transaction of the change (beside its history entry), so an event never
//! exists without its change and a change that rolls back leaves none.
//!
//! Its order is the position `(txid, id)`. On PostgreSQL `txid` is the
//! writing transaction's id (its default, `pg_current_xact_id()`), and
//! [`after`] hands out only rows below the *horizon*: the oldest transaction
//! still running when the read began. Every transaction below the horizon
//! has ended, and every transaction that has not ended, or starts later, has
//! an id at or above it; so a row that commits late always lands at a
//! position no reader has passed yet. On SQLite `txid` is 0 and the
//! position is `id`: write transactions take the one write lock at their
//! start (`BEGIN IMMEDIATE`), so ids are given in commit order.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::organisations::utc;
use super::page::Cursor;
use super::parsed::Parsed;
use super::schema::{outbox_events as ev, outbox_pruned};
use super::{list_column, parse_list, Actor, DbConnection, StoreError};
use crate::domain::change::{Audience, ResourceType, Via};
use crate::domain::now;

/// A change to append.
#[derive(Debug, Clone)]
pub struct Change {
    pub resource: ResourceType,
    pub id: String,
    /// The resource it belongs to (a payment's application, an event's registration).
    pub parent: Option<(ResourceType, String)>,
    /// `created`, `updated`, `deleted`, or a state action (`submit`).
    pub action: String,
    /// The resource's (or its parent's) version after the change, if it has one.
    pub version: Option<i64>,
    pub audience: Audience,
    /// The resource's state after the change, where what follows depends
    /// on it (a registration's `registered` or `waitlisted`).
    pub state: Option<String>,
}

impl Change {
    /// A change of a resource with no parent.
    pub fn of(
        resource: ResourceType,
        id: impl ToString,
        action: impl Into<String>,
        version: Option<i64>,
        audience: Audience,
    ) -> Self {
        Change {
            resource,
            id: id.to_string(),
            parent: None,
            action: action.into(),
            version,
            audience,
            state: None,
        }
    }

    /// The same change, of a part of `parent`.
    pub fn within(mut self, parent: ResourceType, parent_id: impl ToString) -> Self {
        self.parent = Some((parent, parent_id.to_string()));
        self
    }

    /// The same change, leaving the resource in `state`.
    pub fn in_state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }
}

/// Appends a change to the outbox. Call it inside the write transaction of
/// the change, after the change is written.
pub fn append(conn: &mut DbConnection, actor: &Actor, change: Change) -> Result<(), StoreError> {
    diesel::insert_into(ev::table)
        .values((
            ev::event_id.eq(uuid::Uuid::now_v7().to_string()),
            ev::resource_type.eq(change.resource.as_str()),
            ev::resource_id.eq(&change.id),
            ev::parent_type.eq(change.parent.as_ref().map(|(t, _)| t.as_str())),
            ev::parent_id.eq(change.parent.as_ref().map(|(_, id)| id.as_str())),
            ev::action.eq(&change.action),
            ev::version.eq(change.version),
            ev::actor_role.eq(actor.role),
            ev::via.eq(actor.via.as_str()),
            ev::occurred_at.eq(now().naive_utc()),
            ev::public.eq(change.audience.public),
            ev::organisations.eq(list_column(&change.audience.organisations)),
            ev::state.eq(change.state.as_deref()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The place of an event in the outbox's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub txid: i64,
    pub id: i64,
}

/// The sort name in a change feed's cursor.
pub const CURSOR_SORT: &str = "position";

impl Position {
    pub fn cursor(self) -> Cursor {
        Cursor {
            sort: CURSOR_SORT.into(),
            key: self.txid.to_string(),
            id: self.id.to_string(),
        }
    }

    pub fn from_cursor(cursor: &Cursor) -> Result<Self, StoreError> {
        match (cursor.key.parse(), cursor.id.parse()) {
            (Ok(txid), Ok(id)) => Ok(Position { txid, id }),
            _ => Err(StoreError::InvalidCursor),
        }
    }
}

/// An event as stored.
#[derive(Debug, Clone)]
pub struct Event {
    pub position: Position,
    pub event_id: uuid::Uuid,
    pub resource: ResourceType,
    pub resource_id: String,
    pub parent: Option<(ResourceType, String)>,
    pub action: String,
    pub version: Option<i64>,
    pub actor_role: String,
    pub via: Via,
    pub occurred_at: DateTime<Utc>,
    pub audience: Audience,
    pub state: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ev)]
struct EventRow {
    id: i64,
    txid: i64,
    event_id: Parsed<uuid::Uuid>,
    resource_type: Parsed<ResourceType>,
    resource_id: String,
    parent_type: Option<String>,
    parent_id: Option<String>,
    action: String,
    version: Option<i64>,
    actor_role: String,
    via: Parsed<Via>,
    occurred_at: NaiveDateTime,
    public: bool,
    organisations: String,
    state: Option<String>,
}

impl TryFrom<EventRow> for Event {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        let parent = match (r.parent_type, r.parent_id) {
            (Some(t), Some(id)) => Some((super::parse(&t, "resource type")?, id)),
            _ => None,
        };
        Ok(Event {
            position: Position {
                txid: r.txid,
                id: r.id,
            },
            event_id: r.event_id.0,
            resource: r.resource_type.0,
            resource_id: r.resource_id,
            parent,
            action: r.action,
            version: r.version,
            actor_role: r.actor_role,
            via: r.via.0,
            occurred_at: utc(r.occurred_at),
            audience: Audience {
                public: r.public,
                organisations: parse_list(&r.organisations, "organisation id")?,
            },
            state: r.state,
        })
    }
}

/// Up to `scan` events after `after` (from the start when `None`), in order,
/// of the given resource types (all when empty), below the horizon: every
/// event returned is final, and none can later appear before the last one.
pub fn after(
    conn: &mut DbConnection,
    after: Option<Position>,
    types: &[ResourceType],
    scan: usize,
) -> Result<Vec<Event>, StoreError> {
    let horizon = horizon(conn)?;
    let mut query = ev::table
        .filter(ev::txid.lt(horizon))
        .order((ev::txid.asc(), ev::id.asc()))
        .limit(scan as i64)
        .select(EventRow::as_select())
        .into_boxed();
    if let Some(p) = after {
        query = query.filter(
            ev::txid
                .gt(p.txid)
                .or(ev::txid.eq(p.txid).and(ev::id.gt(p.id))),
        );
    }
    if !types.is_empty() {
        query = query.filter(ev::resource_type.eq_any(types.iter().map(|t| t.as_str())));
    }
    query
        .load::<EventRow>(conn)?
        .into_iter()
        .map(Event::try_from)
        .collect()
}

/// The transaction id below which every transaction has ended (PostgreSQL);
/// on SQLite every committed row is final.
fn horizon(conn: &mut DbConnection) -> Result<i64, StoreError> {
    #[derive(QueryableByName)]
    struct Horizon {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        xmin: i64,
    }
    match conn {
        DbConnection::Postgres(pg) => Ok(diesel::sql_query(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin",
        )
        .get_result::<Horizon>(pg)?
        .xmin),
        DbConnection::Sqlite(_) => Ok(i64::MAX),
    }
}

/// The position up to which events were pruned, if any were.
pub fn pruned_up_to(conn: &mut DbConnection) -> Result<Option<Position>, StoreError> {
    Ok(outbox_pruned::table
        .select((outbox_pruned::txid, outbox_pruned::id))
        .first::<(i64, i64)>(conn)
        .optional()?
        .map(|(txid, id)| Position { txid, id }))
}

/// Deletes the events that occurred before `before` (retention), and
/// remembers the last position deleted so that a cursor older than it is
/// told so rather than silently missing events. Returns how many went.
///
/// What goes is the prefix of the order before the first event kept, found
/// through the position index (no index on the time: every write would pay
/// for it); an old event behind a newer one goes at a later prune.
pub fn prune(conn: &mut DbConnection, before: DateTime<Utc>) -> Result<usize, StoreError> {
    super::write_transaction(conn, |conn| {
        let first_kept: Option<(i64, i64)> = ev::table
            .filter(ev::occurred_at.ge(before.naive_utc()))
            .order((ev::txid.asc(), ev::id.asc()))
            .select((ev::txid, ev::id))
            .first(conn)
            .optional()?;
        // Only below the horizon: a transaction still running may yet
        // commit an event there, and a pruned prefix must stay whole.
        let older = ev::table.filter(ev::txid.lt(horizon(conn)?)).into_boxed();
        let older = match first_kept {
            Some((txid, id)) => {
                older.filter(ev::txid.lt(txid).or(ev::txid.eq(txid).and(ev::id.lt(id))))
            }
            None => older,
        };
        let last: Option<(i64, i64)> = older
            .order((ev::txid.desc(), ev::id.desc()))
            .select((ev::txid, ev::id))
            .first(conn)
            .optional()?;
        let Some((txid, id)) = last else {
            return Ok(0);
        };
        // Everything up to that position goes, whatever its time, so the
        // pruned range is one prefix of the order.
        let deleted = diesel::delete(
            ev::table.filter(ev::txid.lt(txid).or(ev::txid.eq(txid).and(ev::id.le(id)))),
        )
        .execute(conn)?;
        let written = diesel::update(outbox_pruned::table)
            .set((outbox_pruned::txid.eq(txid), outbox_pruned::id.eq(id)))
            .execute(conn)?;
        if written == 0 {
            diesel::insert_into(outbox_pruned::table)
                .values((
                    outbox_pruned::singleton.eq(true),
                    outbox_pruned::txid.eq(txid),
                    outbox_pruned::id.eq(id),
                ))
                .execute(conn)?;
        }
        Ok(deleted)
    })
}

/// Hands the events after a consumer's position (at most `batch`, of any
/// type, in order) to `hand_on`, and moves the position past them, in one
/// write transaction that holds the consumer's row: each event is handed on
/// exactly once, whatever the number of replicas. On PostgreSQL the row is
/// taken with `FOR UPDATE SKIP LOCKED`, so a replica that finds another
/// holding it does nothing this round (`Ok(0)`); on SQLite `BEGIN
/// IMMEDIATE` takes turns. A consumer seen for the first time starts at
/// the beginning of what is kept. Returns how many events were handed on.
pub fn consume(
    conn: &mut DbConnection,
    consumer: &str,
    batch: usize,
    hand_on: impl FnOnce(&mut DbConnection, &[Event]) -> Result<(), StoreError>,
) -> Result<usize, StoreError> {
    use super::schema::outbox_consumers as oc;
    super::write_transaction(conn, |conn| {
        let Some(position) = hold(conn, consumer)? else {
            // Another replica holds it: its turn.
            return Ok(0);
        };
        let start = pruned_up_to(conn)?.map_or(position, |p| p.max(position));
        let events = after(conn, Some(start), &[], batch)?;
        let Some(last) = events.last().map(|e| e.position) else {
            return Ok(0);
        };
        hand_on(conn, &events)?;
        diesel::update(oc::table.find(consumer))
            .set((
                oc::txid.eq(last.txid),
                oc::id.eq(last.id),
                oc::updated_at.eq(now().naive_utc()),
            ))
            .execute(conn)?;
        Ok(events.len())
    })
}

/// Takes a consumer's row for the rest of the write transaction and says
/// where it stands; `None` when another replica holds it (PostgreSQL: `FOR
/// UPDATE SKIP LOCKED`; SQLite's one writer takes turns). A consumer seen
/// for the first time starts at the beginning of what is kept.
fn hold(conn: &mut DbConnection, consumer: &str) -> Result<Option<Position>, StoreError> {
    use super::schema::outbox_consumers as oc;
    let held: Option<(i64, i64)> = match conn {
        DbConnection::Postgres(pg) => {
            #[derive(QueryableByName)]
            struct Held {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                txid: i64,
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                id: i64,
            }
            diesel::sql_query(
                "SELECT txid, id FROM outbox_consumers WHERE name = $1 FOR UPDATE SKIP LOCKED",
            )
            .bind::<diesel::sql_types::Text, _>(consumer)
            .get_result::<Held>(pg)
            .optional()?
            .map(|h| (h.txid, h.id))
        }
        DbConnection::Sqlite(_) => oc::table
            .find(consumer)
            .select((oc::txid, oc::id))
            .first(conn)
            .optional()?,
    };
    Ok(Some(match held {
        Some((txid, id)) => Position { txid, id },
        None => {
            let exists: bool =
                diesel::select(diesel::dsl::exists(oc::table.find(consumer))).get_result(conn)?;
            if exists {
                // Another replica holds it: its turn.
                return Ok(None);
            }
            // Two replicas meeting a new consumer at once: the second
            // insert fails and rolls its round back.
            diesel::insert_into(oc::table)
                .values((
                    oc::name.eq(consumer),
                    oc::txid.eq(0),
                    oc::id.eq(0),
                    oc::updated_at.eq(now().naive_utc()),
                ))
                .execute(conn)?;
            Position { txid: 0, id: 0 }
        }
    }))
}

/// Makes a consumer that does not exist yet start at the present: it will
/// be handed the changes that commit from now on, none from before (a
/// worker switched on later does not act on the past). Nothing happens to
/// a consumer that exists. Two replicas starting it at once: the second
/// insert fails, and its next try finds the consumer there.
pub fn start_from_now(conn: &mut DbConnection, consumer: &str) -> Result<(), StoreError> {
    use super::schema::outbox_consumers as oc;
    super::write_transaction(conn, |conn| {
        let exists: bool =
            diesel::select(diesel::dsl::exists(oc::table.find(consumer))).get_result(conn)?;
        if exists {
            return Ok(());
        }
        let present = present(conn)?;
        diesel::insert_into(oc::table)
            .values((
                oc::name.eq(consumer),
                oc::txid.eq(present.txid),
                oc::id.eq(present.id),
                oc::updated_at.eq(now().naive_utc()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Moves a consumer past every event committed so far, without reading
/// them, when `unwanted` still says (after the present is taken) that it
/// has nothing to do with them: the webhook fan-out with no subscription
/// passes over the stream instead of loading it batch by batch. Holds the
/// consumer's row as [`consume`] does, and never moves it back. Returns
/// whether it moved.
pub fn pass_over(
    conn: &mut DbConnection,
    consumer: &str,
    unwanted: impl FnOnce(&mut DbConnection) -> Result<bool, StoreError>,
) -> Result<bool, StoreError> {
    use super::schema::outbox_consumers as oc;
    super::write_transaction(conn, |conn| {
        let Some(position) = hold(conn, consumer)? else {
            return Ok(false);
        };
        // The present first, then the question: whatever the answer did
        // not see committed after the present was taken.
        let present = present(conn)?;
        if present <= position || !unwanted(conn)? {
            return Ok(false);
        }
        diesel::update(oc::table.find(consumer))
            .set((
                oc::txid.eq(present.txid),
                oc::id.eq(present.id),
                oc::updated_at.eq(now().naive_utc()),
            ))
            .execute(conn)?;
        Ok(true)
    })
}

/// The position past every event committed so far. On PostgreSQL, below
/// the horizon every transaction has ended: the present is past all of
/// them, and a transaction at or above it may still commit, so its events
/// are still to come. On SQLite (one writer) it is the last event.
fn present(conn: &mut DbConnection) -> Result<Position, StoreError> {
    Ok(match conn {
        DbConnection::Postgres(_) => Position {
            txid: horizon(conn)? - 1,
            id: i64::MAX,
        },
        DbConnection::Sqlite(_) => Position {
            txid: 0,
            id: ev::table
                .select(diesel::dsl::max(ev::id))
                .first::<Option<i64>>(conn)?
                .unwrap_or(0),
        },
    })
}

/// The consumers the outbox has, by name.
pub fn consumers(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    use super::schema::outbox_consumers as oc;
    Ok(oc::table
        .select(oc::name)
        .order(oc::name.asc())
        .load(conn)?)
}

/// How far a consumer is behind: the events after its position, and when
/// the oldest of them occurred.
pub fn consumer_lag(
    conn: &mut DbConnection,
    consumer: &str,
) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
    use super::schema::outbox_consumers as oc;
    let (txid, id): (i64, i64) = oc::table
        .find(consumer)
        .select((oc::txid, oc::id))
        .first(conn)
        .optional()?
        .unwrap_or((0, 0));
    let behind = ev::table.filter(ev::txid.gt(txid).or(ev::txid.eq(txid).and(ev::id.gt(id))));
    let count: i64 = behind.count().get_result(conn)?;
    let oldest: Option<NaiveDateTime> = behind
        .order((ev::txid.asc(), ev::id.asc()))
        .select(ev::occurred_at)
        .first(conn)
        .optional()?;
    Ok((count, oldest.map(utc)))
}

/// Whether any event follows a consumer's position (a read, so that a
/// consumer with nothing to do does not take the write lock of [`consume`]).
pub fn has_after_consumer(conn: &mut DbConnection, consumer: &str) -> Result<bool, StoreError> {
    use super::schema::outbox_consumers as oc;
    let (txid, id): (i64, i64) = oc::table
        .find(consumer)
        .select((oc::txid, oc::id))
        .first(conn)
        .optional()?
        .unwrap_or((0, 0));
    Ok(diesel::select(diesel::dsl::exists(
        ev::table.filter(ev::txid.gt(txid).or(ev::txid.eq(txid).and(ev::id.gt(id)))),
    ))
    .get_result(conn)?)
}

/// The most events [`between`] returns.
pub const MAX_BETWEEN: i64 = 10_000;

/// The events kept that occurred in `[from, to)`, in order (at most
/// [`MAX_BETWEEN`]): what a webhook replay of a time range sends.
pub fn between(
    conn: &mut DbConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Event>, StoreError> {
    ev::table
        .filter(ev::occurred_at.ge(from.naive_utc()))
        .filter(ev::occurred_at.lt(to.naive_utc()))
        .order((ev::txid.asc(), ev::id.asc()))
        .limit(MAX_BETWEEN)
        .select(EventRow::as_select())
        .load::<EventRow>(conn)?
        .into_iter()
        .map(Event::try_from)
        .collect()
}
