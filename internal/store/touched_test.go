package store_test

import (
	"context"
	"testing"

	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// TestKeysNamingRecords: the keys a change of records touches through the
// records that name them: by their own ID, an alias or an upstream ID, on
// both databases.
func TestKeysNamingRecords(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newRecord("A") // alias CVE-A, key Go example.com/a
		b := newRecord("B") // alias CVE-B
		dsa := newRecord("DSA-1-1", func(r *vuln.Record) {
			r.Aliases, r.Upstream = nil, []string{"CVE-A"}
			r.Affected[0].Ecosystem, r.Affected[0].Package = "Debian:12", "openssl"
		})
		_, err := s.ImportRecords(ctx, "osv/Go", []vuln.Record{a, b, dsa}, true)
		must(t, err)
		kev := vuln.Record{ID: "CVE-A", Source: vuln.SourceKEV, Exploited: &vuln.Exploitation{DateAdded: t0, DueDate: t0, RequiredAction: "patch"}}
		_, err = s.ImportRecords(ctx, "kev", []vuln.Record{kev}, true)
		must(t, err)

		for _, c := range []struct {
			name string
			refs []string
			want []match.Key
		}{
			{"a KEV entry: the records naming its CVE", []string{"kev:CVE-A"},
				[]match.Key{{Ecosystem: "Debian:12", Package: "openssl"}, {Ecosystem: "Go", Package: "example.com/a"}}},
			{"a record by its own ID", []string{"osv:B"}, []match.Key{{Ecosystem: "Go", Package: "example.com/b"}}},
			{"a record no other names, removed", []string{"nvd:CVE-NONE"}, []match.Key{}},
			{"none", nil, []match.Key{}},
		} {
			got, err := s.KeysNamingRecords(ctx, c.refs)
			must(t, err)
			if got == nil {
				got = []match.Key{}
			}
			diff(t, c.name, c.want, got)
		}
	})
}
