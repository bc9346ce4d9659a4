package casework_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// reminders returns the reminder mails in the outbox by key.
func (w *world) reminders() map[string]casework.Mail {
	w.t.Helper()
	msgs, err := w.svc.Store.ListMessages(w.ctx, store.OutboxFilter{Channel: outbox.Email, Limit: 500})
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]casework.Mail{}
	for _, m := range msgs {
		if m.Topic != casework.ReminderTemplate {
			continue
		}
		var mail casework.Mail
		if err := json.Unmarshal(m.Payload, &mail); err != nil {
			w.t.Fatal(err)
		}
		out[m.Key] = mail
	}
	return out
}

func (w *world) remind(at time.Time, want int) {
	w.t.Helper()
	n, err := w.svc.Remind(w.ctx, at)
	if err != nil || n != want {
		w.t.Errorf("Remind at %v: %d queued, %v; want %d", at, n, err, want)
	}
}

// TestRemind pins the clock: a reminder 4 h before the triage clock's due
// time, one at its breach, none twice, none for a met clock; the task force
// members are reminded by name, the PSIRT role when there is no one; the
// CRA clocks remind too.
func TestRemind(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		// Received Friday 18:00: triage due Saturday 18:00, reminder at 14:00.
		c := w.caseOf(w.submit("triage me"))
		due := friday.Add(24 * time.Hour)
		w.remind(friday.Add(time.Hour), 0)
		w.remind(due.Add(-4*time.Hour-time.Second), 0)
		w.remind(due.Add(-4*time.Hour), 1)
		w.remind(due.Add(-3*time.Hour), 0)
		w.remind(due, 0) // exactly at due is no breach
		w.remind(due.Add(time.Second), 1)
		w.remind(due.Add(time.Hour), 0)
		key := fmt.Sprintf("reminder:%s:triage:%d:", c.Key, due.Unix())
		want := map[string]casework.Mail{
			key + "4h": {Template: "clock.reminder", Role: "psirt", CaseKey: c.Key, Data: map[string]string{
				"case": c.Key, "title": "triage me", "clock": "triage", "due": "2026-03-07T18:00:00Z", "state": "before"}},
			key + "breached": {Template: "clock.reminder", Role: "psirt", CaseKey: c.Key, Data: map[string]string{
				"case": c.Key, "title": "triage me", "clock": "triage", "due": "2026-03-07T18:00:00Z", "state": "breached"}},
		}
		if diff := cmp.Diff(want, w.reminders()); diff != "" {
			t.Errorf("reminders (-want +got):\n%s", diff)
		}
		// Rejecting the case stops it: nothing more.
		w.update(c.ID, casework.CasePatch{TaskForce: &[]string{"alice"}})
		w.transition(c.ID, vcase.StartTriage, casework.TransitionArgs{})
		w.transition(c.ID, vcase.Reject, casework.TransitionArgs{Reason: vcase.NotReproducible})
		w.remind(due.Add(48*time.Hour), 0)

		// A case triaged in time (its clock met) is not reminded of triage;
		// one whose task force has users is reminded by name, a task-force
		// name that is no user or has no address left out. Triaged with an
		// exploited high risk: the CRA clocks remind.
		if _, err := w.svc.CreateUser(w.ctx, casework.System, user.User{Name: "tina", Email: "tina@vendor.example", Role: user.Engineer}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.CreateUser(w.ctx, casework.System, user.User{Name: "nomail", Role: user.Engineer}); err != nil {
			t.Fatal(err)
		}
		start := due.Add(72 * time.Hour)
		w.clk.Set(start)
		c = w.caseOf(w.submit("exploited"))
		w.walk(c.ID, vcase.Triage, vcase.Risk{}, time.Time{})
		w.update(c.ID, casework.CasePatch{TaskForce: &[]string{"tina", "ghost", "nomail"}})
		c = w.walk(c.ID, vcase.Confirmed, vcase.Risk{CVSS31: high, Exploited: true}, time.Time{})
		known := *c.ExploitedKnown
		before := len(w.reminders())
		w.remind(known.Add(18*time.Hour-time.Second), 0) // triage met; early warning at known+18h
		w.remind(known.Add(18*time.Hour), 1)
		w.remind(known.Add(24*time.Hour+time.Second), 1) // the early warning breached
		w.remind(known.Add(48*time.Hour), 1)             // the notification's 24 h reminder
		w.remind(known.Add(72*time.Hour+time.Second), 1) // the notification breached
		w.remind(known.Add(100*time.Hour), 0)            // nothing twice; the fix clock reminds on Monday
		got := w.reminders()
		var keys []string
		for k, m := range got {
			if m.CaseKey != c.Key {
				continue
			}
			if m.To != "tina@vendor.example" || m.Role != "" {
				t.Errorf("%s goes to %q role %q", k, m.To, m.Role)
			}
			keys = append(keys, fmt.Sprintf("%s %s %s", m.Data["clock"], m.Data["state"], k[strings.LastIndex(k[:strings.LastIndex(k, ":")], ":")+1:]))
		}
		slices.Sort(keys)
		if len(got) != before+4 || !slices.Equal(keys, []string{
			"cra-early-warning before 6h:tina", "cra-early-warning breached breached:tina",
			"cra-notification before 24h:tina", "cra-notification breached breached:tina"}) {
			t.Errorf("reminders of the exploited case: %q", keys)
		}
	})
}
