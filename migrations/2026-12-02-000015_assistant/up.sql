-- The assistant's conversations: each belongs to one user and goes with them.
CREATE TABLE conversations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      TEXT        NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX conversations_user_idx ON conversations (user_id, updated_at DESC);

-- Questions and answers. An answer keeps the tool calls behind it with their full results
-- (`tool_calls`: what the model read), how it ended, the figures no tool returned, and the
-- tokens it cost (for the per-user daily limit).
CREATE TABLE chat_messages (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id BIGINT      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- Denormalised so the per-user limits count without a join.
    user_id         BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            TEXT        NOT NULL CHECK (role IN ('user', 'assistant')),
    content         TEXT        NOT NULL,
    status          TEXT        NOT NULL DEFAULT 'complete'
                                CHECK (status IN ('complete', 'partial', 'stopped', 'failed')),
    tool_calls      JSONB       NOT NULL DEFAULT '[]',
    unverified      TEXT[]      NOT NULL DEFAULT '{}',
    model           TEXT,
    tokens          INT         NOT NULL DEFAULT 0 CHECK (tokens >= 0),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX chat_messages_conversation_idx ON chat_messages (conversation_id, id);
CREATE INDEX chat_messages_user_recent_idx ON chat_messages (user_id, created_at);
