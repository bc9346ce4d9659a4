package web

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// canned is a reply template: the team edits it before it is sent.
type canned struct {
	Key, Name, Text string
}

// cannedReplies are the team's reply templates. {name}, {tracking_id},
// {title} and {vendor} are filled in from the report.
var cannedReplies = []canned{
	{"ack", "Acknowledgement", `{greeting}

thank you for your report "{title}". We received it and track it as {tracking_id}; please quote this number in every message about it.

Our product security team will assess it and get back to you within a few working days. Please keep the details confidential until we have published a fix and an advisory; we will agree the date with you and credit you as you wish.

The {vendor} PSIRT`},
	{"more_info", "Need more information", `{greeting}

thank you for your report {tracking_id}. To reproduce the issue we need more information:

- the product and the exact version you tested,
- the steps to reproduce, with the requests or files involved,
- what you observed and what you expected instead.

You can reply to this message or through your status link.

The {vendor} PSIRT`},
	{"not_vuln", "Not a vulnerability", `{greeting}

thank you for your report {tracking_id}. We analysed it carefully and concluded that it does not describe a security vulnerability in our products: the behaviour is expected and does not let an attacker cross a security boundary.

If you have information that changes this assessment, please reply and we will look at it again.

The {vendor} PSIRT`},
	{"duplicate", "Duplicate", `{greeting}

thank you for your report {tracking_id}. The same issue had already been reported to us and is being handled. We keep you informed of its progress under your tracking number.

The {vendor} PSIRT`},
}

// cannedText fills a template in for a report.
func cannedText(c canned, r report.Report, vendor string) string {
	greeting := "Hello,"
	if r.Reporter.Name != "" {
		greeting = "Hello " + r.Reporter.Name + ","
	}
	return strings.NewReplacer("{greeting}", greeting, "{title}", r.Title, "{tracking_id}", r.TrackingID, "{vendor}", vendor).Replace(c.Text)
}

// replyForm is the message to the reporter.
type replyForm struct {
	Body   string
	Errors []string
}

// linkForm merges the report into a case.
type linkForm struct {
	Case   string
	Errors []string
}

// cannedLink fills the reply form with a template (a link, so that it
// works without JavaScript).
type cannedLink struct {
	Name, Href string
	Current    bool
}

type reportPage struct {
	layout
	Report      report.Report
	Case        *vcase.Case
	Clock       *clock
	Messages    []report.Message
	Attachments []store.Attachment
	Canned      []cannedLink
	Reply       replyForm
	Link        linkForm
	CanManage   bool
	Done        string
}

// loadReport reads the report of the path; a person's read is audited, as
// in the API.
func (w *Web) loadReport(r *http.Request) (report.Report, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return report.Report{}, err
	}
	rep, err := w.store.ReportByID(r.Context(), id)
	if err != nil {
		return rep, err
	}
	return rep, w.svc.RecordRead(r.Context(), actor(r), "report.read", "report:"+rep.TrackingID, nil)
}

// reportView builds the report page with its conversation.
func (w *Web) reportView(r *http.Request, rep report.Report) (reportPage, error) {
	ctx := r.Context()
	s, _ := current(r)
	p := reportPage{layout: w.layout(r, rep.TrackingID+": "+rep.Title), Report: rep, CanManage: s.user.Role.Can(user.ManageCases)}
	p.Section = "/ui/inbox"
	if rep.CaseID != nil {
		c, err := w.store.CaseByID(ctx, *rep.CaseID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return p, err
		}
		if err == nil {
			p.Case = &c
			if ck := w.triageClock(c, w.now()); ck != nil {
				p.Clock = ck
			}
		}
	}
	var err error
	if p.Messages, err = w.store.ListReportMessages(ctx, rep.ID); err != nil {
		return p, err
	}
	if p.Attachments, err = w.store.ListAttachments(ctx, rep.ID); err != nil {
		return p, err
	}
	chosen := r.URL.Query().Get("reply")
	for _, c := range cannedReplies {
		p.Canned = append(p.Canned, cannedLink{Name: c.Name, Href: fmt.Sprintf("/ui/reports/%d?reply=%s#reply", rep.ID, c.Key), Current: c.Key == chosen})
		if c.Key == chosen {
			p.Reply.Body = cannedText(c, rep, w.opts.Name)
		}
	}
	return p, nil
}

