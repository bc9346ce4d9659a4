package mailtest

import (
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/mail"
)

var sampleDate = time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)

// Samples returns sample data for every kind of mail, hostile where a
// user writes it (titles, message bodies).
func Samples() map[string]any {
	planned := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	rev := advisory.Revision{AdvisoryID: "VIGIL-SA-2026-001", Number: 1, Status: advisory.Final, PublishedAt: sampleDate,
		Title: "Remote code execution <script>alert(1)</script> through the import", Summary: "An authenticated user can run commands.",
		CVEID: "CVE-2026-41001", Severity: "critical", Score: 9.9,
		Affected: []advisory.Affected{
			{Product: "Acme Job Scheduler", Branch: "2.7", Maintained: true, Fixed: "2.7.3", Download: "https://dl.example/2.7.3"},
			{Product: "Acme Job Scheduler", Branch: "2.6", Maintained: true, Fixed: "2.6.9"},
			{Product: "Acme Job Scheduler", Branch: "2.5", Maintained: false},
		}}
	return map[string]any{
		mail.KindAcknowledgement: mail.Acknowledgement{TrackingID: "VR-2026-00001", Title: "XSS\r\nBcc: victim@example.org", StatusURL: "https://psirt.example/report/status/vrs_x"},
		mail.KindCVEAssigned:     mail.CVEAssigned{TrackingID: "VR-2026-00001", Title: "Über-Lücke", CVEID: "CVE-2026-41001"},
		mail.KindTeamMessage:     mail.TeamMessage{TrackingID: "VR-2026-00001", Body: "Hello,\n<b>we</b> reproduced it.\r\n.\r\nQUIT"},
		mail.KindDisclosed:       mail.Disclosed{TrackingID: "VR-2026-00001", Title: "t", CVEID: "CVE-2026-41001", AdvisoryID: "VIGIL-SA-2026-001", AdvisoryURL: "https://psirt.example/advisories/VIGIL-SA-2026-001"},
		mail.KindAdvisory:        mail.AdvisoryNotice{Revision: rev, URL: "https://psirt.example/advisories/VIGIL-SA-2026-001"},
		mail.KindAdvisoryUpdated: mail.AdvisoryNotice{Revision: func() advisory.Revision { r := rev; r.Number, r.Changes = 2, "Fixed versions corrected."; return r }(), URL: "https://psirt.example/a"},
		mail.KindAdvisoryWithdraw: mail.AdvisoryNotice{Revision: func() advisory.Revision {
			r := rev
			r.Number, r.Status, r.Changes = 3, advisory.Withdrawn, "Not a vulnerability."
			return r
		}(), URL: "https://psirt.example/a"},
		mail.KindLiaisonNotice:    mail.LiaisonNotice{Case: "VC-2026-0002", Title: "Stored XSS", Summary: "Update soon.", Severity: "medium", Product: "Acme", Branches: []string{"2.7", "2.6"}, FixedVersions: []string{"2.7.3"}, Planned: &planned},
		mail.KindCustomerNotice:   mail.LiaisonNotice{Case: "VC-2026-0002", Title: "Stored XSS", Summary: "Update soon.", Severity: "medium", Product: "Acme", Branches: []string{"2.7", "2.6"}, FixedVersions: []string{"2.7.3"}, Planned: &planned},
		mail.KindLiaisonPublished: mail.LiaisonPublished{Case: "VC-2026-0001", AdvisoryID: "VIGIL-SA-2026-001", Title: "RCE", URL: "https://psirt.example/a"},
		mail.KindConfirm:          mail.SubscriptionConfirm{Product: "scheduler", ConfirmURL: "https://psirt.example/subscribe/confirm/vsc_x", UnsubscribeURL: "https://psirt.example/unsubscribe/vsu_x"},
		mail.KindReminder:         mail.Reminder{Case: "VC-2026-0003", Clock: "triage", Due: planned, State: "breached"},
	}
}
