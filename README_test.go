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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/cli"
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
