//! The vocabulary of problems: each stable `code` a client may switch on,
//! with its HTTP status and its documentation (what `/problems/{code}`
//! serves and the spec lists). `db` names a refusal with one (it knows no
//! HTTP), `error.rs` renders it. A code is declared with its documentation
//! in [`problem_codes!`], so a code without documentation does not compile.

/// Declares [`ProblemCode`]: `Variant = ("code", status)`, each after at
/// least one `///` line of documentation (the macro requires it).
macro_rules! problem_codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = ($code:literal, $status:literal),)+) => {
        /// A problem's stable, machine-readable code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProblemCode {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl ProblemCode {
            /// Every code, in the order documented.
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant),+];

            /// The code as it appears in a problem's `code` and `type`.
            pub fn as_str(self) -> &'static str {
                match self { $(ProblemCode::$variant => $code),+ }
            }

            /// The HTTP status a problem with this code has.
            pub fn status(self) -> u16 {
                match self { $(ProblemCode::$variant => $status),+ }
            }

            /// What the code means and what to do about it.
            pub fn documentation(self) -> String {
                let lines: &[&str] = match self { $(ProblemCode::$variant => &[$($doc),+]),+ };
                lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ")
            }
        }

        impl std::str::FromStr for ProblemCode {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s { $($code => Ok(ProblemCode::$variant),)+ _ => Err(()) }
            }
        }
    };
}

impl std::fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

