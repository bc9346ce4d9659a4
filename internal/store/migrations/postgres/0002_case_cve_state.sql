-- Where a case's CVE record stands (vcase.CVEState): '' none, reserved,
-- publish_requested, published, rejected.
ALTER TABLE cases ADD COLUMN cve_state text NOT NULL DEFAULT '';
