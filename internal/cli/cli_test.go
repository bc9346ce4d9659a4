package cli

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/audit"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

// vigil runs the command line with an injected environment and clock.
func vigil(t *testing.T, environ map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return environ[k] }, now: time.Now}
	code = run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func TestVersionAndUsage(t *testing.T) {
	if code, out, _ := vigil(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "vigil ") {
		t.Errorf("version: code %d, %q", code, out)
	}
	if code, _, errs := vigil(t, nil, "frobnicate"); code != 2 || !strings.Contains(errs, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: code %d, %q", code, errs)
	}
	if code, out, _ := vigil(t, nil); code != 2 || !strings.Contains(out, "serve") {
		t.Errorf("no command: code %d, %q", code, out)
	}
}

func TestPolicyCheck(t *testing.T) {
	for _, name := range []string{"default.yaml", "sos-vulnerability-handling.yaml", "stamus-security-upgrade.yaml"} {
		path := filepath.Join("..", "policy", "examples", name)
		if code, out, errs := vigil(t, nil, "policy", "check", path); code != 0 || !strings.Contains(out, "is valid") {
			t.Errorf("%s: code %d, out %q, err %q", name, code, out, errs)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nbogus_key: 1\nclocks:\n  - id: t\n    start: nope\n    duration: soon\n"), 0o644)
	code, _, errs := vigil(t, nil, "policy", "check", bad)
	if code != 1 {
		t.Fatalf("bad policy: code %d, want 1; %s", code, errs)
	}
	for _, want := range []string{"bogus_key", "nope", "soon"} {
		if !strings.Contains(errs, want) {
			t.Errorf("bad policy: error does not name %q (all problems at once):\n%s", want, errs)
		}
	}
	if code, _, _ := vigil(t, nil, "policy", "check"); code != 2 {
		t.Errorf("policy check without file: code %d, want 2", code)
	}
}

// TestStoreCommands runs the commands that open the store on both databases.
func TestStoreCommands(t *testing.T) {
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		flag := []string{"--data", cfg.Data}
		if cfg.Database != "" {
			flag = []string{"--database", cfg.Database}
		}
		with := func(args ...string) []string { return append(args, flag...) }

		if code, _, errs := vigil(t, nil, with("user", "list")...); code != 1 || !strings.Contains(errs, "migrate") {
			t.Errorf("user list on an unmigrated database: code %d, %q; want a hint to migrate", code, errs)
		}
		if code, out, errs := vigil(t, nil, with("migrate")...); code != 0 || !strings.Contains(out, "schema version") {
			t.Fatalf("migrate: %d %q %q", code, out, errs)
		}
		if code, out, _ := vigil(t, nil, with("migrate")...); code != 0 || !strings.Contains(out, "applied 0") {
			t.Errorf("second migrate: %d %q", code, out)
		}
		if code, out, errs := vigil(t, nil, with("user", "create", "alice", "--role", "psirt", "--email", "alice@example.org")...); code != 0 || !strings.Contains(out, "created user alice") {
			t.Fatalf("user create: %d %q %q", code, out, errs)
		}
		if code, _, errs := vigil(t, nil, with("user", "create", "Bad Name", "--role", "wizard")...); code != 1 || !strings.Contains(errs, "name:") || !strings.Contains(errs, "role:") {
			t.Errorf("invalid user: %d %q; want both problems", code, errs)
		}
		code, tok, errs := vigil(t, nil, with("user", "token", "alice", "--label", "ci")...)
		if code != 0 || !strings.HasPrefix(tok, "vgl_") {
			t.Fatalf("user token: %d %q %q", code, tok, errs)
		}
		id := regexp.MustCompile(`token (\d+)`).FindStringSubmatch(errs)
		if id == nil {
			t.Fatalf("token id not shown: %q", errs)
		}
		if code, out, _ := vigil(t, nil, with("user", "revoke", id[1])...); code != 0 || !strings.Contains(out, "revoked") {
			t.Errorf("revoke: %d %q", code, out)
		}
		if code, _, _ := vigil(t, nil, with("user", "revoke", "999999")...); code != 1 {
			t.Errorf("revoke unknown token: code %d, want 1", code)
		}
		if code, out, _ := vigil(t, nil, with("user", "list")...); code != 0 || !strings.Contains(out, "alice") || !strings.Contains(out, "psirt") {
			t.Errorf("user list: %d %q", code, out)
		}
		code, out, errs := vigil(t, nil, with("demo")...)
		if code != 0 || !strings.Contains(out, "one disclosed as VIGIL-SA-") {
			t.Fatalf("demo: %d %q %q", code, out, errs)
		}
		if code, _, errs := vigil(t, nil, with("demo")...); code != 1 || !strings.Contains(errs, "empty database") {
			t.Errorf("second demo: %d %q", code, errs)
		}
		code, out, errs = vigil(t, nil, with("audit", "verify")...)
		if code != 0 || !strings.Contains(out, "audit trail intact") {
			t.Fatalf("audit verify: %d %q %q", code, out, errs)
		}
		head := regexp.MustCompile(`head: (\d+:[0-9a-f]{64})`).FindStringSubmatch(out)
		if head == nil {
			t.Fatalf("verify prints no head to anchor:\n%s", out)
		}
		if code, out, errs := vigil(t, nil, with("audit", "verify", "--anchor", head[1])...); code != 0 || !strings.Contains(out, "intact") {
			t.Errorf("verify with its own anchor: %d %q %q", code, out, errs)
		}
		// Someone with write access to the database rewrites event 5 and
		// recomputes every hash after it: the chain verifies, the anchor does not.
		rewrite(t, cfg, 5)
		if code, _, _ := vigil(t, nil, with("audit", "verify")...); code != 0 {
			t.Errorf("a consistently rewritten chain fails plain verify: the test rewrote it wrongly")
		}
		if code, _, errs := vigil(t, nil, with("audit", "verify", "--anchor", head[1])...); code != 1 || !strings.Contains(errs, "rewritten") {
			t.Errorf("verify --anchor after a rewrite: code %d, %q; want the rewrite found", code, errs)
		}
		tamper(t, cfg)
		if code, _, errs := vigil(t, nil, with("audit", "verify")...); code != 1 || !strings.Contains(errs, "audit chain broken") {
			t.Errorf("audit verify after an edit: code %d, %q; want the break reported", code, errs)
		}
	})
}

