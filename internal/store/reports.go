package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/vigil-psirt/vigil/internal/report"
)

// ReportFilter selects reports for ListReports; zero fields select all.
type ReportFilter struct {
	State  report.State
	CaseID int64
	Limit  int // 0: DefaultLimit; at most MaxLimit
	Offset int
}

const reportCols = `id, tracking_id, channel, visibility, state, reporter_name, reporter_email, reporter_org,
	reporter_credit_as, title, body, product_hint, external_ref, case_id, received_at`

func scanReport(r scanner) (report.Report, error) {
	var x report.Report
	err := r.Scan(&x.ID, &x.TrackingID, &x.Channel, &x.Visibility, &x.State,
		&x.Reporter.Name, &x.Reporter.Email, &x.Reporter.Organization, &x.Reporter.CreditAs,
		&x.Title, &x.Body, &x.ProductHint, &x.ExternalRef, &x.CaseID, tm(&x.ReceivedAt))
	return x, err
}

// CreateReport stores a new report and sets r.ID. statusTokenHash is the
// hash of the reporter's secret status link ("" for none). ErrConflict if
// the tracking ID or the token hash is taken.
func (s *Store) CreateReport(ctx context.Context, r *report.Report, statusTokenHash string) error {
	id, err := s.insert(ctx, `INSERT INTO reports (tracking_id, channel, visibility, state, reporter_name, reporter_email,
		reporter_org, reporter_credit_as, title, body, product_hint, external_ref, case_id, status_token_hash, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.TrackingID, string(r.Channel), string(r.Visibility), string(r.State),
		r.Reporter.Name, r.Reporter.Email, r.Reporter.Organization, r.Reporter.CreditAs,
		r.Title, r.Body, r.ProductHint, r.ExternalRef, r.CaseID, nullString(statusTokenHash), r.ReceivedAt)
	if err != nil {
		return fmt.Errorf("create report %s: %w", r.TrackingID, err)
	}
	r.ID = id
	return nil
}

// UpdateReport writes everything of a report but its tracking ID, channel
// and receipt time, which are fixed at creation.
func (s *Store) UpdateReport(ctx context.Context, r report.Report) error {
	err := s.execOne(ctx, `UPDATE reports SET visibility = ?, state = ?, reporter_name = ?, reporter_email = ?,
		reporter_org = ?, reporter_credit_as = ?, title = ?, body = ?, product_hint = ?, external_ref = ?, case_id = ?
		WHERE id = ?`,
		string(r.Visibility), string(r.State), r.Reporter.Name, r.Reporter.Email, r.Reporter.Organization, r.Reporter.CreditAs,
		r.Title, r.Body, r.ProductHint, r.ExternalRef, r.CaseID, r.ID)
	if err != nil {
		return fmt.Errorf("update report %d: %w", r.ID, err)
	}
	return nil
}

// ReportByID returns a report.
func (s *Store) ReportByID(ctx context.Context, id int64) (report.Report, error) {
	r, err := one(ctx, s, `SELECT `+reportCols+` FROM reports WHERE id = ?`, []any{id}, scanReport)
	if err != nil {
		return report.Report{}, fmt.Errorf("report %d: %w", id, err)
	}
	return r, nil
}

// ReportByTrackingID returns the report with a tracking ID, in its
// canonical form (see report.ParseTrackingID).
func (s *Store) ReportByTrackingID(ctx context.Context, trackingID string) (report.Report, error) {
	r, err := one(ctx, s, `SELECT `+reportCols+` FROM reports WHERE tracking_id = ?`, []any{trackingID}, scanReport)
	if err != nil {
		return report.Report{}, fmt.Errorf("report %s: %w", trackingID, err)
	}
	return r, nil
}

// ReportByStatusToken returns the report whose status link has the hash.
func (s *Store) ReportByStatusToken(ctx context.Context, hash string) (report.Report, error) {
	if hash == "" {
		return report.Report{}, fmt.Errorf("report by status token: %w", ErrNotFound)
	}
	r, err := one(ctx, s, `SELECT `+reportCols+` FROM reports WHERE status_token_hash = ?`, []any{hash}, scanReport)
	if err != nil {
		return report.Report{}, fmt.Errorf("report by status token: %w", err)
	}
	return r, nil
}

// ListReports returns the reports f selects, newest first.
func (s *Store) ListReports(ctx context.Context, f ReportFilter) ([]report.Report, error) {
	var where []string
	var args []any
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	if f.CaseID != 0 {
		where, args = append(where, "case_id = ?"), append(args, f.CaseID)
	}
	limit, offset := page(f.Limit, f.Offset)
	rs, err := all(ctx, s, `SELECT `+reportCols+` FROM reports`+whereClause(where)+
		` ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, offset), scanReport)
	if err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	return rs, nil
}

// AddReportMessage stores a message on a report and sets m.ID; ErrNotFound
// if the report does not exist.
func (s *Store) AddReportMessage(ctx context.Context, m *report.Message) error {
	id, err := s.insert(ctx, `INSERT INTO report_messages (report_id, sender, body, at) VALUES (?, ?, ?, ?)`,
		m.ReportID, m.From, m.Body, m.At)
	if err != nil {
		return fmt.Errorf("add message to report %d: %w", m.ReportID, err)
	}
	m.ID = id
	return nil
}

// ListReportMessages returns the messages on a report, oldest first.
func (s *Store) ListReportMessages(ctx context.Context, reportID int64) ([]report.Message, error) {
	ms, err := all(ctx, s, `SELECT id, report_id, sender, body, at FROM report_messages WHERE report_id = ? ORDER BY at, id`,
		[]any{reportID}, func(r scanner) (report.Message, error) {
			var m report.Message
			err := r.Scan(&m.ID, &m.ReportID, &m.From, &m.Body, tm(&m.At))
			return m, err
		})
	if err != nil {
		return nil, fmt.Errorf("list messages of report %d: %w", reportID, err)
	}
	return ms, nil
}

// whereClause joins conditions with AND, or is empty.
func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}
