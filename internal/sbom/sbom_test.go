package sbom

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

func parseFile(t testing.TB, path string) *SBOM {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := Parse(f, filepath.Base(path))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkInvariants(t, s)
	return s
}

// checkInvariants asserts what the package doc promises of every result.
func checkInvariants(t testing.TB, s *SBOM) {
	t.Helper()
	problems := map[string]bool{}
	for _, p := range s.Unidentified {
		if p.Place == "" || p.Message == "" {
			t.Errorf("problem without place or message: %+v", p)
		}
		problems[p.Ref] = true
	}
	seen := map[string]bool{}
	for _, c := range s.Components {
		if (c.PURL == "" || c.Ecosystem == "") && !problems[c.Ref] {
			t.Errorf("component %q (ref %q) is unidentified but has no problem", c.Name, c.Ref)
		}
		if c.PURL != "" {
			if seen[c.PURL] {
				t.Errorf("PURL %s twice", c.PURL)
			}
			seen[c.PURL] = true
			if !strings.HasPrefix(c.PURL, "pkg:") {
				t.Errorf("PURL %q", c.PURL)
			}
		}
		if (c.Ecosystem == "Debian" || c.Ecosystem == "Ubuntu") && (c.Source == "" || c.Version != "" && c.SourceVersion == "") {
			t.Errorf("Debian component %s without source package", c.PURL)
		}
	}
}

