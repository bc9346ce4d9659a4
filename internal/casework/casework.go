// Package casework runs the vulnerability-handling process (R1–R10) over the
// store: intake, triage, confirmation, fixes per branch, the CVE draft, the
// change request and the one-transaction disclosure. The API, the demo and
// later the web UI all go through it, so every surface applies the same
// rules, audit and outbox writes.
//
// Invariants: every state change happens inside one store transaction that
// also appends its audit event and the outbox rows it causes; every read of
// an embargoed case by a person is audited; time comes from Service.Now.
package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/audit"
	"github.com/vigil-psirt/vigil/internal/cveservices"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/publish"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
)

// Service is the process. Its fields are set once by the caller.
type Service struct {
	Store  *store.Store
	Policy *policy.Policy
	Now    func() time.Time
	// BaseURL is the public address, used in links sent to reporters.
	BaseURL string
	// Renderer renders and signs the published documents at disclosure and
	// when a release is published; nil publishes the advisory revision only.
	Renderer *publish.Renderer
	// CVE is the CNA's CVE Services account (cve.go); nil when vigil does
	// not reserve and publish CVE IDs itself.
	CVE *cveservices.Client
	// CPEMatching matches the components without a purl by their CPE
	// against NVD's configurations (opt-in: CPE matching is coarse).
	CPEMatching bool
}

// Actor is who acts: a person, the public (intake) or vigil itself.
type Actor struct {
	Kind string // "user", "public", "system"
	Name string
	Role user.Role
}

// System is vigil acting on its own (demo, scheduled jobs).
var System = Actor{Kind: "system", Name: "vigil", Role: user.Admin}

// Public is an anonymous caller of the public intake.
var Public = Actor{Kind: "public", Name: "public"}

// UserActor is a person logged in.
func UserActor(u user.User) Actor { return Actor{Kind: "user", Name: u.Name, Role: u.Role} }

func (a Actor) String() string {
	if a.Kind == "user" {
		return "user:" + a.Name
	}
	return a.Kind
}

// IsPerson reports whether a person acts (their reads are audited).
func (a Actor) IsPerson() bool { return a.Kind == "user" }

// InvalidError lists every problem of an input, each prefixed by its field path.
type InvalidError struct{ Problems []string }

func (e *InvalidError) Error() string { return "invalid input: " + strings.Join(e.Problems, "; ") }

// invalid turns a joined validation error into an InvalidError; nil stays nil.
func invalid(err error) error {
	if err == nil {
		return nil
	}
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return &InvalidError{Problems: lines}
}

// ErrNotFound is returned for anything the caller may not see or that does not exist.
var ErrNotFound = store.ErrNotFound

func (s *Service) now() time.Time { return s.Now().UTC() }

// record appends an audit event inside tx.
func record(ctx context.Context, tx *store.Store, at time.Time, a Actor, action, object string, detail any) error {
	var raw json.RawMessage
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("audit detail: %w", err)
		}
		raw = b
	}
	e := audit.Event{At: at, Actor: a.String(), Action: action, Object: object, Detail: raw}
	if err := tx.AppendAudit(ctx, &e); err != nil {
		return fmt.Errorf("audit %s %s: %w", action, object, err)
	}
	return nil
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// Fields lists the problems, for forms that show them next to their fields.
func (e *InvalidError) Fields() []string { return e.Problems }
