-- Files that came with a report or with a message on its thread (inbound
-- mail, R1): proofs of concept, logs, and OpenPGP-encrypted parts kept as
-- they arrived. Rows are never changed.
CREATE TABLE report_attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id    INTEGER NOT NULL REFERENCES reports (id),
    message_id   INTEGER REFERENCES report_messages (id),
    filename     TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    content      BLOB    NOT NULL,
    created_at   TEXT    NOT NULL
);
CREATE INDEX report_attachments_report ON report_attachments (report_id);
-- A mail server retries a message it is not sure was taken: its Message-ID
-- finds the report made the first time.
CREATE INDEX reports_external_ref ON reports (channel, external_ref);
