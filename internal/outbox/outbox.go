// Package outbox provides the messages that leave vigil: rows written in the
// same transaction as the change that causes them, delivered later, retried
// with back-off, idempotent by key.
//
// Invariants: a key is enqueued at most once; a message is delivered at most
// once per key by the deliverer (issue "channels"); its state only moves
// pending -> sent or pending -> failed (after the last attempt).
package outbox

import (
	"encoding/json"
	"time"
)

// Channel is where a message goes.
type Channel string

const (
	Email       Channel = "email"        // one e-mail (reporter, liaison, task force)
	Subscribers Channel = "subscribers"  // the advisory to subscribed customers (R9)
	Social      Channel = "social"       // the social-media post (R9)
	Webhook     Channel = "webhook"      // generic, Slack- and Teams-compatible webhooks
	CVEServices Channel = "cve_services" // publish or update the CVE record (R8)
	Feed        Channel = "feed"         // regenerate news, RSS and CSAF directory (R9)
)

// State of a message.
type State string

const (
	Pending State = "pending"
	Sent    State = "sent"
	Failed  State = "failed"
)

// Message is one row of the outbox.
type Message struct {
	ID          int64           `json:"id"`
	Key         string          `json:"key"` // idempotency key, e.g. "disclose:VC-2026-0001:social"
	Channel     Channel         `json:"channel"`
	Topic       string          `json:"topic"` // what kind of message, e.g. "advisory.published"
	Payload     json.RawMessage `json:"payload"`
	State       State           `json:"state"`
	Attempts    int             `json:"attempts"`
	NextAttempt time.Time       `json:"next_attempt"`
	LastError   string          `json:"last_error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	SentAt      *time.Time      `json:"sent_at,omitempty"`
}
