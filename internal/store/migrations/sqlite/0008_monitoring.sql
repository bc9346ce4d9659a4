-- Continuous monitoring (R12–R17): the SBOM and components of each release,
-- the vulnerability records imported from the feeds with their aliases and
-- match keys, the runs and sync state of the feeds, the findings of each
-- release and the applicability rules.

-- One SBOM per release; ReplaceSBOM swaps it with its components.
CREATE TABLE sboms (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    release_id   INTEGER NOT NULL UNIQUE REFERENCES releases (id),
    name         TEXT    NOT NULL,
    format       TEXT    NOT NULL,
    spec_version TEXT    NOT NULL DEFAULT '',
    sha256       TEXT    NOT NULL DEFAULT '',
    components   INTEGER NOT NULL,
    unidentified INTEGER NOT NULL,
    skipped      INTEGER NOT NULL,
    duplicates   INTEGER NOT NULL,
    problems     TEXT    NOT NULL,
    imported_at  TEXT    NOT NULL,
    imported_by  TEXT    NOT NULL DEFAULT ''
);

-- pos is the component's place in the SBOM; match_ecosystem and
-- match_package are its match key (match.FromSBOM(...).Key()).
CREATE TABLE components (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    release_id      INTEGER NOT NULL REFERENCES releases (id),
    pos             INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    version         TEXT    NOT NULL,
    purl            TEXT    NOT NULL,
    ecosystem       TEXT    NOT NULL,
    package         TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    source_version  TEXT    NOT NULL,
    grp             TEXT    NOT NULL,
    licenses        TEXT    NOT NULL,
    cpe             TEXT    NOT NULL,
    ref             TEXT    NOT NULL,
    distro          TEXT    NOT NULL,
    match_ecosystem TEXT    NOT NULL,
    match_package   TEXT    NOT NULL,
    UNIQUE (release_id, pos)
);
CREATE INDEX components_match ON components (match_ecosystem, match_package);

-- A record is (source, vuln_id); data is the JSON of vuln.Record and hash
-- its SHA-256, so an identical record is recognised without decoding it.
-- feed is the feed that last imported it.
CREATE TABLE vuln_records (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    source  TEXT    NOT NULL CHECK (length(source) BETWEEN 1 AND 32),
    vuln_id TEXT    NOT NULL CHECK (length(vuln_id) BETWEEN 1 AND 256),
    feed    TEXT    NOT NULL,
    hash    TEXT    NOT NULL,
    data    TEXT    NOT NULL,
    UNIQUE (vuln_id, source)
);
CREATE INDEX vuln_records_feed ON vuln_records (feed);

-- The record's aliases and upstream IDs, and below the match keys of its
-- affected entries. record_id has no REFERENCES: checking the record for
-- each of the hundreds of thousands of rows an import writes costs more
-- than the import itself on SQLite; the store deletes these rows with
-- their record, in the same transaction.
CREATE TABLE vuln_aliases (
    alias     TEXT    NOT NULL,
    record_id INTEGER NOT NULL,
    PRIMARY KEY (alias, record_id)
) WITHOUT ROWID;
CREATE INDEX vuln_aliases_record ON vuln_aliases (record_id);

CREATE TABLE vuln_keys (
    ecosystem TEXT    NOT NULL,
    package   TEXT    NOT NULL,
    record_id INTEGER NOT NULL,
    PRIMARY KEY (ecosystem, package, record_id)
) WITHOUT ROWID;
CREATE INDEX vuln_keys_record ON vuln_keys (record_id);

CREATE TABLE feed_runs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    feed           TEXT    NOT NULL,
    location       TEXT    NOT NULL DEFAULT '',
    format         TEXT    NOT NULL DEFAULT '',
    triggered_by   TEXT    NOT NULL CHECK (triggered_by IN ('import', 'sync', 'schedule')),
    started_at     TEXT    NOT NULL,
    finished_at    TEXT,
    state          TEXT    NOT NULL CHECK (state IN ('running', 'ok', 'failed', 'not_modified')),
    added          INTEGER NOT NULL DEFAULT 0,
    updated        INTEGER NOT NULL DEFAULT 0,
    unchanged      INTEGER NOT NULL DEFAULT 0,
    removed        INTEGER NOT NULL DEFAULT 0,
    problems       INTEGER NOT NULL DEFAULT 0,
    problem_sample TEXT    NOT NULL DEFAULT '[]',
    error          TEXT    NOT NULL DEFAULT '',
    rematched      INTEGER NOT NULL DEFAULT 0,
    duration_ns    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX feed_runs_started ON feed_runs (started_at);
CREATE INDEX feed_runs_feed ON feed_runs (feed, started_at);

CREATE TABLE feed_state (
    feed          TEXT PRIMARY KEY,
    url           TEXT NOT NULL DEFAULT '',
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    cursor        TEXT NOT NULL DEFAULT '',
    synced_at     TEXT NOT NULL
);

-- Rules name the product by slug: a rule may hold for every product ('').
CREATE TABLE applicability_rules (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    product       TEXT    NOT NULL DEFAULT '',
    from_version  TEXT    NOT NULL DEFAULT '',
    ecosystem     TEXT    NOT NULL DEFAULT '',
    package       TEXT    NOT NULL DEFAULT '',
    versions      TEXT    NOT NULL DEFAULT '',
    vuln          TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL,
    justification TEXT    NOT NULL DEFAULT '',
    reason        TEXT    NOT NULL,
    note          TEXT    NOT NULL DEFAULT '',
    author        TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    expires_at    TEXT,
    revoked_at    TEXT
);
CREATE INDEX applicability_rules_product ON applicability_rules (product);

-- A finding is identified by (release, component match key, component
-- version, vulnerability). component_id is lost (NULL) when the release's
-- SBOM is replaced, until the findings are synced again.
CREATE TABLE findings (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    release_id          INTEGER NOT NULL REFERENCES releases (id),
    component_id        INTEGER REFERENCES components (id) ON DELETE SET NULL,
    component_purl      TEXT    NOT NULL DEFAULT '',
    component_name      TEXT    NOT NULL DEFAULT '',
    component_version   TEXT    NOT NULL,
    component_ecosystem TEXT    NOT NULL,
    component_package   TEXT    NOT NULL,
    match_ecosystem     TEXT    NOT NULL,
    match_package       TEXT    NOT NULL,
    vuln                TEXT    NOT NULL,
    aliases             TEXT    NOT NULL,
    records             TEXT    NOT NULL,
    summary             TEXT    NOT NULL DEFAULT '',
    severity            INTEGER NOT NULL,
    severity_name       TEXT    NOT NULL,
    score               REAL    NOT NULL DEFAULT 0,
    vector              TEXT    NOT NULL DEFAULT '',
    reasons             TEXT    NOT NULL,
    exploited           INTEGER NOT NULL DEFAULT 0,
    exploited_since     TEXT,
    fixed_version       TEXT    NOT NULL DEFAULT '',
    status              TEXT    NOT NULL,
    justification       TEXT    NOT NULL DEFAULT '',
    rule_id             INTEGER REFERENCES applicability_rules (id),
    status_note         TEXT    NOT NULL DEFAULT '',
    detected_at         TEXT    NOT NULL,
    due_at              TEXT,
    clock               TEXT    NOT NULL DEFAULT '',
    resolved_at         TEXT,
    resolved_by         INTEGER REFERENCES releases (id),
    UNIQUE (release_id, match_ecosystem, match_package, component_version, vuln)
);
CREATE INDEX findings_component ON findings (component_id);
CREATE INDEX findings_vuln ON findings (vuln);
CREATE INDEX findings_status ON findings (status, severity);
