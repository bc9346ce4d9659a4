-- CVE IDs the CNA reserved through CVE Services (R3) and what became of
-- them. "assigned" is not stored: a reserved ID is assigned while a case
-- holds it (cases.cve_id), so the two can never disagree. case_id is set
-- when the ID's record is published or rejected for a case.
CREATE TABLE cve_ids (
    id           TEXT    PRIMARY KEY,
    year         INTEGER NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('reserved', 'published', 'rejected')),
    case_id      INTEGER REFERENCES cases (id),
    reserved_at  TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX cve_ids_state ON cve_ids (state, reserved_at);
