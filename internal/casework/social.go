package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/store"
)

// Notice is what the public channels (the social-media post, the
// webhooks) say about one published advisory revision: only what the
// published revision itself says, so nothing under embargo can leave.
type Notice struct {
	Event      string   `json:"event"` // the outbox topic: advisory.published, advisory.updated, advisory.withdrawn
	AdvisoryID string   `json:"advisory_id"`
	Revision   int      `json:"revision"`
	Title      string   `json:"title"`
	Severity   string   `json:"severity"`
	CVEID      string   `json:"cve_id,omitempty"`
	Fixed      []string `json:"fixed,omitempty"` // the fixed versions, newest branch first
	URL        string   `json:"url"`             // the advisory page on the public site
	Changes    string   `json:"changes,omitempty"`
}

// AdvisoryRef is the payload of the social and webhook outbox messages that
// disclosure and revision queue.
type AdvisoryRef struct {
	AdvisoryID string `json:"advisory_id"`
	Revision   int    `json:"revision"`
	Case       string `json:"case"`
	CVEID      string `json:"cve_id"`
}

// Notice builds the notice of an advisory outbox message from the
// published revision it names. It reads published data only.
func (s *Service) Notice(ctx context.Context, m outbox.Message) (Notice, error) {
	var ref AdvisoryRef
	if err := json.Unmarshal(m.Payload, &ref); err != nil {
		return Notice{}, fmt.Errorf("message %s: payload: %w", m.Key, err)
	}
	if ref.AdvisoryID == "" {
		return Notice{}, fmt.Errorf("message %s: payload names no advisory: %w", m.Key, store.ErrNotFound)
	}
	revs, err := s.Store.RevisionsOf(ctx, ref.AdvisoryID)
	if err != nil {
		return Notice{}, err
	}
	var rev *advisory.Revision
	for i := range revs {
		if revs[i].Number == ref.Revision {
			rev = &revs[i]
		}
	}
	if rev == nil {
		return Notice{}, fmt.Errorf("advisory %s revision %d: %w", ref.AdvisoryID, ref.Revision, store.ErrNotFound)
	}
	a := Notice{Event: m.Topic, AdvisoryID: ref.AdvisoryID, Revision: rev.Number, Title: rev.Title,
		Severity: rev.Severity, CVEID: rev.CVEID, Changes: rev.Changes,
		URL: strings.TrimRight(s.BaseURL, "/") + "/advisories/" + ref.AdvisoryID}
	for _, f := range rev.Affected {
		if f.Fixed != "" {
			a.Fixed = append(a.Fixed, f.Fixed)
		}
	}
	return a, nil
}

// Delivery is the record of one message delivered to an outside service.
type Delivery struct {
	Key     string `json:"key"`     // the outbox message key
	Channel string `json:"channel"` // social, webhook
	Target  string `json:"target"`  // where it went: the instance, the webhook
	URL     string `json:"url,omitempty"`
	ID      string `json:"id,omitempty"` // the far side's ID of what was created (a status ID)
}

// RecordDelivery appends what an outside service returned for a delivered
// message (the status URL of a post) to the audit trail, as vigil.
func (s *Service) RecordDelivery(ctx context.Context, d Delivery) error {
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		return record(ctx, tx, s.now(), System, "outbox.delivered", "outbox:"+d.Key, d)
	})
}

// Deliveries returns the recorded deliveries of an outbox message.
func (s *Service) Deliveries(ctx context.Context, key string) ([]Delivery, error) {
	es, err := s.Store.ListAudit(ctx, store.AuditFilter{Object: "outbox:" + key, Action: "outbox.delivered"})
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(es))
	for _, e := range es {
		var d Delivery
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			return nil, fmt.Errorf("delivery of %s: %w", key, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// FanOut splits a message for several targets (the configured webhooks)
// into one message per target, keyed "<key>:<target>" and carrying the
// target's ID in its payload (a target ID, not an index, so that a retried
// fan-out after the configuration changed order still reaches each once), so that each target is delivered and retried on its
// own and none twice: enqueueing is idempotent by key, so a fan-out run
// again after a crash adds nothing. It returns how many messages it added.
func (s *Service) FanOut(ctx context.Context, m outbox.Message, targets []string) (int, error) {
	var payload map[string]any
	if err := json.Unmarshal(m.Payload, &payload); err != nil {
		return 0, fmt.Errorf("fan out %s: payload: %w", m.Key, err)
	}
	added := 0
	now := s.now()
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		added = 0
		for _, t := range targets {
			payload[TargetField] = t
			b, err := json.Marshal(payload)
			if err != nil {
				return err
			}
			child := outbox.Message{Key: m.Key + ":" + t, Channel: m.Channel, Topic: m.Topic, Payload: b,
				State: outbox.Pending, NextAttempt: now, CreatedAt: now}
			ok, err := tx.Enqueue(ctx, &child)
			if err != nil {
				return err
			}
			if ok {
				added++
			}
		}
		return nil
	})
	return added, err
}

// TargetField is the payload field that names the target of a message
// made by FanOut.
const TargetField = "target"
