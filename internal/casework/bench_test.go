package casework_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/upstream"
)

// monitoredBench is a store with the Go and Debian OSV data and n releases,
// each with the 5,689-component Debian 11 minbase SBOM and the 71-module
// Go binary SBOM: the component instances of a vendor's supported releases.
func monitoredBench(b *testing.B, releases int) (*casework.Service, context.Context) {
	b.Helper()
	ctx := context.Background()
	s := storetest.SQLite(b)
	svc := &casework.Service{Store: s, Policy: policy.Default(), Now: func() time.Time { return time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) }}
	for _, path := range []string{sharedtest.Path(b, "go-vulndb", "data", "osv"), sharedtest.Path(b, "debian-tracker", "osv-from-dsa-dla-2023-04-02.zip")} {
		batches, err := upstream.ReadPath(ctx, path, "")
		if err != nil {
			b.Fatal(err)
		}
		for _, bt := range batches {
			if _, err := svc.ImportFeed(ctx, casework.System, "import", bt); err != nil {
				b.Fatal(err)
			}
		}
	}
	var docs []*sbom.SBOM
	for _, name := range []string{"sbom-debootstrap-bullseye-minbase.cdx.json", "sbom-mailpit-gobinary.cdx.json"} {
		f, err := os.Open(sharedtest.Path(b, "peer-outputs", name))
		if err != nil {
			b.Fatal(err)
		}
		doc, err := sbom.Parse(f, name)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, doc)
	}
	p, err := svc.CreateProduct(ctx, casework.System, product.Product{Slug: "appliance", Name: "Appliance"})
	if err != nil {
		b.Fatal(err)
	}
	br, err := svc.CreateBranch(ctx, casework.System, product.Branch{ProductID: p.ID, Name: "4", Status: product.Maintained})
	if err != nil {
		b.Fatal(err)
	}
	for i := range releases {
		rel, err := svc.CreateRelease(ctx, casework.System, casework.NewRelease{BranchID: br.ID, Version: fmt.Sprintf("4.0.%d", i), State: product.Published})
		if err != nil {
			b.Fatal(err)
		}
		merged := &sbom.SBOM{Format: sbom.CycloneDXJSON, Name: "appliance"}
		for _, d := range docs {
			merged.Components = append(merged.Components, d.Components...)
		}
		if _, _, err := svc.ImportSBOM(ctx, casework.System, casework.SBOMInput{ReleaseID: rel.ID, Doc: merged, SHA256: "00"}); err != nil {
			b.Fatal(err)
		}
	}
	return svc, ctx
}

// BenchmarkRematch is the daily full rematch through the store: every
// component of every release read, matched, classified, decided and its
// findings synced (components/op says how many).
func BenchmarkRematch(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("releases=%d", n), func(b *testing.B) {
			svc, ctx := monitoredBench(b, n)
			b.ResetTimer()
			var st casework.MatchStats
			for b.Loop() {
				var err error
				if st, err = svc.Rematch(ctx, casework.System); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(st.Components), "components/op")
			b.ReportMetric(float64(st.Findings), "findings/op")
		})
	}
}

// BenchmarkFeedDelta imports a one-record change of the Go database: the
// import and the rematch of the components it touches, in every release.
func BenchmarkFeedDelta(b *testing.B) {
	svc, ctx := monitoredBench(b, 10)
	data, err := os.ReadFile(sharedtest.Path(b, "go-vulndb", "data", "osv", "GO-2026-5970.json"))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	i := 0
	b.ResetTimer()
	var rematched int
	for b.Loop() {
		b.StopTimer()
		i++
		if err := os.WriteFile(dir+"/GO-2026-5970.json", []byte(strings.Replace(string(data), `"summary": "`, fmt.Sprintf(`"summary": "%d `, i), 1)), 0o600); err != nil {
			b.Fatal(err)
		}
		batches, err := upstream.ReadPath(ctx, dir, "osv")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		run, err := svc.ImportFeed(ctx, casework.System, "import", batches[0])
		if err != nil || run.Updated != 1 {
			b.Fatalf("delta: %+v %v", run, err)
		}
		rematched = run.Rematched
	}
	b.ReportMetric(float64(rematched), "components/op")
}