// rewrite changes event seq and reseals the whole chain after it, as an
// attacker who knows the hash scheme would, with the append-only guards
// lifted.
func rewrite(t *testing.T, cfg store.Config, seq int64) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var events []audit.Event
	if err := s.EachAudit(ctx, func(e audit.Event) error { events = append(events, e); return nil }); err != nil {
		t.Fatal(err)
	}
	db := s.DB()
	q := func(sql string) string {
		if s.Dialect() == "postgres" {
			n := 0
			return regexp.MustCompile(`\?`).ReplaceAllStringFunc(sql, func(string) string { n++; return fmt.Sprintf("$%d", n) })
		}
		return sql
	}
	if s.Dialect() == "postgres" {
		if _, err := db.Exec(`ALTER TABLE audit_events DISABLE TRIGGER ALL`); err != nil {
			t.Fatal(err)
		}
	} else {
		dropTriggers(t, db)
	}
	var prev *audit.Event
	for i := range events {
		e := &events[i]
		if e.Seq == seq {
			e.Actor = "user:mallory"
		}
		if e.Seq >= seq {
			audit.Seal(prev, e)
			if _, err := db.Exec(q(`UPDATE audit_events SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?`), e.Actor, e.PrevHash, e.Hash, e.Seq); err != nil {
				t.Fatal(err)
			}
		}
		prev = e
	}
	if _, err := db.Exec(q(`UPDATE audit_head SET hash = ? WHERE id = 1`), prev.Hash); err != nil {
		t.Fatal(err)
	}
	if s.Dialect() == "postgres" {
		if _, err := db.Exec(`ALTER TABLE audit_events ENABLE TRIGGER ALL`); err != nil {
			t.Fatal(err)
		}
	}
}

