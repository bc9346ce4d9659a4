package store

import (
	"context"
	"fmt"
	"time"

	"github.com/vigil-psirt/vigil/internal/report"
)

// Attachment is a file that came with a report, or with a message on its
// thread (MessageID set). Rows are never changed.
type Attachment struct {
	ID          int64     `json:"id"`
	ReportID    int64     `json:"report_id"`
	MessageID   *int64    `json:"message_id,omitempty"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"` // hex of Content
	Content     []byte    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

const attachmentCols = `id, report_id, message_id, filename, content_type, size, sha256, created_at`

func scanAttachment(r scanner) (Attachment, error) {
	var a Attachment
	err := r.Scan(&a.ID, &a.ReportID, &a.MessageID, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, tm(&a.CreatedAt))
	return a, err
}

// AddAttachment stores a and sets a.ID; ErrNotFound if its report or
// message does not exist.
func (s *Store) AddAttachment(ctx context.Context, a *Attachment) error {
	if a.Content == nil {
		a.Content = []byte{}
	}
	id, err := s.insert(ctx, `INSERT INTO report_attachments (report_id, message_id, filename, content_type, size, sha256, content, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ReportID, a.MessageID, a.Filename, a.ContentType, a.Size, a.SHA256, a.Content, a.CreatedAt)
	if err != nil {
		return fmt.Errorf("add attachment to report %d: %w", a.ReportID, err)
	}
	a.ID = id
	return nil
}

// ListAttachments returns the attachments of a report without their
// content, oldest first.
func (s *Store) ListAttachments(ctx context.Context, reportID int64) ([]Attachment, error) {
	as, err := all(ctx, s, `SELECT `+attachmentCols+` FROM report_attachments WHERE report_id = ? ORDER BY id`,
		[]any{reportID}, scanAttachment)
	if err != nil {
		return nil, fmt.Errorf("list attachments of report %d: %w", reportID, err)
	}
	return as, nil
}

// AttachmentByID returns an attachment with its content.
func (s *Store) AttachmentByID(ctx context.Context, id int64) (Attachment, error) {
	a, err := one(ctx, s, `SELECT `+attachmentCols+`, content FROM report_attachments WHERE id = ?`, []any{id},
		func(r scanner) (Attachment, error) {
			var a Attachment
			err := r.Scan(&a.ID, &a.ReportID, &a.MessageID, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, tm(&a.CreatedAt), &a.Content)
			return a, err
		})
	if err != nil {
		return Attachment{}, fmt.Errorf("attachment %d: %w", id, err)
	}
	return a, nil
}

// ReportByExternalRef returns the oldest report of a channel with an
// external reference (a ticket number, a mail's Message-ID); ErrNotFound if
// none has it.
func (s *Store) ReportByExternalRef(ctx context.Context, ch report.Channel, ref string) (report.Report, error) {
	if ref == "" {
		return report.Report{}, fmt.Errorf("report by external reference: %w", ErrNotFound)
	}
	r, err := one(ctx, s, `SELECT `+reportCols+` FROM reports WHERE channel = ? AND external_ref = ? ORDER BY id LIMIT 1`,
		[]any{string(ch), ref}, scanReport)
	if err != nil {
		return report.Report{}, fmt.Errorf("report by external reference %q: %w", ref, err)
	}
	return r, nil
}
