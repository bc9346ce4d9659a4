package casework

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
)

// Mailer is the actor of what the security address's mail listener takes
// in: anyone on the internet, like the public intake.
var Mailer = Actor{Kind: "public", Name: "mail"}

// InboundMail is a mail to the security address, already parsed: the
// sender, a one-line subject, the text and the attachments to keep.
type InboundMail struct {
	From        report.Contact // Email empty when the sender's address was not valid
	Subject     string
	Body        string
	MessageID   string
	Attachments []store.Attachment // Filename, ContentType, Size, SHA256 and Content set
}

// MailReport takes in a mail that names no tracking ID as a new report of
// channel email (Submit: tracking ID, case, acknowledgement) and keeps its
// attachments. A mail server retries what it is not sure was taken: a mail
// whose Message-ID already made a report from the same sender returns that
// report and false.
func (s *Service) MailReport(ctx context.Context, m InboundMail) (report.Report, bool, error) {
	if m.MessageID != "" {
		r, err := s.Store.ReportByExternalRef(ctx, report.Email, m.MessageID)
		if err == nil && strings.EqualFold(r.Reporter.Email, m.From.Email) {
			return r, false, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return report.Report{}, false, err
		}
	}
	title := strings.TrimSpace(m.Subject)
	if title == "" {
		title = "(no subject)"
	}
	body := m.Body
	if strings.TrimSpace(body) == "" {
		body = "(no text)"
	}
	r, _, err := s.Submit(ctx, Mailer, report.Report{
		Channel: report.Email, Visibility: report.Private, Reporter: m.From,
		Title: title, Body: body, ExternalRef: bounded(m.MessageID, report.MaxField),
	})
	if err != nil {
		return report.Report{}, false, err
	}
	// The report stands even if its attachments cannot be stored: its body
	// lists every attachment with its size and SHA-256 already.
	if err := s.addAttachments(ctx, r, nil, m.Attachments); err != nil {
		return r, true, fmt.Errorf("report %s taken, attachments not stored: %w", r.TrackingID, err)
	}
	return r, true, nil
}

// MailReply adds a mail to the thread of the report with the tracking ID.
// It counts as the reporter's only when sent from the reporter's address;
// anyone else's mail is kept under the sender's address. The same text
// from the same sender again (a retried mail) is not added twice.
// ErrNotFound if no report has the tracking ID.
func (s *Service) MailReply(ctx context.Context, trackingID, from, body string, atts []store.Attachment) (report.Message, error) {
	y, n, err := report.ParseTrackingID(trackingID)
	if err != nil {
		return report.Message{}, fmt.Errorf("mail reply: %w", ErrNotFound)
	}
	r, err := s.Store.ReportByTrackingID(ctx, report.TrackingID(y, n))
	if err != nil {
		return report.Message{}, err
	}
	sender := report.FromReporter
	reporter := from != "" && strings.EqualFold(from, r.Reporter.Email)
	if !reporter {
		sender = bounded("mail:"+from, 100)
		if from == "" {
			sender = "mail:unknown sender"
		}
	}
	if strings.TrimSpace(body) == "" {
		body = "(no text)"
	}
	now := s.now()
	m := report.Message{ReportID: r.ID, From: sender, Body: bounded(body, report.MaxBody), At: now}
	if err := m.Validate(); err != nil {
		return report.Message{}, invalid(err)
	}
	// A retried mail (the sender's server was not sure it was taken) adds
	// nothing: the same sender's same text is on the thread already.
	ms, err := s.Store.ListReportMessages(ctx, r.ID)
	if err != nil {
		return report.Message{}, err
	}
	for _, old := range ms {
		if old.From == m.From && old.Body == m.Body {
			return old, nil
		}
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.AddReportMessage(ctx, &m); err != nil {
			return err
		}
		return record(ctx, tx, now, Mailer, "report.mail_reply", "report:"+r.TrackingID,
			map[string]any{"from": from, "reporter": reporter, "attachments": len(atts)})
	})
	if err != nil {
		return report.Message{}, fmt.Errorf("mail reply to %s: %w", r.TrackingID, err)
	}
	if err := s.addAttachments(ctx, r, &m.ID, atts); err != nil {
		return m, fmt.Errorf("reply to %s taken, attachments not stored: %w", r.TrackingID, err)
	}
	return m, nil
}

func (s *Service) addAttachments(ctx context.Context, r report.Report, msgID *int64, atts []store.Attachment) error {
	if len(atts) == 0 {
		return nil
	}
	now := s.now()
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		var names []string
		for _, a := range atts {
			a.ReportID, a.MessageID, a.CreatedAt = r.ID, msgID, now
			if err := tx.AddAttachment(ctx, &a); err != nil {
				return err
			}
			names = append(names, a.Filename)
		}
		return record(ctx, tx, now, Mailer, "report.attachments", "report:"+r.TrackingID, map[string]any{"files": names})
	})
}

// bounded cuts s to at most n bytes on a character boundary.
func bounded(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
