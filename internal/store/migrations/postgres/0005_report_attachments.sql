-- Files that came with a report or with a message on its thread (inbound
-- mail, R1): proofs of concept, logs, and OpenPGP-encrypted parts kept as
-- they arrived. Rows are never changed.
CREATE TABLE report_attachments (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id    bigint      NOT NULL REFERENCES reports (id),
    message_id   bigint      REFERENCES report_messages (id),
    filename     text        NOT NULL,
    content_type text        NOT NULL,
    size         bigint      NOT NULL,
    sha256       text        NOT NULL,
    content      bytea       NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX report_attachments_report ON report_attachments (report_id);
-- A mail server retries a message it is not sure was taken: its Message-ID
-- finds the report made the first time.
CREATE INDEX reports_external_ref ON reports (channel, external_ref);