problem_codes! {
    /// The operation needs a bearer token. Send `Authorization: Bearer <JWT>`
    /// issued by the city's identity provider.
    AuthenticationRequired = ("authentication_required", 401),
    /// The bearer token was refused: expired, not yet valid, wrong issuer or
    /// audience, bad signature, an algorithm that is not configured, or claims
    /// missing for its role. Get a new token.
    InvalidToken = ("invalid_token", 401),
    /// The token is valid but its role may not do this. The detail says which
    /// rule refused it.
    Forbidden = ("forbidden", 403),
    /// No such resource, or one the caller may not know exists.
    NotFound = ("not_found", 404),
    /// The change feed cursor is older than the changes the service keeps
    /// (`SAMVERKAN_OUTBOX_RETENTION_DAYS`): changes after it were pruned. Read
    /// the resources you follow again, then continue from a cursor of the
    /// current feed (`GET /api/v1/changes` without `after` starts at the oldest
    /// kept change).
    CursorExpired = ("cursor_expired", 410),
    /// The JSON was well formed but some values are invalid. `errors` lists
    /// every invalid field with a message.
    ValidationFailed = ("validation_failed", 422),
    /// The body is not valid JSON, or not a JSON object.
    MalformedJson = ("malformed_json", 400),
    /// A query parameter is unknown or has a bad value. Unknown parameters are
    /// refused, never ignored.
    InvalidQueryParameter = ("invalid_query_parameter", 400),
    /// The If-Match header is not a list of entity tags such as `"3"` or `*`.
    InvalidIfMatch = ("invalid_if_match", 400),
    /// The Idempotency-Key header must be 1 to 255 visible ASCII characters.
    InvalidIdempotencyKey = ("invalid_idempotency_key", 400),
    /// The request conflicts with the current state of a record, for example a
    /// value that must be unique.
    Conflict = ("conflict", 409),
    /// Another organisation already has this organisation number.
    DuplicateOrganisationNumber = ("duplicate_organisation_number", 409),
    /// Another record already has this external_id.
    DuplicateExternalId = ("duplicate_external_id", 409),
    /// Another record already has this name.
    DuplicateName = ("duplicate_name", 409),
    /// The record is referenced by other records and cannot be deleted.
    InUse = ("in_use", 409),
    /// The action is not allowed in the case's current state. `current_state`
    /// and `allowed_actions` say what is possible.
    InvalidTransition = ("invalid_transition", 409),
    /// The dialogue event is cancelled or held; its details no longer change.
    EventClosed = ("event_closed", 409),
    /// An event is marked held only once it has started.
    EventNotStarted = ("event_not_started", 409),
    /// Attendance and minutes are recorded after the event: mark it held first.
    EventNotHeld = ("event_not_held", 409),
    /// Registrations are taken and changed only while the event is published.
    RegistrationClosed = ("registration_closed", 409),
    /// The event's registration deadline (or its start) has passed.
    RegistrationDeadlinePassed = ("registration_deadline_passed", 409),
    /// The organisation is already registered or waiting for this event; cancel
    /// first to register anew.
    AlreadyRegistered = ("already_registered", 409),
    /// The registration is already cancelled.
    AlreadyCancelled = ("already_cancelled", 409),
    /// Another case already has this registry number (diarienummer).
    DuplicateRegistryNumber = ("duplicate_registry_number", 409),
    /// The partnership is concluded, terminated, withdrawn or declined; it no
    /// longer changes.
    PartnershipClosed = ("partnership_closed", 409),
    /// The organisation is already a party to the partnership.
    AlreadyParty = ("already_party", 409),
    /// A partnership keeps at least one organisation.
    LastParty = ("last_party", 409),
    /// The period of an active partnership changes through the `extend` or
    /// `amend` action, so the history keeps each period.
    UseExtend = ("use_extend", 409),
    /// The application round has not opened yet.
    RoundNotOpen = ("round_not_open", 409),
    /// The round's deadline has passed and it takes no late applications.
    DeadlinePassed = ("deadline_passed", 409),
    /// The decision would make the grants of the programme's year exceed its
    /// budget.
    OverBudget = ("over_budget", 409),
    /// Payments would add up to more than the amount granted.
    PaymentExceedsGrant = ("payment_exceeds_grant", 409),
    /// An application changes only as a draft or when a completion is asked
    /// for.
    NotEditable = ("not_editable", 409),
    /// An imported row says something else than what is already recorded of
    /// a handled case (its submission, its decision, a payment). An import
    /// adds to such a record (a later payment), never changes it.
    RecordedOtherwise = ("recorded_otherwise", 409),
    /// The CSV file's header row is not the resource's: `unknown_columns`
    /// and `missing_columns` list what to fix. Nothing was written.
    ImportHeaderMismatch = ("import_header_mismatch", 422),
    /// The import file could not be read as the media type it was sent as
    /// (a broken CSV quote, bytes that are not UTF-8) at the line named. An
    /// atomic import or a dry run wrote nothing; otherwise the batches of
    /// 500 rows before the one that broke stay written.
    UnreadableImport = ("unreadable_import", 400),
    /// The amount is above the decider's delegation limit (delegationsordning),
    /// or the decider's token carries no delegation. Every decider needs one,
    /// admins included.
    OverDelegationLimit = ("over_delegation_limit", 403),
    /// The decider declared a conflict of interest (jäv) with the organisation,
    /// on this or another of its applications, and no admin has recorded that
    /// it no longer applies; someone else must decide.
    ConflictOfInterest = ("conflict_of_interest", 403),
    /// Before deciding, declare at `.../conflict-declarations` that you have no
    /// conflict of interest (jäv).
    ConflictDeclarationRequired = ("conflict_declaration_required", 403),
    /// If-Match does not match the current version: someone else changed the
    /// resource. Read it again (new ETag) and retry.
    VersionMismatch = ("version_mismatch", 412),
    /// The request body exceeds the configured limit.
    PayloadTooLarge = ("payload_too_large", 413),
    /// Send JSON bodies as `application/json` (PATCH also accepts
    /// `application/merge-patch+json`).
    UnsupportedMediaType = ("unsupported_media_type", 415),
    /// The resource exists but not with this method. The `Allow` header lists
    /// the methods it has.
    MethodNotAllowed = ("method_not_allowed", 405),
    /// The Idempotency-Key was already used for another request: another
    /// endpoint, query or body. Use a new key for each request; keys are kept
    /// 24 hours.
    IdempotencyKeyReused = ("idempotency_key_reused", 422),
    /// A request with this Idempotency-Key is still running. Retry after a
    /// moment to get its response.
    IdempotencyRequestInProgress = ("idempotency_request_in_progress", 409),
    /// A dependency (the database) is not reachable. Retry later.
    ServiceUnavailable = ("service_unavailable", 503),
    /// The database is away, restarting, read-only or busy, or no connection
    /// was free within the pool timeout. Nothing was changed (a read whose
    /// connection was lost has already been tried again on a fresh one). Retry
    /// after the `Retry-After` delay.
    DatabaseUnavailable = ("database_unavailable", 503),
    /// A statement ran past the database statement timeout and was cancelled.
    /// Nothing was changed. Retry after the `Retry-After` delay.
    DatabaseTimeout = ("database_timeout", 504),
    /// The database's disk is full. Nothing was changed; reads still work.
    InsufficientStorage = ("insufficient_storage", 507),
    /// Only a declared conflict of interest that has not been released can be
    /// released.
    NotABindingConflict = ("not_a_binding_conflict", 409),
    /// An unexpected error. Nothing internal is shown; the request id finds it
    /// in the logs.
    InternalError = ("internal_error", 500),
    /// The organisation is already invited to the partnership; it accepts or
    /// declines the invitation itself.
    AlreadyInvited = ("already_invited", 409),
    /// The organisation is already a party to the partnership: there is no
    /// invitation to accept or decline.
    NotInvited = ("not_invited", 409),
    /// The event's capacity cannot be set below the places already taken (the
    /// detail says how many). Cancel registrations first, or choose a larger
    /// capacity.
    CapacityBelowTaken = ("capacity_below_taken", 409),
    /// The request was not answered within the request deadline
    /// (`SAMVERKAN_REQUEST_TIMEOUT_MS`, by default a second above the pool and
    /// statement timeouts) and was abandoned; a statement it started ends
    /// within the statement timeout. A write may or may not have happened: read
    /// before retrying, or retry a POST with the same `Idempotency-Key` (409
    /// while the abandoned request still runs, then its answer, or a fresh run
    /// if it failed). Retry after the `Retry-After` delay.
    RequestDeadlineExceeded = ("request_deadline_exceeded", 503),
    /// The request target (path and query) is longer than
    /// `SAMVERKAN_MAX_URI_BYTES` (8 KiB by default).
    UriTooLong = ("uri_too_long", 414),
    /// The request headers exceed what the server reads (128 KiB in all, or
    /// more than 96 fields). Answered before any handler runs; the connection
    /// is closed.
    RequestHeaderFieldsTooLarge = ("request_header_fields_too_large", 431),
    /// The client did not send a complete request head within
    /// `SAMVERKAN_CLIENT_REQUEST_TIMEOUT_MS`. The connection is closed.
    RequestTimeout = ("request_timeout", 408),
    /// The bytes received are not a valid HTTP/1.1 request (a bad request line,
    /// header or chunked encoding). The connection is closed.
    MalformedRequest = ("malformed_request", 400),
    /// A browser's cross-origin request was refused: the origin is not in
    /// `SAMVERKAN_CORS_ORIGINS`, or the preflight asked for a method or header
    /// the API does not use. The detail says which.
    CorsRefused = ("cors_refused", 400),
    /// A request header could not be read (for example a value that is not
    /// visible ASCII, or a malformed standard header). The detail says what was
    /// wrong.
    InvalidHeader = ("invalid_header", 400),
    /// A programme's budget for a year cannot be set below what is already
    /// granted that year (the detail names the year and the sum). Choose a
    /// larger budget.
    BudgetBelowGranted = ("budget_below_granted", 409),
}

#[cfg(test)]
mod tests {
    use super::ProblemCode;

    #[test]
    fn every_code_reads_back_and_has_documentation_and_a_client_or_server_status() {
        let mut seen = std::collections::HashSet::new();
        for &code in ProblemCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert_eq!(code.as_str().parse::<ProblemCode>(), Ok(code));
            assert!(code.documentation().len() > 20, "{code}");
            assert!((400..600).contains(&code.status()), "{code}");
        }
        assert_eq!("no_such_code".parse::<ProblemCode>(), Err(()));
    }
}
