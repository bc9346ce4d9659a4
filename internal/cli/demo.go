package cli

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	get := flags(fs, e)
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := get()
	if err != nil {
		return err
	}
	svc, closeStore, err := service(ctx, e, c, true)
	if err != nil {
		return err
	}
	defer closeStore()
	if c.CNAOrgID == "" {
		// The demo vendor acts as a CNA, so that its advisory is published
		// in every format, the CVE record included.
		c.CNAOrgID, c.CNAShort = demoCNA, "vigil-demo"
	}
	if err := withRenderer(ctx, svc, c); err != nil {
		return err
	}
	sum, err := Demo(ctx, svc, e.now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo data created: %d products, %d branches, %d releases, %d reports, %d cases (one disclosed as %s)\n",
		sum.Products, sum.Branches, sum.Releases, sum.Reports, sum.Cases, sum.Advisory)
	return nil
}

// demoCNA is the CVE Services organisation UUID the demo vendor uses when
// none is configured (a version 4 UUID reserved for the demo).
const demoCNA = "0b4f2e6c-7d1a-4c3e-9f5b-2a8d6e1c4b70"

// DemoSummary counts what Demo made.
type DemoSummary struct {
	Products, Branches, Releases, Reports, Cases int
	Advisory                                     string
}

// Demo fills the store with a realistic example through the same process
// service the API uses: two products with maintained and end-of-life
// branches, releases, reports in every state and cases at every lifecycle
// step, one of them disclosed. Its clock starts 30 days before now and moves
// forward step by step, so that every timestamp and deadline is plausible.
func Demo(ctx context.Context, real *casework.Service, now time.Time) (DemoSummary, error) {
	var sum DemoSummary
	if ps, err := real.Store.ListProducts(ctx); err != nil {
		return sum, err
	} else if len(ps) > 0 {
		return sum, errors.New("the database holds products already; run the demo on an empty database")
	}
	t := now.UTC().Add(-30 * 24 * time.Hour).Truncate(time.Minute)
	svc := *real
	svc.Now = func() time.Time { return t }
	step := func(d time.Duration) { t = t.Add(d) }
	sys := casework.System

	people := map[string]user.Role{"alice": user.PSIRT, "bob": user.Engineer, "carol": user.Liaison, "dave": user.Customer}
	for _, name := range []string{"alice", "bob", "carol", "dave"} {
		if _, err := svc.Store.UserByName(ctx, name); err == nil {
			continue
		}
		if _, err := svc.CreateUser(ctx, sys, user.User{Name: name, Role: people[name], Email: name + "@vendor.example"}); err != nil {
			return sum, err
		}
	}
	alice := casework.Actor{Kind: "user", Name: "alice", Role: user.PSIRT}
	bob := casework.Actor{Kind: "user", Name: "bob", Role: user.Engineer}

	// Products, branches and published releases.
	type branchSpec struct {
		name     string
		status   product.BranchStatus
		releases []string
	}
	type productSpec struct {
		slug, name, desc string
		upstreams        []string
		branches         []branchSpec
	}
	specs := []productSpec{
		{"scheduler", "Acme Job Scheduler", "Workload automation for heterogeneous environments.", []string{"OpenJDK 17", "Jetty"},
			[]branchSpec{{"2.7", product.Maintained, []string{"2.7.0", "2.7.1", "2.7.2"}},
				{"2.6", product.Maintained, []string{"2.6.0", "2.6.7", "2.6.8"}},
				{"2.5", product.EndOfLife, []string{"2.5.0", "2.5.9"}}}},
		{"central", "Acme Central Server", "Network security monitoring appliance.", []string{"Debian 12", "OpenSearch"},
			[]branchSpec{{"41", product.Maintained, []string{"41.0.0"}},
				{"40", product.Maintained, []string{"40.0.0", "40.1.0", "40.1.1"}},
				{"39", product.EndOfLife, []string{"39.0.0", "39.0.3"}}}},
	}
	products := map[string]product.Product{}
	branches := map[string]product.Branch{} // "slug/name"
	for _, ps := range specs {
		p, err := svc.CreateProduct(ctx, alice, product.Product{Slug: ps.slug, Name: ps.name, Description: ps.desc, Upstreams: ps.upstreams})
		if err != nil {
			return sum, fmt.Errorf("demo product %s: %w", ps.slug, err)
		}
		products[ps.slug] = p
		sum.Products++
		for _, bs := range ps.branches {
			since := t.AddDate(-1, 0, 0)
			b := product.Branch{ProductID: p.ID, Name: bs.name, Status: bs.status, Since: &since}
			if bs.status == product.EndOfLife {
				eol := t.AddDate(0, -2, 0)
				b.EOL = &eol
			}
			if b, err = svc.CreateBranch(ctx, alice, b); err != nil {
				return sum, fmt.Errorf("demo branch %s: %w", bs.name, err)
			}
			branches[ps.slug+"/"+bs.name] = b
			sum.Branches++
			for _, v := range bs.releases {
				if _, err := svc.CreateRelease(ctx, alice, casework.NewRelease{BranchID: b.ID, Version: v, State: product.Published}); err != nil {
					return sum, fmt.Errorf("demo release %s: %w", v, err)
				}
				sum.Releases++
			}
		}
	}

	// One report per lifecycle step; each case goes as far as its step.
	type caseSpec struct {
		until    vcase.State
		channel  report.Channel
		title    string
		body     string
		reporter report.Contact
		product  string
		branches []string
		risk     vcase.Risk
		cve      string
	}
	sched := "scheduler"
	cases := []caseSpec{
		{vcase.Disclosed, report.Email, "Remote code execution through the job import API",
			"Posting a crafted job definition to /joc/api/jobs/import deserialises untrusted YAML with a gadget chain; a shell command runs as the scheduler user. PoC attached.",
			report.Contact{Name: "Jane Finder", Email: "jane@research.example", CreditAs: "Jane Finder (Research Lab)"},
			sched, []string{"2.7", "2.6", "2.5"}, vcase.Risk{CVSS31: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", CWE: []string{"CWE-502"}, Tags: []string{"rce"}}, "CVE-2026-41001"},
		{vcase.Ready, report.PrivateTicket, "Stored XSS in the job history view",
			"The job history view renders the job's description without escaping; a user with edit rights can run script in an administrator's session.",
			report.Contact{Name: "Customer Support", Email: "secops@customer.example"},
			sched, []string{"2.7", "2.6"}, vcase.Risk{CVSS31: "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", CWE: []string{"CWE-79"}}, "CVE-2026-41002"},
		{vcase.Fixing, report.Email, "Local privilege escalation through the probe's update helper",
			"The setuid update helper follows symlinks in /var/tmp; a local user can overwrite /etc/shadow.",
			report.Contact{Name: "Sam Hacker", Email: "sam@hacker.example", CreditAs: "Sam Hacker"},
			"central", []string{"41", "40"}, vcase.Risk{CVSS40: "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", CWE: []string{"CWE-59"}, Tags: []string{"lpe"}}, "CVE-2026-41003"},
		{vcase.Confirmed, report.PublicTicket, "Denial of service with a malformed PCAP upload",
			"Uploading a PCAP with a zero snaplen makes the parser loop forever and the upload worker stops responding.",
			report.Contact{Name: "oss-user-42"},
			"central", []string{"41"}, vcase.Risk{CVSS31: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", CWE: []string{"CWE-835"}}, ""},
		{vcase.Triage, report.Web, "Session cookie without the Secure flag",
			"The session cookie of the web console is sent without Secure when TLS is terminated by a proxy.",
			report.Contact{Email: "anon@mail.example"}, sched, nil, vcase.Risk{}, ""},
		{vcase.Received, report.API, "Open redirect on the login page",
			"The returnUrl parameter of the login page accepts any absolute URL.",
			report.Contact{Name: "Partner CERT", Email: "cert@partner.example"}, sched, nil, vcase.Risk{}, ""},
		{vcase.Rejected, report.Email, "Server banner reveals the version",
			"The HTTP Server header shows the product version.",
			report.Contact{Email: "scanner@bounty.example"}, sched, nil, vcase.Risk{}, ""},
	}
	var firstCase int64
	for _, cs := range cases {
		r, _, err := svc.Submit(ctx, sys, report.Report{Channel: cs.channel, Title: cs.title, Body: cs.body, Reporter: cs.reporter, ProductHint: products[cs.product].Name})
		if err != nil {
			return sum, fmt.Errorf("demo report: %w", err)
		}
		sum.Reports++
		sum.Cases++
		id := *r.CaseID
		if firstCase == 0 {
			firstCase = id
		}
		step(2 * time.Hour)
		if err := demoCase(ctx, &svc, alice, bob, id, cs.until, cs.product, products, branches, cs.branches, cs.risk, cs.cve, cs.reporter, now, step, &sum); err != nil {
			return sum, fmt.Errorf("demo case %q: %w", cs.title, err)
		}
		step(24 * time.Hour)
	}
	// A second report of the first vulnerability, merged into its case as a duplicate.
	dup, _, err := svc.Submit(ctx, sys, report.Report{Channel: report.PublicTicket, Title: "YAML import runs commands", Body: "Same as the import deserialisation issue, found independently.", Reporter: report.Contact{Name: "second-finder"}})
	if err != nil {
		return sum, err
	}
	sum.Reports++
	if _, err := svc.LinkReport(ctx, alice, dup.ID, firstCase); err != nil {
		return sum, fmt.Errorf("demo duplicate: %w", err)
	}
	if id, err := svc.Store.AdvisoryIDByCase(ctx, firstCase); err == nil {
		sum.Advisory = id
	} else if !errors.Is(err, store.ErrNotFound) {
		return sum, err
	}
	return sum, nil
}

// demoCase walks one case through the lifecycle up to state until.
func demoCase(ctx context.Context, svc *casework.Service, psirt, eng casework.Actor, id int64, until vcase.State,
	slug string, products map[string]product.Product, branches map[string]product.Branch, affected []string,
	risk vcase.Risk, cve string, reporter report.Contact, realNow time.Time, step func(time.Duration), sum *DemoSummary) error {
	if until == vcase.Received {
		return nil
	}
	tf := []string{"alice", "bob"}
	if _, err := svc.UpdateCase(ctx, psirt, id, casework.CasePatch{TaskForce: &tf}); err != nil {
		return err
	}
	if _, err := svc.Transition(ctx, psirt, id, vcase.StartTriage, casework.TransitionArgs{}); err != nil {
		return err
	}
	if until == vcase.Triage {
		return nil
	}
	if until == vcase.Rejected {
		_, err := svc.Transition(ctx, psirt, id, vcase.Reject, casework.TransitionArgs{Reason: vcase.NotVulnerability})
		return err
	}
	step(6 * time.Hour)
	pid := products[slug].ID
	var bids []int64
	for _, b := range affected {
		bids = append(bids, branches[slug+"/"+b].ID)
	}
	c, err := svc.Case(ctx, psirt, id)
	if err != nil {
		return err
	}
	summary := "A vulnerability in " + products[slug].Name + " lets an attacker " + map[bool]string{true: "take control of the system.", false: "affect the service."}[len(risk.Tags) > 0]
	details := "Root cause and reproduction are documented in the task force notes. " + c.Title + "."
	if _, err := svc.UpdateCase(ctx, psirt, id, casework.CasePatch{ProductID: &pid, AffectedBranches: &bids, Risk: &risk, Summary: &summary, Details: &details}); err != nil {
		return err
	}
	if _, err := svc.Transition(ctx, psirt, id, vcase.Confirm, casework.TransitionArgs{}); err != nil {
		return err
	}
	if until == vcase.Confirmed {
		return nil
	}
	step(3 * time.Hour)
	cr := vcase.ChangeRequest{Ref: fmt.Sprintf("SEC-%d", 1000+id), Tracker: "jira", State: "open"}
	draft := vcase.CVEDraft{Description: c.Title + " in " + products[slug].Name + " allows an attacker to compromise the affected system.", ProblemType: risk.CWE[0]}
	if _, err := svc.UpdateCase(ctx, psirt, id, casework.CasePatch{CVEID: &cve, CVEDraft: &draft, ChangeRequest: &cr}); err != nil {
		return err
	}
	if _, err := svc.Transition(ctx, psirt, id, vcase.StartFix, casework.TransitionArgs{}); err != nil {
		return err
	}
	if until == vcase.Fixing {
		return nil
	}
	step(24 * time.Hour)
	planned := svc.Now().Add(72 * time.Hour).Truncate(time.Hour)
	if until == vcase.Ready {
		// A case ready for disclosure waits for a date still ahead.
		planned = realNow.UTC().Add(5 * 24 * time.Hour).Truncate(time.Hour)
	}
	for _, b := range affected {
		br := branches[slug+"/"+b]
		if br.Status != product.Maintained {
			continue
		}
		next, err := svc.CreateRelease(ctx, psirt, casework.NewRelease{BranchID: br.ID, Kind: product.Urgent, State: product.QA, PlannedAt: &planned})
		if err != nil {
			return err
		}
		// The build the release publishes, with its checksum (R8).
		file := fmt.Sprintf("%s-%s.tar.gz", slug, next.Version)
		url := fmt.Sprintf("https://downloads.vendor.example/%s/%s/%s", slug, next.Version, file)
		checksum := fmt.Sprintf("%x", sha256.Sum256([]byte(file)))
		rel, err := svc.UpdateRelease(ctx, psirt, next.ID, casework.ReleasePatch{DownloadURL: &url, SHA256: &checksum})
		if err != nil {
			return err
		}
		sum.Releases++
		st1, st2 := vcase.FixFixed, vcase.FixVerified
		commits := []string{fmt.Sprintf("%040x", br.ID*7919+id)}
		if _, err := svc.UpdateFix(ctx, eng, id, br.ID, casework.FixPatch{Status: &st1, Commits: &commits, ReleaseID: &rel.ID}); err != nil {
			return err
		}
		step(4 * time.Hour)
		ev := "Exploit from the report re-run against " + rel.Version.String() + ": request rejected, no command executed."
		if _, err := svc.UpdateFix(ctx, psirt, id, br.ID, casework.FixPatch{Status: &st2, Evidence: &ev}); err != nil {
			return err
		}
	}
	var credits []vcase.Credit
	if reporter.CreditAs != "" {
		credits = append(credits, vcase.Credit{Name: reporter.CreditAs, Type: "finder"})
	}
	refs := []vcase.Reference{{URL: "https://vendor.example/security", Tags: []string{"vendor-advisory"}}}
	if _, err := svc.UpdateCase(ctx, psirt, id, casework.CasePatch{PlannedDisclosure: &planned, Credits: &credits, References: &refs}); err != nil {
		return err
	}
	if _, err := svc.Transition(ctx, psirt, id, vcase.MarkReady, casework.TransitionArgs{}); err != nil {
		return err
	}
	if until == vcase.Ready {
		return nil
	}
	for svc.Now().Before(planned) {
		step(time.Hour)
	}
	_, err = svc.Transition(ctx, psirt, id, vcase.Disclose, casework.TransitionArgs{})
	return err
}
