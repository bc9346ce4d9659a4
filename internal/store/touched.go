package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/vigil-psirt/vigil/internal/match"
)

// KeysNamingRecords returns the match keys of every record that has the ID
// of one of the records refs ("source:id") as its own ID or as an alias or
// upstream ID. A change of a record that matches no component itself (a
// KEV entry, an NVD score) changes the severity and the deadlines of the
// findings that name it, and every such finding is of a component matched
// by a record that names the ID: these keys hold the components of those
// findings (and may hold more, whose findings do not change). Index
// look-ups only, in the alias index and then the key index: the cost
// follows the records named, not the findings stored.
func (s *Store) KeysNamingRecords(ctx context.Context, refs []string) ([]match.Key, error) {
	ids := make([]string, 0, len(refs))
	for _, r := range refs {
		_, id, ok := strings.Cut(r, ":")
		if !ok {
			id = r
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var keys []match.Key
	err := inValues(ctx, s, `SELECT DISTINCT k.ecosystem, k.package FROM vuln_keys k
		WHERE k.record_id IN (SELECT record_id FROM vuln_aliases WHERE alias IN `, ")", ids, func(r scanner) error {
		var k match.Key
		err := r.Scan(&k.Ecosystem, &k.Package)
		keys = append(keys, k)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("keys naming records: %w", err)
	}
	return match.SortKeys(keys), nil
}
