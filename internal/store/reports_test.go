package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

func newReport(seq int, mut ...func(*report.Report)) report.Report {
	r := report.Report{
		TrackingID: report.TrackingID(2026, seq),
		Channel:    report.Email,
		Visibility: report.Private,
		State:      report.New,
		Reporter:   report.Contact{Name: "Eve", Email: "eve@example.org", Organization: "Sec Lab", CreditAs: "Eve of Sec Lab"},
		Title:      "Stored XSS in the dashboard",
		Body:       "Steps:\n1. ...\n\"quotes\" and 'apostrophes' and ? marks",
		// Reports arrive one minute apart.
		ReceivedAt:  t0.Add(time.Duration(seq) * time.Minute),
		ProductHint: "gateway 41",
		ExternalRef: "<msg-1@example.org>",
	}
	for _, m := range mut {
		m(&r)
	}
	return r
}

func createReport(t testing.TB, s *store.Store, seq int, mut ...func(*report.Report)) report.Report {
	t.Helper()
	r := newReport(seq, mut...)
	must(t, s.CreateReport(context.Background(), &r, ""))
	return r
}

func TestReports(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		r1 := newReport(1)
		must(t, s.CreateReport(ctx, &r1, "tokenhash1"))
		r2 := createReport(t, s, 2, func(r *report.Report) {
			r.Channel, r.Visibility, r.Reporter, r.ProductHint, r.ExternalRef = report.PublicTicket, report.Public, report.Contact{}, "", ""
		})
		r3 := createReport(t, s, 3) // a second report without a status token

		got, err := s.ReportByID(ctx, r1.ID)
		must(t, err)
		diff(t, "ReportByID", r1, got)
		got, err = s.ReportByTrackingID(ctx, r2.TrackingID)
		must(t, err)
		diff(t, "ReportByTrackingID", r2, got)
		got, err = s.ReportByStatusToken(ctx, "tokenhash1")
		must(t, err)
		diff(t, "ReportByStatusToken", r1, got)
		for name, err := range map[string]error{
			"by id":           func() error { _, err := s.ReportByID(ctx, 999); return err }(),
			"by tracking id":  func() error { _, err := s.ReportByTrackingID(ctx, "VR-2026-09999"); return err }(),
			"by token":        func() error { _, err := s.ReportByStatusToken(ctx, "nope"); return err }(),
			"by empty token":  func() error { _, err := s.ReportByStatusToken(ctx, ""); return err }(),
			"update missing":  s.UpdateReport(ctx, report.Report{ID: 999}),
			"message missing": s.AddReportMessage(ctx, &report.Message{ReportID: 999, From: "reporter", Body: "x", At: t0}),
		} {
			if err == nil || !errorsIs(err, store.ErrNotFound) {
				t.Errorf("%s: %v, want ErrNotFound", name, err)
			}
		}

		dup := newReport(1)
		wantErr(t, s.CreateReport(ctx, &dup, ""), store.ErrConflict)
		dup = newReport(4)
		wantErr(t, s.CreateReport(ctx, &dup, "tokenhash1"), store.ErrConflict)
		orphan := newReport(5, func(r *report.Report) { r.CaseID = ptr(int64(999)) })
		wantErr(t, s.CreateReport(ctx, &orphan, ""), store.ErrNotFound)

		// Link r3 to a case.
		c := newCase(1)
		must(t, s.CreateCase(ctx, &c))
		r3.State, r3.CaseID, r3.Visibility, r3.Title = report.Linked, &c.ID, report.Public, "XSS (confirmed)"
		r3.TrackingID, r3.Channel, r3.ReceivedAt = "VR-2026-00099", report.Web, t0 // fixed at creation: ignored
		must(t, s.UpdateReport(ctx, r3))
		r3.TrackingID, r3.Channel, r3.ReceivedAt = report.TrackingID(2026, 3), report.Email, t0.Add(3*time.Minute)
		got, err = s.ReportByID(ctx, r3.ID)
		must(t, err)
		diff(t, "updated report", r3, got)

		for _, tc := range []struct {
			name string
			f    store.ReportFilter
			want []report.Report
		}{
			{"all, newest first", store.ReportFilter{}, []report.Report{r3, r2, r1}},
			{"state", store.ReportFilter{State: report.New}, []report.Report{r2, r1}},
			{"case", store.ReportFilter{CaseID: c.ID}, []report.Report{r3}},
			{"state and case", store.ReportFilter{State: report.New, CaseID: c.ID}, []report.Report{}},
			{"limit", store.ReportFilter{Limit: 2}, []report.Report{r3, r2}},
			{"offset", store.ReportFilter{Limit: 2, Offset: 2}, []report.Report{r1}},
			{"past the end", store.ReportFilter{Offset: 10}, []report.Report{}},
		} {
			got, err := s.ListReports(ctx, tc.f)
			must(t, err)
			diff(t, tc.name, tc.want, got)
		}
	})
}

func TestListReportsLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		must(t, s.InTx(ctx, func(tx *store.Store) error {
			for i := 1; i <= 510; i++ {
				createReport(t, tx, i)
			}
			return nil
		}))
		for _, tc := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {10, 10}, {1000, 500}} {
			rs, err := s.ListReports(ctx, store.ReportFilter{Limit: tc.limit})
			must(t, err)
			if len(rs) != tc.want {
				t.Errorf("Limit %d: %d reports, want %d", tc.limit, len(rs), tc.want)
			}
		}
	})
}

func TestReportMessages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		r := createReport(t, s, 1)
		other := createReport(t, s, 2)
		m1 := report.Message{ReportID: r.ID, From: report.FromReporter, Body: "Any news?", At: t0.Add(time.Hour)}
		m2 := report.Message{ReportID: r.ID, From: "alice", Body: "Confirmed, fix planned.", At: t0.Add(2 * time.Hour)}
		m3 := report.Message{ReportID: other.ID, From: "alice", Body: "Thanks", At: t0}
		for _, m := range []*report.Message{&m2, &m1, &m3} { // out of order on purpose
			must(t, s.AddReportMessage(ctx, m))
		}
		got, err := s.ListReportMessages(ctx, r.ID)
		must(t, err)
		diff(t, "ListReportMessages, oldest first", []report.Message{m1, m2}, got)
		got, err = s.ListReportMessages(ctx, 999)
		must(t, err)
		diff(t, "no messages", []report.Message{}, got)
	})
}
