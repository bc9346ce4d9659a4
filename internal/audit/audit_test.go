package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC)

// chain returns n sealed events.
func chain(n int) []Event {
	var out []Event
	var prev *Event
	for i := range n {
		e := Event{
			At:     t0.Add(time.Duration(i) * time.Minute),
			Actor:  fmt.Sprintf("user:u%d", i%3),
			Action: []string{"case.create", "case.triage", "case.confirm", "case.read"}[i%4],
			Object: fmt.Sprintf("case:VC-2026-%04d", i%5+1),
			Detail: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)),
		}
		if i%4 == 3 {
			e.Detail = nil
		}
		Seal(prev, &e)
		out = append(out, e)
		prev = &out[len(out)-1]
	}
	return out
}

// verify runs a Verifier over events and returns its count and first error.
func verify(events []Event) (int64, error) {
	var v Verifier
	for _, e := range events {
		if err := v.Next(e); err != nil {
			return v.Count, err
		}
	}
	return v.Count, nil
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestSealChain(t *testing.T) {
	for _, n := range []int{1, 2, 10, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			events := chain(n)
			for i, e := range events {
				if e.Seq != int64(i+1) {
					t.Errorf("event %d: seq %d", i, e.Seq)
				}
				wantPrev := Genesis
				if i > 0 {
					wantPrev = events[i-1].Hash
				}
				if e.PrevHash != wantPrev {
					t.Errorf("event %d: prev_hash %s, want %s", i, e.PrevHash, wantPrev)
				}
				if !hexHash.MatchString(e.Hash) {
					t.Errorf("event %d: hash %q is not hex SHA-256", i, e.Hash)
				}
			}
			count, err := verify(events)
			if err != nil || count != int64(n) {
				t.Errorf("verify = %d, %v; want %d, nil", count, err, n)
			}
		})
	}
}

func TestSealIgnoresGivenLinks(t *testing.T) {
	// Seal decides seq and prev_hash itself; whatever the caller put there is replaced.
	first := Event{Seq: 41, PrevHash: "forged", Hash: "forged", At: t0, Actor: "system", Action: "boot", Object: "vigil"}
	Seal(nil, &first)
	if first.Seq != 1 || first.PrevHash != Genesis || first.Hash != Sum(Genesis, first) {
		t.Errorf("first event sealed as %+v", first)
	}
	second := Event{Seq: 7, PrevHash: Genesis, At: t0, Actor: "system", Action: "boot", Object: "vigil"}
	Seal(&first, &second)
	if second.Seq != 2 || second.PrevHash != first.Hash || second.Hash != Sum(first.Hash, second) {
		t.Errorf("second event sealed as %+v", second)
	}
	if second.Hash == first.Hash {
		t.Error("two events with the same content share a hash")
	}
}

