package web

import "github.com/vigil-psirt/vigil/internal/user"

// workRoutes are the routes of case work: the inbox's bulk triage, a
// report with its conversation, and the sections of the case page. Each
// carries the API's permission for the same action.
func (w *Web) workRoutes() []route {
	auth := func(method, pattern string, perm user.Permission, h handlerFunc) route {
		return route{Method: method, Pattern: pattern, Perm: perm, h: h}
	}
	return []route{
		auth("POST", "/ui/inbox/bulk", user.ManageCases, w.bulk),
		auth("GET", "/ui/reports/{id}", user.ReadReports, w.reportPage),
		auth("POST", "/ui/reports/{id}/messages", user.ReadReports, w.reply),
		auth("POST", "/ui/reports/{id}/link", user.ManageCases, w.linkReport),
		auth("GET", "/ui/reports/{id}/attachments/{att}", user.ReadReports, w.attachment),
		auth("GET", "/ui/cases/{id}/outputs", user.ReadCases, w.outputsPage),
		auth("POST", "/ui/cases/{id}/risk", user.ManageCases, w.saveRisk),
		auth("POST", "/ui/cases/{id}/scope", user.ManageCases, w.saveScope),
		auth("POST", "/ui/cases/{id}/cve", user.ManageCases, w.saveCVE),
		auth("POST", "/ui/cases/{id}/change-request", user.ManageCases, w.saveChangeRequest),
		auth("POST", "/ui/cases/{id}/plan", user.ManageCases, w.savePlan),
		auth("POST", "/ui/cases/{id}/credits", user.ManageCases, w.saveCredits),
		auth("POST", "/ui/cases/{id}/fixes/{branch}", user.EditFixes, w.saveFix),
	}
}
