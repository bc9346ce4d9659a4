-- CVE IDs the CNA reserved through CVE Services (R3) and what became of
-- them. "assigned" is not stored: a reserved ID is assigned while a case
-- holds it (cases.cve_id), so the two can never disagree. case_id is set
-- when the ID's record is published or rejected for a case.
CREATE TABLE cve_ids (
    id           text        PRIMARY KEY,
    year         integer     NOT NULL,
    state        text        NOT NULL CHECK (state IN ('reserved', 'published', 'rejected')),
    case_id      bigint      REFERENCES cases (id),
    reserved_at  timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX cve_ids_state ON cve_ids (state, reserved_at);
