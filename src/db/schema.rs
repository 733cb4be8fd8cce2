// Kept by hand: one schema for both backends (see migrations/postgres and
// migrations/sqlite, which must agree with it column by column).

diesel::table! {
    city_units (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        district -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        name_search -> Text,
        organisation_number -> Nullable<Text>,
        districts -> Text,
        legal_form -> Text,
        description -> Nullable<Text>,
        website -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        external_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (caller, idempotency_key) {
        caller -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        completed -> Bool,
        response_status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Binary>,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(city_units, organisations, idempotency_keys);

diesel::table! {
    dialogue_events (id) {
        id -> Text,
        title -> Text,
        title_search -> Text,
        description -> Nullable<Text>,
        kind -> Text,
        participation_level -> Text,
        topic -> Nullable<Text>,
        organiser_unit_id -> Nullable<Text>,
        co_organisers -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        format -> Text,
        place -> Nullable<Text>,
        address -> Nullable<Text>,
        online_link -> Nullable<Text>,
        district -> Nullable<Text>,
        capacity -> Nullable<Integer>,
        registration_deadline -> Nullable<Timestamp>,
        status -> Text,
        cancellation_reason -> Nullable<Text>,
        agenda -> Text,
        minutes -> Nullable<Text>,
        walk_ins -> Nullable<Integer>,
        external_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    dialogue_invitations (event_id, organisation_id) {
        event_id -> Text,
        organisation_id -> Text,
        invited_at -> Timestamp,
    }
}

diesel::table! {
    dialogue_registrations (id) {
        id -> Text,
        event_id -> Text,
        organisation_id -> Text,
        participants -> Integer,
        names -> Text,
        needs -> Nullable<Text>,
        status -> Text,
        registered_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    dialogue_attendance (event_id, organisation_id) {
        event_id -> Text,
        organisation_id -> Text,
        attendees -> Integer,
    }
}

diesel::table! {
    dialogue_minutes_contributions (id) {
        id -> Text,
        event_id -> Text,
        organisation_id -> Nullable<Text>,
        author -> Text,
        text -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    dialogue_outcomes (id) {
        id -> Text,
        event_id -> Text,
        description -> Text,
        owner -> Text,
        status -> Text,
        partnership_id -> Nullable<Text>,
        grant_application_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    dialogue_events,
    dialogue_invitations,
    dialogue_registrations,
    dialogue_attendance,
    dialogue_minutes_contributions,
    dialogue_outcomes,
);
