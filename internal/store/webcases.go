package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/vigil-psirt/vigil/internal/vcase"
)

// CasePage selects one page of the case list of the web UI.
type CasePage struct {
	States     []vcase.State // any of these; none: every state
	Severities []string      // any of these ("" is unrated); none: every severity
	Member     string        // only the cases whose task force names this user; "": every case
	Limit      int           // 0: DefaultLimit; at most MaxLimit
	Offset     int
}

// ListCasePage returns one page of cases, newest first, and how many cases
// the filter selects in all (for the pager).
func (s *Store) ListCasePage(ctx context.Context, f CasePage) ([]vcase.Case, int, error) {
	var where []string
	var args []any
	if len(f.States) > 0 {
		where = append(where, "state IN ("+placeholders(len(f.States))+")")
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if len(f.Severities) > 0 {
		where = append(where, "severity IN ("+placeholders(len(f.Severities))+")")
		for _, sv := range f.Severities {
			args = append(args, sv)
		}
	}
	if f.Member != "" {
		// task_force is a JSON array of user names; the LIKE narrows, the
		// check below decides (a name may contain LIKE's wildcards).
		where = append(where, `task_force LIKE ? ESCAPE '\'`)
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Member)
		args = append(args, `%"`+esc+`"%`)
	}
	limit, offset := page(f.Limit, f.Offset)
	var cs []vcase.Case
	var total int
	err := s.readTx(ctx, func(tx *Store) error {
		var err error
		if total, err = one(ctx, tx, `SELECT COUNT(*) FROM cases`+whereClause(where), args, scanInt); err != nil {
			return err
		}
		cs, err = all(ctx, tx, `SELECT `+caseCols+` FROM cases`+whereClause(where)+
			` ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, offset), scanCase)
		if err != nil {
			return err
		}
		return tx.loadFixes(ctx, cs)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list cases: %w", err)
	}
	return cs, total, nil
}
