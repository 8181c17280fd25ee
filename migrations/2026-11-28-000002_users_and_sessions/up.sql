CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT        NOT NULL CHECK (length(username) BETWEEN 1 AND 150),
    email         TEXT        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    -- Argon2id PHC string; never leaves the backend.
    password_hash TEXT        NOT NULL,
    first_name    TEXT        NOT NULL DEFAULT '',
    last_name     TEXT        NOT NULL DEFAULT '',
    role          TEXT        NOT NULL DEFAULT 'viewer'
                              CHECK (role IN ('admin', 'manager', 'sales', 'viewer')),
    is_active     BOOLEAN     NOT NULL DEFAULT TRUE,
    chat_enabled  BOOLEAN     NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Case-insensitive uniqueness: "Admin" and "admin" are the same person.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
-- Its set_updated_at trigger: backend/sql/02_bookkeeping.sql.

-- A login session: one per device/browser. Revoking it kills its refresh tokens and the
-- access tokens issued for it (they carry its id).
CREATE TABLE auth_sessions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    user_agent   TEXT,
    ip           TEXT,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX auth_sessions_user_active_idx ON auth_sessions (user_id) WHERE revoked_at IS NULL;

-- Refresh tokens are stored only as SHA-256 hashes. A token is used once: rotating it sets
-- rotated_at, and presenting a rotated token again means it was stolen.
CREATE TABLE refresh_tokens (
    token_hash BYTEA       PRIMARY KEY,
    session_id BIGINT      NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    rotated_at TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