func find(t testing.TB, s *SBOM, name string) Component {
	t.Helper()
	for _, c := range s.Components {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("%s: no component %q", s.Name, name)
	return Component{}
}

// identity is the part of a Component that matching uses.
type identity struct {
	PURL, Ecosystem, Package, Version, Source, SourceVersion string
}

func idOf(c Component) identity {
	return identity{c.PURL, c.Ecosystem, c.Package, c.Version, c.Source, c.SourceVersion}
}

func TestPeerOutputs(t *testing.T) {
	tests := []struct {
		file                                     string
		format, spec, name                       string
		components, unidentified, skipped, dupes int
		ecosystems                               map[string]int
		sourceDiffers                            int // Debian binaries whose source package has another name
		want                                     map[string]identity
	}{
		{
			file: "sbom-debian-host.cdx.json", format: CycloneDXJSON, spec: "1.7", name: "/tmp/rootfs-mini",
			// 705 components: 703 dpkg packages, the scanned directory (a
			// file) and the operating system.
			components: 703, skipped: 2, ecosystems: map[string]int{"Debian": 703}, sourceDiffers: 568,
			want: map[string]identity{
				"libc6":    {"pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12", "Debian", "libc6", "2.36-9+deb12u14", "glibc", "2.36-9+deb12u14"},
				"libxext6": {"pkg:deb/debian/libxext6@2:1.3.4-1%2Bb1?arch=amd64&distro=debian-12", "Debian", "libxext6", "2:1.3.4-1+b1", "libxext", "2:1.3.4-1"},
				"bsdutils": {"pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12", "Debian", "bsdutils", "1:2.38.1-5+deb12u3", "util-linux", "2.38.1-5+deb12u3"},
				"adduser":  {"pkg:deb/debian/adduser@3.134?arch=all&distro=debian-12", "Debian", "adduser", "3.134", "adduser", "3.134"},
			},
		},
		{
			file: "sbom-debian-host.spdx.json", format: SPDXJSON, spec: "SPDX-2.3", name: "/tmp/rootfs-mini",
			components: 703, skipped: 1, ecosystems: map[string]int{"Debian": 703}, sourceDiffers: 568,
			want: map[string]identity{
				"libc6":    {"pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12", "Debian", "libc6", "2.36-9+deb12u14", "glibc", "2.36-9+deb12u14"},
				"libxext6": {"pkg:deb/debian/libxext6@2:1.3.4-1%2Bb1?arch=amd64&distro=debian-12", "Debian", "libxext6", "2:1.3.4-1+b1", "libxext", "2:1.3.4-1"},
			},
		},
		{
			// 5,689 components: 5,496 files, the operating system, and 96
			// dpkg packages listed twice (once as pkg:deb/NAME without
			// vendor or distro, once as pkg:deb/debian/NAME?distro=debian-11.11).
			file: "sbom-debootstrap-bullseye-minbase.cdx.json", format: CycloneDXJSON, spec: "1.7", name: "/tmp/rootfs-bullseye",
			components: 96, skipped: 5497, dupes: 96, ecosystems: map[string]int{"Debian": 96}, sourceDiffers: 71,
			want: map[string]identity{
				"bsdutils":  {"pkg:deb/debian/bsdutils@1:2.36.1-8%2Bdeb11u2?arch=amd64&distro=debian-11.11", "Debian", "bsdutils", "1:2.36.1-8+deb11u2", "util-linux", "2.36.1-8+deb11u2"},
				"coreutils": {"pkg:deb/debian/coreutils@8.32-4%2Bb1?arch=amd64&distro=debian-11.11", "Debian", "coreutils", "8.32-4+b1", "coreutils", "8.32-4"},
				"libssl1.1": {"pkg:deb/debian/libssl1.1@1.1.1w-0%2Bdeb11u1?arch=amd64&distro=debian-11.11", "Debian", "libssl1.1", "1.1.1w-0+deb11u1", "openssl", "1.1.1w-0+deb11u1"},
			},
		},
		{
			// 72 modules: the main module (metadata.component, the
			// binary itself) and 71 dependencies and the toolchain.
			file: "sbom-mailpit-gobinary.cdx.json", format: CycloneDXJSON, spec: "1.7", name: "mailpit",
			components: 71, skipped: 1, ecosystems: map[string]int{"Go": 71},
			want: map[string]identity{
				"github.com/GehirnInc/crypt":     {"pkg:golang/github.com/GehirnInc/crypt@v0.0.0-20230320061759-8cc1b52080c5", "Go", "github.com/GehirnInc/crypt", "v0.0.0-20230320061759-8cc1b52080c5", "", ""},
				"github.com/PuerkitoBio/goquery": {"pkg:golang/github.com/PuerkitoBio/goquery@v1.10.3", "Go", "github.com/PuerkitoBio/goquery", "v1.10.3", "", ""},
				// The Go standard library, as OSV's Go ecosystem names it.
				"stdlib": {"pkg:golang/stdlib@1.26.8", "Go", "stdlib", "go1.26.8", "", ""},
			},
		},
		{
			file: "test-bullseye-3pkgs.cdx.json", format: CycloneDXJSON, spec: "1.5", name: "test-bullseye-3pkgs.cdx.json",
			components: 3, ecosystems: map[string]int{"Debian": 3},
			want: map[string]identity{
				"openssl": {"pkg:deb/debian/openssl@1.1.1n-0%2Bdeb11u3?arch=amd64&distro=debian-11", "Debian", "openssl", "1.1.1n-0+deb11u3", "openssl", "1.1.1n-0+deb11u3"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := parseFile(t, sharedtest.Path(t, "peer-outputs", tt.file))
			if s.Format != tt.format || s.SpecVersion != tt.spec || s.Name != tt.name {
				t.Errorf("format, spec, name = %q, %q, %q; want %q, %q, %q", s.Format, s.SpecVersion, s.Name, tt.format, tt.spec, tt.name)
			}
			if len(s.Components) != tt.components || len(s.Unidentified) != tt.unidentified || s.Skipped != tt.skipped || s.Duplicates != tt.dupes {
				t.Errorf("components, unidentified, skipped, duplicates = %d, %d, %d, %d; want %d, %d, %d, %d (problems: %v)",
					len(s.Components), len(s.Unidentified), s.Skipped, s.Duplicates, tt.components, tt.unidentified, tt.skipped, tt.dupes, s.Unidentified)
			}
			ecos := map[string]int{}
			differs := 0
			for _, c := range s.Components {
				ecos[c.Ecosystem]++
				if c.Ecosystem == "Debian" && c.Source != c.Name {
					differs++
				}
			}
			if diff := cmp.Diff(tt.ecosystems, ecos); diff != "" {
				t.Errorf("ecosystems (-want +got):\n%s", diff)
			}
			if differs != tt.sourceDiffers {
				t.Errorf("%d binaries with another source name, want %d", differs, tt.sourceDiffers)
			}
			for name, want := range tt.want {
				if diff := cmp.Diff(want, idOf(find(t, s, name))); diff != "" {
					t.Errorf("%s (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

// TestPeerOutputsAgree: the same host's CycloneDX and SPDX SBOMs from syft
// give the same components.
func TestPeerOutputsAgree(t *testing.T) {
	cdx := parseFile(t, sharedtest.Path(t, "peer-outputs", "sbom-debian-host.cdx.json"))
	spdx := parseFile(t, sharedtest.Path(t, "peer-outputs", "sbom-debian-host.spdx.json"))
	ids := func(s *SBOM) map[string]identity {
		m := map[string]identity{}
		for _, c := range s.Components {
			m[c.PURL] = idOf(c)
		}
		return m
	}
	if diff := cmp.Diff(ids(cdx), ids(spdx)); diff != "" {
		t.Errorf("CycloneDX and SPDX differ (-cdx +spdx):\n%s", diff)
	}
}

// TestCycloneDXOfficial reads every official CycloneDX test BOM. The parser
// is not a schema validator: of the invalid examples, only those that break
// what identification needs are rejected or reported; the rest (bad hashes,
// license ids, timestamps, ...) read like valid ones.
func TestCycloneDXOfficial(t *testing.T) {
	dir := sharedtest.Path(t, "cyclonedx", "tools", "src", "test", "resources")
	files, err := filepath.Glob(filepath.Join(dir, "1.*", "*.json"))
	if err != nil || len(files) < 150 {
		t.Fatalf("%d files, %v", len(files), err)
	}
	var valid, invalid, rejected, components, unidentified int
	for _, path := range files {
		base := filepath.Base(path)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Parse(f, base)
		f.Close()
		switch {
		case strings.HasPrefix(base, "invalid-bomformat-"):
			rejected++
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), base+": ") || !strings.Contains(err.Error(), `bomFormat is "AnotherFormat"`) {
				t.Errorf("%s: error %v", base, err)
			}
			continue
		case err != nil:
			t.Errorf("%s: %v", base, err)
			continue
		case strings.HasPrefix(base, "valid-"):
			valid++
		default:
			invalid++
		}
		checkInvariants(t, s)
		if s.Format != CycloneDXJSON || !strings.HasPrefix(s.SpecVersion, "1.") {
			t.Errorf("%s: format %q spec %q", base, s.Format, s.SpecVersion)
		}
		if strings.HasPrefix(base, "invalid-empty-component-") {
			if len(s.Unidentified) != 1 || s.Unidentified[0].Place != base+": components[0]" {
				t.Errorf("%s: problems %v", base, s.Unidentified)
			}
		}
		components += len(s.Components)
		unidentified += len(s.Unidentified)
	}
	t.Logf("%d valid and %d invalid official BOMs read (%d components, %d unidentified), %d rejected", valid, invalid, components, unidentified, rejected)
	if rejected != 3 {
		t.Errorf("%d invalid-bomformat files rejected, want 3 (1.5, 1.6, 1.7)", rejected)
	}
}

func TestDependencyTrackFixtures(t *testing.T) {
	dir := sharedtest.Path(t, "dependencytrack-fixtures", "apiserver", "src", "test", "resources", "unit", "cyclonedx")
	tests := []struct {
		file                     string
		format, spec             string
		components, unidentified int
	}{
		{"valid-bom-1.0.xml", CycloneDXXML, "1.0", 3, 0},
		{"valid-bom-1.1.xml", CycloneDXXML, "1.1", 3, 0},
		{"valid-bom-1.2.xml", CycloneDXXML, "1.2", 3, 0},
		{"valid-bom-1.2.json", CycloneDXJSON, "1.2", 2, 1},
		{"valid-bom-1.3.xml", CycloneDXXML, "1.3", 3, 0},
		{"valid-bom-1.3.json", CycloneDXJSON, "1.3", 2, 1},
		{"valid-bom-1.4.xml", CycloneDXXML, "1.4", 3, 0},
		{"valid-bom-1.4.json", CycloneDXJSON, "1.4", 2, 1},
		{"valid-bom-1.5.xml", CycloneDXXML, "1.5", 3, 0},
		{"valid-bom-1.5.json", CycloneDXJSON, "1.5", 2, 1},
		{"valid-bom-1.6.xml", CycloneDXXML, "1.6", 3, 0},
		{"valid-bom-1.6.json", CycloneDXJSON, "1.6", 2, 1},
		{"valid-bom-1.7.xml", CycloneDXXML, "1.7", 3, 0},
		{"valid-bom-1.7.json", CycloneDXJSON, "1.7", 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := parseFile(t, filepath.Join(dir, tt.file))
			if s.Format != tt.format || s.SpecVersion != tt.spec || len(s.Components) != tt.components || len(s.Unidentified) != tt.unidentified {
				t.Errorf("got %s %s, %d components, problems %v", s.Format, s.SpecVersion, len(s.Components), s.Unidentified)
			}
		})
	}
	s := parseFile(t, filepath.Join(dir, "valid-bom-1.6.xml"))
	c := find(t, s, "tomcat-catalina")
	want := identity{"pkg:maven/com.acme/tomcat-catalina@9.0.14?packaging=jar", "Maven", "com.acme:tomcat-catalina", "9.0.14", "", ""}
	if diff := cmp.Diff(want, idOf(c)); diff != "" || c.Group != "com.acme" || !cmp.Equal(c.Licenses, []string{"Apache-2.0"}) {
		t.Errorf("tomcat-catalina (-want +got):\n%s\ngroup %q licenses %q", diff, c.Group, c.Licenses)
	}
	s = parseFile(t, filepath.Join(dir, "valid-bom-1.4.json"))
	if got := s.Unidentified[0]; got.Place != "valid-bom-1.4.json: components[1]" || !strings.Contains(got.Message, `no purl`) || !strings.Contains(got.Message, `"mylibrary"`) {
		t.Errorf("problem %+v", got)
	}
}

func TestSPDXExamples(t *testing.T) {
	dir := sharedtest.Path(t, "spdx-examples")
	var read, spdx3 int
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		base := filepath.Base(path)
		if !strings.HasSuffix(base, ".spdx") && !strings.HasSuffix(base, ".spdx.json") && !strings.HasSuffix(base, ".spdx3.json") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		s, err := Parse(f, base)
		if strings.HasSuffix(base, ".spdx3.json") {
			spdx3++
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "SPDX 3") {
				t.Errorf("%s: %v", base, err)
			}
			return nil
		}
		if err != nil {
			t.Errorf("%s: %v", base, err)
			return nil
		}
		read++
		checkInvariants(t, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d SPDX 2.x documents read, %d SPDX 3 documents refused", read, spdx3)
	if read < 25 || spdx3 < 10 {
		t.Errorf("read %d, spdx3 %d", read, spdx3)
	}

	s := parseFile(t, filepath.Join(dir, "software", "example11", "spdx2.3", "sbom.spdx.json"))
	if s.SpecVersion != "SPDX-2.3" || len(s.Components) != 4 || len(s.Unidentified) != 0 {
		t.Errorf("example11: %s, %d components, %v", s.SpecVersion, len(s.Components), s.Unidentified)
	}
	if got := idOf(find(t, s, "tokio")); got != (identity{"pkg:cargo/tokio@1.19.2", "crates.io", "tokio", "1.19.2", "", ""}) {
		t.Errorf("tokio: %+v", got)
	}
	s = parseFile(t, filepath.Join(dir, "presentations", "SBOMS-SPDX-Now-and-Future", "ACME-v2.3.spdx.json"))
	if got := idOf(find(t, s, "elliptic")); got != (identity{"pkg:npm/elliptic@6.5.2", "npm", "elliptic", "6.5.2", "", ""}) {
		t.Errorf("elliptic: %+v", got)
	}
	s = parseFile(t, filepath.Join(dir, "software", "example6", "spdx2.2", "example6-lib.spdx"))
	if s.Format != SPDXTag || s.SpecVersion != "SPDX-2.2" || len(s.Unidentified) != 5 || s.Unidentified[0].Place != "example6-lib.spdx: line 11" {
		t.Errorf("example6-lib: %s %s %v", s.Format, s.SpecVersion, s.Unidentified)
	}
	s = parseFile(t, filepath.Join(dir, "software", "example8", "spdx2.3", "examplemaven-0.0.1.spdx.json"))
	if len(s.Components) != 6 || len(s.Unidentified) != 6 {
		t.Errorf("examplemaven (no purls at all): %d components, %v", len(s.Components), s.Unidentified)
	}
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		file         string
		format, spec string
		name         string
		skipped      int
		dupes        int
		want         []identity
		problems     []string
	}{
		{
			file: "small.cdx.json", format: CycloneDXJSON, spec: "1.6", name: "vigil-appliance", skipped: 2, dupes: 1,
			want: []identity{
				{"pkg:deb/debian/libc6@2.36-9%2Bdeb12u8?arch=amd64&distro=debian-12", "Debian", "libc6", "2.36-9+deb12u8", "glibc", "2.36-9+deb12u8"},
				{"pkg:deb/debian/libxext6@2:1.3.4-1%2Bb1?arch=amd64&distro=debian-12.7", "Debian", "libxext6", "2:1.3.4-1+b1", "libxext", "2:1.3.4-1"},
				{"pkg:golang/github.com/BurntSushi/toml@v1.4.0", "Go", "github.com/BurntSushi/toml", "v1.4.0", "", ""},
				{"", "", "", "1.0", "", ""},
				{"pkg:npm/lodash@4.17.20", "npm", "lodash", "4.17.20", "", ""},
				{"pkg:pypi/jinja2@3.1.2", "PyPI", "jinja2", "3.1.2", "", ""},
				{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar", "Maven", "org.apache.logging.log4j:log4j-core", "2.14.1", "", ""},
				{"pkg:cargo/serde@1.0.190", "crates.io", "serde", "1.0.190", "", ""},
				{"", "", "", "0.3", "", ""},
				{"", "", "", "1", "", ""},
			},
			problems: []string{
				`small.cdx.json: components[4]: no purl: the component cannot be identified (name "webui")`,
				`small.cdx.json: components[5]: no purl: the component cannot be identified (name "homegrown-lib")`,
				`small.cdx.json: components[6]: malformed purl "pkg:/broken": purl is missing type or name`,
			},
		},
		{
			file: "small.cdx.xml", format: CycloneDXXML, spec: "1.5", name: "vigil-appliance",
			want: []identity{
				{"pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12", "Debian", "libssl3", "3.0.15-1~deb12u1", "openssl", "3.0.15-1~deb12u1"},
				{"pkg:golang/github.com/gin-gonic/gin@v1.9.0", "Go", "github.com/gin-gonic/gin", "v1.9.0", "", ""},
				{"", "", "", "1", "", ""},
			},
			problems: []string{`small.cdx.xml: components[1].components[0]: no purl: the component cannot be identified (name "unknown-vendored")`},
		},
		{
			file: "small.spdx.json", format: SPDXJSON, spec: "SPDX-2.3", name: "appliance-2.1.0", skipped: 1,
			want: []identity{
				{"pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12", "Debian", "bsdutils", "1:2.38.1-5+deb12u3", "util-linux", "2.38.1-5+deb12u3"},
				{"pkg:pypi/requests@2.31.0", "PyPI", "requests", "2.31.0", "", ""},
				{"", "", "", "7", "", ""},
			},
			problems: []string{`small.spdx.json: packages[2]: no purl: the package cannot be identified (name "firmware-blob")`},
		},
		{
			file: "small.spdx", format: SPDXTag, spec: "SPDX-2.3", name: "appliance-2.1.0",
			want: []identity{
				{"pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12", "Debian", "zlib1g", "1:1.2.13.dfsg-1", "zlib", "1:1.2.13.dfsg-1"},
				{"pkg:npm/left-pad@1.3.0", "npm", "left-pad", "1.3.0", "", ""},
				{"", "", "", "4", "", ""},
			},
			problems: []string{`small.spdx: line 25: no purl: the package cannot be identified (name "in-house")`},
		},
		{
			file: "status", format: DpkgStatus, name: "status", skipped: 2,
			want: []identity{
				{"pkg:deb/debian/libc6@2.36-9%2Bdeb12u8?arch=amd64", "Debian", "libc6", "2.36-9+deb12u8", "glibc", "2.36-9+deb12u8"},
				{"pkg:deb/debian/libxext6@2:1.3.4-1%2Bb1?arch=amd64", "Debian", "libxext6", "2:1.3.4-1+b1", "libxext", "2:1.3.4-1"},
				{"pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64", "Debian", "bash", "5.2.15-2+b7", "bash", "5.2.15-2+b7"},
				{"", "", "", "", "", ""},
			},
			problems: []string{`status:43: package "no-version" has no Version`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := parseFile(t, filepath.Join("testdata", tt.file))
			if s.Format != tt.format || s.SpecVersion != tt.spec || s.Name != tt.name || s.Skipped != tt.skipped || s.Duplicates != tt.dupes {
				t.Errorf("format %q spec %q name %q skipped %d duplicates %d", s.Format, s.SpecVersion, s.Name, s.Skipped, s.Duplicates)
			}
			var got []identity
			for _, c := range s.Components {
				got = append(got, idOf(c))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("components (-want +got):\n%s", diff)
			}
			var problems []string
			for _, p := range s.Unidentified {
				problems = append(problems, p.String())
			}
			if diff := cmp.Diff(tt.problems, problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseFormat: a format named by the caller is used as named.
func TestParseFormat(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "status"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseFormat(bytes.NewReader(data), "status", DpkgStatus)
	if err != nil || len(s.Components) != 4 {
		t.Fatalf("dpkg-status: %v", err)
	}
	if _, err := ParseFormat(bytes.NewReader(data), "status", CycloneDXJSON); !errors.Is(err, ErrInvalid) {
		t.Errorf("status as CycloneDX: %v", err)
	}
	if _, err := ParseFormat(bytes.NewReader(data), "status", "rpmdb"); !errors.Is(err, ErrFormat) {
		t.Errorf("unknown format: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	deep := strings.Repeat(`{"type":"library","name":"x","components":[`, MaxDepth+1) + strings.Repeat(`]}`, MaxDepth+1)
	tests := []struct {
		name, input string
		is          error
		want        string // in the error
	}{
		{"empty", "", ErrFormat, "bad.json: unknown SBOM format: empty document"},
		{"blank", " \n\t\n", ErrFormat, "empty document"},
		{"text", "hello world\n", ErrFormat, "neither JSON"},
		{"other JSON", `{"foo": 1}`, ErrFormat, "neither bomFormat"},
		{"truncated JSON", "{\n  \"bomFormat\": \"CycloneDX\",\n  \"components\": [\n    {\"name\": \"a\"", ErrInvalid, "bad.json: invalid SBOM: line 4, column 16: unexpected end of JSON input"},
		{"JSON syntax", "{\n\"bomFormat\": \"CycloneDX\",,}", ErrInvalid, "bad.json: invalid SBOM: line 2, column 26: invalid character ','"},
		{"wrong type", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": {"name": "a"}}`, ErrInvalid, "line 1, column 64 (components): cannot use JSON object"},
		{"unknown spec version", `{"bomFormat": "CycloneDX", "specVersion": "9.9"}`, ErrInvalid, "bad.json: invalid SBOM"},
		{"unknown spec version placed", `{"bomFormat": "CycloneDX", "specVersion": "9.9"}`, ErrInvalid, "bad.json: invalid SBOM: line 1, column 43 (specVersion): invalid specification version"},
		{"truncated JSON lines", "{\"bomFormat\":\"CycloneDX\",\n\"specVersion\":\"1.6\",\n\"components\":[{\"name\":\"a\"}]", ErrInvalid, "bad.json: invalid SBOM: line 3, column 27: unexpected end of JSON input"},
		{"JSON after the document", `{"bomFormat":"CycloneDX","specVersion":"1.6"} x`, ErrInvalid, "bad.json: invalid SBOM: line 1, column 47: invalid character 'x' after top-level value"},
		{"JSON name not a string", "{\"bomFormat\":\"CycloneDX\",\"components\":[\n  {\"name\": \"a\", {}}]}", ErrInvalid, "bad.json: invalid SBOM: line 2, column 17 (components[0]): object member name must be a string"},
		{"wrong type nested", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"a","licenses":[{"license":{"text":5}}]}]}`, ErrInvalid,
			"bad.json: invalid SBOM: line 1, column 103 (components[0].licenses[0].license.text): cannot use JSON number as cyclonedx.AttachedText"},
		{"wrong type string", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":5}]}`, ErrInvalid, "bad.json: invalid SBOM: line 1, column 68 (components[0].name): cannot use JSON number as string"},
		// A repeated name is an ambiguity (which purl is meant?), not
		// something to settle silently: the document is rejected, also
		// where the repeat is in a part identification does not read.
		{"JSON repeated name", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"a","purl":"pkg:npm/a@1","purl":"pkg:npm/b@1"}]}`, ErrInvalid,
			`bad.json: invalid SBOM: line 1, column 93 (components[0]): duplicate object member name "purl"`},
		{"JSON repeated name in another case", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"a","purl":"pkg:npm/a@1","PURL":"pkg:npm/b@1"}]}`, ErrInvalid,
			`bad.json: invalid SBOM: line 1, column 93 (components[0]): duplicate object member name "PURL"`},
		{"JSON repeated name not read", `{"bomFormat":"CycloneDX","specVersion":"1.6","dependencies":[{"ref":"a","ref":"b"}]}`, ErrInvalid,
			`bad.json: invalid SBOM: line 1, column 73 (dependencies[0]): duplicate object member name "ref"`},
		{"JSON repeated top-level name", `{"bomFormat":"CycloneDX","bomFormat":"CycloneDX","specVersion":"1.6"}`, ErrInvalid,
			`bad.json: invalid SBOM: line 1, column 26: duplicate object member name "bomFormat"`},
		{"SPDX JSON repeated name", `{"spdxVersion":"SPDX-2.3","packages":[{"name":"a","name":"b"}]}`, ErrInvalid,
			`bad.json: invalid SBOM: line 1, column 51 (packages[0]): duplicate object member name "name"`},
		{"JSON repeated name undecided", `{"x": 1, "x": 2, "bomFormat": "CycloneDX"}`, ErrInvalid, `bad.json: invalid SBOM: line 1, column 10: duplicate object member name "x"`},
		{"no spec version", `{"bomFormat": "CycloneDX"}`, ErrInvalid, "specVersion is missing"},
		{"too deep", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[` + deep + `]}`, ErrTooLarge, "nested deeper than 64"},
		{"XML syntax", "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">\n<components>\n<component>\n</bom>", ErrInvalid, "bad.json: invalid SBOM: line 4: element <component> closed by </bom>"},
		{"XML too deep", "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\"><components>" + strings.Repeat("<component type=\"library\"><name>x</name><components>", MaxDepth+1) + strings.Repeat("</components></component>", MaxDepth+1) + "</components></bom>", ErrTooLarge, "nested deeper than 64"},
		{"XML entity", "<!DOCTYPE bom [<!ENTITY a \"aaaaaaaa\">]><bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\"><components><component type=\"library\"><name>&a;</name></component></components></bom>", ErrInvalid, "invalid character entity &a;"},
		{"XML not CycloneDX", `<project xmlns="http://maven.apache.org/POM/4.0.0"></project>`, ErrInvalid, "root element is <project>"},
		{"XML unknown namespace", `<bom xmlns="http://example.com/bom"></bom>`, ErrInvalid, `XML namespace "http://example.com/bom"`},
		{"SPDX unknown version", `{"spdxVersion": "SPDX-9.0"}`, ErrInvalid, "bad.json: invalid SBOM"},
		{"SPDX tag-value without colon", "SPDXVersion: SPDX-2.3\nDataLicense CC0-1.0\n", ErrInvalid, "bad.json: invalid SBOM: line 2: no colon found in 'DataLicense CC0-1.0'"},
		{"SPDX tag-value long line", "SPDXVersion: SPDX-2.3\nPackageComment: " + strings.Repeat("a", maxLine+1) + "\n", ErrInvalid, "bad.json: invalid SBOM: line 2: bufio.Scanner: token too long"},
		{"dpkg garbage line", "Package: a\nVersion: 1\nthis is not a field\n", ErrInvalid, `bad.json:3: invalid SBOM: "this is not a field" is not a "Field: value" line`},
		{"dpkg repeated field", "Package: a\nVersion: 1\nVersion: 2\n", ErrInvalid, "bad.json:3: invalid SBOM: field version repeated"},
		{"dpkg continuation first", "Package: a\n\n continued\n", ErrInvalid, "bad.json:3: invalid SBOM: continuation line outside a field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(strings.NewReader(tt.input), "bad.json")
			if err == nil {
				t.Fatalf("no error; got %+v", s)
			}
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q; want %v containing %q", err, tt.is, tt.want)
			}
		})
	}
}

// zeros is an endless reader of spaces.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestTooLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 200 MiB")
	}
	_, err := Parse(zeros{}, "huge.json")
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "huge.json") {
		t.Errorf("error %v", err)
	}
}

// TestParseBytes: a document in memory reads as the same document from a
// reader, and is not changed.
func TestParseBytes(t *testing.T) {
	for _, tt := range []struct{ file, format string }{
		{"small.cdx.json", CycloneDXJSON}, {"small.cdx.xml", CycloneDXXML}, {"small.spdx.json", SPDXJSON}, {"small.spdx", SPDXTag}, {"status", DpkgStatus},
	} {
		data, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		orig := bytes.Clone(data)
		want, err := Parse(bytes.NewReader(data), tt.file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseBytes(data, tt.file)
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: ParseBytes differs from Parse (-Parse +ParseBytes):\n%s", tt.file, diff)
		}
		got, err = ParseFormatBytes(data, tt.file, tt.format)
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: ParseFormatBytes differs from Parse (-Parse +ParseFormatBytes):\n%s", tt.file, diff)
		}
		if !bytes.Equal(data, orig) {
			t.Errorf("%s: the document was changed", tt.file)
		}
	}
	if _, err := ParseFormatBytes([]byte("{}"), "a.json", "rpmdb"); !errors.Is(err, ErrFormat) {
		t.Errorf("unknown format: %v", err)
	}
	if _, err := ParseBytes([]byte("{\"bomFormat\":"), "a.json"); !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "a.json: ") {
		t.Errorf("truncated: %v", err)
	}
	if testing.Short() {
		return
	}
	huge := bytes.Repeat([]byte(" "), MaxSize+1)
	if _, err := ParseBytes(huge, "huge.json"); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "huge.json") {
		t.Errorf("too large: %v", err)
	}
}

func TestTooManyComponents(t *testing.T) {
	var b bytes.Buffer
	for range MaxComponents + 1 {
		b.WriteString("Package: a\nStatus: deinstall ok config-files\n\n")
	}
	_, err := Parse(&b, "status")
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "more than 500000 packages") {
		t.Errorf("error %v", err)
	}
}

// errReader fails after its data.
type errReader struct{ r io.Reader }

func (e errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, errors.New("disk on fire")
	}
	return n, err
}

func TestReadError(t *testing.T) {
	_, err := Parse(errReader{strings.NewReader("Package: a\n")}, "status")
	if err == nil || err.Error() != "read status: disk on fire" {
		t.Errorf("error %v", err)
	}
}

func TestDebianVendorWithoutOS(t *testing.T) {
	s, err := Parse(strings.NewReader(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","bom-ref":"a","name":"apt","version":"2.2.4","purl":"pkg:deb/apt@2.2.4"}]}`), "a.json")
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, s)
	if len(s.Unidentified) != 1 || !strings.Contains(s.Unidentified[0].Message, `names no ecosystem`) {
		t.Errorf("problems %v", s.Unidentified)
	}
}

// TestJSONNames: object names match fields as encoding/json matched them,
// and invalid UTF-8 is replaced rather than refused.
func TestJSONNames(t *testing.T) {
	tests := []struct{ name, component string }{
		{"exact", `{"bom-ref":"r","name":"a","purl":"pkg:npm/a@1"}`},
		{"other case", `{"BOM-REF":"r","Name":"a","PURL":"pkg:npm/a@1"}`},
		// Dashes and underscores count: "bomref" is not bom-ref and is
		// ignored like any unknown name.
		{"dash counts", `{"bomref":"x","bom_ref":"y","bom-ref":"r","name":"a","purl":"pkg:npm/a@1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(strings.NewReader(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[`+tt.component+`]}`), "a.json")
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Components) != 1 || s.Components[0].Ref != "r" || s.Components[0].Name != "a" || s.Components[0].PURL != "pkg:npm/a@1" {
				t.Errorf("components %+v", s.Components)
			}
		})
	}
	for _, doc := range []string{
		"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":[{\"name\":\"a\xff\",\"purl\":\"pkg:npm/a@1\"}]}",
		`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"a\ud800","purl":"pkg:npm/a@1"}]}`,
		"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"a\xff\",\"externalRefs\":[{\"referenceType\":\"purl\",\"referenceLocator\":\"pkg:npm/a@1\"}]}]}",
	} {
		s, err := Parse(strings.NewReader(doc), "a.json")
		if err != nil {
			t.Errorf("%q: %v", doc, err)
			continue
		}
		if len(s.Components) != 1 || s.Components[0].Name != "a\uFFFD" {
			t.Errorf("%q: components %+v", doc, s.Components)
		}
	}
}
