package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

func TestPublishedFiles(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 3, 9, 0, 0, 123456789, time.UTC)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		put := func(path, kind, content string, at time.Time) (store.File, bool) {
			t.Helper()
			f := store.File{Path: path, Kind: kind, AdvisoryID: "VIGIL-SA-2026-001", ContentType: "application/json",
				Content: []byte(content), SHA256: "h256-" + content, SHA512: "h512-" + content, Signature: "sig-" + content, PublishedAt: at}
			written, err := s.PutFile(ctx, &f)
			if err != nil {
				t.Fatal(err)
			}
			return f, written
		}
		const csaf = "/.well-known/csaf/white/2026/vigil-sa-2026-001.json"
		if f, w := put(csaf, "csaf", `{"v":1}`, t0); !w || f.Revision != 1 {
			t.Fatalf("first put: written %v, revision %d", w, f.Revision)
		}
		if f, w := put(csaf, "csaf", `{"v":1}`, t0.Add(time.Hour)); w || f.Revision != 1 || !f.PublishedAt.Equal(t0.Truncate(time.Microsecond)) {
			t.Errorf("same bytes again: written %v, revision %d at %s; want the first revision kept", w, f.Revision, f.PublishedAt)
		}
		if f, w := put(csaf, "csaf", `{"v":2}`, t0.Add(2*time.Hour)); !w || f.Revision != 2 {
			t.Errorf("new bytes: written %v, revision %d; want revision 2", w, f.Revision)
		}
		put("/advisories/VIGIL-SA-2026-001/osv.json", "osv", `{"id":"x"}`, t0.Add(3*time.Hour))

		latest, err := s.FileAt(ctx, csaf, 0)
		if err != nil || latest.Revision != 2 || string(latest.Content) != `{"v":2}` || latest.Signature != `sig-{"v":2}` || latest.SHA512 != `h512-{"v":2}` {
			t.Errorf("latest: %+v %v", latest, err)
		}
		first, err := s.FileAt(ctx, csaf, 1)
		if err != nil || string(first.Content) != `{"v":1}` {
			t.Errorf("revision 1: %q %v", first.Content, err)
		}
		if _, err := s.FileAt(ctx, csaf, 3); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revision 3: %v, want ErrNotFound", err)
		}
		if _, err := s.FileAt(ctx, "/nope", 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown path: %v, want ErrNotFound", err)
		}
		all, err := s.ListFiles(ctx)
		if err != nil || len(all) != 2 || all[0].Kind != "osv" || all[1].Revision != 2 || all[1].Content != nil {
			t.Errorf("ListFiles: %+v %v; want the latest of each path, newest first, without content", all, err)
		}
		onlyCSAF, err := s.ListFiles(ctx, "csaf", "csaf_vex")
		if err != nil || len(onlyCSAF) != 1 || onlyCSAF[0].Path != csaf {
			t.Errorf("ListFiles(csaf): %+v %v", onlyCSAF, err)
		}
		hist, err := s.FileHistory(ctx, csaf)
		if err != nil || len(hist) != 2 || hist[0].Revision != 1 || hist[1].Revision != 2 {
			t.Errorf("history: %+v %v", hist, err)
		}
		// Published files never change, even through SQL.
		if _, err := s.DB().ExecContext(ctx, `UPDATE published_files SET content = ? WHERE path = ?`, []byte("evil"), csaf); err == nil && s.Dialect() == "sqlite" {
			t.Error("a published file was changed in place")
		}
		if s.Dialect() == "postgres" {
			if _, err := s.DB().ExecContext(ctx, `UPDATE published_files SET content = $1 WHERE path = $2`, []byte("evil"), csaf); err == nil {
				t.Error("a published file was changed in place")
			}
		}
		// A failed transaction leaves no file behind.
		boom := errors.New("boom")
		err = s.InTx(ctx, func(tx *store.Store) error {
			f := store.File{Path: "/x.json", Kind: "csaf", ContentType: "application/json", Content: []byte("{}"), PublishedAt: t0}
			if _, err := tx.PutFile(ctx, &f); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if _, err := s.FileAt(ctx, "/x.json", 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a rolled back file exists: %v", err)
		}
	})
}

func TestSigningKeys(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if ks, err := s.SigningKeys(ctx); err != nil || len(ks) != 0 {
			t.Fatalf("no keys yet: %v %v", ks, err)
		}
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		old := store.SigningKey{Fingerprint: "AAAA", Private: "priv-a", Public: "pub-a", CreatedAt: t0}
		cur := store.SigningKey{Fingerprint: "BBBB", Private: "priv-b", Public: "pub-b", CreatedAt: t0.AddDate(1, 0, 0)}
		for _, k := range []store.SigningKey{old, cur} {
			if err := s.AddSigningKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AddSigningKey(ctx, old); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate key: %v, want ErrConflict", err)
		}
		ks, err := s.SigningKeys(ctx)
		if err != nil || len(ks) != 2 || ks[0] != cur || ks[1] != old {
			t.Errorf("keys: %+v %v; want the newest first", ks, err)
		}
	})
}
