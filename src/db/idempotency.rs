//! Idempotency-Key records: a POST's first response, kept 24 hours and
//! replayed to a retry with the same key and body.
//!
//! A key is claimed (in its own transaction) before the request runs, and
//! the claim ends when the request ends: its response is recorded
//! ([`complete`]), or a failure on our side (5xx) forgets the key
//! ([`release`]) so a retry runs again. The middleware runs the request and
//! the recording in a task of their own, so a request abandoned at the
//! request deadline still ends its claim when its handler ends. A claim
//! that was never ended (the process died, or the database was away when
//! the claim should have ended) holds for its lease only; a retry after
//! that takes it over.

use chrono::Duration;
use diesel::prelude::*;

use super::schema::idempotency_keys as k;
use super::StoreError;
use super::{write_transaction, DbConnection};

/// How long a key is remembered.
pub const KEEP_FOR_HOURS: i64 = 24;

/// A response recorded for replay.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub status: u16,
    /// Header name and value pairs worth replaying (Location, ETag, Content-Type).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What to do with a request that carries an Idempotency-Key.
#[derive(Debug)]
pub enum Claim {
    /// First use: run the request, then [`complete`] or [`release`].
    Proceed,
    /// Seen and finished: send this again.
    Replay(StoredResponse),
    /// Seen and still running.
    InProgress,
    /// Seen with another request body.
    Mismatch,
}

/// A stored key: its request hash, whether done, and the response if done.
type KeyRow = (String, bool, Option<i32>, Option<String>, Option<Vec<u8>>);

/// Claims `key` for `caller`, or says what to do instead. A claim that was
/// not completed or released within `lease` is taken over (`Proceed`).
pub fn claim(
    conn: &mut DbConnection,
    caller: &str,
    key: &str,
    request_hash: &str,
    lease: std::time::Duration,
) -> Result<Claim, StoreError> {
    let now = crate::domain::now().naive_utc();
    let cutoff = now - Duration::hours(KEEP_FOR_HOURS);
    let lease_cutoff = now - Duration::from_std(lease).unwrap_or(Duration::hours(KEEP_FOR_HOURS));
    let result = write_transaction(conn, |conn| {
        diesel::delete(k::table.filter(k::created_at.lt(cutoff))).execute(conn)?;
        let existing: Option<KeyRow> = k::table
            .find((caller, key))
            .select((
                k::request_hash,
                k::completed,
                k::response_status,
                k::response_headers,
                k::response_body,
            ))
            .first(conn)
            .optional()?;
        let Some((hash, completed, status, headers, body)) = existing else {
            diesel::insert_into(k::table)
                .values((
                    k::caller.eq(caller),
                    k::idempotency_key.eq(key),
                    k::request_hash.eq(request_hash),
                    k::completed.eq(false),
                    k::created_at.eq(now),
                ))
                .execute(conn)?;
            return Ok(Claim::Proceed);
        };
        if hash != request_hash {
            return Ok(Claim::Mismatch);
        }
        if !completed {
            // Conditional, so of two retries after the lease only one takes
            // the claim over (PostgreSQL re-checks the condition after the
            // row lock; SQLite's write lock orders them).
            let taken = diesel::update(
                k::table
                    .find((caller, key))
                    .filter(k::completed.eq(false))
                    .filter(k::created_at.lt(lease_cutoff)),
            )
            .set(k::created_at.eq(now))
            .execute(conn)?;
            return Ok(if taken == 1 {
                Claim::Proceed
            } else {
                Claim::InProgress
            });
        }
        Ok(Claim::Replay(StoredResponse {
            status: status.unwrap_or(200) as u16,
            headers: headers
                .and_then(|h| serde_json::from_str(&h).ok())
                .unwrap_or_default(),
            body: body.unwrap_or_default(),
        }))
    });
    match result {
        // Two first uses raced and the other inserted first.
        Err(StoreError::Conflict { .. }) => Ok(Claim::InProgress),
        other => other,
    }
}

pub fn complete(
    conn: &mut DbConnection,
    caller: &str,
    key: &str,
    response: &StoredResponse,
) -> Result<(), StoreError> {
    diesel::update(k::table.find((caller, key)))
        .set((
            k::completed.eq(true),
            k::response_status.eq(response.status as i32),
            k::response_headers.eq(serde_json::to_string(&response.headers).unwrap_or_default()),
            k::response_body.eq(&response.body),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets a key whose request failed on our side, so a retry runs again.
pub fn release(conn: &mut DbConnection, caller: &str, key: &str) -> Result<(), StoreError> {
    diesel::delete(k::table.find((caller, key))).execute(conn)?;
    Ok(())
}
