package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/secret"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// StatusPrefix marks the reporter's secret status token.
const StatusPrefix = "vrs_"

// Receipt is what a reporter gets back from the intake (R1).
type Receipt struct {
	TrackingID string `json:"tracking_id"`
	StatusURL  string `json:"status_url"` // secret: whoever holds it can follow the report
	Token      string `json:"-"`
}

// Submit takes in a report from any channel: it gets a tracking ID, a case
// in state received (the 24 h triage clock starts), an acknowledgement in the
// outbox when the reporter left an address, and an audit event.
func (s *Service) Submit(ctx context.Context, a Actor, r report.Report) (report.Report, Receipt, error) {
	r.Title = strings.TrimSpace(r.Title)
	// Names arrive from mail headers and ticket systems as well as forms: a
	// stray control character there must not lose the report.
	r.Reporter.Name, r.Reporter.Organization = report.OneLine(r.Reporter.Name), report.OneLine(r.Reporter.Organization)
	r.Reporter.CreditAs = report.OneLine(r.Reporter.CreditAs)
	if r.Visibility == "" {
		r.Visibility = report.Private
		if r.Channel == report.PublicTicket {
			r.Visibility = report.Public
		}
	}
	if err := r.Validate(); err != nil {
		return report.Report{}, Receipt{}, invalid(err)
	}
	now := s.now()
	r.ReceivedAt, r.State = now, report.New
	token, hash := secret.New(StatusPrefix)
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		seq, err := tx.NextSeq(ctx, "report", now.Year())
		if err != nil {
			return err
		}
		r.TrackingID = report.TrackingID(now.Year(), seq)
		cseq, err := tx.NextSeq(ctx, "case", now.Year())
		if err != nil {
			return err
		}
		c := vcase.Case{Key: vcase.Key(now.Year(), cseq), Title: r.Title, State: vcase.Received, ReceivedAt: now}
		if err := tx.CreateCase(ctx, &c); err != nil {
			return err
		}
		r.CaseID = &c.ID
		if err := tx.CreateReport(ctx, &r, hash); err != nil {
			return err
		}
		if err := record(ctx, tx, now, a, "report.received", "report:"+r.TrackingID,
			map[string]any{"channel": r.Channel, "case": c.Key}); err != nil {
			return err
		}
		if r.Reporter.Email == "" {
			return nil
		}
		return enqueueMail(ctx, tx, now, "report:"+r.TrackingID+":ack", Mail{
			Template: "report.acknowledged", To: r.Reporter.Email, TrackingID: r.TrackingID,
			Data: map[string]string{"status_url": s.statusURL(token), "title": r.Title},
		})
	})
	if err != nil {
		return report.Report{}, Receipt{}, fmt.Errorf("submit report: %w", err)
	}
	return r, Receipt{TrackingID: r.TrackingID, StatusURL: s.statusURL(token), Token: token}, nil
}

func (s *Service) statusURL(token string) string {
	return strings.TrimRight(s.BaseURL, "/") + "/report/status/" + token
}

// Mail is the payload of an e-mail in the outbox; the channels issue renders
// it from its template.
type Mail struct {
	Template   string            `json:"template"`
	To         string            `json:"to,omitempty"`
	Role       string            `json:"role,omitempty"` // to everyone holding this role instead of To
	TrackingID string            `json:"tracking_id,omitempty"`
	CaseKey    string            `json:"case_key,omitempty"`
	Data       map[string]string `json:"data,omitempty"`
}

func enqueueMail(ctx context.Context, tx *store.Store, now time.Time, key string, m Mail) error {
	return enqueue(ctx, tx, now, key, outbox.Email, m.Template, m)
}

func enqueue(ctx context.Context, tx *store.Store, now time.Time, key string, ch outbox.Channel, topic string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("outbox payload: %w", err)
	}
	msg := outbox.Message{Key: key, Channel: ch, Topic: topic, Payload: b, State: outbox.Pending, NextAttempt: now, CreatedAt: now}
	if _, err := tx.Enqueue(ctx, &msg); err != nil {
		return fmt.Errorf("enqueue %s: %w", key, err)
	}
	return nil
}

