package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-psirt/vigil/internal/match"
)

// FindingKeysByRecords returns the component keys of the findings that name
// one of the records refs ("source:id") by its ID: as the finding's
// vulnerability or one of its aliases. A change of a record that matches no
// component itself (a KEV entry, an NVD score) changes the severity and the
// deadlines of those findings. One pass over the findings, filtered here:
// aliases are stored as JSON text.
func (s *Store) FindingKeysByRecords(ctx context.Context, refs []string) ([]match.Key, error) {
	ids := make(map[string]bool, len(refs))
	for _, r := range refs {
		_, id, ok := strings.Cut(r, ":")
		if !ok {
			id = r
		}
		ids[id] = true
	}
	if len(ids) == 0 {
		return nil, nil
	}
	type row struct {
		key     match.Key
		vuln    string
		aliases string
	}
	rows, err := collect(ctx, s, s.reader(), `SELECT DISTINCT match_ecosystem, match_package, vuln, aliases FROM findings`, nil,
		func(r scanner) (row, error) {
			var x row
			err := r.Scan(&x.key.Ecosystem, &x.key.Package, &x.vuln, &x.aliases)
			return x, err
		})
	if err != nil {
		return nil, err
	}
	set := map[match.Key]bool{}
	for _, x := range rows {
		hit := ids[x.vuln]
		if !hit && x.aliases != "" {
			var as []string
			if err := json.Unmarshal([]byte(x.aliases), &as); err != nil {
				return nil, fmt.Errorf("finding aliases: %w", err)
			}
			hit = slices.ContainsFunc(as, func(a string) bool { return ids[a] })
		}
		if hit {
			set[x.key] = true
		}
	}
	keys := make([]match.Key, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	return match.SortKeys(keys), nil
}
