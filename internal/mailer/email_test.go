package mailer_test

import (
	"bytes"
	"context"
	"encoding/json"
	netmail "net/mail"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/mail"
	"github.com/vigil-psirt/vigil/internal/mailer"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/subscription"
	"github.com/vigil-psirt/vigil/internal/user"
)

// recorder is a Transport that keeps what it is given.
type recorder struct {
	sent []sent
}

type sent struct {
	to  []string
	msg *netmail.Message
}

func (r *recorder) Send(ctx context.Context, from string, to []string, msg []byte) ([]string, error) {
	m, err := netmail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		return nil, err
	}
	r.sent = append(r.sent, sent{to, m})
	return nil, nil
}

func TestEmailHandler(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	for _, u := range []user.User{
		{Name: "pat", Role: user.PSIRT, Email: "pat@vendor.example", CreatedAt: now},
		{Name: "quinn", Role: user.PSIRT, Email: "quinn@vendor.example", CreatedAt: now},
		{Name: "gone", Role: user.PSIRT, Email: "gone@vendor.example", Disabled: true, CreatedAt: now},
		{Name: "nomail", Role: user.PSIRT, CreatedAt: now},
	} {
		if err := st.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
	}
	left := subscription.Subscription{Email: "left@example.org", State: subscription.Unsubscribed, CreatedAt: now}
	if err := st.CreateSubscription(ctx, &left, "", "vsu_left"); err != nil {
		t.Fatal(err)
	}
	tpl, err := mail.Parse()
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	h := &mailer.Email{Store: st, Transport: rec, From: from, Templates: tpl, Now: func() time.Time { return now },
		Site: mail.Site{Name: "Acme", BaseURL: "https://psirt.example"}}
	deliverMail := func(key string, p casework.Mail) error {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return h.Deliver(ctx, outbox.Message{Key: key, Channel: outbox.Email, Topic: p.Template, Payload: b})
	}
	reminder := map[string]string{"case": "VC-2026-0001", "clock": "triage", "due": "2026-11-24T18:00:00Z", "state": "before", "title": "t"}

	for name, tc := range map[string]struct {
		p         casework.Mail
		permanent bool
	}{
		"header injection in to":   {casework.Mail{Template: mail.KindTeamMessage, To: "a@example.org\r\nBcc: victim@example.org", Data: map[string]string{"body": "x"}}, true},
		"a name in to":             {casework.Mail{Template: mail.KindTeamMessage, To: "Eve <a@example.org>", Data: map[string]string{"body": "x"}}, true},
		"two addresses in to":      {casework.Mail{Template: mail.KindTeamMessage, To: "a@example.org, b@example.org", Data: map[string]string{"body": "x"}}, true},
		"no recipient":             {casework.Mail{Template: mail.KindTeamMessage, Data: map[string]string{"body": "x"}}, true},
		"a role nobody holds":      {casework.Mail{Template: mail.KindReminder, Role: "liaison", Data: reminder}, true},
		"unknown template":         {casework.Mail{Template: "nope", To: "a@example.org"}, true},
		"reminder without a state": {casework.Mail{Template: mail.KindReminder, To: "a@example.org", Data: map[string]string{"case": "VC-1", "clock": "fix", "due": "2026-11-24T18:00:00Z"}}, true},
		"reminder with a bad due":  {casework.Mail{Template: mail.KindReminder, To: "a@example.org", Data: map[string]string{"case": "VC-1", "clock": "fix", "due": "tomorrow", "state": "before"}}, true},
		"unknown advisory":         {casework.Mail{Template: mail.KindAdvisory, To: "a@example.org", Data: map[string]string{"advisory_id": "VIGIL-SA-2026-999", "revision": "1"}}, true},
	} {
		err := deliverMail("k:"+name, tc.p)
		if err == nil || deliver.IsPermanent(err) != tc.permanent {
			t.Errorf("%s: %v, want permanent %v", name, err, tc.permanent)
		}
	}
	if len(rec.sent) != 0 {
		t.Fatalf("sent %d messages for refused payloads", len(rec.sent))
	}
	if err := deliverMail("bad json", casework.Mail{}); !deliver.IsPermanent(err) {
		t.Errorf("empty payload: %v", err)
	}
	if err := h.Deliver(ctx, outbox.Message{Key: "x", Payload: []byte(`{`)}); !deliver.IsPermanent(err) {
		t.Errorf("broken JSON: %v", err)
	}

	// A role goes to its enabled members with an address, in one message.
	if err := deliverMail("reminder:1", casework.Mail{Template: mail.KindReminder, Role: "psirt", CaseKey: "VC-2026-0001", Data: reminder}); err != nil {
		t.Fatal(err)
	}
	if len(rec.sent) != 1 || len(rec.sent[0].to) != 2 || rec.sent[0].to[0] != "pat@vendor.example" || rec.sent[0].to[1] != "quinn@vendor.example" {
		t.Fatalf("reminder sent to %+v", rec.sent)
	}
	if got := rec.sent[0].msg.Header.Get("Subject"); got != "[VC-2026-0001] Deadline coming: triage due Tuesday, 24 November 2026, 18:00 UTC" {
		t.Errorf("subject %q", got)
	}
	if got := rec.sent[0].msg.Header.Get("Date"); got != "Tue, 24 Nov 2026 09:00:00 +0000" {
		t.Errorf("date %q", got)
	}

	// A subscriber who left meanwhile gets nothing, and that is no error.
	err = deliverMail("left", casework.Mail{Template: mail.KindAdvisory, To: "left@example.org",
		Data: map[string]string{"advisory_id": "VIGIL-SA-2026-001", "revision": "1", "unsubscribe_url": "https://psirt.example/unsubscribe/vsu_left"}})
	if err != nil || len(rec.sent) != 1 {
		t.Errorf("advisory to an unsubscribed address: %v, %d sent", err, len(rec.sent))
	}

	// The subscribers handler refuses what it cannot fan out.
	subs := &mailer.Subscribers{Store: st, BaseURL: "https://psirt.example", Now: func() time.Time { return now }}
	for _, m := range []outbox.Message{
		{Key: "a", Topic: "advisory.deleted", Payload: []byte(`{"advisory_id":"X","revision":1}`)},
		{Key: "b", Topic: "advisory.published", Payload: []byte(`{}`)},
		{Key: "c", Topic: "advisory.published", Payload: []byte(`{"advisory_id":"VIGIL-SA-2026-999","revision":1}`)},
	} {
		if err := subs.Deliver(ctx, m); !deliver.IsPermanent(err) {
			t.Errorf("%s: %v, want permanent", m.Key, err)
		}
	}
	if ms, _ := st.ListMessages(ctx, store.OutboxFilter{}); len(ms) != 0 {
		t.Errorf("queued %d messages", len(ms))
	}
}
