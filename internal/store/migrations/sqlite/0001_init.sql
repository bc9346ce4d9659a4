-- vigil schema, SQLite dialect.
--
-- Times are TEXT in UTC with a fixed-width fraction of six digits
-- ("2026-03-01T09:30:00.000000Z"), so that they sort as strings and carry the
-- same microsecond precision as PostgreSQL's timestamptz. JSON sub-structures
-- are TEXT holding the exact bytes written.

CREATE TABLE users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL UNIQUE,
    email      TEXT    NOT NULL DEFAULT '',
    role       TEXT    NOT NULL,
    disabled   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL,
    last_seen  TEXT
);

CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    label      TEXT    NOT NULL DEFAULT '',
    hash       TEXT    NOT NULL UNIQUE,
    created_at TEXT    NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    last_used  TEXT
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    upstreams   TEXT NOT NULL DEFAULT 'null',
    created_at  TEXT NOT NULL
);

CREATE TABLE branches (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id INTEGER NOT NULL REFERENCES products (id),
    name       TEXT    NOT NULL,
    major      INTEGER NOT NULL,
    minor      INTEGER NOT NULL,
    status     TEXT    NOT NULL,
    since      TEXT,
    eol        TEXT,
    created_at TEXT    NOT NULL,
    UNIQUE (product_id, name)
);

CREATE TABLE releases (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    branch_id    INTEGER NOT NULL REFERENCES branches (id),
    version      TEXT    NOT NULL,
    major        INTEGER NOT NULL,
    minor        INTEGER NOT NULL,
    patch        INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    planned_at   TEXT,
    published_at TEXT,
    notes        TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    UNIQUE (branch_id, version)
);

CREATE TABLE seqs (
    name TEXT    NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (name, year)
);

CREATE TABLE cases (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    key                   TEXT    NOT NULL UNIQUE,
    title                 TEXT    NOT NULL,
    summary               TEXT    NOT NULL DEFAULT '',
    details               TEXT    NOT NULL DEFAULT '',
    workaround            TEXT    NOT NULL DEFAULT '',
    state                 TEXT    NOT NULL,
    reject_reason         TEXT    NOT NULL DEFAULT '',
    duplicate_of          INTEGER REFERENCES cases (id),
    product_id            INTEGER REFERENCES products (id),
    risk                  TEXT    NOT NULL,
    severity              TEXT    NOT NULL DEFAULT '',
    score                 REAL    NOT NULL DEFAULT 0,
    cve_id                TEXT,
    cve_draft             TEXT    NOT NULL,
    change_request        TEXT    NOT NULL,
    task_force            TEXT    NOT NULL,
    planned_disclosure    TEXT,
    credits               TEXT    NOT NULL,
    refs                  TEXT    NOT NULL,
    received_at           TEXT    NOT NULL,
    triaged_at            TEXT,
    confirmed_at          TEXT,
    exploitation_known_at TEXT,
    fix_available_at      TEXT,
    ready_at              TEXT,
    disclosed_at          TEXT,
    closed_at             TEXT,
    version               INTEGER NOT NULL
);
CREATE UNIQUE INDEX cases_cve ON cases (cve_id) WHERE cve_id IS NOT NULL;
CREATE INDEX cases_received ON cases (received_at);
CREATE INDEX cases_state ON cases (state);
CREATE INDEX cases_product ON cases (product_id);

CREATE TABLE case_fixes (
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    branch_id     INTEGER NOT NULL REFERENCES branches (id),
    status        TEXT    NOT NULL,
    commits       TEXT    NOT NULL,
    release_id    INTEGER REFERENCES releases (id),
    affected_from TEXT    NOT NULL DEFAULT '',
    evidence      TEXT    NOT NULL DEFAULT '',
    verified_by   TEXT    NOT NULL DEFAULT '',
    verified_at   TEXT,
    fixed_at      TEXT,
    PRIMARY KEY (case_id, branch_id)
);
CREATE INDEX case_fixes_branch ON case_fixes (branch_id);
CREATE INDEX case_fixes_release ON case_fixes (release_id);

CREATE TABLE reports (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    tracking_id          TEXT    NOT NULL UNIQUE,
    channel              TEXT    NOT NULL,
    visibility           TEXT    NOT NULL,
    state                TEXT    NOT NULL,
    reporter_name        TEXT    NOT NULL DEFAULT '',
    reporter_email       TEXT    NOT NULL DEFAULT '',
    reporter_org         TEXT    NOT NULL DEFAULT '',
    reporter_credit_as   TEXT    NOT NULL DEFAULT '',
    title                TEXT    NOT NULL,
    body                 TEXT    NOT NULL,
    product_hint         TEXT    NOT NULL DEFAULT '',
    external_ref         TEXT    NOT NULL DEFAULT '',
    case_id              INTEGER REFERENCES cases (id),
    status_token_hash    TEXT UNIQUE,
    received_at          TEXT    NOT NULL
);
CREATE INDEX reports_received ON reports (received_at);
CREATE INDEX reports_state ON reports (state);
CREATE INDEX reports_case ON reports (case_id);

CREATE TABLE report_messages (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES reports (id),
    sender    TEXT    NOT NULL,
    body      TEXT    NOT NULL,
    at        TEXT    NOT NULL
);
CREATE INDEX report_messages_report ON report_messages (report_id);

CREATE TABLE advisories (
    id         TEXT    PRIMARY KEY,
    case_id    INTEGER NOT NULL UNIQUE REFERENCES cases (id),
    created_at TEXT    NOT NULL
);

CREATE TABLE advisory_revisions (
    advisory_id  TEXT    NOT NULL REFERENCES advisories (id),
    number       INTEGER NOT NULL,
    status       TEXT    NOT NULL,
    published_at TEXT    NOT NULL,
    cve_id       TEXT,
    doc          TEXT    NOT NULL,
    PRIMARY KEY (advisory_id, number)
);
CREATE INDEX advisory_revisions_cve ON advisory_revisions (cve_id);
CREATE INDEX advisory_revisions_published ON advisory_revisions (published_at);

CREATE TRIGGER advisory_revisions_no_update BEFORE UPDATE ON advisory_revisions
BEGIN
    SELECT RAISE(ABORT, 'advisory_revisions is append-only');
END;
CREATE TRIGGER advisory_revisions_no_delete BEFORE DELETE ON advisory_revisions
BEGIN
    SELECT RAISE(ABORT, 'advisory_revisions is append-only');
END;

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    key          TEXT    NOT NULL UNIQUE,
    channel      TEXT    NOT NULL,
    topic        TEXT    NOT NULL,
    payload      TEXT,
    state        TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT    NOT NULL,
    last_error   TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    sent_at      TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt);

CREATE TABLE audit_events (
    seq       INTEGER PRIMARY KEY,
    at        TEXT    NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    object    TEXT    NOT NULL,
    detail    TEXT,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);
CREATE INDEX audit_events_object ON audit_events (object);
CREATE INDEX audit_events_actor ON audit_events (actor);
CREATE INDEX audit_events_action ON audit_events (action);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

-- audit_head is the chain's one-row head: the seq and hash of the last event.
-- Appending locks it, so that two writers never fork the chain, and
-- verification compares it with the last stored event, so that removing
-- events from the end is noticed too.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
