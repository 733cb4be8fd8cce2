//! Keyset pagination: an opaque cursor holds the sort, the last row's sort
//! key and its id, so pages neither skip nor repeat rows while others write.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// The position after the last row of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort the cursor was made for; using it with another sort is an error.
    #[serde(rename = "s")]
    pub sort: String,
    /// The last row's sort key, as text.
    #[serde(rename = "k")]
    pub key: String,
    /// The last row's id: the tie-breaker.
    #[serde(rename = "i")]
    pub id: String,
}

/// A timestamp as a cursor key (microseconds, as both databases keep them).
pub fn timestamp_key(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

impl Cursor {
    /// The key of a cursor made by [`timestamp_key`].
    pub fn timestamp(&self) -> Result<chrono::NaiveDateTime, super::StoreError> {
        chrono::NaiveDateTime::parse_from_str(&self.key, "%Y-%m-%dT%H:%M:%S%.6f")
            .map_err(|_| super::StoreError::InvalidCursor)
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a cursor made for `sort`; the error text is safe to show.
    pub fn decode(text: &str, sort: &str) -> Result<Self, String> {
        let cursor: Cursor = URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| "`cursor` is not a cursor this service gave out".to_owned())?;
        // A forged cursor must not carry a control character (PostgreSQL
        // refuses NUL in text; SQLite would store it): refused the same way on both.
        if [&cursor.sort, &cursor.key, &cursor.id]
            .iter()
            .any(|part| part.chars().any(char::is_control))
        {
            return Err("`cursor` is not a cursor this service gave out".to_owned());
        }
        if cursor.sort != sort {
            return Err(format!(
                "`cursor` was made for sort `{}`; keep the same sort while paging",
                cursor.sort
            ));
        }
        Ok(cursor)
    }
}

/// One page of rows and the cursor to the next, if any.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// The same page with each item turned into another, or the first error.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, E>>()?,
            next: self.next,
        })
    }

    /// Cuts a result fetched with `limit + 1` rows down to `limit`, with a
    /// cursor made from the last row kept when more rows exist.
    pub fn from_rows(mut rows: Vec<T>, limit: usize, cursor_of: impl Fn(&T) -> Cursor) -> Self {
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more {
            rows.last().map(cursor_of)
        } else {
            None
        };
        Page { items: rows, next }
    }
}
