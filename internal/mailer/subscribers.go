package mailer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/mail"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/store"
)

// Subscribers is the outbox handler of the subscribers channel (R9): an
// advisory message (topic advisory.published, advisory.updated or
// advisory.withdrawn) becomes one email row per confirmed subscriber of
// one of the revision's products, keyed "<message key>:<subscription id>",
// so a retried fan-out adds no second row and mails no one twice.
type Subscribers struct {
	Store   *store.Store
	BaseURL string // public site: the unsubscribe links
	Now     func() time.Time
	Log     *slog.Logger
}

// advisoryRef is the payload casework puts on the subscribers channel.
type advisoryRef struct {
	AdvisoryID string `json:"advisory_id"`
	Revision   int    `json:"revision"`
	Case       string `json:"case"`
	CVEID      string `json:"cve_id"`
}

// Deliver fans one advisory out to its subscribers.
func (h *Subscribers) Deliver(ctx context.Context, m outbox.Message) error {
	switch m.Topic {
	case mail.KindAdvisory, mail.KindAdvisoryUpdated, mail.KindAdvisoryWithdraw:
	default:
		return deliver.Permanent(fmt.Errorf("subscribers: unknown topic %q", m.Topic))
	}
	var ref advisoryRef
	if err := json.Unmarshal(m.Payload, &ref); err != nil || ref.AdvisoryID == "" {
		return deliver.Permanent(fmt.Errorf("subscribers payload: %v", errors.Join(err, errors.New("advisory_id required"))))
	}
	revs, err := h.Store.RevisionsOf(ctx, ref.AdvisoryID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return deliver.Permanent(err)
		}
		return err
	}
	var products []string
	found := false
	for _, r := range revs {
		if r.Number != ref.Revision {
			continue
		}
		found = true
		for _, a := range r.Affected {
			if a.ProductSlug != "" && !slices.Contains(products, a.ProductSlug) {
				products = append(products, a.ProductSlug)
			}
		}
	}
	if !found {
		return deliver.Permanent(fmt.Errorf("advisory %s has no revision %d", ref.AdvisoryID, ref.Revision))
	}
	subs, err := h.Store.Subscribers(ctx, products)
	if err != nil {
		return err
	}
	now := h.Now().UTC()
	base := strings.TrimRight(h.BaseURL, "/")
	added := 0
	err = h.Store.InTx(ctx, func(tx *store.Store) error {
		added = 0
		for _, sub := range subs {
			payload, err := json.Marshal(casework.Mail{Template: m.Topic, To: sub.Email, CaseKey: ref.Case,
				Data: map[string]string{"advisory_id": ref.AdvisoryID, "revision": strconv.Itoa(ref.Revision),
					"unsubscribe_url": base + "/unsubscribe/" + sub.UnsubscribeToken}})
			if err != nil {
				return err
			}
			row := outbox.Message{Key: fmt.Sprintf("%s:%d", m.Key, sub.ID), Channel: outbox.Email, Topic: m.Topic,
				Payload: payload, State: outbox.Pending, NextAttempt: now, CreatedAt: now}
			ok, err := tx.Enqueue(ctx, &row)
			if err != nil {
				return err
			}
			if ok {
				added++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if h.Log != nil {
		h.Log.Info("advisory fanned out to subscribers", "key", m.Key, "advisory", ref.AdvisoryID, "revision", ref.Revision,
			"subscribers", len(subs), "queued", added)
	}
	return nil
}
