package web

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vigil-psirt/vigil/internal/audit"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/store"
)

// SetPassword gives the user a new password for the UI after checking it
// (CheckPassword), stores only its argon2id hash, ends the user's sessions
// and records "user.password" in the audit trail, all in one transaction.
// A user who has no password cannot sign in to the UI.
func SetPassword(ctx context.Context, svc *casework.Service, a casework.Actor, name, pw string) error {
	if err := CheckPassword(name, pw); err != nil {
		return &casework.InvalidError{Problems: problems(err)}
	}
	hash := HashPassword(pw)
	return svc.Store.InTx(ctx, func(tx *store.Store) error {
		u, err := tx.UserByName(ctx, name)
		if err != nil {
			return err
		}
		if err := tx.SetPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"sessions_ended": true})
		e := audit.Event{At: svc.Now().UTC(), Actor: a.String(), Action: "user.password", Object: "user:" + u.Name, Detail: detail}
		if err := tx.AppendAudit(ctx, &e); err != nil {
			return fmt.Errorf("audit user.password: %w", err)
		}
		return nil
	})
}

// problems splits a joined validation error into its lines.
func problems(err error) []string {
	var out []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
