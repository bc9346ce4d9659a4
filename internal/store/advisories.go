package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
)

// Published is the only view of the store that the public surface (the
// public site, its feeds and the CSAF directory) gets for advisory data:
// published advisory revisions and nothing else. Embargoed cases, reports,
// fixes and drafts are not reachable through it, so they cannot leak by
// construction. *Store satisfies it; give the public surface a Published,
// never the *Store.
type Published interface {
	// LatestRevisions returns the newest revision of each advisory, the
	// most recently published first.
	LatestRevisions(ctx context.Context, limit, offset int) ([]advisory.Revision, error)
	// RevisionsOf returns every revision of an advisory, in order.
	RevisionsOf(ctx context.Context, advisoryID string) ([]advisory.Revision, error)
	// RevisionByCVE returns the newest revision of the advisory for a CVE.
	RevisionByCVE(ctx context.Context, cveID string) (advisory.Revision, error)
}

var _ Published = (*Store)(nil)

// AddRevision stores the next revision of the advisory of a case. The first
// revision (number 1) creates the advisory with rev.AdvisoryID; a later one
// must name the same advisory and have the number after the last one, else
// ErrConflict (also when two writers race for the same number). Revisions
// are never changed afterwards: the table refuses UPDATE and DELETE.
// PublishedAt is kept with microsecond precision, as every time.
func (s *Store) AddRevision(ctx context.Context, caseID int64, rev advisory.Revision) error {
	rev.PublishedAt = rev.PublishedAt.UTC().Truncate(time.Microsecond)
	doc, err := json.Marshal(rev)
	if err != nil {
		return fmt.Errorf("add revision %d of %s: encode: %w", rev.Number, rev.AdvisoryID, err)
	}
	err = s.InTx(ctx, func(tx *Store) error {
		type head struct {
			id   string
			last int
		}
		h, err := one(ctx, tx, `SELECT a.id, COALESCE(MAX(r.number), 0) FROM advisories a
			LEFT JOIN advisory_revisions r ON r.advisory_id = a.id WHERE a.case_id = ? GROUP BY a.id`, []any{caseID},
			func(r scanner) (head, error) {
				var h head
				err := r.Scan(&h.id, &h.last)
				return h, err
			})
		switch {
		case errors.Is(err, ErrNotFound):
			if rev.Number != 1 {
				return fmt.Errorf("%w: case %d has no advisory yet, revision must be 1", ErrConflict, caseID)
			}
			if _, err := tx.exec(ctx, `INSERT INTO advisories (id, case_id, created_at) VALUES (?, ?, ?)`,
				rev.AdvisoryID, caseID, rev.PublishedAt); err != nil {
				return err
			}
		case err != nil:
			return err
		case h.id != rev.AdvisoryID:
			return fmt.Errorf("%w: the advisory of case %d is %s", ErrConflict, caseID, h.id)
		case rev.Number != h.last+1:
			return fmt.Errorf("%w: the next revision is %d", ErrConflict, h.last+1)
		}
		_, err = tx.exec(ctx, `INSERT INTO advisory_revisions (advisory_id, number, status, published_at, cve_id, doc)
			VALUES (?, ?, ?, ?, ?, ?)`,
			rev.AdvisoryID, rev.Number, string(rev.Status), rev.PublishedAt, nullString(rev.CVEID), string(doc))
		return err
	})
	if err != nil {
		return fmt.Errorf("add revision %d of %s: %w", rev.Number, rev.AdvisoryID, err)
	}
	return nil
}

// AdvisoryIDByCase returns the ID of a case's advisory; ErrNotFound if it
// has none yet.
func (s *Store) AdvisoryIDByCase(ctx context.Context, caseID int64) (string, error) {
	id, err := one(ctx, s, `SELECT id FROM advisories WHERE case_id = ?`, []any{caseID}, func(r scanner) (string, error) {
		var id string
		err := r.Scan(&id)
		return id, err
	})
	if err != nil {
		return "", fmt.Errorf("advisory of case %d: %w", caseID, err)
	}
	return id, nil
}

const revisionCols = `r.advisory_id, r.number, r.status, r.published_at, r.doc`

// scanRevision decodes the stored document; the columns, which are what
// the queries select and sort by, win over the document's copy of them.
func scanRevision(r scanner) (advisory.Revision, error) {
	var (
		id, status string
		number     int
		at         time.Time
		doc        advisory.Revision
	)
	if err := r.Scan(&id, &number, &status, tm(&at), jsonv(&doc)); err != nil {
		return advisory.Revision{}, err
	}
	doc.AdvisoryID, doc.Number, doc.Status, doc.PublishedAt = id, number, advisory.Status(status), at
	return doc, nil
}

// LatestRevisions returns the newest revision of each advisory, the most
// recently published first.
func (s *Store) LatestRevisions(ctx context.Context, limit, offset int) ([]advisory.Revision, error) {
	limit, offset = page(limit, offset)
	rs, err := all(ctx, s, `SELECT `+revisionCols+` FROM advisory_revisions r
		JOIN (SELECT advisory_id, MAX(number) AS number FROM advisory_revisions GROUP BY advisory_id) m
		ON m.advisory_id = r.advisory_id AND m.number = r.number
		ORDER BY r.published_at DESC, r.advisory_id DESC LIMIT ? OFFSET ?`, []any{limit, offset}, scanRevision)
	if err != nil {
		return nil, fmt.Errorf("latest revisions: %w", err)
	}
	return rs, nil
}

// RevisionsOf returns every revision of an advisory, by number;
// ErrNotFound if there is none.
func (s *Store) RevisionsOf(ctx context.Context, advisoryID string) ([]advisory.Revision, error) {
	rs, err := all(ctx, s, `SELECT `+revisionCols+` FROM advisory_revisions r WHERE r.advisory_id = ? ORDER BY r.number`,
		[]any{advisoryID}, scanRevision)
	if err == nil && len(rs) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("revisions of %s: %w", advisoryID, err)
	}
	return rs, nil
}

// RevisionByCVE returns the newest revision of the advisory that any
// revision of names the CVE.
func (s *Store) RevisionByCVE(ctx context.Context, cveID string) (advisory.Revision, error) {
	rev, err := one(ctx, s, `SELECT `+revisionCols+` FROM advisory_revisions r
		WHERE r.advisory_id = (SELECT advisory_id FROM advisory_revisions WHERE cve_id = ?
			ORDER BY published_at DESC, number DESC LIMIT 1)
		ORDER BY r.number DESC LIMIT 1`, []any{cveID}, scanRevision)
	if err != nil {
		return advisory.Revision{}, fmt.Errorf("advisory for %s: %w", cveID, err)
	}
	return rev, nil
}
