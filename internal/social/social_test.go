package social_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/social"
	"github.com/vigil-psirt/vigil/internal/social/socialtest"
)

var notice = casework.Notice{Event: "advisory.published", AdvisoryID: "VIGIL-SA-2026-001", Revision: 1,
	Title: "Remote crash in the  parser\nof Vault", Severity: "high", CVEID: "CVE-2026-10001",
	Fixed: []string{"7.3.5", "7.2.10"}, URL: "https://vigil.example/advisories/VIGIL-SA-2026-001"}

func TestText(t *testing.T) {
	t.Parallel()
	got := social.Text(notice)
	want := "[HIGH] VIGIL-SA-2026-001: Remote crash in the parser of Vault\nCVE-2026-10001\nFixed in: 7.3.5, 7.2.10\nhttps://vigil.example/advisories/VIGIL-SA-2026-001"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
	long := notice
	long.Title = strings.Repeat("ünïcode title ", 60)
	got = social.Text(long)
	if n := utf8.RuneCountInString(got); n > social.MaxChars || !strings.HasSuffix(got, "\n"+notice.URL) || !strings.Contains(got, "…") || !strings.Contains(got, "7.2.10") {
		t.Errorf("a long title: %d characters:\n%s", n, got)
	}
	many := notice
	for range 100 {
		many.Fixed = append(many.Fixed, "10.20.30")
	}
	got = social.Text(many)
	if n := utf8.RuneCountInString(got); n > social.MaxChars || strings.Contains(got, "Fixed in") || !strings.Contains(got, notice.CVEID) {
		t.Errorf("many versions: %d characters:\n%s", n, got)
	}
	w := notice
	w.Event = "advisory.withdrawn"
	if got := social.Text(w); !strings.HasPrefix(got, "Withdrawn: [HIGH]") || strings.Contains(got, "Fixed in") {
		t.Errorf("withdrawn: %s", got)
	}
}

// service is the case service as the handler sees it.
type service struct {
	deliveries []casework.Delivery
}

func (s *service) Notice(ctx context.Context, m outbox.Message) (casework.Notice, error) {
	var ref casework.AdvisoryRef
	if err := json.Unmarshal(m.Payload, &ref); err != nil || ref.AdvisoryID != notice.AdvisoryID {
		return casework.Notice{}, casework.ErrNotFound
	}
	return notice, nil
}

func (s *service) RecordDelivery(ctx context.Context, d casework.Delivery) error {
	s.deliveries = append(s.deliveries, d)
	return nil
}

func message(id string) outbox.Message {
	p, _ := json.Marshal(casework.AdvisoryRef{AdvisoryID: id, Revision: 1})
	return outbox.Message{Key: "disclose:" + id + ":1:social", Channel: outbox.Social, Topic: "advisory.published", Payload: p}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := socialtest.New(t, "tok")
	svc := &service{}
	h := social.Handler{Client: &social.Mastodon{URL: fake.URL, Token: "tok"}, Svc: svc}

	// The instance is down: a retryable error, nothing posted.
	fake.Fail(1)
	if err := h.Deliver(ctx, message(notice.AdvisoryID)); err == nil || deliver.IsPermanent(err) {
		t.Fatalf("instance down: %v", err)
	}
	// Delivered, then delivered again (the outbox row was not marked
	// before a crash): one status, the same URL recorded twice.
	for range 2 {
		if err := h.Deliver(ctx, message(notice.AdvisoryID)); err != nil {
			t.Fatal(err)
		}
	}
	sts := fake.Statuses()
	if len(sts) != 1 || sts[0].Content != social.Text(notice) || sts[0].Visibility != "public" || sts[0].Key != "disclose:VIGIL-SA-2026-001:1:social" {
		t.Fatalf("statuses: %+v", sts)
	}
	want := casework.Delivery{Key: "disclose:VIGIL-SA-2026-001:1:social", Channel: "social", Target: fake.URL, URL: sts[0].URL, ID: sts[0].ID}
	if diff := cmp.Diff([]casework.Delivery{want, want}, svc.deliveries); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}

	// An unknown advisory, a bad token and a refused text fail at once.
	if err := h.Deliver(ctx, message("VIGIL-SA-2026-999")); !deliver.IsPermanent(err) {
		t.Errorf("unknown advisory: %v", err)
	}
	bad := social.Handler{Client: &social.Mastodon{URL: fake.URL, Token: "wrong"}, Svc: svc}
	if err := bad.Deliver(ctx, message(notice.AdvisoryID)); !deliver.IsPermanent(err) || !strings.Contains(err.Error(), "401") {
		t.Errorf("bad token: %v", err)
	}
	if _, err := h.Client.Post(ctx, "k2", strings.Repeat("x", 501)); !deliver.IsPermanent(err) || !strings.Contains(err.Error(), "character limit") {
		t.Errorf("501 characters: %v", err)
	}
	if n := len(fake.Statuses()); n != 1 {
		t.Errorf("%d statuses after the failures, want 1", n)
	}
}
