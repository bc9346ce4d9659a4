package store

import "context"

// MigrateTo applies the migrations up to version n only, for tests of a
// later migration on data an earlier schema holds.
func (s *Store) MigrateTo(ctx context.Context, n int) error {
	ms, err := migrations(s.dialect)
	if err != nil {
		return err
	}
	for _, m := range ms[:n] {
		if _, err := s.migrate(ctx, m); err != nil {
			return err
		}
	}
	return nil
}
