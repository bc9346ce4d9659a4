package web

import (
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"net/http"
	"sort"
	"time"
)

// inboxRow is a new report with the triage clock of its case.
type inboxRow struct {
	Report  report.Report
	CaseID  int64
	CaseKey string
	Clock   *clock
}

type inboxPage struct {
	layout
	Rows  []inboxRow
	Pager pager
	Now   time.Time
}

// inbox lists the reports nobody has triaged yet, oldest clock first on the page.
func (w *Web) inbox(rw http.ResponseWriter, r *http.Request) error {
	n := pageParam(r)
	rs, err := w.store.ListReports(r.Context(), store.ReportFilter{State: report.New, Limit: pageSize + 1, Offset: (n - 1) * pageSize})
	if err != nil {
		return err
	}
	p := inboxPage{layout: w.layout(r, "Inbox"), Now: w.now(), Pager: pager{Page: n, Total: -1}}
	if len(rs) > pageSize {
		rs, p.Pager.Next = rs[:pageSize], pageURL(r, n+1)
	}
	if n > 1 {
		p.Pager.Prev = pageURL(r, n-1)
	}
	for _, rep := range rs {
		row := inboxRow{Report: rep}
		if rep.CaseID != nil {
			c, err := w.store.CaseByID(r.Context(), *rep.CaseID)
			if err != nil {
				return err
			}
			row.CaseID, row.CaseKey, row.Clock = c.ID, c.Key, w.triageClock(c, p.Now)
		}
		p.Rows = append(p.Rows, row)
	}
	sort.SliceStable(p.Rows, func(i, j int) bool {
		a, b := p.Rows[i].Clock, p.Rows[j].Clock
		return a != nil && (b == nil || a.Due.Before(b.Due))
	})
	w.render(rw, http.StatusOK, "inbox", p)
	return nil
}
