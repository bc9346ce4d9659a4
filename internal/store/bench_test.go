package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/vigil-psirt/vigil/internal/audit"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// eachDB runs a benchmark on both dialects.
func eachDB(b *testing.B, fn func(b *testing.B, s *store.Store)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.Postgres(b)) })
}

// BenchmarkCreateReport is the intake path: a tracking number, the report,
// its acknowledgement in the outbox and an audit event, in one transaction.
func BenchmarkCreateReport(b *testing.B) {
	eachDB(b, func(b *testing.B, s *store.Store) {
		ctx := context.Background()
		for b.Loop() {
			err := s.InTx(ctx, func(tx *store.Store) error {
				n, err := tx.NextSeq(ctx, "report", 2026)
				if err != nil {
					return err
				}
				r := newReport(n)
				if err := tx.CreateReport(ctx, &r, fmt.Sprintf("token%d", n)); err != nil {
					return err
				}
				m := newMessage("ack:" + r.TrackingID)
				if _, err := tx.Enqueue(ctx, &m); err != nil {
					return err
				}
				return tx.AppendAudit(ctx, &audit.Event{At: t0, Actor: "public", Action: "report.create", Object: "report:" + r.TrackingID})
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCaseUpdate reads a case with three fixes and writes it back.
func BenchmarkCaseUpdate(b *testing.B) {
	eachDB(b, func(b *testing.B, s *store.Store) {
		ctx := context.Background()
		e := newEnv(b, s)
		c := newCase(1, fullCase(1, e.p.ID, e.branches, e.release.ID))
		if err := s.CreateCase(ctx, &c); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			err := s.InTx(ctx, func(tx *store.Store) error {
				c, err := tx.CaseByID(ctx, c.ID)
				if err != nil {
					return err
				}
				c.Risk.Notes += "."
				c.Fixes[1].Status = vcase.FixInProgress
				return tx.UpdateCase(ctx, &c)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkListReports reads a page of 50 out of 1000 reports.
func BenchmarkListReports(b *testing.B) {
	eachDB(b, func(b *testing.B, s *store.Store) {
		ctx := context.Background()
		err := s.InTx(ctx, func(tx *store.Store) error {
			for i := 1; i <= 1000; i++ {
				r := newReport(i)
				if err := tx.CreateReport(ctx, &r, ""); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := s.ListReports(ctx, store.ReportFilter{State: report.New}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
