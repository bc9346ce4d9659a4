// Package audit provides the audit trail's events and their hash chain.
//
// Invariants: each event's hash covers its own content and the previous
// event's hash, so editing, removing or reordering any stored event breaks
// every hash after it; Verify finds the first break.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Event is one entry of the trail: who did what, when, to what.
type Event struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`  // "user:alice", "system", "public"
	Action   string          `json:"action"` // "case.confirm", "case.read", ...
	Object   string          `json:"object"` // "case:VC-2026-0001"
	Detail   json.RawMessage `json:"detail,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// Genesis is the previous hash of the first event.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Sum computes the hash of e given the previous event's hash. Every field is
// length-prefixed so that no two different events share an encoding.
func Sum(prev string, e Event) string {
	h := sha256.New()
	var n [8]byte
	field := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	h.Write(n[:])
	field([]byte(prev))
	field([]byte(e.At.UTC().Format(time.RFC3339Nano)))
	field([]byte(e.Actor))
	field([]byte(e.Action))
	field([]byte(e.Object))
	field(e.Detail)
	return hex.EncodeToString(h.Sum(nil))
}

// Seal fills in PrevHash and Hash of e as the successor of prev.
func Seal(prev *Event, e *Event) {
	e.PrevHash = Genesis
	e.Seq = 1
	if prev != nil {
		e.PrevHash = prev.Hash
		e.Seq = prev.Seq + 1
	}
	e.Hash = Sum(e.PrevHash, *e)
}

// ErrBroken is wrapped by every chain verification failure.
var ErrBroken = errors.New("audit chain broken")

// Verifier checks a chain event by event, in order.
type Verifier struct {
	prev  *Event
	Count int64
}

// Next checks the next event of the chain.
func (v *Verifier) Next(e Event) error {
	wantSeq, wantPrev := int64(1), Genesis
	if v.prev != nil {
		wantSeq, wantPrev = v.prev.Seq+1, v.prev.Hash
	}
	switch {
	case e.Seq != wantSeq:
		return fmt.Errorf("%w: event %d follows %d", ErrBroken, e.Seq, wantSeq-1)
	case e.PrevHash != wantPrev:
		return fmt.Errorf("%w: event %d does not link to the event before it", ErrBroken, e.Seq)
	case Sum(e.PrevHash, e) != e.Hash:
		return fmt.Errorf("%w: event %d (%s %s) was altered", ErrBroken, e.Seq, e.Action, e.Object)
	}
	v.prev = &e
	v.Count++
	return nil
}
