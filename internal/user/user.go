// Package user provides the people who use vigil, their roles and API tokens.
//
// Invariants: a token is shown once at creation and only its hash is kept
// (package secret); a role's permissions are fixed here, in one table.
package user

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"sync"
	"time"
)

// Role is what a user may do.
type Role string

const (
	Admin    Role = "admin"    // everything, including users
	PSIRT    Role = "psirt"    // runs the process
	Engineer Role = "engineer" // works on fixes of the cases assigned
	Liaison  Role = "liaison"  // sales and support: schedule and announcement summary only (R10)
	Customer Role = "customer" // published advisories for their products
)

// Roles lists every role.
var Roles = []Role{Admin, PSIRT, Engineer, Liaison, Customer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// Permission is one thing a role may do.
type Permission string

const (
	ManageUsers    Permission = "users.manage"
	ManageProducts Permission = "products.manage"
	ReadProducts   Permission = "products.read"
	ReadReports    Permission = "reports.read" // reporter identity and text
	ManageCases    Permission = "cases.manage" // transitions, CVE, disclosure
	ReadCases      Permission = "cases.read"   // technical details
	EditFixes      Permission = "fixes.edit"
	ReadSchedule   Permission = "schedule.read" // planned disclosures with their summary (R10)
	ReadAudit      Permission = "audit.read"
)

var grants = map[Role][]Permission{
	Admin:    {ManageUsers, ManageProducts, ReadProducts, ReadReports, ManageCases, ReadCases, EditFixes, ReadSchedule, ReadAudit},
	PSIRT:    {ManageProducts, ReadProducts, ReadReports, ManageCases, ReadCases, EditFixes, ReadSchedule, ReadAudit},
	Engineer: {ReadProducts, ReadCases, EditFixes, ReadSchedule},
	Liaison:  {ReadProducts, ReadSchedule},
	Customer: {ReadProducts},
}

// Can reports whether the role holds the permission.
func (r Role) Can(p Permission) bool {
	for _, g := range grants[r] {
		if g == p {
			return true
		}
	}
	return false
}

// User is a person with a login.
type User struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"` // login name
	Email     string     `json:"email,omitempty"`
	Role      Role       `json:"role"`
	Disabled  bool       `json:"disabled"`
	CreatedAt time.Time  `json:"created_at"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
}

var nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9._-]{1,63}$`) })

// Reserved names stand for parties other than users in messages and the
// audit trail, so no user may take them.
var Reserved = []string{"reporter", "public", "system", "vigil", "cli"}

// Validate reports every problem of a user at once.
func (u User) Validate() error {
	var errs []error
	if !nameRE().MatchString(u.Name) {
		errs = append(errs, errors.New("name: 2-64 lowercase letters, digits, '.', '_' or '-', starting with a letter"))
	} else if slices.Contains(Reserved, u.Name) {
		errs = append(errs, fmt.Errorf("name: %q is reserved", u.Name))
	}
	if !u.Role.Valid() {
		errs = append(errs, fmt.Errorf("role: must be one of %v", Roles))
	}
	if u.Email != "" && !bareAddress(u.Email) {
		errs = append(errs, errors.New("email: not a valid address"))
	}
	return errors.Join(errs...)
}

// bareAddress reports whether s is one e-mail address without a display
// name, at most 254 characters: nothing that could add a mail header or that
// a store could not keep (NUL, invalid UTF-8).
func bareAddress(s string) bool {
	if len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// Token is an API token's record; the secret itself is never stored.
type Token struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	Label     string     `json:"label"`
	Hash      string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	LastUsed  *time.Time `json:"last_used,omitempty"`
}

// TokenPrefix marks vigil's API tokens so secret scanners can find leaked ones.
const TokenPrefix = "vgl_"
