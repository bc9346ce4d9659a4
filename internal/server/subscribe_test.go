package server_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/subscription"
)

// TestSubscriptionPages walks the double opt-in and the one-click
// unsubscribe (RFC 8058) through the public pages.
func TestSubscriptionPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		form := func(path string, v url.Values) result {
			t.Helper()
			return e.send("POST", path, "", v.Encode(), "Content-Type", "application/x-www-form-urlencoded")
		}
		if res := e.send("GET", "/subscribe", "", nil); res.Status != 200 || !strings.Contains(string(res.Body), `name="email"`) {
			t.Fatalf("GET /subscribe: %d\n%s", res.Status, res.Body)
		}
		if res := form("/subscribe", url.Values{"email": {"<script>"}}); res.Status != 422 || strings.Contains(string(res.Body), "<script>") {
			t.Errorf("bad address: %d, want 422 with the input escaped", res.Status)
		}
		if res := form("/subscribe", url.Values{"email": {"ops@customer.example"}}); res.Status != 303 {
			t.Fatalf("POST /subscribe: %d\n%s", res.Status, res.Body)
		}
		var mail casework.Mail
		for _, m := range e.outbox() {
			if m.Topic == "subscription.confirm" {
				if err := json.Unmarshal(m.Payload, &mail); err != nil {
					t.Fatal(err)
				}
			}
		}
		confirm := strings.TrimPrefix(mail.Data["confirm_url"], e.svc.BaseURL)
		unsub := strings.TrimPrefix(mail.Data["unsubscribe_url"], e.svc.BaseURL)
		if mail.To != "ops@customer.example" || !strings.HasPrefix(confirm, "/subscribe/confirm/") || !strings.HasPrefix(unsub, "/unsubscribe/") {
			t.Fatalf("confirmation mail: %+v", mail)
		}
		subscribers := func() int {
			subs, err := s.Subscribers(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			return len(subs)
		}
		// Opening the link (a mail scanner does) confirms nothing; the button does.
		if res := e.send("GET", confirm, "", nil); res.Status != 200 || subscribers() != 0 {
			t.Errorf("GET of the confirmation link: %d, %d subscribers; want a page and none confirmed", res.Status, subscribers())
		}
		if res := form(confirm, url.Values{}); res.Status >= 400 || subscribers() != 1 {
			t.Fatalf("POST of the confirmation link: %d, %d subscribers\n%s", res.Status, subscribers(), res.Body)
		}
		if res := form("/subscribe/confirm/vsc_forged_token_0000", url.Values{}); res.Status != 404 {
			t.Errorf("forged confirmation: %d, want 404", res.Status)
		}
		// The one-click unsubscribe a mail client sends (RFC 8058).
		if res := form(unsub, url.Values{"List-Unsubscribe": {"One-Click"}}); res.Status >= 400 || subscribers() != 0 {
			t.Errorf("one-click unsubscribe: %d, %d subscribers", res.Status, subscribers())
		}
		sub, err := s.SubscriptionOf(t.Context(), "ops@customer.example", "")
		if err != nil || sub.State != subscription.Unsubscribed {
			t.Errorf("subscription after unsubscribing: %+v %v", sub, err)
		}
		// The form shares the intake's rate limit: no mail flood from one client.
		limited := false
		for i := 0; i < 40 && !limited; i++ {
			limited = form("/subscribe", url.Values{"email": {"victim@example.org"}}).Status == 429
		}
		if !limited {
			t.Error("40 subscription requests from one client were all accepted")
		}
	})
}
