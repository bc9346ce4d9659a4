package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/webhook"
)

var (
	now    = time.Date(2026, 3, 6, 18, 0, 0, 0, time.UTC)
	notice = casework.Notice{Event: "advisory.published", AdvisoryID: "VIGIL-SA-2026-001", Revision: 1,
		Title: "Remote crash <in> the parser & more", Severity: "high", CVEID: "CVE-2026-10001",
		Fixed: []string{"7.3.5", "7.2.10"}, URL: "https://vigil.example/advisories/VIGIL-SA-2026-001"}
)

// receiver is an httptest server that keeps what it received.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []request
	status int
}

type request struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{status: http.StatusOK}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, request{req.Header.Clone(), b})
		w.WriteHeader(r.status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.got...)
}

func (r *receiver) answer(code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = code
}

func TestGenericSignature(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	s := webhook.Sender{Now: func() time.Time { return now }}
	h := webhook.Hook{URL: rc.URL, Format: webhook.Generic, Secret: "s3cret"}
	if err := s.Send(context.Background(), h, "disclose:VIGIL-SA-2026-001:1:webhook:0", notice); err != nil {
		t.Fatal(err)
	}
	got := rc.requests()[0]
	sig, ts := got.header.Get(webhook.SignatureHeader), got.header.Get(webhook.TimestampHeader)
	if ts != fmt.Sprint(now.Unix()) || !strings.HasPrefix(sig, "sha256=") || len(sig) != 7+64 {
		t.Fatalf("headers: signature %q timestamp %q", sig, ts)
	}
	if err := webhook.Verify("s3cret", sig, ts, got.body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Errorf("verify: %v", err)
	}
	for name, tc := range map[string]struct {
		secret, sig, ts string
		body            []byte
		at              time.Time
		want            error
	}{
		"wrong secret":       {"other", sig, ts, got.body, now, webhook.ErrSignature},
		"body changed":       {"s3cret", sig, ts, append([]byte(" "), got.body...), now, webhook.ErrSignature},
		"timestamp replaced": {"s3cret", sig, fmt.Sprint(now.Unix() + 3600), got.body, now.Add(time.Hour), webhook.ErrSignature},
		"replayed later":     {"s3cret", sig, ts, got.body, now.Add(time.Hour), webhook.ErrStale},
		"no timestamp":       {"s3cret", sig, "", got.body, now, webhook.ErrStale},
	} {
		if err := webhook.Verify(tc.secret, tc.sig, tc.ts, tc.body, tc.at, 5*time.Minute); err == nil || !strings.Contains(err.Error(), tc.want.Error()) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	var ev webhook.Event
	dec := json.NewDecoder(strings.NewReader(string(got.body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		t.Fatal(err)
	}
	want := webhook.Event{Event: "advisory.published", Delivery: "disclose:VIGIL-SA-2026-001:1:webhook:0", AdvisoryID: notice.AdvisoryID,
		Revision: 1, Title: notice.Title, Severity: "high", CVE: notice.CVEID, Fixed: notice.Fixed, URL: notice.URL}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if got.header.Get(webhook.EventHeader) != "advisory.published" || got.header.Get(webhook.DeliveryHeader) != want.Delivery {
		t.Errorf("event headers: %v", got.header)
	}
}

func TestPayloadShapes(t *testing.T) {
	t.Parallel()
	slack, err := webhook.Body(webhook.Slack, "k", notice)
	if err != nil {
		t.Fatal(err)
	}
	var sm struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Type, Text string
			} `json:"text"`
			Fields []struct{ Type, Text string } `json:"fields"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(slack, &sm); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sm.Text, "Remote crash &lt;in&gt; the parser &amp; more") || len(sm.Blocks) != 4 ||
		sm.Blocks[0].Type != "header" || sm.Blocks[0].Text.Type != "plain_text" || len(sm.Blocks[0].Text.Text) > 150 ||
		len(sm.Blocks[2].Fields) != 3 || sm.Blocks[2].Fields[0].Text != "*Severity*\nHigh" ||
		sm.Blocks[3].Text.Text != "<"+notice.URL+"|Read the advisory>" {
		t.Errorf("slack message: %s", slack)
	}

	teams, err := webhook.Body(webhook.Teams, "k", notice)
	if err != nil {
		t.Fatal(err)
	}
	var tm struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string `json:"contentType"`
			Content     struct {
				Type    string `json:"type"`
				Version string `json:"version"`
				Body    []struct {
					Type  string              `json:"type"`
					Text  string              `json:"text"`
					Facts []map[string]string `json:"facts"`
				} `json:"body"`
				Actions []struct{ Type, Title, URL string } `json:"actions"`
			} `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(teams, &tm); err != nil {
		t.Fatal(err)
	}
	if tm.Type != "message" || len(tm.Attachments) != 1 || tm.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" {
		t.Fatalf("teams message: %s", teams)
	}
	card := tm.Attachments[0].Content
	if card.Type != "AdaptiveCard" || card.Body[1].Text != notice.Title || len(card.Body[2].Facts) != 3 ||
		card.Body[2].Facts[1]["value"] != notice.CVEID || card.Actions[0].Type != "Action.OpenUrl" || card.Actions[0].URL != notice.URL {
		t.Errorf("teams card: %s", teams)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	err := webhook.Validate([]webhook.Hook{
		{URL: "https://a.example/hook", Format: webhook.Generic, Secret: "x"},
		{URL: "ftp://b.example", Format: webhook.Slack},
		{URL: "https://c.example", Format: webhook.Generic},
		{URL: "https://d.example", Format: "discord"},
		{URL: "https://a.example/hook", Format: webhook.Generic, Secret: "y"},
	})
	for _, want := range []string{"webhooks[1].url", "webhooks[2].secret", "webhooks[3].format", "webhooks[4]: the same"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}

// service fans out into a slice, as casework.FanOut does into the outbox.
type service struct {
	mu       sync.Mutex
	children map[string]outbox.Message
}

func (s *service) Notice(ctx context.Context, m outbox.Message) (casework.Notice, error) {
	return notice, nil
}

func (s *service) FanOut(ctx context.Context, m outbox.Message, targets []string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range targets {
		key := m.Key + ":" + t
		if _, ok := s.children[key]; ok {
			continue
		}
		p, _ := json.Marshal(map[string]any{"advisory_id": notice.AdvisoryID, "revision": 1, casework.TargetField: t})
		s.children[key] = outbox.Message{Key: key, Channel: m.Channel, Topic: m.Topic, Payload: p}
		n++
	}
	return n, nil
}

func TestHandlerFansOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gen, sl, tms := newReceiver(t), newReceiver(t), newReceiver(t)
	svc := &service{children: map[string]outbox.Message{}}
	h := webhook.Handler{Svc: svc, Sender: webhook.Sender{Now: func() time.Time { return now }}, Hooks: []webhook.Hook{
		{URL: gen.URL, Format: webhook.Generic, Secret: "s"}, {URL: sl.URL, Format: webhook.Slack}, {URL: tms.URL, Format: webhook.Teams}}}
	parent := outbox.Message{Key: "disclose:VIGIL-SA-2026-001:1:webhook", Channel: outbox.Webhook, Topic: "advisory.published",
		Payload: json.RawMessage(`{"advisory_id":"VIGIL-SA-2026-001","revision":1,"case":"VC-2026-0001","cve_id":"CVE-2026-10001"}`)}
	for range 2 { // a retried fan-out adds nothing
		if err := h.Deliver(ctx, parent); err != nil {
			t.Fatal(err)
		}
	}
	if len(svc.children) != 3 || len(gen.requests())+len(sl.requests())+len(tms.requests()) != 0 {
		t.Fatalf("fan-out: %d messages, nothing sent yet", len(svc.children))
	}
	// Slack is down: its message is retried alone.
	sl.answer(http.StatusServiceUnavailable)
	child := func(i int) outbox.Message { return svc.children[parent.Key+":"+h.Hooks[i].ID()] }
	for i := range 3 {
		err := h.Deliver(ctx, child(i))
		if (err != nil) != (i == 1) || deliver.IsPermanent(err) {
			t.Errorf("hook %d: %v", i, err)
		}
	}
	sl.answer(http.StatusOK)
	if err := h.Deliver(ctx, child(1)); err != nil {
		t.Fatal(err)
	}
	if len(gen.requests()) != 1 || len(sl.requests()) != 2 || len(tms.requests()) != 1 {
		t.Errorf("requests: generic %d slack %d teams %d", len(gen.requests()), len(sl.requests()), len(tms.requests()))
	}
	if ct := tms.requests()[0].header.Get("Content-Type"); ct != "application/json" || sl.requests()[0].header.Get(webhook.SignatureHeader) != "" {
		t.Errorf("teams content type %q; slack signed", ct)
	}
	// A hook that is gone (404, 410) or no longer configured fails at once,
	// without its URL in the error.
	gen.answer(http.StatusGone)
	gone := child(0)
	if err := h.Deliver(ctx, gone); !deliver.IsPermanent(err) || strings.Contains(err.Error(), gen.URL) {
		t.Errorf("gone: %v", err)
	}
	slackMsg := child(1)
	h.Hooks = h.Hooks[1:]
	if err := h.Deliver(ctx, gone); !deliver.IsPermanent(err) {
		t.Errorf("removed hook: %v", err)
	}
	gen.Close()
	if err := h.Deliver(ctx, slackMsg); err != nil {
		t.Errorf("slack again: %v", err)
	}
}

func TestUnreachableHidesURL(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	url := rc.URL + "/services/T000/B000/XXXXSECRET"
	rc.Close()
	err := webhook.Sender{Now: time.Now}.Send(context.Background(), webhook.Hook{URL: url, Format: webhook.Slack}, "k", notice)
	if err == nil || deliver.IsPermanent(err) || strings.Contains(err.Error(), "XXXXSECRET") {
		t.Errorf("unreachable: %v", err)
	}
}
