-- Continuous monitoring (R12–R17): the SBOM and components of each release,
-- the vulnerability records imported from the feeds with their aliases and
-- match keys, the runs and sync state of the feeds, the findings of each
-- release and the applicability rules.

-- One SBOM per release; ReplaceSBOM swaps it with its components.
CREATE TABLE sboms (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    release_id   bigint  NOT NULL UNIQUE REFERENCES releases (id),
    name         text    NOT NULL,
    format       text    NOT NULL,
    spec_version text    NOT NULL DEFAULT '',
    sha256       text    NOT NULL DEFAULT '',
    components   integer NOT NULL,
    unidentified integer NOT NULL,
    skipped      integer NOT NULL,
    duplicates   integer NOT NULL,
    problems     text    NOT NULL,
    imported_at  timestamptz NOT NULL,
    imported_by  text    NOT NULL DEFAULT ''
);

-- pos is the component's place in the SBOM; match_ecosystem and
-- match_package are its match key (match.FromSBOM(...).Key()).
CREATE TABLE components (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    release_id      bigint  NOT NULL REFERENCES releases (id),
    pos             integer NOT NULL,
    name            text    NOT NULL,
    version         text    NOT NULL,
    purl            text    NOT NULL,
    ecosystem       text    NOT NULL,
    package         text    NOT NULL,
    source          text    NOT NULL,
    source_version  text    NOT NULL,
    grp             text    NOT NULL,
    licenses        text    NOT NULL,
    cpe             text    NOT NULL,
    ref             text    NOT NULL,
    distro          text    NOT NULL,
    match_ecosystem text    NOT NULL,
    match_package   text    NOT NULL,
    UNIQUE (release_id, pos)
);
CREATE INDEX components_match ON components (match_ecosystem, match_package);

-- A record is (source, vuln_id); data is the JSON of vuln.Record and hash
-- its SHA-256, so an identical record is recognised without decoding it.
-- feed is the feed that last imported it.
CREATE TABLE vuln_records (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source  text    NOT NULL CHECK (length(source) BETWEEN 1 AND 32),
    vuln_id text    NOT NULL CHECK (length(vuln_id) BETWEEN 1 AND 256),
    feed    text    NOT NULL,
    hash    text    NOT NULL,
    data    text    NOT NULL,
    UNIQUE (vuln_id, source)
);
CREATE INDEX vuln_records_feed ON vuln_records (feed);

-- The record's aliases and upstream IDs, and below the match keys of its
-- affected entries. record_id has no REFERENCES: checking the record for
-- each of the hundreds of thousands of rows an import writes costs more
-- than the import itself on SQLite; the store deletes these rows with
-- their record, in the same transaction.
CREATE TABLE vuln_aliases (
    alias     text    NOT NULL,
    record_id bigint  NOT NULL,
    PRIMARY KEY (alias, record_id)
);
CREATE INDEX vuln_aliases_record ON vuln_aliases (record_id);

CREATE TABLE vuln_keys (
    ecosystem text    NOT NULL,
    package   text    NOT NULL,
    record_id bigint  NOT NULL,
    PRIMARY KEY (ecosystem, package, record_id)
);
CREATE INDEX vuln_keys_record ON vuln_keys (record_id);

CREATE TABLE feed_runs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feed           text    NOT NULL,
    location       text    NOT NULL DEFAULT '',
    format         text    NOT NULL DEFAULT '',
    triggered_by   text    NOT NULL CHECK (triggered_by IN ('import', 'sync', 'schedule')),
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz,
    state          text    NOT NULL CHECK (state IN ('running', 'ok', 'failed', 'not_modified')),
    added          integer NOT NULL DEFAULT 0,
    updated        integer NOT NULL DEFAULT 0,
    unchanged      integer NOT NULL DEFAULT 0,
    removed        integer NOT NULL DEFAULT 0,
    problems       integer NOT NULL DEFAULT 0,
    problem_sample text    NOT NULL DEFAULT '[]',
    error          text    NOT NULL DEFAULT '',
    rematched      integer NOT NULL DEFAULT 0,
    duration_ns    bigint  NOT NULL DEFAULT 0
);
CREATE INDEX feed_runs_started ON feed_runs (started_at);
CREATE INDEX feed_runs_feed ON feed_runs (feed, started_at);

CREATE TABLE feed_state (
    feed          text PRIMARY KEY,
    url           text NOT NULL DEFAULT '',
    etag          text NOT NULL DEFAULT '',
    last_modified text NOT NULL DEFAULT '',
    cursor        text NOT NULL DEFAULT '',
    synced_at     timestamptz NOT NULL
);

-- Rules name the product by slug: a rule may hold for every product ('').
CREATE TABLE applicability_rules (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product       text    NOT NULL DEFAULT '',
    from_version  text    NOT NULL DEFAULT '',
    ecosystem     text    NOT NULL DEFAULT '',
    package       text    NOT NULL DEFAULT '',
    versions      text    NOT NULL DEFAULT '',
    vuln          text    NOT NULL DEFAULT '',
    status        text    NOT NULL,
    justification text    NOT NULL DEFAULT '',
    reason        text    NOT NULL,
    note          text    NOT NULL DEFAULT '',
    author        text    NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX applicability_rules_product ON applicability_rules (product);

-- A finding is identified by (release, component match key, component
-- version, vulnerability). component_id is lost (NULL) when the release's
-- SBOM is replaced, until the findings are synced again.
CREATE TABLE findings (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    release_id          bigint  NOT NULL REFERENCES releases (id),
    component_id        bigint  REFERENCES components (id) ON DELETE SET NULL,
    component_purl      text    NOT NULL DEFAULT '',
    component_name      text    NOT NULL DEFAULT '',
    component_version   text    NOT NULL,
    component_ecosystem text    NOT NULL,
    component_package   text    NOT NULL,
    match_ecosystem     text    NOT NULL,
    match_package       text    NOT NULL,
    vuln                text    NOT NULL,
    aliases             text    NOT NULL,
    records             text    NOT NULL,
    summary             text    NOT NULL DEFAULT '',
    severity            integer NOT NULL,
    severity_name       text    NOT NULL,
    score               double precision NOT NULL DEFAULT 0,
    vector              text    NOT NULL DEFAULT '',
    reasons             text    NOT NULL,
    exploited           boolean NOT NULL DEFAULT false,
    exploited_since     timestamptz,
    fixed_version       text    NOT NULL DEFAULT '',
    status              text    NOT NULL,
    justification       text    NOT NULL DEFAULT '',
    rule_id             bigint  REFERENCES applicability_rules (id),
    status_note         text    NOT NULL DEFAULT '',
    detected_at         timestamptz NOT NULL,
    due_at              timestamptz,
    clock               text    NOT NULL DEFAULT '',
    resolved_at         timestamptz,
    resolved_by         bigint  REFERENCES releases (id),
    UNIQUE (release_id, match_ecosystem, match_package, component_version, vuln)
);
CREATE INDEX findings_component ON findings (component_id);
CREATE INDEX findings_vuln ON findings (vuln);
CREATE INDEX findings_status ON findings (status, severity);
