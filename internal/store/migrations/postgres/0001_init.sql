-- vigil schema, PostgreSQL dialect.
--
-- Times are timestamptz (microsecond precision). JSON sub-structures are text
-- holding the exact bytes written: jsonb would reorder keys and change the
-- bytes that the audit chain hashes.

CREATE TABLE users (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL UNIQUE,
    email      text        NOT NULL DEFAULT '',
    role       text        NOT NULL,
    disabled   boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    last_seen  timestamptz
);

CREATE TABLE tokens (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id),
    label      text        NOT NULL DEFAULT '',
    hash       text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used  timestamptz
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE products (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text        NOT NULL UNIQUE,
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    upstreams   text        NOT NULL DEFAULT 'null',
    created_at  timestamptz NOT NULL
);

CREATE TABLE branches (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id bigint      NOT NULL REFERENCES products (id),
    name       text        NOT NULL,
    major      integer     NOT NULL,
    minor      integer     NOT NULL,
    status     text        NOT NULL,
    since      timestamptz,
    eol        timestamptz,
    created_at timestamptz NOT NULL,
    UNIQUE (product_id, name)
);

CREATE TABLE releases (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    branch_id    bigint      NOT NULL REFERENCES branches (id),
    version      text        NOT NULL,
    major        integer     NOT NULL,
    minor        integer     NOT NULL,
    patch        integer     NOT NULL,
    kind         text        NOT NULL,
    state        text        NOT NULL,
    planned_at   timestamptz,
    published_at timestamptz,
    notes        text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    UNIQUE (branch_id, version)
);

CREATE TABLE seqs (
    name text    NOT NULL,
    year integer NOT NULL,
    last integer NOT NULL,
    PRIMARY KEY (name, year)
);

CREATE TABLE cases (
    id                    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key                   text        NOT NULL UNIQUE,
    title                 text        NOT NULL,
    summary               text        NOT NULL DEFAULT '',
    details               text        NOT NULL DEFAULT '',
    workaround            text        NOT NULL DEFAULT '',
    state                 text        NOT NULL,
    reject_reason         text        NOT NULL DEFAULT '',
    duplicate_of          bigint      REFERENCES cases (id),
    product_id            bigint      REFERENCES products (id),
    risk                  text        NOT NULL,
    severity              text        NOT NULL DEFAULT '',
    score                 double precision NOT NULL DEFAULT 0,
    cve_id                text,
    cve_draft             text        NOT NULL,
    change_request        text        NOT NULL,
    task_force            text        NOT NULL,
    planned_disclosure    timestamptz,
    credits               text        NOT NULL,
    refs                  text        NOT NULL,
    received_at           timestamptz NOT NULL,
    triaged_at            timestamptz,
    confirmed_at          timestamptz,
    exploitation_known_at timestamptz,
    fix_available_at      timestamptz,
    ready_at              timestamptz,
    disclosed_at          timestamptz,
    closed_at             timestamptz,
    version               integer     NOT NULL
);
CREATE UNIQUE INDEX cases_cve ON cases (cve_id) WHERE cve_id IS NOT NULL;
CREATE INDEX cases_received ON cases (received_at);
CREATE INDEX cases_state ON cases (state);
CREATE INDEX cases_product ON cases (product_id);

CREATE TABLE case_fixes (
    case_id       bigint      NOT NULL REFERENCES cases (id),
    branch_id     bigint      NOT NULL REFERENCES branches (id),
    status        text        NOT NULL,
    commits       text        NOT NULL,
    release_id    bigint      REFERENCES releases (id),
    affected_from text        NOT NULL DEFAULT '',
    evidence      text        NOT NULL DEFAULT '',
    verified_by   text        NOT NULL DEFAULT '',
    verified_at   timestamptz,
    fixed_at      timestamptz,
    PRIMARY KEY (case_id, branch_id)
);
CREATE INDEX case_fixes_branch ON case_fixes (branch_id);
CREATE INDEX case_fixes_release ON case_fixes (release_id);

CREATE TABLE reports (
    id                   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tracking_id          text        NOT NULL UNIQUE,
    channel              text        NOT NULL,
    visibility           text        NOT NULL,
    state                text        NOT NULL,
    reporter_name        text        NOT NULL DEFAULT '',
    reporter_email       text        NOT NULL DEFAULT '',
    reporter_org         text        NOT NULL DEFAULT '',
    reporter_credit_as   text        NOT NULL DEFAULT '',
    title                text        NOT NULL,
    body                 text        NOT NULL,
    product_hint         text        NOT NULL DEFAULT '',
    external_ref         text        NOT NULL DEFAULT '',
    case_id              bigint      REFERENCES cases (id),
    status_token_hash    text        UNIQUE,
    received_at          timestamptz NOT NULL
);
CREATE INDEX reports_received ON reports (received_at);
CREATE INDEX reports_state ON reports (state);
CREATE INDEX reports_case ON reports (case_id);

CREATE TABLE report_messages (
    id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id bigint      NOT NULL REFERENCES reports (id),
    sender    text        NOT NULL,
    body      text        NOT NULL,
    at        timestamptz NOT NULL
);
CREATE INDEX report_messages_report ON report_messages (report_id);

CREATE TABLE advisories (
    id         text        PRIMARY KEY,
    case_id    bigint      NOT NULL UNIQUE REFERENCES cases (id),
    created_at timestamptz NOT NULL
);

CREATE TABLE advisory_revisions (
    advisory_id  text        NOT NULL REFERENCES advisories (id),
    number       integer     NOT NULL,
    status       text        NOT NULL,
    published_at timestamptz NOT NULL,
    cve_id       text,
    doc          text        NOT NULL,
    PRIMARY KEY (advisory_id, number)
);
CREATE INDEX advisory_revisions_cve ON advisory_revisions (cve_id);
CREATE INDEX advisory_revisions_published ON advisory_revisions (published_at);

-- append_only refuses any change to the rows of the table it guards.
CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER advisory_revisions_append_only
    BEFORE UPDATE OR DELETE ON advisory_revisions
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER advisory_revisions_no_truncate
    BEFORE TRUNCATE ON advisory_revisions
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

CREATE TABLE outbox (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key          text        NOT NULL UNIQUE,
    channel      text        NOT NULL,
    topic        text        NOT NULL,
    payload      text,
    state        text        NOT NULL,
    attempts     integer     NOT NULL DEFAULT 0,
    next_attempt timestamptz NOT NULL,
    last_error   text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    sent_at      timestamptz
);
CREATE INDEX outbox_due ON outbox (state, next_attempt);

CREATE TABLE audit_events (
    seq       bigint      PRIMARY KEY,
    at        timestamptz NOT NULL,
    actor     text        NOT NULL,
    action    text        NOT NULL,
    object    text        NOT NULL,
    detail    text,
    prev_hash text        NOT NULL,
    hash      text        NOT NULL
);
CREATE INDEX audit_events_object ON audit_events (object);
CREATE INDEX audit_events_actor ON audit_events (actor);
CREATE INDEX audit_events_action ON audit_events (action);

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- audit_head is the chain's one-row head: the seq and hash of the last event.
-- Appending locks it (SELECT ... FOR UPDATE), so that two writers never fork
-- the chain, and verification compares it with the last stored event, so
-- that removing events from the end is noticed too.
CREATE TABLE audit_head (
    id   integer PRIMARY KEY CHECK (id = 1),
    seq  bigint  NOT NULL,
    hash text    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
