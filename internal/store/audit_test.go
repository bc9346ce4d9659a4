package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/audit"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

func appendEvents(t *testing.T, s *store.Store, n int) []audit.Event {
	t.Helper()
	var es []audit.Event
	for i := range n {
		e := audit.Event{
			// Nanoseconds, to show that they are dropped before sealing.
			At:     t0.Add(time.Duration(i)*time.Minute + 789),
			Actor:  fmt.Sprintf("user:%s", []string{"alice", "bob"}[i%2]),
			Action: []string{"case.create", "case.confirm", "case.read"}[i%3],
			Object: fmt.Sprintf("case:VC-2026-%04d", i%4),
		}
		if i%2 == 0 {
			e.Detail = json.RawMessage(fmt.Sprintf(`{"n": %d,  "note":"spaces kept"}`, i))
		}
		must(t, s.AppendAudit(context.Background(), &e))
		es = append(es, e)
	}
	return es
}

func TestAuditChain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if n, err := s.VerifyAudit(ctx); err != nil || n != 0 {
			t.Fatalf("VerifyAudit of an empty trail = %d, %v", n, err)
		}
		es := appendEvents(t, s, 12)
		for i, e := range es {
			prev := audit.Genesis
			if i > 0 {
				prev = es[i-1].Hash
			}
			if e.Seq != int64(i+1) || e.PrevHash != prev || e.Hash != audit.Sum(prev, e) || e.At.Nanosecond()%1000 != 0 {
				t.Errorf("event %d: seq %d, prev %s, hash %s, at %v", i, e.Seq, e.PrevHash, e.Hash, e.At)
			}
		}
		n, err := s.VerifyAudit(ctx)
		if err != nil || n != 12 {
			t.Fatalf("VerifyAudit = %d, %v; want 12, nil", n, err)
		}

		var got []audit.Event
		must(t, s.EachAudit(ctx, func(e audit.Event) error {
			got = append(got, e)
			return nil
		}))
		diff(t, "EachAudit", es, got)
		stop := errors.New("stop")
		calls := 0
		err = s.EachAudit(ctx, func(audit.Event) error {
			calls++
			if calls == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || calls != 3 {
			t.Errorf("EachAudit with a failing fn: %v after %d calls", err, calls)
		}

		rev := func(idx ...int) []audit.Event {
			var out []audit.Event
			for i := len(idx) - 1; i >= 0; i-- {
				out = append(out, es[idx[i]])
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    store.AuditFilter
			want []audit.Event
		}{
			{"all", store.AuditFilter{Limit: 3}, rev(9, 10, 11)},
			{"object", store.AuditFilter{Object: "case:VC-2026-0001"}, rev(1, 5, 9)},
			{"actor and action", store.AuditFilter{Actor: "user:alice", Action: "case.create"}, rev(0, 6)},
			{"offset", store.AuditFilter{Object: "case:VC-2026-0001", Offset: 1}, rev(1, 5)},
			{"none", store.AuditFilter{Actor: "nobody"}, []audit.Event{}},
		} {
			got, err := s.ListAudit(ctx, tc.f)
			must(t, err)
			diff(t, tc.name, tc.want, got)
		}

		// An event appended in a transaction that rolls back leaves no gap.
		s.InTx(ctx, func(tx *store.Store) error {
			e := audit.Event{At: t0, Actor: "system", Action: "x", Object: "y"}
			must(t, tx.AppendAudit(ctx, &e))
			return errors.New("roll back")
		})
		e := audit.Event{At: t0.Add(time.Hour), Actor: "system", Action: "after", Object: "rollback"}
		must(t, s.AppendAudit(ctx, &e))
		if e.Seq != 13 || e.PrevHash != es[11].Hash {
			t.Errorf("after a rollback: seq %d, prev %s", e.Seq, e.PrevHash)
		}
		if n, err := s.VerifyAudit(ctx); err != nil || n != 13 {
			t.Errorf("VerifyAudit = %d, %v; want 13, nil", n, err)
		}
	})
}

// TestAuditAppendOnly: the database itself refuses to change or remove an
// event; a tamperer who steps around that (dropping or disabling the
// triggers) is caught by VerifyAudit.
func TestAuditAppendOnly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		appendEvents(t, s, 6)
		db := s.DB()
		for _, q := range []string{
			`UPDATE audit_events SET actor = 'user:mallory' WHERE seq = 3`,
			`DELETE FROM audit_events WHERE seq = 6`,
		} {
			_, err := db.ExecContext(ctx, q)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want refused as append-only", q, err)
			}
		}
		if n, err := s.VerifyAudit(ctx); err != nil || n != 6 {
			t.Fatalf("VerifyAudit = %d, %v; want 6, nil", n, err)
		}

		bypass(t, s)
		if _, err := db.ExecContext(ctx, `UPDATE audit_events SET actor = 'user:mallory' WHERE seq = 3`); err != nil {
			t.Fatal(err)
		}
		n, err := s.VerifyAudit(ctx)
		if !errors.Is(err, audit.ErrBroken) || n != 2 || !strings.Contains(err.Error(), "event 3") {
			t.Errorf("VerifyAudit after altering event 3 = %d, %v; want 2 and a break at event 3", n, err)
		}
	})
}

// TestAuditTruncated: removing events from the end leaves a valid chain,
// but not the head that appending recorded.
func TestAuditTruncated(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		appendEvents(t, s, 5)
		bypass(t, s)
		if _, err := s.DB().ExecContext(ctx, `DELETE FROM audit_events WHERE seq >= 4`); err != nil {
			t.Fatal(err)
		}
		n, err := s.VerifyAudit(ctx)
		if !errors.Is(err, audit.ErrBroken) || n != 3 {
			t.Errorf("VerifyAudit after removing the last two events = %d, %v; want 3 and a break", n, err)
		}
	})
}

// bypass removes the append-only guard of audit_events, as a tamperer with
// database access could.
func bypass(t *testing.T, s *store.Store) {
	t.Helper()
	qs := []string{`DROP TRIGGER audit_events_no_update`, `DROP TRIGGER audit_events_no_delete`}
	if s.Dialect() == "postgres" {
		qs = []string{`ALTER TABLE audit_events DISABLE TRIGGER USER`}
	}
	for _, q := range qs {
		if _, err := s.DB().ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAuditConcurrent appends from several goroutines at once, some inside
// longer transactions: the chain stays one unbroken line.
func TestAuditConcurrent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const workers, each = 8, 10
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					err := s.InTx(ctx, func(tx *store.Store) error {
						e := audit.Event{At: time.Now(), Actor: fmt.Sprintf("user:w%d", w), Action: "case.read", Object: fmt.Sprintf("case:%d", i)}
						if err := tx.AppendAudit(ctx, &e); err != nil {
							return err
						}
						// More work in the same transaction, holding the head.
						_, err := tx.NextSeq(ctx, "x", 2026)
						return err
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		n, err := s.VerifyAudit(ctx)
		if err != nil || n != workers*each {
			t.Errorf("VerifyAudit = %d, %v; want %d, nil", n, err, workers*each)
		}
	})
}
