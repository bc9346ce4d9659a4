package vigil_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/cli"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestReadmeWalkthrough starts vigil on a new data directory as the README
// says and runs the README's walkthrough, command by command, with curl.
func TestReadmeWalkthrough(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, walk, ok := strings.Cut(string(readme), "## Walkthrough")
	if !ok {
		t.Fatal("README has no walkthrough")
	}
	walk, _, _ = strings.Cut(walk, "\n## ")
	var script []string
	for _, line := range strings.Split(walk, "\n") {
		cmd, ok := strings.CutPrefix(line, "    ")
		if !ok || strings.HasPrefix(cmd, "export T=") || strings.HasPrefix(cmd, "go run") {
			continue
		}
		if strings.HasPrefix(cmd, "curl ") || strings.HasPrefix(cmd, "export ") {
			script = append(script, cmd)
		}
	}
	if len(script) < 15 {
		t.Fatalf("found only %d walkthrough commands", len(script))
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errs syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, []string{"serve", "--data", filepath.Join(t.TempDir(), "data"), "--addr", "127.0.0.1:0"}, io.Discard, &errs)
	}()
	var addr, token string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && (addr == "" || token == ""); time.Sleep(20 * time.Millisecond) {
		sc := bufio.NewScanner(strings.NewReader(errs.String()))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if a, ok := strings.CutPrefix(line, "vigil is listening on http://"); ok {
				addr = strings.Fields(a)[0]
			}
			if strings.HasPrefix(line, "vgl_") {
				token = line
			}
		}
	}
	if addr == "" || token == "" {
		t.Fatalf("vigil serve did not start:\n%s", errs.String())
	}
	header := "set -e\nexport T=" + token + " V=http://" + addr + "/api/v1\nexport H=\"Authorization: Bearer $T\"\n" +
		"curl() { command curl --fail-with-body \"$@\"; }\n" // an HTTP error status fails the step
	for i, cmd := range script {
		if !strings.HasPrefix(cmd, "curl") {
			continue
		}
		out, err := exec.Command("bash", "-c", header+exportsOf(script[:i])+cmd).CombinedOutput()
		if err != nil {
			t.Fatalf("walkthrough step %d failed: %s\n%v\n%s", i, cmd, err, out)
		}
	}
	resp, err := http.Get("http://" + addr + "/api/v1/advisories")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"CVE-2026-12345", `"fixed":"2.7.3"`, "Remote code execution in the job import."} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("after the walkthrough, the public advisories lack %q:\n%s", want, body)
		}
	}
	cancel()
	<-done
}

// exportsOf keeps the export lines of the commands before, so each step
// sees the same variables.
func exportsOf(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		if strings.HasPrefix(l, "export ") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// TestReadmeMonitoring runs the README's monitoring commands (the first
// block of its monitoring section) on a new data directory.
func TestReadmeMonitoring(t *testing.T) {
	sharedtest.Path(t, "go-vulndb") // skips without the shared test data
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(readme), "## Monitoring")
	if !ok {
		t.Fatal("README has no monitoring section")
	}
	_, sec, ok = strings.Cut(sec, "runs these lines):\n\n")
	if !ok {
		t.Fatal("README's monitoring section has no block README_test.go runs")
	}
	block, _, _ := strings.Cut(sec, "\n\n")
	data := filepath.Join(t.TempDir(), "data")
	sarifOut := filepath.Join(t.TempDir(), "scan.sarif")
	ran := 0
	for _, line := range strings.Split(block, "\n") {
		args := strings.Fields(strings.TrimSpace(line))
		if len(args) < 2 || args[0] != "vigil" {
			t.Fatalf("not a vigil command: %q", line)
		}
		for i := range args {
			if i > 0 && args[i-1] == "-o" {
				args[i] = sarifOut
			}
		}
		at := 2 // after the command, or after its subcommand
		if args[1] == "feed" {
			at = 3
		}
		args = slices.Concat(args[1:at], []string{"--data", data}, args[at:])
		var out, errs bytes.Buffer
		code := cli.Main(context.Background(), args, &out, &errs)
		ran++
		want := 0
		if args[0] == "scan" && !strings.Contains(line, "--fail-on off") {
			want = 1 // findings at or above low: the CI step fails
		}
		if code != want {
			t.Errorf("%s: exit %d, want %d\n%s%s", line, code, want, out.String(), errs.String())
		}
		if args[0] == "scan" && want == 1 && (!strings.Contains(out.String(), "DSA-5343-1") || !strings.Contains(out.String(), "CVE-2023-1393")) {
			t.Errorf("%s: the openssl and xorg-server findings are missing:\n%s", line, out.String())
		}
	}
	if ran < 4 {
		t.Fatalf("ran %d commands", ran)
	}
	sarif, err := os.ReadFile(sarifOut)
	if err != nil || !bytes.Contains(sarif, []byte(`"version": "2.1.0"`)) || !bytes.Contains(sarif, []byte("golang.org/x/net")) {
		t.Errorf("scan.sarif: %v\n%.300s", err, sarif)
	}
}
