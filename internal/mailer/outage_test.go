package mailer_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/cli"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/mail"
	"github.com/vigil-psirt/vigil/internal/mail/mailtest"
	"github.com/vigil-psirt/vigil/internal/mailer"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/subscription"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// TestOutboxSurvivesSMTPOutage is the channels issue's test: the SMTP
// server is down while a case is disclosed; the worker retries; the server
// comes back on the same port; every message is delivered exactly once,
// counted by Message-ID in mailpit.
func TestOutboxSurvivesSMTPOutage(t *testing.T) {
	storetest.Each(t, testOutage)
}

func testOutage(t *testing.T, st *store.Store) {
	ctx := context.Background()
	mp := mailtest.Start(t, mailtest.Options{TLS: true})
	clock := time.Now().UTC().Truncate(time.Second)
	now := func() time.Time { return clock }
	svc := &casework.Service{Store: st, Policy: policy.Default(), Now: now, BaseURL: "https://psirt.example"}
	tpl, err := mail.Parse()
	if err != nil {
		t.Fatal(err)
	}
	sender := sender(mp, mailer.StartTLS)
	sender.Timeout = 5 * time.Second
	w := &deliver.Worker{Store: st, Now: now, Batch: 500, Handlers: map[outbox.Channel]deliver.Handler{
		outbox.Email: &mailer.Email{Store: st, Transport: sender, From: from, Templates: tpl, Now: now,
			Site: mail.Site{Name: "Acme", BaseURL: svc.BaseURL}},
		outbox.Subscribers: &mailer.Subscribers{Store: st, BaseURL: svc.BaseURL, Now: now},
	}}
	run := func() deliver.Result {
		t.Helper()
		res, err := w.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	// Two subscribers to every product, confirmed through the link they
	// are mailed (double opt-in); one of them leaves again.
	confirmRE := regexp.MustCompile(`/subscribe/confirm/(\S+)`)
	for _, addr := range []string{"customer@example.org", "leaver@example.org"} {
		if err := svc.Subscribe(ctx, casework.Public, addr, nil); err != nil {
			t.Fatal(err)
		}
	}
	if res := run(); res.Sent != 2 || res.Retried+res.Failed != 0 {
		t.Fatalf("confirmation mails: %+v\n%s", res, mp.Log())
	}
	for _, m := range mp.Messages() {
		full := mp.Message(m.ID)
		if first(full.Headers, "List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("confirmation mail without one-click unsubscribe: %v", full.Headers)
		}
		link := confirmRE.FindStringSubmatch(full.Text)
		if link == nil {
			t.Fatalf("no confirmation link in\n%s", full.Text)
		}
		sub, err := svc.ConfirmSubscription(ctx, link[1])
		if err != nil {
			t.Fatal(err)
		}
		if sub.Email == "leaver@example.org" {
			if _, err := svc.Unsubscribe(ctx, sub.UnsubscribeToken); err != nil {
				t.Fatal(err)
			}
		}
	}
	customer, err := st.SubscriptionOf(ctx, "customer@example.org", "")
	if err != nil {
		t.Fatal(err)
	}

	// The server goes down; the demo discloses a case, readies another and
	// mails reporters, liaisons and subscribers.
	mp.Stop()
	sum, err := cli.Demo(ctx, svc, clock)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Advisory == "" {
		t.Fatal("the demo disclosed nothing")
	}
	for i := range 3 {
		res := run()
		if res.Sent > 1 || res.Failed != 0 || res.Retried == 0 {
			t.Fatalf("round %d with the server down: %+v", i, res)
		}
		clock = clock.Add(time.Hour)
	}
	pending, err := st.ListMessages(ctx, store.OutboxFilter{Channel: outbox.Email, State: outbox.Pending, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range pending {
		if m.Attempts < 2 || !strings.Contains(m.LastError, "connect") {
			t.Errorf("%s: %d attempts, last error %q", m.Key, m.Attempts, m.LastError)
		}
	}

	// Back on the same port: everything goes out.
	mp.Restart()
	clock = clock.Add(7 * time.Hour)
	for i := 0; ; i++ {
		if res := run(); res.Sent == 0 {
			if res.Retried+res.Failed > 0 {
				t.Fatalf("after the restart: %+v", res)
			}
			break
		}
		if i > 5 {
			t.Fatal("the outbox does not drain")
		}
	}
	emails, err := st.ListMessages(ctx, store.OutboxFilter{Channel: outbox.Email, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // Message-ID -> outbox key
	for _, m := range emails {
		if m.State != outbox.Sent {
			t.Errorf("%s: %s after the restart (%s)", m.Key, m.State, m.LastError)
		}
		want[mail.Message{Key: m.Key, From: from}.MessageID()] = m.Key
	}
	if len(pending) < 10 {
		t.Errorf("only %d mails waited for the server", len(pending))
	}

	t.Logf("%d mails, %d of them waited for the server", len(want), len(pending))
	// Every message exactly once, and nothing else.
	count := map[string]int{}
	byKey := map[string]mailtest.Summary{}
	for _, m := range mp.Messages() {
		count[m.MessageID]++
		byKey[want[m.MessageID]] = m
	}
	for id, key := range want {
		if count[id] != 1 {
			t.Errorf("%s (%s) arrived %d times", key, id, count[id])
		}
	}
	for id, n := range count {
		if _, ok := want[id]; !ok {
			t.Errorf("unexpected message %s (%d)", id, n)
		}
	}

	// The advisory reached the remaining subscriber, with its unsubscribe
	// link, and not the one who left; the liaisons got the advance notice
	// of the ready case and the publication; the reporter the disclosure.
	advKey := "disclose:" + sum.Advisory + ":1:subscribers:"
	var advisories []mailtest.Summary
	var liaisonNotice, liaisonPublished, disclosed bool
	for key, m := range byKey {
		switch {
		case strings.HasPrefix(key, advKey):
			advisories = append(advisories, m)
		case strings.Contains(key, ":liaison-notice:"):
			liaisonNotice = m.To[0].Address == "carol@vendor.example" && strings.HasPrefix(m.Subject, "[Advance notice]")
			full := mp.Message(m.ID)
			if strings.Contains(full.Text, "job history view renders") || strings.Contains(full.Text, "CVSS:3.1") || strings.Contains(full.Text, "secops@customer.example") {
				t.Errorf("the liaison's notice carries technical details:\n%s", full.Text)
			}
		case strings.HasSuffix(key, ":liaison"):
			liaisonPublished = m.To[0].Address == "carol@vendor.example"
		case strings.Contains(key, ":reporter:"):
			disclosed = disclosed || m.To[0].Address == "jane@research.example" && strings.Contains(m.Subject, "Disclosed as CVE-2026-41001")
		}
	}
	if len(advisories) != 1 || advisories[0].To[0].Address != "customer@example.org" {
		t.Fatalf("advisory mails: %+v", advisories)
	}
	full := mp.Message(advisories[0].ID)
	if first(full.Headers, "List-Unsubscribe") != "<https://psirt.example/unsubscribe/"+customer.UnsubscribeToken+">" ||
		first(full.Headers, "List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("advisory headers: %v", full.Headers)
	}
	for _, s := range []string{sum.Advisory, "CVE-2026-41001", "2.7.3", "2.6.9", "end of life", "https://psirt.example/advisories/" + sum.Advisory} {
		if !strings.Contains(full.Text, s) || !strings.Contains(full.HTML, s) {
			t.Errorf("the advisory mail lacks %q:\n%s", s, full.Text)
		}
	}
	if !liaisonNotice || !liaisonPublished || !disclosed {
		t.Errorf("liaison notice %v, liaison publication %v, reporter's disclosure %v", liaisonNotice, liaisonPublished, disclosed)
	}

	// Later rounds send nothing again.
	clock = clock.Add(24 * time.Hour)
	if res := run(); res != (deliver.Result{}) {
		t.Errorf("a later round: %+v", res)
	}
	if n := len(mp.Messages()); n != len(want) {
		t.Errorf("%d messages in mailpit, want %d", n, len(want))
	}

	// The customer account dave is entitled to the scheduler's advisories
	// by its support option, and to the central server's, which have none.
	dave, err := st.UserByName(ctx, "dave")
	if err != nil {
		t.Fatal(err)
	}
	carol, err := st.UserByName(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Entitle(ctx, casework.System, carol.ID, []string{"scheduler"}); err == nil {
		t.Error("a liaison entitled as a customer")
	}
	if _, err := svc.Entitle(ctx, casework.System, dave.ID, []string{"nope"}); err == nil {
		t.Error("entitled to an unknown product")
	}
	subs, err := svc.Entitle(ctx, casework.System, dave.ID, []string{"scheduler", "central"})
	if err != nil || len(subs) != 2 || subs[0].State != subscription.Confirmed {
		t.Fatalf("entitle: %v %v", subs, err)
	}
	// Leaving wins over a later entitlement.
	if _, err := svc.Unsubscribe(ctx, subs[0].UnsubscribeToken); err != nil {
		t.Fatal(err)
	}
	if again, err := svc.Entitle(ctx, casework.System, dave.ID, []string{"central"}); err != nil || again[0].State != subscription.Unsubscribed {
		t.Errorf("entitled again after leaving: %v %v", again, err)
	}

	// A revision of the advisory reaches the subscriber and the entitled
	// customer as an update.
	cases, err := st.ListCases(ctx, store.CaseFilter{States: []vcase.State{vcase.Disclosed}})
	if err != nil || len(cases) != 1 {
		t.Fatalf("disclosed cases: %v %v", cases, err)
	}
	if _, err := svc.Revise(ctx, casework.System, cases[0].ID, casework.Revision{Changes: "Workaround added."}); err != nil {
		t.Fatal(err)
	}
	if res := run(); res.Sent != 1 {
		t.Fatalf("the update's fan-out: %+v", res)
	}
	if res := run(); res.Sent != 2 {
		t.Fatalf("the update's mails: %+v", res)
	}
	msgs := mp.Messages()
	var to []string
	for _, m := range msgs[:2] {
		to = append(to, m.To[0].Address)
		if !strings.HasPrefix(m.Subject, "[Updated security advisory] "+sum.Advisory) {
			t.Errorf("update subject %q", m.Subject)
		}
	}
	slices.Sort(to)
	if len(msgs) != len(want)+2 || !slices.Equal(to, []string{"customer@example.org", "dave@vendor.example"}) {
		t.Errorf("after the revision: %d messages, the update to %q", len(msgs), to)
	}
}
