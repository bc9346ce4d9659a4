package user

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var permissions = []Permission{ManageUsers, ManageProducts, ReadProducts, ReadReports, ManageCases, ReadCases, EditFixes, ReadSchedule, ReadAudit}

func TestCan(t *testing.T) {
	// The whole table, written out: a change to a role's rights changes this test.
	want := map[Role][]Permission{
		Admin:    {ManageUsers, ManageProducts, ReadProducts, ReadReports, ManageCases, ReadCases, EditFixes, ReadSchedule, ReadAudit},
		PSIRT:    {ManageProducts, ReadProducts, ReadReports, ManageCases, ReadCases, EditFixes, ReadSchedule, ReadAudit},
		Engineer: {ReadProducts, ReadCases, EditFixes, ReadSchedule},
		Liaison:  {ReadProducts, ReadSchedule},
		Customer: {ReadProducts},
		"":       nil,
		"root":   nil,
		"Admin":  nil,
	}
	for role, perms := range want {
		for _, p := range permissions {
			wantCan := false
			for _, q := range perms {
				wantCan = wantCan || q == p
			}
			t.Run(string(role)+"/"+string(p), func(t *testing.T) {
				if got := role.Can(p); got != wantCan {
					t.Errorf("%q.Can(%s) = %v, want %v", role, p, got, wantCan)
				}
			})
		}
	}
	for _, r := range Roles {
		if r.Can("everything") || r.Can("") {
			t.Errorf("%s holds an unknown permission", r)
		}
	}
}

func TestCanRules(t *testing.T) {
	// The rules behind the table, as DESIGN.md states them.
	for _, r := range []Role{Liaison, Customer} {
		for _, p := range []Permission{ReadCases, ReadReports, ManageCases, EditFixes, ReadAudit, ManageUsers, ManageProducts} {
			if r.Can(p) {
				t.Errorf("%s may %s: the people who talk to customers never see technical details or reporters (R10)", r, p)
			}
		}
	}
	if !Liaison.Can(ReadSchedule) {
		t.Error("liaison cannot read the disclosure schedule (R10)")
	}
	if Customer.Can(ReadSchedule) {
		t.Error("a customer can read the embargoed schedule")
	}
	for _, r := range Roles {
		if r.Can(ManageUsers) != (r == Admin) {
			t.Errorf("%s.Can(ManageUsers) = %v: only admins manage users", r, r.Can(ManageUsers))
		}
		if !r.Can(ReadProducts) {
			t.Errorf("%s cannot read products", r)
		}
	}
}

func TestRoleValid(t *testing.T) {
	for _, r := range []Role{Admin, PSIRT, Engineer, Liaison, Customer} {
		if !r.Valid() {
			t.Errorf("%q is not valid", r)
		}
	}
	for _, r := range []Role{"", "root", "ADMIN", "admin "} {
		if r.Valid() {
			t.Errorf("%q is valid", r)
		}
	}
	if diff := cmp.Diff([]Role{Admin, PSIRT, Engineer, Liaison, Customer}, Roles); diff != "" {
		t.Errorf("Roles (-want +got):\n%s", diff)
	}
}

func TestValidate(t *testing.T) {
	valid := func() User {
		return User{ID: 1, Name: "alice", Email: "alice@vendor.example", Role: PSIRT, CreatedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	}
	fields := func(err error) []string {
		if err == nil {
			return nil
		}
		var out []string
		for _, line := range strings.Split(err.Error(), "\n") {
			f, _, _ := strings.Cut(line, ": ")
			out = append(out, f)
		}
		return out
	}
	tests := []struct {
		name string
		mut  func(*User)
		want []string
	}{
		{name: "valid", mut: func(*User) {}},
		{name: "no email", mut: func(u *User) { u.Email = "" }},
		{name: "name with punctuation", mut: func(u *User) { u.Name = "a.b_c-d9" }},
		{name: "name of two letters", mut: func(u *User) { u.Name = "ab" }},
		{name: "name of 64 characters", mut: func(u *User) { u.Name = "a" + strings.Repeat("b", 63) }},
		{name: "every role", mut: func(u *User) { u.Role = Customer }},
		{name: "name empty", mut: func(u *User) { u.Name = "" }, want: []string{"name"}},
		{name: "name of one letter", mut: func(u *User) { u.Name = "a" }, want: []string{"name"}},
		{name: "name of 65 characters", mut: func(u *User) { u.Name = "a" + strings.Repeat("b", 64) }, want: []string{"name"}},
		{name: "name uppercase", mut: func(u *User) { u.Name = "Alice" }, want: []string{"name"}},
		{name: "name starting with a digit", mut: func(u *User) { u.Name = "1alice" }, want: []string{"name"}},
		{name: "name starting with a dot", mut: func(u *User) { u.Name = ".alice" }, want: []string{"name"}},
		{name: "name with a space", mut: func(u *User) { u.Name = "alice b" }, want: []string{"name"}},
		{name: "name with a colon", mut: func(u *User) { u.Name = "user:alice" }, want: []string{"name"}},
		{name: "name with a newline", mut: func(u *User) { u.Name = "alice\n" }, want: []string{"name"}},
		{name: "role empty", mut: func(u *User) { u.Role = "" }, want: []string{"role"}},
		{name: "role unknown", mut: func(u *User) { u.Role = "root" }, want: []string{"role"}},
		{name: "email without @", mut: func(u *User) { u.Email = "alice" }, want: []string{"email"}},
		{name: "email too long", mut: func(u *User) { u.Email = strings.Repeat("a", 250) + "@b.ex" }, want: []string{"email"}},
		{name: "email with a header", mut: func(u *User) { u.Email = "alice@vendor.example\r\nBcc: all@vendor.example" }, want: []string{"email"}},
		{name: "email with NUL", mut: func(u *User) { u.Email = "alice\x00@vendor.example" }, want: []string{"email"}},
		{name: "email invalid UTF-8", mut: func(u *User) { u.Email = "alice\xff@vendor.example" }, want: []string{"email"}},
		{name: "email with a display name", mut: func(u *User) { u.Email = "Alice <alice@vendor.example>" }, want: []string{"email"}},
		{name: "everything wrong", mut: func(u *User) { *u = User{Name: "X", Role: "god", Email: "nope"} },
			want: []string{"name", "role", "email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := valid()
			tt.mut(&u)
			err := u.Validate()
			if diff := cmp.Diff(tt.want, fields(err)); diff != "" {
				t.Errorf("Validate() = %v\nfield paths (-want +got):\n%s", err, diff)
			}
		})
	}
}

func TestReservedNames(t *testing.T) {
	for _, name := range Reserved {
		err := User{Name: name, Role: PSIRT}.Validate()
		if err == nil || !strings.Contains(err.Error(), "reserved") {
			t.Errorf("user %q: %v, want refused as reserved", name, err)
		}
	}
}
