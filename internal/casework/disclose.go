package casework

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/cve5"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/publish"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// publish is the disclosure (R8, R9), run inside the transaction that moves
// the case to disclosed: the releases carrying the fixes are published, the
// advisory's first revision is written, the CVE record is marked for
// publication and one outbox row per channel is queued. Either all of it
// happens or none of it.
func (s *Service) publish(ctx context.Context, tx *store.Store, a Actor, c *vcase.Case, env vcase.Env, now time.Time) error {
	rev, releases, err := s.revisionOf(ctx, tx, c, env, now)
	if err != nil {
		return err
	}
	for _, r := range releases {
		if r.State == product.Published {
			continue
		}
		r.State, r.PublishedAt = product.Published, &now
		if err := tx.UpdateRelease(ctx, r); err != nil {
			return err
		}
		if err := record(ctx, tx, now, a, "release.publish", fmt.Sprintf("release:%s/%s", rev.Affected[0].ProductSlug, r.Version), map[string]any{"case": c.Key}); err != nil {
			return err
		}
	}
	seq, err := tx.NextSeq(ctx, "advisory", now.Year())
	if err != nil {
		return err
	}
	rev.AdvisoryID = advisory.ID(now.Year(), seq)
	if err := tx.AddRevision(ctx, c.ID, rev); err != nil {
		return err
	}
	if c.FixAvailableAt == nil {
		c.FixAvailableAt = &now
	}
	if s.Renderer != nil {
		if err := publish.Advisory(ctx, tx, *s.Renderer, rev.AdvisoryID, now); err != nil {
			return fmt.Errorf("publish %s: %w", rev.AdvisoryID, err)
		}
	}
	c.CVEState = vcase.CVEPublishRequested
	ref := map[string]any{"advisory_id": rev.AdvisoryID, "revision": rev.Number, "case": c.Key, "cve_id": c.CVEID}
	key := "disclose:" + rev.AdvisoryID + ":1:"
	for _, ch := range []outbox.Channel{outbox.CVEServices, outbox.Feed, outbox.Social, outbox.Webhook, outbox.Subscribers} {
		if err := enqueue(ctx, tx, now, key+string(ch), ch, "advisory.published", ref); err != nil {
			return err
		}
	}
	if err := enqueueMail(ctx, tx, now, key+"liaison", Mail{Template: "advisory.published.liaison", Role: "liaison",
		CaseKey: c.Key, Data: map[string]string{"advisory_id": rev.AdvisoryID, "title": c.Title}}); err != nil {
		return err
	}
	if err := s.notifyReporters(ctx, tx, now, *c, "report.disclosed", key+"reporter"); err != nil {
		return err
	}
	return record(ctx, tx, now, a, "advisory.publish", "advisory:"+rev.AdvisoryID, map[string]any{"revision": 1, "case": c.Key})
}

// revisionOf builds the advisory revision a case would publish now, with
// the releases that carry its fixes; it writes nothing, so it also serves
// the preview of a private case.
func (s *Service) revisionOf(ctx context.Context, tx *store.Store, c *vcase.Case, env vcase.Env, now time.Time) (advisory.Revision, []product.Release, error) {
	if c.ProductID == nil {
		return advisory.Revision{}, nil, invalid(errorf("product_id: not set"))
	}
	prod, err := tx.ProductByID(ctx, *c.ProductID)
	if err != nil {
		return advisory.Revision{}, nil, err
	}
	rev := advisory.Revision{
		Number: 1, Status: advisory.Final, PublishedAt: now,
		Title: c.Title, Summary: c.Summary, Description: c.CVEDraft.Description, Workaround: c.Workaround,
		CVEID: c.CVEID, Severity: c.Severity, Score: c.Score, CVSS31: c.Risk.CVSS31, CVSS40: c.Risk.CVSS40,
		CWE: c.Risk.CWE, Changes: "Initial publication.",
	}
	var releases []product.Release
	for _, f := range c.Fixes {
		b := env.Branches[f.BranchID]
		aff := advisory.Affected{Product: prod.Name, ProductSlug: prod.Slug, Branch: b.Name, Maintained: b.Maintained, Introduced: f.AffectedFrom}
		if b.Maintained && f.ReleaseID != nil {
			r, err := tx.ReleaseByID(ctx, *f.ReleaseID)
			if err != nil {
				return rev, nil, err
			}
			releases = append(releases, r)
			aff.Fixed, aff.FixedRelease, aff.Download, aff.SHA256 = r.Version.String(), r.ID, r.DownloadURL, r.SHA256
		}
		rev.Affected = append(rev.Affected, aff)
	}
	slices.SortFunc(rev.Affected, func(x, y advisory.Affected) int { return compareBranch(y.Branch, x.Branch) })
	for _, cr := range c.Credits {
		rev.Credits = append(rev.Credits, advisory.Credit{Name: cr.Name, Type: cr.Type})
	}
	if len(c.Credits) == 0 {
		// No credits set by the team: the reporters who asked for credit
		// (report form, status link) are credited as finders.
		reps, err := tx.ListReports(ctx, store.ReportFilter{CaseID: c.ID, Limit: 100})
		if err != nil {
			return rev, nil, err
		}
		for _, r := range reps {
			if r.Reporter.CreditAs != "" && !slices.ContainsFunc(rev.Credits, func(cr advisory.Credit) bool { return cr.Name == r.Reporter.CreditAs }) {
				rev.Credits = append(rev.Credits, advisory.Credit{Name: r.Reporter.CreditAs, Type: "finder"})
			}
		}
	}
	for _, r := range c.References {
		rev.References = append(rev.References, advisory.Reference{URL: r.URL, Tags: r.Tags})
	}
	return rev, releases, nil
}

