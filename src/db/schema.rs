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
