package mailer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/mail"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/subscription"
)

// Transport sends one composed message; Sender is the real one.
type Transport interface {
	Send(ctx context.Context, from string, to []string, msg []byte) (refused []string, err error)
}

// Email is the outbox handler of the email channel: the payload is a
// casework.Mail; it goes to its To address or to every enabled user holding
// its Role, rendered from its template.
type Email struct {
	Store     *store.Store
	Transport Transport
	From      netmail.Address
	Site      mail.Site // vendor name and public base URL
	Templates *mail.Templates
	Now       func() time.Time
	Log       *slog.Logger
}

// Deliver sends one email message.
func (h *Email) Deliver(ctx context.Context, m outbox.Message) error {
	var p casework.Mail
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return deliver.Permanent(fmt.Errorf("email payload: %w", err))
	}
	to, err := h.recipients(ctx, p)
	if err != nil {
		return err
	}
	v, skip, err := h.view(ctx, p)
	if err != nil {
		return err
	}
	if skip != "" {
		h.log().Info("email not sent", "key", m.Key, "reason", skip)
		return nil
	}
	r, err := h.Templates.Render(p.Template, v)
	if err != nil {
		return deliver.Permanent(err)
	}
	msg := mail.Message{Key: m.Key, From: h.From, To: to, Subject: r.Subject, Date: h.Now().UTC(),
		Unsubscribe: v.Unsubscribe, Text: r.Text, HTML: r.HTML}
	raw, err := msg.Bytes()
	if err != nil {
		return deliver.Permanent(err)
	}
	addrs := make([]string, len(to))
	for i, a := range to {
		addrs[i] = a.Address
	}
	refused, err := h.Transport.Send(ctx, h.From.Address, addrs, raw)
	if err != nil {
		return err
	}
	if len(refused) > 0 {
		h.log().Warn("recipients refused", "key", m.Key, "refused", refused)
	}
	return nil
}

func (h *Email) log() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}

// recipients resolves the payload's To, or the enabled users of its Role.
func (h *Email) recipients(ctx context.Context, p casework.Mail) ([]netmail.Address, error) {
	switch {
	case p.To != "":
		a, err := mail.ParseAddress(p.To)
		if err != nil || a.Name != "" || a.Address != p.To {
			return nil, deliver.Permanent(fmt.Errorf("recipient %q: not one bare e-mail address", p.To))
		}
		return []netmail.Address{a}, nil
	case p.Role != "":
		users, err := h.Store.ListUsers(ctx)
		if err != nil {
			return nil, err
		}
		var to []netmail.Address
		for _, u := range users {
			if u.Disabled || string(u.Role) != p.Role || u.Email == "" {
				continue
			}
			a, err := mail.ParseAddress(u.Email)
			if err != nil {
				h.log().Warn("user address skipped", "user", u.Name, "err", err)
				continue
			}
			to = append(to, a)
		}
		if len(to) == 0 {
			return nil, deliver.Permanent(fmt.Errorf("no enabled user with role %s has an e-mail address", p.Role))
		}
		slices.SortFunc(to, func(a, b netmail.Address) int { return strings.Compare(a.Address, b.Address) })
		return slices.CompactFunc(to, func(a, b netmail.Address) bool { return a.Address == b.Address }), nil
	}
	return nil, deliver.Permanent(errors.New("email payload: neither to nor role"))
}

