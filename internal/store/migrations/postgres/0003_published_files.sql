-- What the public surface serves besides pages: every rendered document
-- (CSAF, CVE record, OSV, OpenVEX, CycloneDX VEX) with its hashes and
-- detached signature, one immutable row per revision of a path.
CREATE TABLE published_files (
    path         text        NOT NULL,
    revision     integer     NOT NULL,
    kind         text        NOT NULL,
    advisory_id  text,
    content_type text        NOT NULL,
    content      bytea       NOT NULL,
    sha256       text        NOT NULL,
    sha512       text        NOT NULL,
    signature    text        NOT NULL DEFAULT '',
    published_at timestamptz NOT NULL,
    PRIMARY KEY (path, revision)
);
CREATE INDEX published_files_advisory ON published_files (advisory_id);
CREATE INDEX published_files_kind ON published_files (kind, published_at);

CREATE TRIGGER published_files_append_only
    BEFORE UPDATE OR DELETE ON published_files
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER published_files_no_truncate
    BEFORE TRUNCATE ON published_files
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- The OpenPGP keys vigil signs with; the newest is in use.
CREATE TABLE signing_keys (
    fingerprint text        PRIMARY KEY,
    private_key text        NOT NULL,
    public_key  text        NOT NULL,
    created_at  timestamptz NOT NULL
);

-- Where a release can be downloaded, and the SHA-256 of the download (R8).
ALTER TABLE releases ADD COLUMN download_url text NOT NULL DEFAULT '';
ALTER TABLE releases ADD COLUMN sha256 text NOT NULL DEFAULT '';
