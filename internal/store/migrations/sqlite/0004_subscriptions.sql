-- E-mail subscriptions to advisories (R9), double opt-in.
CREATE TABLE subscriptions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    email              TEXT    NOT NULL,
    product            TEXT    NOT NULL DEFAULT '',
    state              TEXT    NOT NULL,
    confirm_hash       TEXT    UNIQUE,
    unsubscribe_token  TEXT    NOT NULL UNIQUE, -- kept readable: every advisory mail carries it
    created_at         TEXT    NOT NULL,
    confirm_sent_at    TEXT,
    confirmed_at       TEXT,
    unsubscribed_at    TEXT,
    UNIQUE (email, product)
);
CREATE INDEX subscriptions_product ON subscriptions (product, state);
