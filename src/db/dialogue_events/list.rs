//! The event list: filters, what planned events the caller sees, keyset pages.

use super::*;

/// What an event list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub kind: Option<DialogueEventKind>,
    pub participation_level: Option<ParticipationLevel>,
    pub status: Option<EventStatus>,
    pub district: Option<District>,
    pub organiser_unit: Option<CityUnitId>,
    /// Co-organising, invited or registered (not cancelled).
    pub organisation: Option<OrganisationId>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
    pub q: Option<String>,
    /// Planned events are the city's drafts.
    pub include_planned: bool,
}

/// The events an organisation co-organises, is invited to or is registered
/// for (not cancelled), as three indexed look-ups. One `OR` of the three
/// made PostgreSQL walk every event for an organisation with few of them
/// (benches/results.md "National scale").
pub(super) fn events_of_organisation(
    conn: &mut DbConnection,
    org: OrganisationId,
) -> Result<Vec<String>, StoreError> {
    let org = org.to_string();
    let mut ids: Vec<String> = ev::table
        .filter(ev::co_organisers.like(format!("%,{org},%")))
        .select(ev::id)
        .load(conn)?;
    ids.extend(
        inv::table
            .filter(inv::organisation_id.eq(&org))
            .select(inv::event_id)
            .load::<String>(conn)?,
    );
    ids.extend(
        reg::table
            .filter(reg::organisation_id.eq(&org))
            .filter(reg::status.ne(RegistrationStatus::Cancelled.as_str()))
            .select(reg::event_id)
            .load::<String>(conn)?,
    );
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Events by start time (then id), soonest first.
pub fn list(
    conn: &mut DbConnection,
    f: &EventFilter,
    limit: usize,
    after: Option<&Cursor>,
) -> Result<Page<DialogueEvent>, StoreError> {
    let mut q = ev::table.select(EventRow::as_select()).into_boxed();
    if !f.include_planned {
        q = q.filter(ev::status.ne(EventStatus::Planned.as_str()));
    }
    if let Some(kind) = f.kind {
        q = q.filter(ev::kind.eq(kind.as_str()));
    }
    if let Some(level) = f.participation_level {
        q = q.filter(ev::participation_level.eq(level.as_str()));
    }
    if let Some(status) = f.status {
        q = q.filter(ev::status.eq(status.as_str()));
    }
    if let Some(district) = f.district {
        q = q.filter(ev::district.eq(district.as_str()));
    }
    if let Some(unit) = f.organiser_unit {
        q = q.filter(ev::organiser_unit_id.eq(unit.to_string()));
    }
    if let Some(org) = f.organisation {
        q = q.filter(ev::id.eq_any(events_of_organisation(conn, org)?));
    }
    if let Some(from) = f.from {
        q = q.filter(ev::starts_at.ge(from.naive_utc()));
    }
    if let Some(to) = f.to {
        q = q.filter(ev::starts_at.lt(to.naive_utc()));
    }
    if let Some(since) = f.updated_since {
        q = q.filter(ev::updated_at.ge(since.naive_utc()));
    }
    if let Some(text) = &f.q {
        q = q.filter(
            ev::title_search
                .like(contains_pattern(&search_key(text)))
                .escape('\\'),
        );
    }
    if let Some(c) = after {
        let key = c.timestamp()?;
        q = q.filter(
            ev::starts_at
                .gt(key)
                .or(ev::starts_at.eq(key).and(ev::id.gt(c.id.clone()))),
        );
    }
    let rows: Vec<EventRow> = q
        .order((ev::starts_at.asc(), ev::id.asc()))
        .limit(limit as i64 + 1)
        .load(conn)?;
    let page = Page::from_rows(rows, limit, |r| Cursor {
        sort: "starts_at".into(),
        key: timestamp_key(r.starts_at),
        id: r.id.0.to_string(),
    });
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(DialogueEvent::try_from)
            .collect::<Result<_, _>>()?,
        next: page.next,
    })
}
