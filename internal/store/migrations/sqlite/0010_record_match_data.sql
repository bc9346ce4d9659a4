-- The match projection of each vulnerability record: what matching and
-- findings read (vigil scan, rematch), without the prose, references,
-- related IDs and dates, so that a scan reads and decodes a third of the
-- bytes. Imports write it with the record; here it is derived from the
-- stored record.
ALTER TABLE vuln_records ADD COLUMN match_data TEXT NOT NULL DEFAULT '';
UPDATE vuln_records SET match_data = json_remove(data, '$.Details', '$.References', '$.Related', '$.Published', '$.Modified');

-- Each record's own ID is one of its aliases too: a lookup by ID (the
-- findings of a scan look up every ID and alias they name) is then one
-- index probe per ID, not one in vuln_aliases and one in vuln_records.
INSERT OR IGNORE INTO vuln_aliases (alias, record_id) SELECT vuln_id, id FROM vuln_records;
