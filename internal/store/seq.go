package store

import (
	"context"
	"fmt"
)

// NextSeq returns the next number, from 1, of the counter name in year
// (tracking IDs, case keys, advisory IDs). It is one UPSERT ... RETURNING,
// so the number is taken within the caller's transaction: two transactions
// never get the same number (on PostgreSQL the second waits for the first's
// row lock), and a rolled-back transaction gives its number back.
func (s *Store) NextSeq(ctx context.Context, name string, year int) (int, error) {
	var n int
	err := s.writer().QueryRowContext(ctx, s.rebind(`INSERT INTO seqs (name, year, last) VALUES (?, ?, 1)
		ON CONFLICT (name, year) DO UPDATE SET last = seqs.last + 1
		RETURNING last`), name, year).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next %s number of %d: %w", name, year, normalize(err))
	}
	return n, nil
}
