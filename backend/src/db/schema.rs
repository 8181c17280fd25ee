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

diesel::joinable!(auth_sessions -> users (user_id));
diesel::joinable!(dealers -> provinces (province_id));
diesel::joinable!(refresh_tokens -> auth_sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(
    auth_sessions,
    dealers,
    job_profiles,
    login_failures,
    provinces,
    refresh_tokens,
    users,
);
