-- The match projection of each vulnerability record: what matching and
-- findings read (vigil scan, rematch), without the prose, references,
-- related IDs and dates, so that a scan reads and decodes a third of the
-- bytes. Imports write it with the record; here it is derived from the
-- stored record. jsonb refuses the escape \u0000 in a string: such a record
-- keeps its whole JSON as its projection.
ALTER TABLE vuln_records ADD COLUMN match_data text NOT NULL DEFAULT '';
UPDATE vuln_records SET match_data = CASE
    WHEN strpos(data, '\u0000') = 0 THEN (data::jsonb - 'Details' - 'References' - 'Related' - 'Published' - 'Modified')::text
    ELSE data END;

-- Each record's own ID is one of its aliases too: a lookup by ID (the
-- findings of a scan look up every ID and alias they name) is then one
-- index probe per ID, not one in vuln_aliases and one in vuln_records.
INSERT INTO vuln_aliases (alias, record_id) SELECT vuln_id, id FROM vuln_records ON CONFLICT DO NOTHING;