// ReporterView is what the secret status link shows: never more than the
// reporter already knows, plus the state and the CVE ID once assigned (R5).
type ReporterView struct {
	TrackingID string           `json:"tracking_id"`
	Title      string           `json:"title"`
	State      string           `json:"state"` // received, in_triage, confirmed, fixed, disclosed, closed
	CVEID      string           `json:"cve_id,omitempty"`
	Advisory   string           `json:"advisory,omitempty"`
	ReceivedAt time.Time        `json:"received_at"`
	Messages   []report.Message `json:"messages"`
	// CreditAs is how the reporter asked to be credited; empty for no
	// public credit.
	CreditAs string `json:"credit_as"`
}

// ReporterStatus resolves a status token.
func (s *Service) ReporterStatus(ctx context.Context, token string) (ReporterView, error) {
	r, err := s.Store.ReportByStatusToken(ctx, secret.Hash(token))
	if err != nil {
		return ReporterView{}, err
	}
	v := ReporterView{TrackingID: r.TrackingID, Title: r.Title, State: "received", ReceivedAt: r.ReceivedAt, Messages: []report.Message{},
		CreditAs: r.Reporter.CreditAs}
	if r.CaseID != nil {
		c, err := s.Store.CaseByID(ctx, *r.CaseID)
		if err != nil {
			return ReporterView{}, err
		}
		v.State = reporterState(c.State)
		v.CVEID = c.CVEID
		if c.State == vcase.Disclosed {
			v.Advisory, _ = s.Store.AdvisoryIDByCase(ctx, c.ID)
		}
	}
	msgs, err := s.Store.ListReportMessages(ctx, r.ID)
	if err != nil {
		return ReporterView{}, err
	}
	if msgs != nil {
		v.Messages = msgs
	}
	return v, nil
}

func reporterState(st vcase.State) string {
	switch st {
	case vcase.Received:
		return "received"
	case vcase.Triage:
		return "in_triage"
	case vcase.Confirmed, vcase.Fixing:
		return "confirmed"
	case vcase.Ready:
		return "fixed"
	case vcase.Disclosed:
		return "disclosed"
	default:
		return "closed"
	}
}

// ReporterMessage adds a message from the reporter through the status link.
func (s *Service) ReporterMessage(ctx context.Context, token, body string) error {
	if err := checkMessage(body); err != nil {
		return err
	}
	r, err := s.Store.ReportByStatusToken(ctx, secret.Hash(token))
	if err != nil {
		return err
	}
	now := s.now()
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		m := report.Message{ReportID: r.ID, From: "reporter", Body: body, At: now}
		if err := tx.AddReportMessage(ctx, &m); err != nil {
			return err
		}
		return record(ctx, tx, now, Public, "report.message", "report:"+r.TrackingID, nil)
	})
}

// ReporterCredit sets how the reporter wants to be credited in the
// advisory (empty: no public credit), through the status link. A case of
// the report that names no credit yet takes it over when disclosed.
func (s *Service) ReporterCredit(ctx context.Context, token, creditAs string) error {
	creditAs = strings.TrimSpace(creditAs)
	r, err := s.Store.ReportByStatusToken(ctx, secret.Hash(token))
	if err != nil {
		return err
	}
	r.Reporter.CreditAs = creditAs
	if err := r.Validate(); err != nil {
		var probs []error
		for _, line := range strings.Split(err.Error(), "\n") {
			if strings.HasPrefix(line, "reporter.credit_as") {
				probs = append(probs, errors.New(line))
			}
		}
		if len(probs) > 0 {
			return invalid(errors.Join(probs...))
		}
	}
	now := s.now()
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateReport(ctx, r); err != nil {
			return err
		}
		return record(ctx, tx, now, Public, "report.credit", "report:"+r.TrackingID, map[string]any{"credit_as": creditAs})
	})
}

func checkMessage(body string) error {
	if strings.TrimSpace(body) == "" {
		return &InvalidError{Problems: []string{"body: required"}}
	}
	if len(body) > 50000 {
		return &InvalidError{Problems: []string{"body: at most 50000 bytes"}}
	}
	if !utf8.ValidString(body) || strings.ContainsRune(body, 0) {
		return &InvalidError{Problems: []string{"body: not valid UTF-8 or contains a NUL character"}}
	}
	return nil
}
