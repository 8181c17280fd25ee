// @generated shape of `diesel print-schema` for the migrations in ../migrations.
// Keep in step with them; the `schema_matches_migrations` test checks every column.

diesel::table! {
    auth_sessions (id) {
        id -> Int8,
        user_id -> Int8,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        last_used_at -> Timestamptz,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        session_id -> Int8,
        created_at -> Timestamptz,
        rotated_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        username -> Text,
        email -> Text,
        password_hash -> Text,
        first_name -> Text,
        last_name -> Text,
        role -> Text,
        is_active -> Bool,
        chat_enabled -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        job_profile_id -> Nullable<Int8>,
        boss_id -> Nullable<Int8>,
        dealer_id -> Nullable<Int8>,
        province_id -> Nullable<Int8>,
        mobile -> Text,
        birth_date -> Nullable<Date>,
        joining_date -> Nullable<Date>,
        leaving_date -> Nullable<Date>,
    }
}

diesel::table! {
    dealers (id) {
        id -> Int8,
        name -> Text,
        address -> Text,
        phone -> Text,
        email -> Text,
        province_id -> Nullable<Int8>,
        is_active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    job_profiles (id) {
        id -> Int8,
        code -> Text,
        name -> Text,
        description -> Text,
        is_active -> Bool,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Int8,
        username -> Text,
        ip -> Nullable<Text>,
        attempted_at -> Timestamptz,
    }
}

diesel::table! {
    provinces (id) {
        id -> Int8,
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    vehicles (vin) {
        vin -> Text,
        legacy_vin -> Bool,
        plate -> Nullable<Text>,
        brand -> Text,
        model -> Text,
        version -> Nullable<Text>,
        registration_year -> Nullable<Int4>,
        registration_date -> Nullable<Date>,
        reception_date -> Date,
        mileage_km -> Int4,
        colour -> Nullable<Text>,
        fuel -> Nullable<Text>,
        transmission -> Nullable<Text>,
        power_cv -> Nullable<Int4>,
        vehicle_type -> Nullable<Text>,
        stock_type -> Text,
        status -> Text,
        reserved -> Bool,
        reserved_at -> Nullable<Timestamptz>,
        published -> Bool,
        listing_url -> Nullable<Text>,
        dealer_id -> Nullable<Int8>,
        province_id -> Nullable<Int8>,
        location -> Nullable<Text>,
        purchase_price -> Nullable<Int8>,
        total_cost -> Nullable<Int8>,
        sale_price -> Int8,
        previous_price -> Nullable<Int8>,
        description -> Nullable<Text>,
        online_visits -> Int4,
        online_calls -> Int4,
        online_leads -> Int4,
        extra -> Jsonb,
        search_text -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_by -> Nullable<Int8>,
        updated_by -> Nullable<Int8>,
        passage_key -> Nullable<Uuid>,
    }
}

diesel::table! {
    vehicle_price_changes (id) {
        id -> Int8,
        vin -> Text,
        changed_at -> Timestamptz,
        old_price -> Nullable<Int8>,
        new_price -> Int8,
        changed_by -> Nullable<Int8>,
    }
}

diesel::table! {
    vehicle_changes (id) {
        id -> Int8,
        vin -> Text,
        action -> Text,
        changed_at -> Timestamptz,
        changed_by -> Nullable<Int8>,
        fields -> Array<Text>,
        vehicle -> Nullable<Jsonb>,
    }
}

diesel::table! {
    vehicle_states (vin, valid_from) {
        vin -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        brand -> Text,
        model -> Text,
        dealer_id -> Nullable<Int8>,
        province_id -> Nullable<Int8>,
        stock_type -> Text,
        status -> Text,
        fuel -> Nullable<Text>,
        reserved -> Bool,
        published -> Bool,
        mileage_km -> Int4,
        sale_price -> Int8,
        total_cost -> Nullable<Int8>,
        reception_date -> Date,
    }
}

diesel::table! {
    snapshot_runs (snapshot_date) {
        snapshot_date -> Date,
        taken_at -> Timestamptz,
        vehicles -> Int8,
    }
}

diesel::table! {
    // Not a primary key in SQL (dealer and province may be NULL): a unique index, NULLS NOT DISTINCT.
    stock_summary (dimension, key, stock_type, dealer_id, province_id) {
        dealer_id -> Nullable<Int8>,
        province_id -> Nullable<Int8>,
        stock_type -> Text,
        dimension -> Text,
        key -> Text,
        vehicles -> Int8,
        available -> Int8,
        reserved -> Int8,
        published -> Int8,
        sale_value -> Int8,
        costed -> Int8,
        costed_sale_value -> Int8,
        cost_value -> Int8,
        below_cost -> Int8,
    }
}

diesel::table! {
    // Not a primary key in SQL (dealer and province may be NULL): a unique index, NULLS NOT DISTINCT.
    stock_daily (snapshot_date, stock_type, dealer_id, province_id) {
        snapshot_date -> Date,
        dealer_id -> Nullable<Int8>,
        province_id -> Nullable<Int8>,
        stock_type -> Text,
        vehicles -> Int8,
        reserved -> Int8,
        published -> Int8,
        sale_value -> Int8,
        days_total -> Int8,
    }
}

diesel::table! {
    vehicle_removals (id) {
        id -> Int8,
        removed_at -> Timestamptz,
        dealer_id -> Nullable<Int8>,
        province_id -> Nullable<Int8>,
        stock_type -> Nullable<Text>,
        vehicles -> Int8,
    }
}

diesel::table! {
    cache_entries (key) {
        key -> Text,
        value -> Text,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    cache_epoch (id) {
        id -> Bool,
        epoch -> Int8,
    }
}

diesel::table! {
    embedding_model (singleton) {
        singleton -> Bool,
        model -> Text,
        dimensions -> Int4,
        adopted_at -> Timestamptz,
    }
}

diesel::table! {
    embedding_queue (passage_key) {
        passage_key -> Uuid,
        queued_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use pgvector::sql_types::HalfVector;

    passage_embeddings (passage_key) {
        passage_key -> Uuid,
        embedding -> HalfVector,
        embedded_at -> Timestamptz,
    }
}

diesel::table! {
    conversations (id) {
        id -> Int8,
        user_id -> Int8,
        title -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    chat_messages (id) {
        id -> Int8,
        conversation_id -> Int8,
        user_id -> Int8,
        role -> Text,
        content -> Text,
        status -> Text,
        tool_calls -> Jsonb,
        unverified -> Array<Text>,
        model -> Nullable<Text>,
        tokens -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(auth_sessions -> users (user_id));
diesel::joinable!(chat_messages -> conversations (conversation_id));
diesel::joinable!(dealers -> provinces (province_id));
diesel::joinable!(refresh_tokens -> auth_sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(
    auth_sessions,
    cache_entries,
    cache_epoch,
    chat_messages,
    conversations,
    dealers,
    embedding_model,
    embedding_queue,
    job_profiles,
    login_failures,
    passage_embeddings,
    provinces,
    refresh_tokens,
    snapshot_runs,
    users,
    vehicle_changes,
    vehicle_price_changes,
    vehicle_states,
    vehicles,
);
