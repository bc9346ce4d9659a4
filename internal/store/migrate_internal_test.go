package store

import (
	"slices"
	"testing"
)

// TestEmbeddedMigrations: the embedded files parse, are numbered without
// gaps, and the dialects have the same numbers and names.
func TestEmbeddedMigrations(t *testing.T) {
	lite, err := migrations(dialectSQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := migrations(dialectPostgres)
	if err != nil {
		t.Fatal(err)
	}
	key := func(ms []migration) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.name)
		}
		return out
	}
	if len(lite) == 0 || !slices.Equal(key(lite), key(pg)) {
		t.Errorf("sqlite migrations %v, postgres %v", key(lite), key(pg))
	}
}

func TestRebind(t *testing.T) {
	pg := &Store{dialect: dialectPostgres}
	lite := &Store{dialect: dialectSQLite}
	q := `SELECT a FROM t WHERE b = ? AND c IN (?, ?)`
	if got, want := pg.rebind(q), `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`; got != want {
		t.Errorf("postgres rebind = %q, want %q", got, want)
	}
	if got := lite.rebind(q); got != q {
		t.Errorf("sqlite rebind = %q", got)
	}
}

func TestPage(t *testing.T) {
	for _, c := range []struct{ limit, offset, wantLimit, wantOffset int }{
		{0, 0, DefaultLimit, 0}, {-5, -1, DefaultLimit, 0}, {10, 20, 10, 20}, {MaxLimit + 1, 0, MaxLimit, 0},
	} {
		l, o := page(c.limit, c.offset)
		if l != c.wantLimit || o != c.wantOffset {
			t.Errorf("page(%d, %d) = %d, %d", c.limit, c.offset, l, o)
		}
	}
}
