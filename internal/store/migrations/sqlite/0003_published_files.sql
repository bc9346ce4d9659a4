-- What the public surface serves besides pages: every rendered document
-- (CSAF, CVE record, OSV, OpenVEX, CycloneDX VEX) with its hashes and
-- detached signature, one immutable row per revision of a path.
CREATE TABLE published_files (
    path         TEXT    NOT NULL,
    revision     INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    advisory_id  TEXT,
    content_type TEXT    NOT NULL,
    content      BLOB    NOT NULL,
    sha256       TEXT    NOT NULL,
    sha512       TEXT    NOT NULL,
    signature    TEXT    NOT NULL DEFAULT '',
    published_at TEXT    NOT NULL,
    PRIMARY KEY (path, revision)
);
CREATE INDEX published_files_advisory ON published_files (advisory_id);
CREATE INDEX published_files_kind ON published_files (kind, published_at);

CREATE TRIGGER published_files_no_update BEFORE UPDATE ON published_files
BEGIN
    SELECT RAISE(ABORT, 'published_files is append-only');
END;
CREATE TRIGGER published_files_no_delete BEFORE DELETE ON published_files
BEGIN
    SELECT RAISE(ABORT, 'published_files is append-only');
END;

-- The OpenPGP keys vigil signs with; the newest is in use.
CREATE TABLE signing_keys (
    fingerprint TEXT PRIMARY KEY,
    private_key TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Where a release can be downloaded, and the SHA-256 of the download (R8).
ALTER TABLE releases ADD COLUMN download_url TEXT NOT NULL DEFAULT '';
ALTER TABLE releases ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';