func (w *Web) reportPage(rw http.ResponseWriter, r *http.Request) error {
	rep, err := w.loadReport(r)
	if err != nil {
		return err
	}
	p, err := w.reportView(r, rep)
	if err != nil {
		return err
	}
	if d := r.URL.Query().Get("done"); d == "sent" || d == "linked" {
		p.Done = d
	}
	w.render(rw, http.StatusOK, "report", p)
	return nil
}

// reply sends the team's message to the reporter through casework.
func (w *Web) reply(rw http.ResponseWriter, r *http.Request) error {
	rep, err := w.loadReport(r)
	if err != nil {
		return err
	}
	body := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("body"), "\r\n", "\n"))
	_, err = w.svc.TeamMessage(r.Context(), actor(r), rep.ID, body)
	problems, invalid := isInvalid(err)
	if !invalid {
		if err != nil {
			return err
		}
		http.Redirect(rw, r, fmt.Sprintf("/ui/reports/%d?done=sent#messages", rep.ID), http.StatusSeeOther)
		return nil
	}
	p, err := w.reportView(r, rep)
	if err != nil {
		return err
	}
	p.Reply = replyForm{Body: r.PostForm.Get("body"), Errors: problems}
	w.render(rw, http.StatusUnprocessableEntity, "report", p)
	return nil
}

// linkReport merges the report into a case (casework.LinkReport).
func (w *Web) linkReport(rw http.ResponseWriter, r *http.Request) error {
	rep, err := w.loadReport(r)
	if err != nil {
		return err
	}
	v := strings.TrimSpace(r.PostForm.Get("case"))
	var problems []string
	if v == "" {
		problems = []string{"case_id: the case key to merge into, such as VC-2026-0001"}
	} else if target, err := w.caseRef(r, v); err != nil {
		problems = []string{"case_id: " + err.Error()}
	} else {
		_, err = w.svc.LinkReport(r.Context(), actor(r), rep.ID, target)
		switch inv, ok := isInvalid(err); {
		case err == nil:
			http.Redirect(rw, r, fmt.Sprintf("/ui/reports/%d?done=linked", rep.ID), http.StatusSeeOther)
			return nil
		case ok:
			problems = inv
		case errors.Is(err, store.ErrNotFound):
			problems = []string{"case_id: no case " + v}
		default:
			return err
		}
	}
	p, err := w.reportView(r, rep)
	if err != nil {
		return err
	}
	p.Link = linkForm{Case: v, Errors: problems}
	w.render(rw, http.StatusUnprocessableEntity, "report", p)
	return nil
}

// attachment sends one attachment of the report as a download, never as
// a page of the UI: it is the reporter's file, possibly hostile.
func (w *Web) attachment(rw http.ResponseWriter, r *http.Request) error {
	rep, err := w.loadReport(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "att")
	if err != nil {
		return err
	}
	a, err := w.store.AttachmentByID(r.Context(), id)
	if err != nil {
		return err
	}
	if a.ReportID != rep.ID {
		return store.ErrNotFound
	}
	h := rw.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": safeFilename(a.Filename, a.ID)}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Length", strconv.Itoa(len(a.Content)))
	rw.Write(a.Content)
	return nil
}

// safeFilename keeps a file name's letters, digits and . _ - only.
func safeFilename(name string, id int64) string {
	out := strings.Map(func(r rune) rune {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || slices.Contains([]rune("._-"), r)) {
			return r
		}
		return '_'
	}, name)
	if len(out) > 100 {
		out = out[len(out)-100:] // the end keeps the extension
	}
	out = strings.TrimLeft(out, ".")
	if out == "" {
		out = fmt.Sprintf("attachment-%d", id)
	}
	return out
}
