// Package report provides what comes in: a vulnerability report with its
// channel, visibility, reporter contact and tracking ID (R1).
//
// Invariants: a tracking ID is "VR-YYYY-NNNNN", unique, never reused; the
// reporter's secret status link is a random token of which only a hash is kept.
package report

import (
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Channel is how a report arrived.
type Channel string

const (
	Email         Channel = "email"
	PublicTicket  Channel = "public_ticket"
	PrivateTicket Channel = "private_ticket"
	Web           Channel = "web"
	API           Channel = "api"
)

// Channels lists every channel in a stable order.
var Channels = []Channel{Email, PublicTicket, PrivateTicket, Web, API}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	for _, k := range Channels {
		if c == k {
			return true
		}
	}
	return false
}

// Visibility says whether the report itself is already public (a public
// ticket) or private. A public report does not lift the embargo on the case.
type Visibility string

const (
	Private Visibility = "private"
	Public  Visibility = "public"
)

// State of a report, separate from its case's state.
type State string

const (
	New       State = "new"       // received, not yet looked at
	Linked    State = "linked"    // attached to a case under handling
	Duplicate State = "duplicate" // merged into another report's case
	Closed    State = "closed"    // the case ended (rejected or disclosed)
)

// Contact is how to reach the reporter, and how they want to be credited.
type Contact struct {
	Name         string `json:"name,omitempty"`
	Email        string `json:"email,omitempty"`
	Organization string `json:"organization,omitempty"`
	CreditAs     string `json:"credit_as,omitempty"` // empty: no public credit
}

// Report is one incoming vulnerability report.
type Report struct {
	ID          int64      `json:"id"`
	TrackingID  string     `json:"tracking_id"`
	Channel     Channel    `json:"channel"`
	Visibility  Visibility `json:"visibility"`
	State       State      `json:"state"`
	Reporter    Contact    `json:"reporter"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	ProductHint string     `json:"product_hint,omitempty"` // what the reporter named as affected
	ExternalRef string     `json:"external_ref,omitempty"` // ticket number or Message-ID
	CaseID      *int64     `json:"case_id,omitempty"`
	ReceivedAt  time.Time  `json:"received_at"`
}

// Size limits of a report's fields.
const (
	MaxTitle = 300
	MaxBody  = 200 << 10
	MaxField = 300
)

// Validate reports every problem of an incoming report at once.
func (r Report) Validate() error {
	var errs []error
	if !r.Channel.Valid() {
		errs = append(errs, fmt.Errorf("channel: must be one of %v", Channels))
	}
	if r.Visibility != Private && r.Visibility != Public {
		errs = append(errs, fmt.Errorf("visibility: must be %q or %q", Private, Public))
	}
	errs = append(errs, text("title", r.Title, 1, MaxTitle), text("body", r.Body, 1, MaxBody))
	errs = append(errs, line("reporter.name", r.Reporter.Name), line("reporter.organization", r.Reporter.Organization),
		line("reporter.credit_as", r.Reporter.CreditAs),
		text("product_hint", r.ProductHint, 0, MaxField),
		text("external_ref", r.ExternalRef, 0, MaxField))
	if r.Reporter.Email != "" {
		if err := ValidEmail(r.Reporter.Email); err != nil {
			errs = append(errs, fmt.Errorf("reporter.email: %w", err))
		}
	}
	return errors.Join(errs...)
}

// ValidEmail accepts a bare address (no display name), bounded in size.
func ValidEmail(s string) error {
	if len(s) > 254 {
		return errors.New("at most 254 characters")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return errors.New("not a valid e-mail address")
	}
	return nil
}

// OneLine makes a name one line: control characters become spaces, and
// the ends are trimmed.
func OneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}

// line checks an optional one-line field: a name, as printed in the
// advisory's credits and in mail.
func line(field, s string) error {
	if err := text(field, s, 0, MaxField); err != nil {
		return err
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return fmt.Errorf("%s: one line without control characters", field)
	}
	return nil
}

func text(field, s string, min, max int) error {
	switch {
	case !utf8.ValidString(s):
		return fmt.Errorf("%s: not valid UTF-8", field)
	case strings.ContainsRune(s, 0):
		return fmt.Errorf("%s: contains a NUL character", field)
	case min > 0 && strings.TrimSpace(s) == "":
		return fmt.Errorf("%s: required", field)
	case len(s) > max:
		return fmt.Errorf("%s: at most %d bytes", field, max)
	}
	return nil
}

// ErrTrackingID is returned for a malformed tracking ID.
var ErrTrackingID = errors.New(`tracking ID must look like "VR-2026-00042"`)

// TrackingID formats the tracking ID of the seq-th report of a year.
func TrackingID(year, seq int) string { return fmt.Sprintf("VR-%04d-%05d", year, seq) }

// ParseTrackingID returns the year and sequence number of a tracking ID.
// It accepts lowercase, as reporters type IDs into mail subjects.
func ParseTrackingID(s string) (year, seq int, err error) {
	if len(s) < 13 || len(s) > 16 || !strings.EqualFold(s[:3], "VR-") || s[7] != '-' {
		return 0, 0, ErrTrackingID
	}
	year, err1 := digits(s[3:7])
	seq, err2 := digits(s[8:])
	if err1 != nil || err2 != nil || len(s[8:]) < 5 || year < 1970 || seq < 1 {
		return 0, 0, ErrTrackingID
	}
	return year, seq, nil
}

func digits(s string) (int, error) {
	if strings.TrimLeft(s, "0123456789") != "" {
		return 0, ErrTrackingID
	}
	return strconv.Atoi(s)
}

// FindTrackingID returns the first tracking ID inside text, such as a mail
// subject "Re: [VR-2026-00042] crash", in canonical form.
func FindTrackingID(text string) (string, bool) {
	up := strings.ToUpper(text)
	for i := 0; ; {
		j := strings.Index(up[i:], "VR-")
		if j < 0 {
			return "", false
		}
		i += j
		end := i + 3
		for end < len(up) && (up[end] == '-' || up[end] >= '0' && up[end] <= '9') {
			end++
		}
		if y, n, err := ParseTrackingID(up[i:end]); err == nil && (i == 0 || !isWord(up[i-1])) {
			return TrackingID(y, n), true
		}
		i += 3
	}
}

func isWord(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z'
}
