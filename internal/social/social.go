// Package social posts the disclosure to a Mastodon-compatible social
// network (R9): a status with the severity, title, CVE ID, fixed versions
// and the advisory's link, within the network's 500 characters.
//
// Invariants: a post is made with the outbox key as its Idempotency-Key, so
// a retry after a lost answer yields the same status, not a second one; the
// text says only what the published revision says; the returned status URL
// is recorded for every delivery.
package social

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/outbox"
)

// MaxChars is Mastodon's default limit of a status, in characters.
const MaxChars = 500

// Mastodon is a client of the Mastodon statuses API.
type Mastodon struct {
	URL   string // the instance, e.g. https://infosec.exchange
	Token string // an access token with the write:statuses scope
	// HTTP is the client; nil: one with a 30 s timeout.
	HTTP *http.Client
}

// Status is what the instance returns for a post.
type Status struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// Post publishes a public status. key is sent as Idempotency-Key: the
// instance answers a repeated key with the status it made the first time.
// Errors the instance will answer the same way again (bad token, text
// refused) are deliver.Permanent.
func (m *Mastodon) Post(ctx context.Context, key, text string) (Status, error) {
	body, err := json.Marshal(map[string]string{"status": text, "visibility": "public"})
	if err != nil {
		return Status{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(m.URL, "/")+"/api/v1/statuses", bytes.NewReader(body))
	if err != nil {
		return Status{}, deliver.Permanent(fmt.Errorf("mastodon: %w", err))
	}
	req.Header.Set("Authorization", "Bearer "+m.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	hc := m.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Status{}, fmt.Errorf("mastodon: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Status{}, fmt.Errorf("mastodon: read answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(raw, &e) // the message is a courtesy; the status code decides
		err := fmt.Errorf("mastodon: %s: %s", resp.Status, firstLine(e.Error))
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusBadRequest:
			return Status{}, deliver.Permanent(err)
		}
		return Status{}, err
	}
	var st Status
	if err := json.Unmarshal(raw, &st); err != nil || st.ID == "" {
		return Status{}, fmt.Errorf("mastodon: answer is not a status: %.200q", raw)
	}
	return st, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// Text composes the status of a notice, at most MaxChars characters: the
// title is shortened when everything does not fit.
func Text(n casework.Notice) string {
	head := ""
	switch n.Event {
	case "advisory.updated":
		head = "Updated: "
	case "advisory.withdrawn":
		head = "Withdrawn: "
	}
	sev := strings.ToUpper(n.Severity)
	if sev == "" {
		sev = "ADVISORY"
	}
	head += "[" + sev + "] " + n.AdvisoryID + ": "
	cve, fixed, link := "", "", "\n"+n.URL
	if n.CVEID != "" {
		cve = "\n" + n.CVEID
	}
	if len(n.Fixed) > 0 && n.Event != "advisory.withdrawn" {
		fixed = "\nFixed in: " + strings.Join(n.Fixed, ", ")
	}
	room := func() int {
		return MaxChars - utf8.RuneCountInString(head+cve+fixed+link)
	}
	if room() < 20 {
		fixed = "" // too many versions: the link has them all
	}
	return head + shorten(oneLine(n.Title), max(room(), 1)) + cve + fixed + link
}

// oneLine folds every run of white space, line breaks included, into one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// shorten cuts s to n characters, with an ellipsis when it cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// Service is what the handler needs of the case service.
type Service interface {
	Notice(ctx context.Context, m outbox.Message) (casework.Notice, error)
	RecordDelivery(ctx context.Context, d casework.Delivery) error
}

// Handler delivers the social outbox channel.
type Handler struct {
	Client *Mastodon
	Svc    Service
}

// Deliver posts the notice of the message and records the status URL.
func (h Handler) Deliver(ctx context.Context, m outbox.Message) error {
	n, err := h.Svc.Notice(ctx, m)
	if err != nil {
		if errors.Is(err, casework.ErrNotFound) {
			return deliver.Permanent(err)
		}
		return err
	}
	st, err := h.Client.Post(ctx, m.Key, Text(n))
	if err != nil {
		return err
	}
	// Recording may fail after the post; the retry then posts with the same
	// Idempotency-Key and gets the same status back.
	return h.Svc.RecordDelivery(ctx, casework.Delivery{Key: m.Key, Channel: string(m.Channel), Target: h.Client.URL, URL: st.URL, ID: st.ID})
}
