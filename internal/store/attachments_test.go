package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

func TestAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		r := createReport(t, s, 1, func(r *report.Report) { r.ExternalRef = "first@example.org" })
		createReport(t, s, 2, func(r *report.Report) { r.ExternalRef = "first@example.org"; r.Channel = report.Web })
		m := report.Message{ReportID: r.ID, From: report.FromReporter, Body: "log attached", At: t0}
		must(t, s.AddReportMessage(ctx, &m))

		content := []byte{0, 1, 2, 0xff, 'x'}
		a1 := store.Attachment{ReportID: r.ID, Filename: "poc.bin", ContentType: "application/octet-stream", Size: 5, SHA256: "abc", Content: content, CreatedAt: t0}
		a2 := store.Attachment{ReportID: r.ID, MessageID: &m.ID, Filename: "crash.log", ContentType: "text/plain", Size: 0, SHA256: "e3b0", CreatedAt: t0}
		must(t, s.AddAttachment(ctx, &a1))
		must(t, s.AddAttachment(ctx, &a2))
		bad := store.Attachment{ReportID: 9999, Filename: "x", ContentType: "x", SHA256: "x", CreatedAt: t0}
		if err := s.AddAttachment(ctx, &bad); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("attachment of a missing report: %v, want ErrNotFound", err)
		}

		list, err := s.ListAttachments(ctx, r.ID)
		must(t, err)
		a1.Content, a2.Content = nil, nil
		if diff := cmp.Diff([]store.Attachment{a1, a2}, list); diff != "" {
			t.Errorf("list (-want +got)\n%s", diff)
		}
		got, err := s.AttachmentByID(ctx, a1.ID)
		must(t, err)
		if !bytes.Equal(got.Content, content) {
			t.Errorf("content %v", got.Content)
		}
		got, err = s.AttachmentByID(ctx, a2.ID)
		must(t, err)
		if len(got.Content) != 0 || got.MessageID == nil || *got.MessageID != m.ID {
			t.Errorf("empty attachment: %+v", got)
		}
		if _, err := s.AttachmentByID(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing attachment: %v", err)
		}

		byRef, err := s.ReportByExternalRef(ctx, report.Email, "first@example.org")
		must(t, err)
		if byRef.ID != r.ID {
			t.Errorf("by Message-ID: report %d, want %d", byRef.ID, r.ID)
		}
		for _, ref := range []string{"", "other@example.org"} {
			if _, err := s.ReportByExternalRef(ctx, report.Email, ref); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("ref %q: %v, want ErrNotFound", ref, err)
			}
		}
	})
}
