-- E-mail subscriptions to advisories (R9), double opt-in.
CREATE TABLE subscriptions (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email              text        NOT NULL,
    product            text        NOT NULL DEFAULT '',
    state              text        NOT NULL,
    confirm_hash       text        UNIQUE,
    unsubscribe_token  text        NOT NULL UNIQUE, -- kept readable: every advisory mail carries it
    created_at         timestamptz NOT NULL,
    confirm_sent_at    timestamptz,
    confirmed_at       timestamptz,
    unsubscribed_at    timestamptz,
    UNIQUE (email, product)
);
CREATE INDEX subscriptions_product ON subscriptions (product, state);
