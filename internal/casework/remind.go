package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// ReminderTemplate is the mail template of a clock reminder.
const ReminderTemplate = "clock.reminder"

// remindAfterDisclosure is how long a disclosed case is still looked at:
// its CRA final-report clock runs 14 days after the fix.
const remindAfterDisclosure = 60 * 24 * time.Hour

// Remind queues the reminders due at now for the clocks of every open case
// (R2, R6, R15, the CRA deadlines): one before each running clock's due
// time for each of its RemindBefore leads once that moment has passed, and
// one once the clock is breached. Each goes to every member of the task
// force with an address, or to the PSIRT role when there is none. The
// outbox key "reminder:<case>:<clock>:<due unix>:<lead>" (lead "breached"
// at the breach) makes each happen once however often Remind runs; a clock
// that stopped (met or not) reminds no more, and a clock already breached
// skips its earlier reminders. It returns how many messages it queued.
func (s *Service) Remind(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC()
	added := 0
	states := []vcase.State{vcase.Received, vcase.Triage, vcase.Confirmed, vcase.Fixing, vcase.Ready, vcase.Disclosed}
	for offset := 0; ; offset += store.MaxLimit {
		cs, err := s.Store.ListCases(ctx, store.CaseFilter{States: states, Limit: store.MaxLimit, Offset: offset})
		if err != nil {
			return added, err
		}
		for _, c := range cs {
			if c.State == vcase.Disclosed && c.DisclosedAt != nil && now.Sub(*c.DisclosedAt) > remindAfterDisclosure {
				continue
			}
			n, err := s.remindCase(ctx, c, now)
			if err != nil {
				return added, fmt.Errorf("remind %s: %w", c.Key, err)
			}
			added += n
		}
		if len(cs) < store.MaxLimit {
			break
		}
	}
	n, err := s.CustomerNotices(ctx, now)
	return added + n, err
}

// Reminder is one reminder of a clock of a case.
type Reminder struct {
	Clock policy.Deadline
	Lead  string // the RemindBefore it comes from ("4h", "1 day"), or "breached"
	At    time.Time
}

// Reminders lists the reminders of a case's running clocks due at now.
func (s *Service) Reminders(c vcase.Case, now time.Time) []Reminder {
	var out []Reminder
	for _, d := range s.Deadlines(c) {
		if !d.Stopped.IsZero() {
			continue
		}
		if d.Breached(now) {
			out = append(out, Reminder{Clock: d, Lead: "breached", At: d.Due})
			continue
		}
		for _, lead := range d.Clock.RemindBefore {
			one := d.Clock
			one.RemindBefore = []policy.Duration{lead}
			ts := s.Policy.Reminders(one, d.Start)
			if len(ts) == 1 && !now.Before(ts[0]) {
				out = append(out, Reminder{Clock: d, Lead: lead.String(), At: ts[0]})
			}
		}
	}
	return out
}

func (s *Service) remindCase(ctx context.Context, c vcase.Case, now time.Time) (int, error) {
	rs := s.Reminders(c, now)
	if len(rs) == 0 {
		return 0, nil
	}
	to, err := s.taskForce(ctx, c)
	if err != nil {
		return 0, err
	}
	added := 0
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		added = 0
		for _, r := range rs {
			state := "before"
			if r.Lead == "breached" {
				state = "breached"
			}
			key := fmt.Sprintf("reminder:%s:%s:%d:%s", c.Key, r.Clock.Clock.ID, r.Clock.Due.Unix(), strings.ReplaceAll(r.Lead, " ", ""))
			// The fields of the clock.reminder template (internal/mail).
			data := map[string]string{"case": c.Key, "title": c.Title, "clock": r.Clock.Clock.ID,
				"due": r.Clock.Due.UTC().Format(time.RFC3339), "state": state}
			mails := []Mail{{Template: ReminderTemplate, Role: string(user.PSIRT), CaseKey: c.Key, Data: data}}
			keys := []string{key}
			if len(to) > 0 {
				mails, keys = nil, nil
				for _, u := range to {
					mails = append(mails, Mail{Template: ReminderTemplate, To: u.Email, CaseKey: c.Key, Data: data})
					keys = append(keys, key+":"+u.Name)
				}
			}
			for i, m := range mails {
				ok, err := enqueueOnce(ctx, tx, now, keys[i], m)
				if err != nil {
					return err
				}
				if ok {
					added++
				}
			}
		}
		return nil
	})
	return added, err
}

// taskForce returns the active users of the case's task force that have an
// address; names that are no user are skipped.
func (s *Service) taskForce(ctx context.Context, c vcase.Case) ([]user.User, error) {
	var out []user.User
	for _, name := range c.TaskForce {
		u, err := s.Store.UserByName(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !u.Disabled && u.Email != "" {
			out = append(out, u)
		}
	}
	return out, nil
}

// enqueueOnce queues a mail and reports whether it was new.
func enqueueOnce(ctx context.Context, tx *store.Store, now time.Time, key string, m Mail) (bool, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return false, err
	}
	msg := outbox.Message{Key: key, Channel: outbox.Email, Topic: m.Template, Payload: b, State: outbox.Pending, NextAttempt: now, CreatedAt: now}
	ok, err := tx.Enqueue(ctx, &msg)
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", key, err)
	}
	return ok, nil
}