// CVEPreview is the CVE record a case would publish, with every lint
// problem: the team sees both while the case is private (R3).
type CVEPreview struct {
	Record   cve5.Record    `json:"record"`
	Problems []cve5.Problem `json:"problems"`
}

// vendor is who publishes: the renderer's publisher, or one made of the base URL.
func (s *Service) vendor() advisory.Publisher {
	if s.Renderer != nil {
		return s.Renderer.Vendor
	}
	return advisory.Publisher{Name: "vigil", BaseURL: s.BaseURL, Namespace: s.BaseURL}
}

// PreviewRevision is the advisory revision the case would publish now,
// with the releases that carry its fixes: the same revision the disclosure
// builds, for the previews of every output. Its advisory ID is "draft"
// (the real number is drawn at disclosure).
func (s *Service) PreviewRevision(ctx context.Context, c vcase.Case) (advisory.Revision, []product.Release, error) {
	env, err := s.env(ctx, s.Store, &c, s.now())
	if err != nil {
		return advisory.Revision{}, nil, err
	}
	rev, releases, err := s.revisionOf(ctx, s.Store, &c, env, env.Now)
	rev.AdvisoryID = "draft"
	return rev, releases, err
}

// PreviewCVE renders the case's CVE record draft and lints it. Without a
// CNA organisation configured (the ID was requested elsewhere) the
// organisation fields are not vigil's to fill and are not linted.
func (s *Service) PreviewCVE(ctx context.Context, c vcase.Case) (CVEPreview, error) {
	env, err := s.env(ctx, s.Store, &c, s.now())
	if err != nil {
		return CVEPreview{}, err
	}
	return s.previewCVE(ctx, s.Store, &c, env)
}

func (s *Service) previewCVE(ctx context.Context, tx *store.Store, c *vcase.Case, env vcase.Env) (CVEPreview, error) {
	rev, _, err := s.revisionOf(ctx, tx, c, env, env.Now)
	if err != nil {
		return CVEPreview{}, err
	}
	rev.AdvisoryID = "draft"
	rec, err := cve5.FromAdvisory(s.vendor(), advisory.Advisory{ID: rev.AdvisoryID, Revisions: []advisory.Revision{rev}})
	if err != nil {
		return CVEPreview{Problems: []cve5.Problem{{Path: "record", Message: err.Error()}}}, nil
	}
	p := CVEPreview{Record: rec, Problems: []cve5.Problem{}}
	for _, pr := range cve5.Lint(rec) {
		if s.vendor().CNAOrgID == "" && (pr.Path == "cveMetadata.assignerOrgId" || pr.Path == "containers.cna.providerMetadata.orgId") {
			continue
		}
		p.Problems = append(p.Problems, pr)
	}
	return p, nil
}

// compareBranch orders branch names numerically ("2.10" after "2.9").
func compareBranch(a, b string) int { return product.BranchBase(a).Compare(product.BranchBase(b)) }
