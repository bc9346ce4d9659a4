package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

func newRule(mut ...func(*finding.Rule)) finding.Rule {
	r := finding.Rule{Product: "gateway", FromVersion: "41.0.1", Ecosystem: "Debian", Package: "openssl", Versions: ">=3.0.0, <3.0.13",
		Vuln: "CVE-2024-0727", Status: finding.NotAffected, Justification: finding.VulnerableCodeNotInExecutePath,
		Reason: finding.FeatureNotUsed, Note: "PKCS12 is not parsed", Author: "alice", CreatedAt: t0}
	for _, m := range mut {
		m(&r)
	}
	return r
}

func TestRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := t0.Add(48 * time.Hour)
		create := func(mut ...func(*finding.Rule)) finding.Rule {
			t.Helper()
			r := newRule(mut...)
			must(t, s.CreateRule(ctx, &r))
			return r
		}
		full := create(func(r *finding.Rule) { r.ExpiresAt = ptr(t0.AddDate(1, 0, 0)) })
		every := create(func(r *finding.Rule) {
			r.Product, r.FromVersion, r.Ecosystem, r.Versions, r.Justification = "", "", "", "", ""
			r.Status, r.Reason, r.CreatedAt = finding.Affected, finding.OtherReason, t0.Add(time.Hour)
		})
		other := create(func(r *finding.Rule) { r.Product, r.CreatedAt = "ids", t0.Add(2*time.Hour) })
		expired := create(func(r *finding.Rule) { r.ExpiresAt, r.CreatedAt = ptr(now), t0.Add(3*time.Hour) })
		revoked := create(func(r *finding.Rule) { r.CreatedAt = t0.Add(4 * time.Hour) })
		must(t, s.RevokeRule(ctx, revoked.ID, now))
		revoked.RevokedAt = ptr(now)

		got, err := s.RuleByID(ctx, full.ID)
		must(t, err)
		diff(t, "RuleByID", full, got)
		// Every field kept: a rule created revoked (imported from elsewhere).
		done := newRule(func(r *finding.Rule) { r.ExpiresAt, r.RevokedAt = ptr(now), ptr(now) })
		must(t, s.CreateRule(ctx, &done))
		got, err = s.RuleByID(ctx, done.ID)
		must(t, err)
		diff(t, "RuleByID of a revoked rule", done, got)
		allSet(t, "Rule", got)
		got, err = s.RuleByID(ctx, revoked.ID)
		must(t, err)
		diff(t, "revoked RuleByID", revoked, got)
		_, err = s.RuleByID(ctx, 999)
		wantErr(t, err, store.ErrNotFound)

		list := func(product string, inactive bool) []finding.Rule {
			t.Helper()
			rs, err := s.ListRules(ctx, product, inactive, now)
			must(t, err)
			return rs
		}
		diff(t, "active rules of gateway", []finding.Rule{every, full}, list("gateway", false))
		diff(t, "all rules of gateway", []finding.Rule{revoked, expired, every, done, full}, list("gateway", true))
		diff(t, "active rules", []finding.Rule{other, every, full}, list("", false))
		diff(t, "every rule", []finding.Rule{revoked, expired, other, every, done, full}, list("", true))
		diff(t, "rules of a product without its own", []finding.Rule{every}, list("nothing", false))

		wantErr(t, s.RevokeRule(ctx, revoked.ID, now), store.ErrConflict)
		wantErr(t, s.RevokeRule(ctx, 999, now), store.ErrNotFound)
		got, err = s.RuleByID(ctx, revoked.ID)
		must(t, err)
		diff(t, "revoked once", revoked, got)
	})
}
