package server_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// eachStore runs a benchmark on SQLite and on PostgreSQL (skipped when it
// is not reachable, as in the tests).
func eachStore(b *testing.B, fn func(b *testing.B, s *store.Store)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.Postgres(b)) })
}

// BenchmarkIntake submits public reports through the HTTP handler: a
// tracking ID, a case, an acknowledgement in the outbox and an audit event
// per request. The clock moves a minute per report so that the intake
// limit of one client never refuses one.
func BenchmarkIntake(b *testing.B) {
	eachStore(b, func(b *testing.B, s *store.Store) {
		e := newEnv(b, s)
		body := map[string]any{"title": "Remote code execution in the job import",
			"body":     "Posting a crafted job definition to /api/jobs/import runs a shell command as the scheduler user. Steps attached.",
			"reporter": report.Contact{Name: "Jane Finder", Email: "jane@research.example"}}
		for b.Loop() {
			e.clock.Advance(time.Minute)
			if res := e.send("POST", "/api/v1/intake", "", body); res.Status != 201 {
				b.Fatalf("intake: %d %s", res.Status, res.Body)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
}

// BenchmarkLifecycle takes one case per iteration from the public report to
// the disclosure through the HTTP handler, on two maintained branches and
// one at its end of life: some 20 requests, two derived releases, one
// advisory and nine outbox rows.
func BenchmarkLifecycle(b *testing.B) {
	eachStore(b, func(b *testing.B, s *store.Store) {
		e := newEnv(b, s)
		f := e.product("scheduler", "Job Scheduler",
			branchSpec{"2.7", product.Maintained, []string{"2.7.2"}},
			branchSpec{"2.6", product.Maintained, []string{"2.6.8"}},
			branchSpec{"2.5", product.EndOfLife, []string{"2.5.9"}})
		i := 0
		for b.Loop() {
			i++
			e.clock.Advance(time.Hour)
			w := e.walk(caseSpec{
				ReportTitle: "RCE in job import", ReportBody: "Posting a crafted job definition runs commands.",
				Reporter: report.Contact{Name: "Jane Finder", Email: "jane@research.example"},
				Title:    "Remote code execution in the job import", Summary: "Remote code execution.", Details: "YAML deserialisation.",
				CVE: fmt.Sprintf("CVE-2026-%d", 100000+i), CVEDescription: "Deserialisation of untrusted data in the job import allows remote code execution.", ChangeRequest: "SEC-1",
				Evidence: "exploit re-run: refused", Fixture: f, Branches: []string{"2.7", "2.6", "2.5"},
				Versions: map[string]string{"2.7": "", "2.6": ""}, Planned: e.clock.Now().Add(2 * time.Hour), Until: vcase.Disclosed,
			})
			if w.CaseID == 0 {
				b.Fatal("no case")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	})
}
