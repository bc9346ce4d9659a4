// Package webhook announces published advisories to outgoing webhooks (R9):
// signed generic JSON, Slack-compatible incoming-webhook messages and
// Teams-compatible Adaptive Cards.
//
// Invariants: a generic delivery carries X-Vigil-Signature, the HMAC-SHA256
// of "<timestamp>.<body>" under the hook's secret, and X-Vigil-Timestamp,
// so a receiver can refuse a forged or replayed delivery (Verify); every
// configured hook gets its own outbox message (casework.FanOut), so a retry
// for one hook never posts again to another; the outbox never holds a
// hook's URL or secret, only its ID (a hash of the URL), as a Slack or Teams
// URL is itself a credential.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/outbox"
)

// Format is the payload shape a hook expects.
type Format string

const (
	Generic Format = "generic" // vigil's JSON, signed
	Slack   Format = "slack"   // Slack incoming webhook: text and Block Kit blocks
	Teams   Format = "teams"   // Microsoft Teams (Workflows): a message with an Adaptive Card
)

// Headers of a generic delivery.
const (
	SignatureHeader = "X-Vigil-Signature" // "sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>"
	TimestampHeader = "X-Vigil-Timestamp" // Unix seconds when it was sent
	EventHeader     = "X-Vigil-Event"     // advisory.published, advisory.updated, advisory.withdrawn
	DeliveryHeader  = "X-Vigil-Delivery"  // the outbox key: the same on a retry, for receivers to drop repeats
)

// Hook is one configured webhook.
type Hook struct {
	URL    string
	Format Format
	Secret string // HMAC key; required for Generic
}

// ID names a hook in the outbox without its URL.
func (h Hook) ID() string {
	sum := sha256.Sum256([]byte(string(h.Format) + " " + h.URL))
	return hex.EncodeToString(sum[:8])
}

// Validate reports every problem of the hooks at once.
func Validate(hooks []Hook) error {
	var errs []error
	seen := map[string]bool{}
	for i, h := range hooks {
		p := fmt.Sprintf("webhooks[%d]", i)
		if !strings.HasPrefix(h.URL, "https://") && !strings.HasPrefix(h.URL, "http://") {
			errs = append(errs, fmt.Errorf("%s.url: must be an http(s) URL", p))
		}
		switch h.Format {
		case Generic:
			if h.Secret == "" {
				errs = append(errs, fmt.Errorf("%s.secret: required for a generic webhook (signatures)", p))
			}
		case Slack, Teams:
		default:
			errs = append(errs, fmt.Errorf("%s.format: must be generic, slack or teams", p))
		}
		if seen[h.ID()] {
			errs = append(errs, fmt.Errorf("%s: the same URL and format twice", p))
		}
		seen[h.ID()] = true
	}
	return errors.Join(errs...)
}

// Event is the body of a generic delivery.
type Event struct {
	Event      string   `json:"event"`
	Delivery   string   `json:"delivery"`
	AdvisoryID string   `json:"advisory_id"`
	Revision   int      `json:"revision"`
	Title      string   `json:"title"`
	Severity   string   `json:"severity"`
	CVE        string   `json:"cve,omitempty"`
	Fixed      []string `json:"fixed,omitempty"`
	URL        string   `json:"url"`
	Changes    string   `json:"changes,omitempty"`
}

// Body renders the payload of a notice in format f; delivery is the
// outbox key.
func Body(f Format, delivery string, n casework.Notice) ([]byte, error) {
	switch f {
	case Generic:
		return json.Marshal(Event{Event: n.Event, Delivery: delivery, AdvisoryID: n.AdvisoryID, Revision: n.Revision,
			Title: n.Title, Severity: n.Severity, CVE: n.CVEID, Fixed: n.Fixed, URL: n.URL, Changes: n.Changes})
	case Slack:
		return json.Marshal(slackMessage(n))
	case Teams:
		return json.Marshal(teamsMessage(n))
	}
	return nil, fmt.Errorf("webhook format %q", f)
}

func headline(n casework.Notice) string {
	verb := "New security advisory"
	switch n.Event {
	case "advisory.updated":
		verb = fmt.Sprintf("Security advisory updated (revision %d)", n.Revision)
	case "advisory.withdrawn":
		verb = "Security advisory withdrawn"
	}
	return verb + " " + n.AdvisoryID
}

func facts(n casework.Notice) [][2]string {
	out := [][2]string{{"Severity", strings.ToUpper(n.Severity[:min(1, len(n.Severity))]) + n.Severity[min(1, len(n.Severity)):]}}
	if n.CVEID != "" {
		out = append(out, [2]string{"CVE", n.CVEID})
	}
	if len(n.Fixed) > 0 && n.Event != "advisory.withdrawn" {
		out = append(out, [2]string{"Fixed in", strings.Join(n.Fixed, ", ")})
	}
	return out
}

// slackEscape escapes what Slack's mrkdwn treats as control characters.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func cut(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type   string      `json:"type"`
	Text   *slackText  `json:"text,omitempty"`
	Fields []slackText `json:"fields,omitempty"`
}