func dropTriggers(t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('audit_events', 'audit_head')`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		if _, err := db.Exec(`DROP TRIGGER ` + n); err != nil {
			t.Fatal(err)
		}
	}
}

// tamper edits one audit event behind vigil's back, as an attacker with
// database access would: the append-only triggers are dropped first.
func tamper(t *testing.T, cfg store.Config) {
	t.Helper()
	s, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db := s.DB()
	if s.Dialect() == "postgres" {
		_, err = db.Exec(`ALTER TABLE audit_events DISABLE TRIGGER ALL`)
		if err == nil {
			_, err = db.Exec(`UPDATE audit_events SET actor = 'user:eve' WHERE seq = 3`)
		}
	} else {
		rows, qerr := db.Query(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'`)
		if qerr != nil {
			t.Fatal(qerr)
		}
		var names []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			names = append(names, n)
		}
		rows.Close()
		for _, n := range names {
			if _, err = db.Exec(`DROP TRIGGER ` + n); err != nil {
				break
			}
		}
		if err == nil {
			_, err = db.Exec(`UPDATE audit_events SET actor = 'user:eve' WHERE seq = 3`)
		}
	}
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

func TestEnvironmentSelectsStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fromenv")
	code, _, errs := vigil(t, map[string]string{"VIGIL_DATA": dir}, "migrate")
	if code != 0 {
		t.Fatalf("migrate with VIGIL_DATA: %d %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "vigil.db")); err != nil {
		t.Errorf("VIGIL_DATA was not used: %v", err)
	}
	// A flag wins over the environment.
	other := filepath.Join(t.TempDir(), "fromflag")
	if code, _, _ := vigil(t, map[string]string{"VIGIL_DATA": dir}, "migrate", "--data", other); code != 0 {
		t.Fatal("migrate with --data failed")
	}
	if _, err := os.Stat(filepath.Join(other, "vigil.db")); err != nil {
		t.Errorf("--data did not win over VIGIL_DATA: %v", err)
	}
}

func TestConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "vigil.yaml")
	os.WriteFile(file, []byte("addr: 0.0.0.0:9000\nname: Acme\ndatabase: postgres://vigil:s3cret@db.example/vigil\n"), 0o644)
	code, out, errs := vigil(t, map[string]string{"VIGIL_NAME": "FromEnv", "VIGIL_NVD_API_KEY": "nvd-s3cret"}, "config", "--config", file)
	if code != 0 {
		t.Fatalf("config: %d %q", code, errs)
	}
	for _, want := range []string{"addr: 0.0.0.0:9000", "name: FromEnv", "vigil:REDACTED@db.example", "nvd_api_key: REDACTED"} {
		if !strings.Contains(out, want) {
			t.Errorf("config output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "s3cret") {
		t.Errorf("config shows a secret:\n%s", out)
	}
	os.WriteFile(file, []byte("adr: typo\n"), 0o644)
	if code, _, errs := vigil(t, nil, "config", "--config", file); code != 1 || !strings.Contains(errs, "adr") {
		t.Errorf("unknown config key: %d %q", code, errs)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
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

// TestServeFirstRun starts the server on a new data directory, as the
// README's first command does, and uses the administrator token it prints.
func TestServeFirstRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs syncBuffer
	e := &env{stdout: &out, stderr: &errs, getenv: func(string) string { return "" }, now: time.Now}
	done := make(chan int)
	go func() { done <- run(ctx, e, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}) }()
	var addr, token string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && (addr == "" || token == ""); time.Sleep(20 * time.Millisecond) {
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
		cancel()
		t.Fatalf("serve did not start with a first-run token:\n%s", errs.String())
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var me struct{ Name, Role string }
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if resp.StatusCode != 200 || me.Name != "admin" || me.Role != "admin" {
		t.Errorf("GET /api/v1/me with the first-run token: %d %+v", resp.StatusCode, me)
	}
	resp, err = http.Get("http://" + addr + "/healthz")
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "ok\n" {
			t.Errorf("healthz: %d %q", resp.StatusCode, b)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited with %d after shutdown:\n%s", code, errs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
	// A second start finds the administrator and prints no new token.
	ctx2, cancel2 := context.WithCancel(context.Background())
	var errs2 syncBuffer
	e2 := &env{stdout: io.Discard, stderr: &errs2, getenv: func(string) string { return "" }, now: time.Now}
	go func() { done <- run(ctx2, e2, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}) }()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !strings.Contains(errs2.String(), "listening"); time.Sleep(20 * time.Millisecond) {
	}
	cancel2()
	<-done
	if strings.Contains(errs2.String(), "First run") {
		t.Errorf("second start created another administrator:\n%s", errs2.String())
	}
}
