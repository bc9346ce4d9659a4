-- Where a case's CVE record stands (vcase.CVEState): '' none, reserved,
-- publish_requested, published, rejected.
ALTER TABLE cases ADD COLUMN cve_state TEXT NOT NULL DEFAULT '';