func TestVerifierDetectsEdits(t *testing.T) {
	const n = 6
	flip := func(h string) string {
		if h[63] == '0' {
			return h[:63] + "1"
		}
		return h[:63] + "0"
	}
	edits := []struct {
		field string
		edit  func(*Event)
		// resealed: the edited event's hash was recomputed to fit, so the
		// break shows at the link of the event after it.
		resealed bool
	}{
		{field: "actor", edit: func(e *Event) { e.Actor += "x" }},
		{field: "action", edit: func(e *Event) { e.Action = "case.disclose" }},
		{field: "object", edit: func(e *Event) { e.Object = "case:VC-2026-9999" }},
		{field: "detail", edit: func(e *Event) { e.Detail = json.RawMessage(`{"n":-1}`) }},
		{field: "detail whitespace", edit: func(e *Event) { e.Detail = append(slices.Clone(e.Detail), ' ') }},
		{field: "at", edit: func(e *Event) { e.At = e.At.Add(time.Nanosecond) }},
		{field: "seq up", edit: func(e *Event) { e.Seq++ }},
		{field: "seq down", edit: func(e *Event) { e.Seq-- }},
		{field: "hash", edit: func(e *Event) { e.Hash = flip(e.Hash) }},
		{field: "hash uppercase", edit: func(e *Event) { e.Hash = "A" + e.Hash[1:] }},
		{field: "prev_hash", edit: func(e *Event) { e.PrevHash = flip(e.PrevHash) }},
		{field: "prev_hash resealed", edit: func(e *Event) { e.PrevHash = flip(e.PrevHash); e.Hash = Sum(e.PrevHash, *e) }},
		{field: "actor resealed", edit: func(e *Event) { e.Actor = "user:mallory"; e.Hash = Sum(e.PrevHash, *e) }, resealed: true},
		{field: "detail resealed", edit: func(e *Event) { e.Detail = json.RawMessage(`{"forged":true}`); e.Hash = Sum(e.PrevHash, *e) }, resealed: true},
	}
	for _, ed := range edits {
		for i := range n {
			if ed.resealed && i == n-1 {
				// Resealing the last event fits the chain; the store's head,
				// which records the last hash, is what notices it.
				continue
			}
			t.Run(fmt.Sprintf("%s/event_%d", ed.field, i+1), func(t *testing.T) {
				events := chain(n)
				ed.edit(&events[i])
				count, err := verify(events)
				if !errors.Is(err, ErrBroken) {
					t.Fatalf("verify after editing %s of event %d = %d, %v; want ErrBroken", ed.field, i+1, count, err)
				}
				want := int64(i)
				if ed.resealed {
					want++
				}
				if count != want {
					t.Errorf("verified %d events before the break, want %d", count, want)
				}
			})
		}
	}
}

func TestVerifierDetectsRemovalAndReorder(t *testing.T) {
	const n = 5
	tests := []struct {
		name      string
		edit      func([]Event) []Event
		wantCount int64
	}{
		{"remove first", func(es []Event) []Event { return es[1:] }, 0},
		{"remove second", func(es []Event) []Event { return slices.Delete(es, 1, 2) }, 1},
		{"remove middle", func(es []Event) []Event { return slices.Delete(es, 2, 3) }, 2},
		{"remove two", func(es []Event) []Event { return slices.Delete(es, 1, 3) }, 1},
		{"swap first two", func(es []Event) []Event { es[0], es[1] = es[1], es[0]; return es }, 0},
		{"swap middle", func(es []Event) []Event { es[2], es[3] = es[3], es[2]; return es }, 2},
		{"swap last two", func(es []Event) []Event { es[3], es[4] = es[4], es[3]; return es }, 3},
		{"reverse", func(es []Event) []Event { slices.Reverse(es); return es }, 0},
		{"duplicate", func(es []Event) []Event { return slices.Insert(es, 2, es[1]) }, 2},
		{"renumbered after removal", func(es []Event) []Event {
			es = slices.Delete(es, 2, 3)
			for i := 2; i < len(es); i++ {
				es[i].Seq--
			}
			return es
		}, 2},
		{"foreign event inserted", func(es []Event) []Event {
			other := chain(n)
			return slices.Insert(es, 3, other[2])
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := tt.edit(chain(n))
			count, err := verify(events)
			if !errors.Is(err, ErrBroken) {
				t.Fatalf("verify = %d, %v; want ErrBroken", count, err)
			}
			if count != tt.wantCount {
				t.Errorf("verified %d events before the break, want %d", count, tt.wantCount)
			}
		})
	}
	// Removing events from the end leaves a valid shorter chain; noticing
	// that is the store's head's job.
	if count, err := verify(chain(n)[:n-2]); err != nil || count != n-2 {
		t.Errorf("verify of a truncated chain = %d, %v", count, err)
	}
}

