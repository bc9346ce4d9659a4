package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"reflect"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/advisory"
)

// The kinds of mail, named as the outbox payload's template field names
// them; each has a typed data struct and the files templates/<kind>.txt
// (subject and plain text) and templates/<kind>.html (HTML body).
const (
	KindAcknowledgement  = "report.acknowledged"        // R1: Acknowledgement
	KindCVEAssigned      = "cve.assigned"               // R5: CVEAssigned
	KindTeamMessage      = "report.message"             // TeamMessage
	KindDisclosed        = "report.disclosed"           // Disclosed
	KindAdvisory         = "advisory.published"         // R9: AdvisoryNotice
	KindAdvisoryUpdated  = "advisory.updated"           // AdvisoryNotice
	KindAdvisoryWithdraw = "advisory.withdrawn"         // AdvisoryNotice
	KindLiaisonNotice    = "case.ready.liaison"         // R10: LiaisonNotice
	KindLiaisonPublished = "advisory.published.liaison" // R10: LiaisonPublished
	KindCustomerNotice   = "case.prenotice.customer"    // R9: LiaisonNotice, to entitled customers when the policy allows
	KindConfirm          = "subscription.confirm"       // SubscriptionConfirm
	KindReminder         = "clock.reminder"             // Reminder
)

// kinds maps each kind to its data type.
var kinds = map[string]any{
	KindAcknowledgement:  Acknowledgement{},
	KindCVEAssigned:      CVEAssigned{},
	KindTeamMessage:      TeamMessage{},
	KindDisclosed:        Disclosed{},
	KindAdvisory:         AdvisoryNotice{},
	KindAdvisoryUpdated:  AdvisoryNotice{},
	KindAdvisoryWithdraw: AdvisoryNotice{},
	KindLiaisonNotice:    LiaisonNotice{},
	KindLiaisonPublished: LiaisonPublished{},
	KindCustomerNotice:   LiaisonNotice{},
	KindConfirm:          SubscriptionConfirm{},
	KindReminder:         Reminder{},
}

// Kinds lists every kind of mail.
func Kinds() []string {
	out := make([]string, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Acknowledgement tells a reporter that the report arrived (R1).
type Acknowledgement struct {
	TrackingID, Title string
	StatusURL         string // the secret status link
}

// CVEAssigned tells a reporter the CVE ID (R5).
type CVEAssigned struct {
	TrackingID, Title, CVEID string
}

// TeamMessage carries a message from the team to a reporter.
type TeamMessage struct {
	TrackingID, Body string
}

// Disclosed tells a reporter that the vulnerability is disclosed.
type Disclosed struct {
	TrackingID, Title, CVEID string
	AdvisoryID, AdvisoryURL  string // empty when not known
}

// AdvisoryNotice is an advisory revision mailed to subscribers (R9).
type AdvisoryNotice struct {
	Revision advisory.Revision
	URL      string // the advisory's public page
}

// LiaisonNotice is the advance notice to the people who talk to customers
// (R10): what will be announced and when, never technical details: no
// description, CVSS vector, CWE, reporter or CVE record draft.
type LiaisonNotice struct {
	Case, Title, Summary, Severity, Product string
	Branches, FixedVersions                 []string
	Planned                                 *time.Time // nil: not scheduled yet
	ScheduleURL                             string     // the team UI's schedule, if known
}

// LiaisonPublished tells the liaisons that an advisory is out (R10).
type LiaisonPublished struct {
	Case, AdvisoryID, Title, URL string
}

// SubscriptionConfirm asks an address to confirm a subscription (double opt-in).
type SubscriptionConfirm struct {
	Product                    string // product slug; empty: every product
	ConfirmURL, UnsubscribeURL string
}

// Reminder is a clock's reminder to the task force; its fields and their
// meaning are documented in templates/clock.reminder.txt.
type Reminder struct {
	Case  string    // case key, e.g. VC-2026-0001
	Title string    // case title, may be empty
	Clock string    // clock name, e.g. "triage", "fix", "cra-early-warning"
	Due   time.Time // when the clock ends (UTC)
	State string    // "before" (due soon) or "breached" (overdue)
	URL   string    // the case in the team UI, may be empty
}

// Site is who sends: shown in every mail's footer.
type Site struct {
	Name    string // vendor name, e.g. "Acme"
	BaseURL string // public site
}

// View is what a template executes on.
type View struct {
	Site        Site
	Unsubscribe string // one-click unsubscribe URL of subscription mail
	Data        any    // the kind's data struct
}

// Rendered is a rendered mail: subject, plain text and HTML.
type Rendered struct {
	Subject, Text, HTML string
}

//go:embed templates
var files embed.FS

// Templates are every kind's parsed templates.
type Templates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

var funcs = map[string]any{
	"utc": func(t time.Time) string { return t.UTC().Format("Monday, 2 January 2006, 15:04 UTC") },
	"join": func(s []string) string {
		if len(s) == 0 {
			return "none"
		}
		return strings.Join(s, ", ")
	},
}

// Parse parses every kind's templates; run it once at start-up.
func Parse() (*Templates, error) {
	t := &Templates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for kind := range kinds {
		tt, err := texttemplate.New("").Funcs(funcs).Option("missingkey=error").ParseFS(files, "templates/layout.txt", "templates/partial-*.txt", "templates/"+kind+".txt")
		if err != nil {
			return nil, fmt.Errorf("mail template %s: %w", kind, err)
		}
		ht, err := htmltemplate.New("").Funcs(funcs).Option("missingkey=error").ParseFS(files, "templates/layout.html", "templates/partial-*.html", "templates/"+kind+".html")
		if err != nil {
			return nil, fmt.Errorf("mail template %s: %w", kind, err)
		}
		t.text[kind], t.html[kind] = tt, ht
	}
	return t, nil
}

// Render renders a kind of mail. The view's data must be the kind's type.
// The subject comes out on one line: whitespace (line breaks included)
// collapsed, cut at MaxSubject characters.
func (t *Templates) Render(kind string, v View) (Rendered, error) {
	want, ok := kinds[kind]
	if !ok {
		return Rendered{}, fmt.Errorf("mail template %q: no such kind", kind)
	}
	if reflect.TypeOf(v.Data) != reflect.TypeOf(want) {
		return Rendered{}, fmt.Errorf("mail template %s: data is %T, want %T", kind, v.Data, want)
	}
	var subject, text, html bytes.Buffer
	if err := t.text[kind].ExecuteTemplate(&subject, "subject", v); err != nil {
		return Rendered{}, fmt.Errorf("mail template %s: %w", kind, err)
	}
	if err := t.text[kind].ExecuteTemplate(&text, "text", v); err != nil {
		return Rendered{}, fmt.Errorf("mail template %s: %w", kind, err)
	}
	if err := t.html[kind].ExecuteTemplate(&html, "html", v); err != nil {
		return Rendered{}, fmt.Errorf("mail template %s: %w", kind, err)
	}
	return Rendered{Subject: OneLine(subject.String(), MaxSubject), Text: text.String(), HTML: html.String()}, nil
}

// OneLine collapses every run of white space or control characters into
// one space and cuts the result at max characters: fit for a header.
func OneLine(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' || r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0)
	}), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	return s
}
