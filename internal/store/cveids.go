package store

import (
	"context"
	"fmt"
	"time"
)

// CVEIDState is where a CVE ID the CNA reserved stands in vigil.
type CVEIDState string

const (
	CVEIDReserved  CVEIDState = "reserved"  // reserved, no open case holds it
	CVEIDAssigned  CVEIDState = "assigned"  // reserved, a case not rejected holds it (derived, never stored)
	CVEIDPublished CVEIDState = "published" // its record is public
	CVEIDRejected  CVEIDState = "rejected"  // rejected: unused, or the advisory was withdrawn
)

// CVEID is a CVE ID the CNA reserved through CVE Services. It is a row of
// the store's own bookkeeping (there is no domain rule on it beyond the
// states above, which CVE Services enforces), so it lives here.
type CVEID struct {
	ID         string     `json:"id"`
	Year       int        `json:"year"`
	State      CVEIDState `json:"state"`
	CaseID     *int64     `json:"case_id"`
	CaseKey    string     `json:"case_key,omitempty"`
	ReservedAt time.Time  `json:"reserved_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// CVEIDFilter selects CVE IDs for ListCVEIDs; zero fields select all.
type CVEIDFilter struct {
	State CVEIDState // the effective state: "assigned" selects reserved IDs a case holds
	// ReservedBefore selects IDs reserved before it (the unused-ID check).
	ReservedBefore *time.Time
	Limit          int // 0: DefaultLimit; at most MaxLimit
	Offset         int
}

// cveIDSelect reads the IDs with their effective state: a reserved ID that
// a case holds (cases.cve_id, unique) is assigned to that case, unless the
// case was rejected: then nothing will use the ID and it is reserved (and
// left behind) again, still naming the case.
const cveIDSelect = `SELECT * FROM (SELECT v.id AS id, v.year AS year,
	CASE WHEN v.state = 'reserved' AND c.id IS NOT NULL AND c.state <> 'rejected' THEN 'assigned' ELSE v.state END AS state,
	COALESCE(c.id, v.case_id) AS case_id, COALESCE(c.key, k.key) AS case_key, v.reserved_at AS reserved_at, v.updated_at AS updated_at
	FROM cve_ids v LEFT JOIN cases c ON c.cve_id = v.id LEFT JOIN cases k ON k.id = v.case_id) x`

func scanCVEID(r scanner) (CVEID, error) {
	var v CVEID
	err := r.Scan(&v.ID, &v.Year, &v.State, &v.CaseID, str(&v.CaseKey), tm(&v.ReservedAt), tm(&v.UpdatedAt))
	return v, err
}

// AddCVEIDs records newly reserved IDs (state reserved). An ID recorded
// already is left as it is, so recording a reservation again is harmless.
func (s *Store) AddCVEIDs(ctx context.Context, ids []CVEID) error {
	return s.InTx(ctx, func(tx *Store) error {
		for _, v := range ids {
			_, err := tx.exec(ctx, `INSERT INTO cve_ids (id, year, state, case_id, reserved_at, updated_at)
				VALUES (?, ?, ?, NULL, ?, ?) ON CONFLICT (id) DO NOTHING`,
				v.ID, v.Year, string(CVEIDReserved), v.ReservedAt, v.ReservedAt)
			if err != nil {
				return fmt.Errorf("add CVE ID %s: %w", v.ID, err)
			}
		}
		return nil
	})
}

// CVEIDByID returns one recorded ID; ErrNotFound if the CNA did not
// reserve it through vigil.
func (s *Store) CVEIDByID(ctx context.Context, id string) (CVEID, error) {
	v, err := one(ctx, s, cveIDSelect+` WHERE id = ?`, []any{id}, scanCVEID)
	if err != nil {
		return v, fmt.Errorf("CVE ID %s: %w", id, err)
	}
	return v, nil
}

// ListCVEIDs returns the IDs f selects, oldest reservation first.
func (s *Store) ListCVEIDs(ctx context.Context, f CVEIDFilter) ([]CVEID, error) {
	var where []string
	var args []any
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	if f.ReservedBefore != nil {
		where, args = append(where, "reserved_at < ?"), append(args, *f.ReservedBefore)
	}
	limit, offset := page(f.Limit, f.Offset)
	vs, err := all(ctx, s, cveIDSelect+whereClause(where)+` ORDER BY reserved_at, id LIMIT ? OFFSET ?`,
		append(args, limit, offset), scanCVEID)
	if err != nil {
		return nil, fmt.Errorf("list CVE IDs: %w", err)
	}
	return vs, nil
}

// SetCVEIDState records that an ID was published or rejected, for the case
// caseID if not nil; ErrNotFound if the ID is not one vigil reserved.
func (s *Store) SetCVEIDState(ctx context.Context, id string, state CVEIDState, caseID *int64, at time.Time) error {
	if state != CVEIDPublished && state != CVEIDRejected && state != CVEIDReserved {
		return fmt.Errorf("set CVE ID %s: state %q is not stored", id, state)
	}
	err := s.execOne(ctx, `UPDATE cve_ids SET state = ?, case_id = COALESCE(?, case_id), updated_at = ? WHERE id = ?`,
		string(state), caseID, at, id)
	if err != nil {
		return fmt.Errorf("set CVE ID %s %s: %w", id, state, err)
	}
	return nil
}
