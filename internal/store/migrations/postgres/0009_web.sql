-- The team's web UI: an optional password per user (an argon2id PHC string,
-- '' for none: such a user signs in with API tokens only) and the sessions
-- of the browser, kept by the hash of their random ID.
ALTER TABLE users ADD COLUMN password_hash text NOT NULL DEFAULT '';

CREATE TABLE web_sessions (
    id_hash    text        PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       text        NOT NULL,
    created_at timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
