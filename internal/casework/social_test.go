package casework_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/social"
	"github.com/vigil-psirt/vigil/internal/social/socialtest"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/vcase"
	"github.com/vigil-psirt/vigil/internal/webhook"
)

// TestAnnouncements runs the social and webhook channels through the
// outbox worker over a real store: one status for the disclosure with its
// URL recorded, each webhook called once per revision, signed, and nothing
// more on later rounds.
func TestAnnouncements(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		c := w.caseOf(w.submit("announce"))
		c = w.walk(c.ID, vcase.Disclosed, vcase.Risk{CVSS31: high}, friday.Add(10*24*time.Hour))
		wa := "Block the endpoint."
		if _, err := w.svc.Revise(w.ctx, alice, c.ID, casework.Revision{Changes: "Added a workaround.", Workaround: &wa}); err != nil {
			t.Fatal(err)
		}
		id, err := s.AdvisoryIDByCase(w.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}

		fake := socialtest.New(t, "tok")
		var mu sync.Mutex
		var bodies []string
		generic := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if err := webhook.Verify("s3cret", r.Header.Get(webhook.SignatureHeader), r.Header.Get(webhook.TimestampHeader), b, w.clk.Now(), 5*time.Minute); err != nil {
				t.Errorf("generic webhook: %v", err)
			}
			mu.Lock()
			bodies = append(bodies, string(b))
			mu.Unlock()
		}))
		defer generic.Close()
		slack := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			mu.Lock()
			bodies = append(bodies, "slack")
			mu.Unlock()
		}))
		defer slack.Close()
		hooks := []webhook.Hook{{URL: generic.URL, Format: webhook.Generic, Secret: "s3cret"}, {URL: slack.URL, Format: webhook.Slack}}
		wk := &deliver.Worker{Store: s, Now: w.clk.Now, Handlers: map[outbox.Channel]deliver.Handler{
			outbox.Social:  social.Handler{Client: &social.Mastodon{URL: fake.URL, Token: "tok"}, Svc: w.svc},
			outbox.Webhook: webhook.Handler{Svc: w.svc, Sender: webhook.Sender{Now: w.clk.Now}, Hooks: hooks},
		}}
		sent := 0
		for range 4 {
			res, err := wk.RunOnce(w.ctx)
			if err != nil || res.Failed+res.Retried > 0 {
				t.Fatalf("round: %+v %v", res, err)
			}
			sent += res.Sent
		}
		// social 1; webhook: 2 revisions, each fanned out to 2 hooks.
		if sent != 1+2+4 {
			t.Errorf("%d messages sent, want 7", sent)
		}
		sts := fake.Statuses()
		if len(sts) != 1 || !strings.Contains(sts[0].Content, "[HIGH] "+id) || !strings.Contains(sts[0].Content, c.CVEID) ||
			!strings.Contains(sts[0].Content, "7.3.") || !strings.Contains(sts[0].Content, "https://vigil.example/advisories/"+id) {
			t.Fatalf("statuses: %+v", sts)
		}
		ds, err := w.svc.Deliveries(w.ctx, "disclose:"+id+":1:social")
		if err != nil || len(ds) != 1 || ds[0].URL != sts[0].URL {
			t.Errorf("deliveries: %+v %v", ds, err)
		}
		mu.Lock()
		n, joined := len(bodies), strings.Join(bodies, "\n")
		mu.Unlock()
		if n != 4 || !strings.Contains(joined, `"event":"advisory.published"`) || !strings.Contains(joined, `"event":"advisory.updated"`) ||
			strings.Contains(joined, "zqdetails") {
			t.Errorf("webhook bodies:\n%s", joined)
		}
		// The outbox never holds a hook's URL.
		msgs, err := s.ListMessages(w.ctx, store.OutboxFilter{Channel: outbox.Webhook})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if m.State != outbox.Sent || strings.Contains(string(m.Payload), "127.0.0.1") {
				t.Errorf("message %s: %s %s", m.Key, m.State, m.Payload)
			}
		}
		// A fan-out run again adds nothing, in whatever order the hooks come.
		for _, m := range msgs {
			if !strings.HasSuffix(m.Key, ":webhook") {
				continue
			}
			if added, err := w.svc.FanOut(w.ctx, m, []string{hooks[1].ID(), hooks[0].ID()}); err != nil || added != 0 {
				t.Errorf("fan-out of %s again: %d added, %v", m.Key, added, err)
			}
		}
	})
}
