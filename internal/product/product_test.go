package product

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	t1 = time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
)

func ptr[T any](v T) *T { return &v }

// fields returns the field paths of the problems in a Validate error, in order.
func fields(err error) []string {
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

func TestMaintainedAt(t *testing.T) {
	tests := []struct {
		name   string
		branch Branch
		at     time.Time
		want   bool
	}{
		{"maintained without EOL", Branch{Status: Maintained}, t0, true},
		{"maintained before EOL", Branch{Status: Maintained, EOL: &t1}, t0, true},
		{"maintained a nanosecond before EOL", Branch{Status: Maintained, EOL: &t1}, t1.Add(-1), true},
		{"maintained at EOL", Branch{Status: Maintained, EOL: &t1}, t1, false},
		{"maintained after EOL", Branch{Status: Maintained, EOL: &t1}, t1.AddDate(0, 0, 1), false},
		{"maintained at EOL seen from another zone", Branch{Status: Maintained, EOL: &t1}, t1.In(time.FixedZone("CET", 3600)), false},
		{"end of life", Branch{Status: EndOfLife}, t0, false},
		{"end of life with a future EOL", Branch{Status: EndOfLife, EOL: &t1}, t0, false},
		{"unknown status", Branch{Status: "frozen"}, t0, false},
		{"no status", Branch{}, t0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.branch.MaintainedAt(tt.at); got != tt.want {
				t.Errorf("MaintainedAt(%v) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestProductValidate(t *testing.T) {
	valid := func() Product {
		return Product{ID: 1, Slug: "sos-appliance", Name: "SOS Appliance", Description: "The appliance.",
			Upstreams: []string{"Debian 12", "OpenSearch"}, CreatedAt: t0}
	}
	tests := []struct {
		name string
		mut  func(*Product)
		want []string
	}{
		{name: "valid", mut: func(*Product) {}},
		{name: "minimal", mut: func(p *Product) { *p = Product{Slug: "x", Name: "X"} }},
		{name: "slug with digits first", mut: func(p *Product) { p.Slug = "9lives" }},
		{name: "slug at the limit", mut: func(p *Product) { p.Slug = strings.Repeat("a", 63) }},
		{name: "name at the limit", mut: func(p *Product) { p.Name = strings.Repeat("n", 200) }},
		{name: "slug empty", mut: func(p *Product) { p.Slug = "" }, want: []string{"slug"}},
		{name: "slug uppercase", mut: func(p *Product) { p.Slug = "SOS" }, want: []string{"slug"}},
		{name: "slug starts with a dash", mut: func(p *Product) { p.Slug = "-sos" }, want: []string{"slug"}},
		{name: "slug with a slash", mut: func(p *Product) { p.Slug = "sos/x" }, want: []string{"slug"}},
		{name: "slug with an underscore", mut: func(p *Product) { p.Slug = "sos_x" }, want: []string{"slug"}},
		{name: "slug too long", mut: func(p *Product) { p.Slug = strings.Repeat("a", 64) }, want: []string{"slug"}},
		{name: "slug with a newline", mut: func(p *Product) { p.Slug = "sos\n" }, want: []string{"slug"}},
		{name: "name empty", mut: func(p *Product) { p.Name = "" }, want: []string{"name"}},
		{name: "name blank", mut: func(p *Product) { p.Name = " \t" }, want: []string{"name"}},
		{name: "name too long", mut: func(p *Product) { p.Name = strings.Repeat("n", 201) }, want: []string{"name"}},
		{name: "name with NUL", mut: func(p *Product) { p.Name = "SOS\x00" }, want: []string{"name"}},
		{name: "name invalid UTF-8", mut: func(p *Product) { p.Name = "SOS \xff" }, want: []string{"name"}},
		{name: "description too long", mut: func(p *Product) { p.Description = strings.Repeat("d", 10001) }, want: []string{"description"}},
		{name: "description with NUL", mut: func(p *Product) { p.Description = "\x00" }, want: []string{"description"}},
		{name: "upstreams bad", mut: func(p *Product) { p.Upstreams = []string{"Debian 12", "", " ", strings.Repeat("u", 201), "a\x00"} },
			want: []string{"upstreams[1]", "upstreams[2]", "upstreams[3]", "upstreams[4]"}},
		{name: "everything wrong", mut: func(p *Product) {
			*p = Product{Slug: "Bad Slug", Name: "", Description: strings.Repeat("d", 10001), Upstreams: []string{""}}
		}, want: []string{"slug", "name", "description", "upstreams[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.mut(&p)
			err := p.Validate()
			if diff := cmp.Diff(tt.want, fields(err)); diff != "" {
				t.Errorf("Validate() = %v\nfield paths (-want +got):\n%s", err, diff)
			}
		})
	}
}

func TestBranchValidate(t *testing.T) {
	valid := func() Branch {
		return Branch{ID: 1, ProductID: 1, Name: "41", Status: Maintained, Since: ptr(t0), EOL: ptr(t1), CreatedAt: t0}
	}
	tests := []struct {
		name string
		mut  func(*Branch)
		want []string
	}{
		{name: "valid", mut: func(*Branch) {}},
		{name: "minor branch", mut: func(b *Branch) { b.Name = "2.7" }},
		{name: "branch 0", mut: func(b *Branch) { b.Name = "0" }},
		{name: "branch 1.0", mut: func(b *Branch) { b.Name = "1.0" }},
		{name: "branch 2.10", mut: func(b *Branch) { b.Name = "2.10" }},
		{name: "largest", mut: func(b *Branch) { b.Name = "999999.999999" }},
		{name: "end of life", mut: func(b *Branch) { b.Status = EndOfLife }},
		{name: "no dates", mut: func(b *Branch) { b.Since, b.EOL = nil, nil }},
		{name: "EOL same as since", mut: func(b *Branch) { b.EOL = ptr(t0) }},
		{name: "only EOL", mut: func(b *Branch) { b.Since = nil }},
		{name: "name empty", mut: func(b *Branch) { b.Name = "" }, want: []string{"name"}},
		{name: "name with three parts", mut: func(b *Branch) { b.Name = "1.2.3" }, want: []string{"name"}},
		{name: "name with letters", mut: func(b *Branch) { b.Name = "v41" }, want: []string{"name"}},
		{name: "name with a trailing dot", mut: func(b *Branch) { b.Name = "41." }, want: []string{"name"}},
		{name: "name too large", mut: func(b *Branch) { b.Name = "1000000" }, want: []string{"name"}},
		// A leading zero names a branch no version can be on (versions have none).
		{name: "name with a leading zero", mut: func(b *Branch) { b.Name = "041" }, want: []string{"name"}},
		{name: "minor with a leading zero", mut: func(b *Branch) { b.Name = "2.07" }, want: []string{"name"}},
		{name: "status empty", mut: func(b *Branch) { b.Status = "" }, want: []string{"status"}},
		{name: "status unknown", mut: func(b *Branch) { b.Status = "frozen" }, want: []string{"status"}},
		{name: "EOL before since", mut: func(b *Branch) { b.EOL = ptr(t0.Add(-time.Hour)) }, want: []string{"eol"}},
		{name: "everything wrong", mut: func(b *Branch) { b.Name, b.Status, b.EOL = "x", "", ptr(t0.AddDate(-1, 0, 0)) },
			want: []string{"name", "status", "eol"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := valid()
			tt.mut(&b)
			err := b.Validate()
			if diff := cmp.Diff(tt.want, fields(err)); diff != "" {
				t.Errorf("Validate() = %v\nfield paths (-want +got):\n%s", err, diff)
			}
			// Every valid branch can hold its first release.
			if err == nil && !Contains(b.Name, BranchBase(b.Name)) {
				t.Errorf("valid branch %q does not contain its base %s", b.Name, BranchBase(b.Name))
			}
		})
	}
}

func TestReleaseValidate(t *testing.T) {
	b41 := Branch{ID: 1, ProductID: 1, Name: "41", Status: Maintained}
	b27 := Branch{ID: 2, ProductID: 1, Name: "2.7", Status: Maintained}
	valid := func() Release {
		return Release{ID: 11, BranchID: 1, Version: MustVersion("41.1.1"), Kind: Regular, State: Published,
			PlannedAt: ptr(t0), PublishedAt: ptr(t0), Notes: "Security fixes.", CreatedAt: t0}
	}
	tests := []struct {
		name   string
		branch Branch
		mut    func(*Release)
		want   []string
	}{
		{name: "valid", branch: b41, mut: func(*Release) {}},
		{name: "urgent", branch: b41, mut: func(r *Release) { r.Kind = Urgent }},
		{name: "planned without dates", branch: b41, mut: func(r *Release) { r.State, r.PlannedAt, r.PublishedAt = Planned, nil, nil }},
		{name: "in QA", branch: b41, mut: func(r *Release) { r.State, r.PublishedAt = QA, nil }},
		{name: "on a minor branch", branch: b27, mut: func(r *Release) { r.BranchID, r.Version = 2, MustVersion("2.7.4") }},
		{name: "first of a branch", branch: b27, mut: func(r *Release) { r.Version = MustVersion("2.7.0") }},
		{name: "version missing", branch: b41, mut: func(r *Release) { r.Version = Version{} }, want: []string{"version"}},
		{name: "version on another major", branch: b41, mut: func(r *Release) { r.Version = MustVersion("42.0.0") }, want: []string{"version"}},
		{name: "version on another minor", branch: b27, mut: func(r *Release) { r.Version = MustVersion("2.8.0") }, want: []string{"version"}},
		{name: "version prefix only as text", branch: b27, mut: func(r *Release) { r.Version = MustVersion("2.70.0") }, want: []string{"version"}},
		{name: "kind empty", branch: b41, mut: func(r *Release) { r.Kind = "" }, want: []string{"kind"}},
		{name: "kind unknown", branch: b41, mut: func(r *Release) { r.Kind = "monthly" }, want: []string{"kind"}},
		{name: "published without date", branch: b41, mut: func(r *Release) { r.PublishedAt = nil }, want: []string{"published_at"}},
		{name: "state empty", branch: b41, mut: func(r *Release) { r.State = "" }, want: []string{"state"}},
		{name: "state unknown", branch: b41, mut: func(r *Release) { r.State = "shipped" }, want: []string{"state"}},
		{name: "notes too long", branch: b41, mut: func(r *Release) { r.Notes = strings.Repeat("n", 20001) }, want: []string{"notes"}},
		{name: "notes at the limit", branch: b41, mut: func(r *Release) { r.Notes = strings.Repeat("n", 20000) }},
		{name: "notes with NUL", branch: b41, mut: func(r *Release) { r.Notes = "fixes\x00" }, want: []string{"notes"}},
		{name: "everything wrong", branch: b27, mut: func(r *Release) {
			r.Kind, r.State, r.PublishedAt, r.Notes = "", Published, nil, strings.Repeat("n", 20001)
		}, want: []string{"version", "kind", "published_at", "notes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.mut(&r)
			err := r.Validate(tt.branch)
			if diff := cmp.Diff(tt.want, fields(err)); diff != "" {
				t.Errorf("Validate() = %v\nfield paths (-want +got):\n%s", err, diff)
			}
		})
	}
}

func TestReleaseJSON(t *testing.T) {
	in := Release{ID: 11, BranchID: 1, Version: MustVersion("41.10.2"), Kind: Urgent, State: QA, PlannedAt: ptr(t1), CreatedAt: t0}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"version":"41.10.2"`) {
		t.Errorf("JSON %s does not carry the version as X.Y.Z", b)
	}
	var out Release
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"version":"41.010.2"}`), &out); err == nil {
		t.Error("a release with version 41.010.2 decoded")
	}
}