func TestVerifierErrorMessages(t *testing.T) {
	events := chain(3)
	events[1].Object = "case:VC-2026-0099"
	_, err := verify(events)
	want := "audit chain broken: event 2 (case.triage case:VC-2026-0099) was altered"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	_, err = verify(chain(3)[1:])
	if want := "audit chain broken: event 2 follows 0"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestVerifierIncremental(t *testing.T) {
	// A Verifier continues a chain across calls, as the store streams it.
	events := chain(4)
	var v Verifier
	for i, e := range events {
		if err := v.Next(e); err != nil {
			t.Fatalf("event %d: %v", i+1, err)
		}
		if v.Count != int64(i+1) {
			t.Errorf("Count = %d after %d events", v.Count, i+1)
		}
	}
	// A failed event does not advance the verifier: the correct one still fits.
	next := Event{At: t0, Actor: "system", Action: "x", Object: "y"}
	Seal(&events[3], &next)
	bad := next
	bad.Actor = "user:mallory"
	if err := v.Next(bad); !errors.Is(err, ErrBroken) {
		t.Fatalf("Next(altered) = %v", err)
	}
	if err := v.Next(next); err != nil || v.Count != 5 {
		t.Errorf("Next(correct) after a failure = %v, count %d", err, v.Count)
	}
}

func TestSumFieldBoundaries(t *testing.T) {
	base := Event{Seq: 1, At: t0, Actor: "user:alice", Action: "case.read", Object: "case:VC-2026-0001", Detail: json.RawMessage(`{"a":1}`)}
	tests := []struct {
		name string
		e    Event
	}{
		{"character moved from actor to action", func() Event {
			e := base
			e.Actor, e.Action = "user:alic", "ecase.read"
			return e
		}()},
		{"character moved from action to object", func() Event {
			e := base
			e.Action, e.Object = "case.rea", "dcase:VC-2026-0001"
			return e
		}()},
		{"character moved from object to detail", func() Event {
			e := base
			e.Object, e.Detail = "case:VC-2026-000", json.RawMessage(`1{"a":1}`)
			return e
		}()},
		{"actor and action swapped", func() Event {
			e := base
			e.Actor, e.Action = base.Action, base.Actor
			return e
		}()},
		{"all in actor", func() Event {
			e := base
			e.Actor, e.Action, e.Object, e.Detail = base.Actor+base.Action+base.Object+string(base.Detail), "", "", nil
			return e
		}()},
		{"seq", func() Event { e := base; e.Seq = 2; return e }()},
		{"at", func() Event { e := base; e.At = t0.Add(time.Microsecond); return e }()},
		{"detail", func() Event { e := base; e.Detail = json.RawMessage(`{"a":2}`); return e }()},
	}
	want := Sum(Genesis, base)
	seen := map[string]string{want: "base"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sum(Genesis, tt.e)
			if prev, dup := seen[got]; dup {
				t.Errorf("hash of %q equals hash of %q", tt.name, prev)
			}
			seen[got] = tt.name
		})
	}
	// The previous hash is part of the hash too, with its own boundary.
	if Sum(Genesis, base) == Sum(Genesis[:63]+"1", base) {
		t.Error("Sum ignores the previous hash")
	}
}

func TestSumStable(t *testing.T) {
	e := Event{Seq: 3, At: t0, Actor: "user:alice", Action: "case.read", Object: "case:VC-2026-0001"}
	h := Sum(Genesis, e)
	if !hexHash.MatchString(h) {
		t.Fatalf("Sum = %q", h)
	}
	// What does not change the event does not change its hash: the zone the
	// time is expressed in, the hash fields themselves, and nil vs empty detail.
	same := []Event{
		func() Event { x := e; x.At = t0.In(time.FixedZone("CET", 3600)); return x }(),
		func() Event { x := e; x.Hash, x.PrevHash = "anything", "else"; return x }(),
		func() Event { x := e; x.Detail = json.RawMessage{}; return x }(),
	}
	for i, x := range same {
		if got := Sum(Genesis, x); got != h {
			t.Errorf("variant %d: Sum = %s, want %s", i, got, h)
		}
	}
}

func TestEventJSONRoundTrip(t *testing.T) {
	// Events read back from JSON (API, export) verify as long as their detail
	// is kept byte for byte.
	events := chain(5)
	b, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	var back []Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(events, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if count, err := verify(back); err != nil || count != 5 {
		t.Errorf("verify after JSON round trip = %d, %v", count, err)
	}
}