// view builds the template's typed data from the payload. A non-empty skip
// says why the mail is not sent at all (the subscriber left meanwhile).
func (h *Email) view(ctx context.Context, p casework.Mail) (v mail.View, skip string, err error) {
	d := p.Data
	v.Site = h.Site
	base := strings.TrimRight(h.Site.BaseURL, "/")
	switch p.Template {
	case mail.KindAcknowledgement:
		v.Data = mail.Acknowledgement{TrackingID: p.TrackingID, Title: d["title"], StatusURL: d["status_url"]}
	case mail.KindCVEAssigned:
		v.Data = mail.CVEAssigned{TrackingID: p.TrackingID, Title: d["title"], CVEID: d["cve_id"]}
	case mail.KindTeamMessage:
		v.Data = mail.TeamMessage{TrackingID: p.TrackingID, Body: d["body"]}
	case mail.KindDisclosed:
		dd := mail.Disclosed{TrackingID: p.TrackingID, Title: d["title"], CVEID: d["cve_id"], AdvisoryID: d["advisory_id"]}
		if dd.AdvisoryID == "" && p.CaseKey != "" {
			if c, err := h.Store.CaseByKey(ctx, p.CaseKey); err == nil {
				dd.AdvisoryID, _ = h.Store.AdvisoryIDByCase(ctx, c.ID)
			} else if !errors.Is(err, store.ErrNotFound) {
				return v, "", err
			}
		}
		if dd.AdvisoryID != "" {
			dd.AdvisoryURL = base + "/advisories/" + dd.AdvisoryID
		}
		v.Data = dd
	case mail.KindAdvisory, mail.KindAdvisoryUpdated, mail.KindAdvisoryWithdraw:
		v.Unsubscribe = d["unsubscribe_url"]
		if sub, ok, err := h.subscription(ctx, v.Unsubscribe); err != nil {
			return v, "", err
		} else if ok && sub.State != subscription.Confirmed {
			return v, fmt.Sprintf("subscription %d is %s", sub.ID, sub.State), nil
		}
		rev, err := h.revision(ctx, d["advisory_id"], d["revision"])
		if err != nil {
			return v, "", err
		}
		v.Data = mail.AdvisoryNotice{Revision: rev, URL: base + "/advisories/" + rev.AdvisoryID}
	case mail.KindLiaisonNotice, mail.KindCustomerNotice:
		n := mail.LiaisonNotice{Case: p.CaseKey, Title: d["title"], Summary: d["summary"], Severity: d["severity"], Product: d["product"],
			Branches: list(d["branches"]), FixedVersions: list(d["fixed_versions"])}
		if s := d["planned_disclosure"]; s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return v, "", deliver.Permanent(fmt.Errorf("planned_disclosure: %w", err))
			}
			n.Planned = &t
		}
		v.Data = n
	case mail.KindLiaisonPublished:
		v.Data = mail.LiaisonPublished{Case: p.CaseKey, AdvisoryID: d["advisory_id"], Title: d["title"], URL: base + "/advisories/" + d["advisory_id"]}
	case mail.KindConfirm:
		v.Unsubscribe = d["unsubscribe_url"]
		v.Data = mail.SubscriptionConfirm{Product: d["product"], ConfirmURL: d["confirm_url"], UnsubscribeURL: d["unsubscribe_url"]}
	case mail.KindReminder:
		r := mail.Reminder{Case: d["case"], Title: d["title"], Clock: d["clock"], State: d["state"], URL: d["url"]}
		if r.Case == "" {
			r.Case = p.CaseKey
		}
		due, err := time.Parse(time.RFC3339, d["due"])
		if err != nil {
			return v, "", deliver.Permanent(fmt.Errorf("clock.reminder: due: %w", err))
		}
		r.Due = due
		if r.Case == "" || r.Clock == "" || (r.State != "before" && r.State != "breached") {
			return v, "", deliver.Permanent(errors.New("clock.reminder: case, clock and state (before or breached) are required"))
		}
		v.Data = r
	default:
		return v, "", deliver.Permanent(fmt.Errorf("no mail template %q", p.Template))
	}
	return v, "", nil
}

// list splits a comma-separated list.
func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// revision loads a published revision; the latest when number is empty.
func (h *Email) revision(ctx context.Context, id, number string) (advisory.Revision, error) {
	revs, err := h.Store.RevisionsOf(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && len(revs) == 0 {
		return advisory.Revision{}, deliver.Permanent(fmt.Errorf("advisory %q: not found", id))
	}
	if err != nil {
		return advisory.Revision{}, err
	}
	if number == "" {
		return revs[len(revs)-1], nil
	}
	n, err := strconv.Atoi(number)
	if err != nil {
		return advisory.Revision{}, deliver.Permanent(fmt.Errorf("revision %q: %w", number, err))
	}
	for _, r := range revs {
		if r.Number == n {
			return r, nil
		}
	}
	return advisory.Revision{}, deliver.Permanent(fmt.Errorf("advisory %s has no revision %d", id, n))
}

// subscription finds the subscription of an unsubscribe URL; ok is false
// when the URL names none (it is not one of vigil's).
func (h *Email) subscription(ctx context.Context, unsubscribeURL string) (subscription.Subscription, bool, error) {
	u, err := url.Parse(unsubscribeURL)
	if err != nil {
		return subscription.Subscription{}, false, nil
	}
	_, token, found := strings.Cut(u.Path, "/unsubscribe/")
	if !found || token == "" {
		return subscription.Subscription{}, false, nil
	}
	sub, err := h.Store.SubscriptionByUnsubscribeToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return sub, false, nil
	}
	return sub, err == nil, err
}
