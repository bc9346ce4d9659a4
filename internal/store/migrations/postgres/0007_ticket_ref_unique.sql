-- One report per ticket: a tracker that delivers an issue twice, to two
-- vigil processes at once, still makes one report.
CREATE UNIQUE INDEX reports_ticket_ref ON reports (channel, external_ref)
    WHERE channel IN ('public_ticket', 'private_ticket') AND external_ref <> '';