func slackMessage(n casework.Notice) any {
	title := cut(n.Title, 3000)
	blocks := []slackBlock{
		{Type: "header", Text: &slackText{"plain_text", cut(headline(n), 150)}},
		{Type: "section", Text: &slackText{"mrkdwn", "*" + slackEscape(title) + "*"}},
	}
	var fields []slackText
	for _, f := range facts(n) {
		fields = append(fields, slackText{"mrkdwn", "*" + f[0] + "*\n" + slackEscape(cut(f[1], 1900))})
	}
	blocks = append(blocks, slackBlock{Type: "section", Fields: fields},
		slackBlock{Type: "section", Text: &slackText{"mrkdwn", "<" + n.URL + "|Read the advisory>"}})
	return struct {
		Text   string       `json:"text"`
		Blocks []slackBlock `json:"blocks"`
	}{Text: slackEscape(headline(n) + ": " + title + " " + n.URL), Blocks: blocks}
}

func teamsMessage(n casework.Notice) any {
	var fs []map[string]string
	for _, f := range facts(n) {
		fs = append(fs, map[string]string{"title": f[0], "value": f[1]})
	}
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body": []any{
			map[string]any{"type": "TextBlock", "text": headline(n), "weight": "Bolder", "size": "Medium", "wrap": true},
			map[string]any{"type": "TextBlock", "text": cut(n.Title, 3000), "wrap": true},
			map[string]any{"type": "FactSet", "facts": fs},
		},
		"actions": []any{map[string]any{"type": "Action.OpenUrl", "title": "Read the advisory", "url": n.URL}},
	}
	return map[string]any{
		"type":        "message",
		"attachments": []any{map[string]any{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": nil, "content": card}},
	}
}

// Sign returns the signature header value of body sent at ts.
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10) + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Errors of Verify.
var (
	ErrSignature = errors.New("webhook signature does not match")
	ErrStale     = errors.New("webhook timestamp outside the tolerance")
)

// Verify checks a generic delivery as a receiver should: the signature over
// the timestamp and body, and the timestamp within tolerance of now, so a
// captured delivery cannot be replayed later.
func Verify(secret, signature, timestamp string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrStale, timestamp)
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature)) {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	return nil
}

// Sender posts to hooks.
type Sender struct {
	HTTP *http.Client // nil: one with a 30 s timeout
	Now  func() time.Time
}

// Send posts the notice to one hook. Answers that a retry cannot change
// (the hook is gone, the payload refused) are deliver.Permanent.
func (s Sender) Send(ctx context.Context, h Hook, delivery string, n casework.Notice) error {
	body, err := Body(h.Format, delivery, n)
	if err != nil {
		return deliver.Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return deliver.Permanent(fmt.Errorf("webhook %s: %w", h.ID(), err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "vigil-webhook")
	if h.Format == Generic {
		ts := s.Now().Unix()
		req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
		req.Header.Set(SignatureHeader, Sign(h.Secret, ts, body))
		req.Header.Set(EventHeader, n.Event)
		req.Header.Set(DeliveryHeader, delivery)
	}
	hc := s.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		// The URL is a credential: say which hook by its ID only.
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap()
		}
		return fmt.Errorf("webhook %s: %w", h.ID(), err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	err = fmt.Errorf("webhook %s: %s: %.200q", h.ID(), resp.Status, msg)
	if resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
		return deliver.Permanent(err)
	}
	return err
}

// Service is what the handler needs of the case service.
type Service interface {
	Notice(ctx context.Context, m outbox.Message) (casework.Notice, error)
	FanOut(ctx context.Context, m outbox.Message, targets []string) (int, error)
}

// Handler delivers the webhook outbox channel: a message from disclosure
// or revision is fanned out into one message per hook, and each of those
// is sent to its hook.
type Handler struct {
	Hooks  []Hook
	Svc    Service
	Sender Sender
}

// Deliver fans out or sends one message.
func (h Handler) Deliver(ctx context.Context, m outbox.Message) error {
	var p struct {
		Target string `json:"target"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return deliver.Permanent(fmt.Errorf("payload: %w", err))
	}
	if p.Target == "" {
		ids := make([]string, len(h.Hooks))
		for i, hk := range h.Hooks {
			ids[i] = hk.ID()
		}
		_, err := h.Svc.FanOut(ctx, m, ids)
		return err
	}
	var hook *Hook
	for i := range h.Hooks {
		if h.Hooks[i].ID() == p.Target {
			hook = &h.Hooks[i]
		}
	}
	if hook == nil {
		return deliver.Permanent(fmt.Errorf("webhook %s is no longer configured", p.Target))
	}
	n, err := h.Svc.Notice(ctx, m)
	if err != nil {
		if errors.Is(err, casework.ErrNotFound) {
			return deliver.Permanent(err)
		}
		return err
	}
	return h.Sender.Send(ctx, *hook, m.Key, n)
}
