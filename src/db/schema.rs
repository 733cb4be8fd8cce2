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
        notice_language -> Text,
    }
}

diesel::table! {
    notices (id) {
        id -> Text,
        organisation_id -> Text,
        event_id -> Text,
        kind -> Text,
        language -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        resource_type -> Text,
        resource_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
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

diesel::table! {
    outbox_events (txid, id) {
        id -> BigInt,
        txid -> BigInt,
        event_id -> Text,
        resource_type -> Text,
        resource_id -> Text,
        parent_type -> Nullable<Text>,
        parent_id -> Nullable<Text>,
        action -> Text,
        version -> Nullable<BigInt>,
        actor_role -> Text,
        via -> Text,
        occurred_at -> Timestamp,
        public -> Bool,
        organisations -> Text,
        state -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_consumers (name) {
        name -> Text,
        txid -> BigInt,
        id -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    outbox_pruned (singleton) {
        singleton -> Bool,
        txid -> BigInt,
        id -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(city_units, organisations, idempotency_keys, notices);

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

diesel::table! {
    partnerships (id) {
        id -> Text,
        title -> Text,
        title_search -> Text,
        purpose -> Text,
        form -> Text,
        responsible_unit_id -> Text,
        contact_name -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        initiated_by -> Text,
        initiating_organisation_id -> Nullable<Text>,
        target_groups -> Text,
        districts -> Text,
        start_date -> Date,
        end_date -> Date,
        registry_number -> Nullable<Text>,
        status -> Text,
        internal_notes -> Nullable<Text>,
        external_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    partnership_parties (partnership_id, organisation_id) {
        partnership_id -> Text,
        organisation_id -> Text,
        role -> Text,
        joined_on -> Date,
        left_on -> Nullable<Date>,
        status -> Text,
    }
}

diesel::table! {
    partnership_funding_lines (id) {
        id -> Text,
        partnership_id -> Text,
        source_unit_id -> Nullable<Text>,
        source_name -> Text,
        year -> Integer,
        amount_sek -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    partnership_in_kind (id) {
        id -> Text,
        partnership_id -> Text,
        contributed_by_organisation_id -> Nullable<Text>,
        contributed_by_unit_id -> Nullable<Text>,
        kind -> Text,
        description -> Text,
        estimated_value_sek -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    partnership_commitments (id) {
        id -> Text,
        partnership_id -> Text,
        owner_organisation_id -> Nullable<Text>,
        owner_unit_id -> Nullable<Text>,
        description -> Text,
        due_on -> Nullable<Date>,
        recurrence -> Nullable<Text>,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    partnership_follow_ups (id) {
        id -> Text,
        partnership_id -> Text,
        held_on -> Date,
        kind -> Text,
        summary -> Text,
        participants -> Nullable<Text>,
        perceived_reception -> Nullable<Integer>,
        effects -> Nullable<Text>,
        filed_by -> Text,
        filed_by_organisation_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    partnership_history (id) {
        id -> Text,
        partnership_id -> Text,
        at -> Timestamp,
        actor -> Text,
        actor_role -> Text,
        change -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        detail -> Text,
        reason -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    partnerships,
    partnership_parties,
    partnership_funding_lines,
    partnership_in_kind,
    partnership_commitments,
    partnership_follow_ups,
    partnership_history,
);

diesel::table! {
    grant_programmes (id) {
        id -> Text,
        title -> Text,
        title_search -> Text,
        description -> Nullable<Text>,
        owning_unit_id -> Text,
        min_sek -> BigInt,
        max_sek -> BigInt,
        eligible_legal_forms -> Text,
        districts -> Text,
        required_documents -> Text,
        multi_year_allowed -> Bool,
        status -> Text,
        external_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    grant_budgets (programme_id, year) {
        programme_id -> Text,
        year -> Integer,
        budget_sek -> BigInt,
        granted_sek -> BigInt,
        paid_sek -> BigInt,
    }
}

diesel::table! {
    grant_rounds (id) {
        id -> Text,
        programme_id -> Text,
        name -> Text,
        opens_at -> Timestamp,
        deadline -> Timestamp,
        accepts_late_applications -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    grant_applications (id) {
        id -> Text,
        organisation_id -> Text,
        programme_id -> Text,
        round_id -> Text,
        title -> Text,
        title_search -> Text,
        purpose -> Text,
        target_group -> Nullable<Text>,
        districts -> Text,
        requested_sek -> BigInt,
        start_date -> Date,
        end_date -> Date,
        budget_lines -> Text,
        document_answers -> Text,
        registry_number -> Nullable<Text>,
        status -> Text,
        submitted_at -> Nullable<Timestamp>,
        submitted_late -> Bool,
        completion_message -> Nullable<Text>,
        outcome -> Nullable<Text>,
        granted_sek -> Nullable<BigInt>,
        grant_year -> Nullable<Integer>,
        motivation -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_on -> Nullable<Date>,
        report -> Nullable<Text>,
        external_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        decided_by_role -> Nullable<Text>,
        decided_by_unit_id -> Nullable<Text>,
    }
}

diesel::table! {
    grant_payments (id) {
        id -> Text,
        application_id -> Text,
        amount_sek -> BigInt,
        paid_on -> Date,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    grant_reviews (id) {
        id -> Text,
        application_id -> Text,
        author -> Text,
        note -> Text,
        recommendation -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    grant_conflicts (id) {
        id -> Text,
        application_id -> Text,
        organisation_id -> Text,
        subject -> Text,
        has_conflict -> Bool,
        note -> Nullable<Text>,
        declared_at -> Timestamp,
        released_at -> Nullable<Timestamp>,
        released_by -> Nullable<Text>,
        release_reason -> Nullable<Text>,
    }
}

diesel::table! {
    grant_allocations (application_id, year) {
        application_id -> Text,
        programme_id -> Text,
        year -> Integer,
        amount_sek -> BigInt,
    }
}

diesel::table! {
    grant_history (id) {
        id -> Text,
        application_id -> Text,
        at -> Timestamp,
        actor -> Text,
        actor_role -> Text,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    grant_programme_history (id) {
        id -> Text,
        programme_id -> Text,
        at -> Timestamp,
        actor -> Text,
        actor_role -> Text,
        action -> Text,
        changes -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    grant_programmes,
    grant_programme_history,
    grant_budgets,
    grant_rounds,
    grant_applications,
    grant_payments,
    grant_reviews,
    grant_conflicts,
    grant_allocations,
    grant_history,
);

diesel::table! {
    webhook_subscriptions (id) {
        id -> Text,
        url -> Text,
        event_types -> Text,
        description -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        consecutive_failures -> BigInt,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        subscription_id -> Text,
        event_id -> Text,
        event_type -> Text,
        occurred_at -> Timestamp,
        payload -> Text,
        status -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        lease -> Nullable<Text>,
        last_status -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        last_latency_ms -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> Text,
        attempted_at -> Timestamp,
        status_code -> Nullable<BigInt>,
        error -> Nullable<Text>,
        latency_ms -> BigInt,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::allow_tables_to_appear_in_same_query!(
    webhook_subscriptions,
    webhook_deliveries,
    webhook_attempts,
);
