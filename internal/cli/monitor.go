package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/store"
)

var cliActor = casework.Actor{Kind: "system", Name: "cli"}

// findRelease resolves a product slug and an X.Y.Z version to a release.
func findRelease(ctx context.Context, st *store.Store, slug, version string) (product.Release, error) {
	p, err := st.ProductBySlug(ctx, slug)
	if err != nil {
		return product.Release{}, fmt.Errorf("product %s: %w", slug, err)
	}
	v, err := product.ParseVersion(version)
	if err != nil {
		return product.Release{}, fmt.Errorf("release: %w", err)
	}
	branches, err := st.ListBranches(ctx, p.ID)
	if err != nil {
		return product.Release{}, err
	}
	for _, b := range branches {
		rs, err := st.ListReleases(ctx, b.ID)
		if err != nil {
			return product.Release{}, err
		}
		for _, r := range rs {
			if r.Version.Compare(v) == 0 {
				return r, nil
			}
		}
	}
	return product.Release{}, fmt.Errorf("release %s %s: %w", slug, version, store.ErrNotFound)
}

const sbomUsage = `vigil sbom import --product SLUG --release X.Y.Z [--distro debian-12] [--format FORMAT] FILE`

func runSBOM(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		return usageErr("\n%s", sbomUsage)
	}
	fs := flag.NewFlagSet("sbom import", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	get := flags(fs, e)
	slug := fs.String("product", "", "product slug")
	version := fs.String("release", "", "release version X.Y.Z")
	distro := fs.String("distro", "", "Debian release of Debian components whose purl names none")
	format := fs.String("format", "", "SBOM format; detected when empty")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 || *slug == "" || *version == "" {
		return usageErr("\n%s", sbomUsage)
	}
	c, err := get()
	if err != nil {
		return err
	}
	doc, sum, err := readSBOM(fs.Arg(0), *format)
	if err != nil {
		return err
	}
	svc, closeStore, err := service(ctx, e, c, false)
	if err != nil {
		return err
	}
	defer closeStore()
	rel, err := findRelease(ctx, svc.Store, *slug, *version)
	if err != nil {
		return err
	}
	imp, stats, err := svc.ImportSBOM(ctx, cliActor, casework.SBOMInput{ReleaseID: rel.ID, Doc: doc, SHA256: hex.EncodeToString(sum[:]), Distro: *distro})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s %s: %d components (%s %s), %d not identified, %d skipped, %d duplicates; %d findings\n",
		*slug, *version, imp.Components, imp.Format, imp.SpecVersion, imp.Unidentified, imp.Skipped, imp.Duplicates, stats.Findings)
	for _, p := range doc.Unidentified {
		fmt.Fprintf(e.stderr, "not identified: %s\n", p)
	}
	return nil
}

const findingsUsage = `vigil findings list [--product SLUG] [--release X.Y.Z] [--open] [--min-severity S] [--json]
vigil findings rules [--product SLUG] [--all]
vigil findings rule --reason R --note TEXT [--status not_affected --justification J] [--product SLUG] [--from X.Y.Z]
                    [--ecosystem E --package P [--versions C]] [--vuln ID] [--expires YYYY-MM-DD] --author NAME
vigil findings revoke RULE_ID
vigil findings plan
vigil findings rematch`

func runFindings(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageErr("\n%s", findingsUsage)
	}
	sub := args[0]
	fs := flag.NewFlagSet("findings "+sub, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	get := flags(fs, e)
	slug := fs.String("product", "", "product slug")
	version := fs.String("release", "", "release X.Y.Z")
	open := fs.Bool("open", false, "only affected or under investigation, not resolved")
	minSev := fs.String("min-severity", "", "lowest severity listed")
	asJSON := fs.Bool("json", false, "JSON output")
	all := fs.Bool("all", false, "include expired and revoked rules")
	var r finding.Rule
	status := fs.String("status", string(finding.NotAffected), "rule status: not_affected, affected, under_investigation")
	justification := fs.String("justification", "", "VEX justification of not_affected")
	reason := fs.String("reason", "", "feature_not_used, workaround_in_place, custom_modification, other")
	fs.StringVar(&r.Note, "note", "", "why, in words")
	fs.StringVar(&r.FromVersion, "from", "", "first release the rule holds for (and every later one)")
	fs.StringVar(&r.Ecosystem, "ecosystem", "", "component ecosystem")
	fs.StringVar(&r.Package, "package", "", "component package")
	fs.StringVar(&r.Versions, "versions", "", "component version constraint, e.g. '>=1.2, <1.4'")
	fs.StringVar(&r.Vuln, "vuln", "", "vulnerability ID or alias")
	author := fs.String("author", "", "who decides (recorded in the audit trail)")
	expires := fs.String("expires", "", "date the rule expires (YYYY-MM-DD, UTC)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	c, err := get()
	if err != nil {
		return err
	}
	svc, closeStore, err := service(ctx, e, c, false)
	if err != nil {
		return err
	}
	defer closeStore()
	switch sub {
	case "list":
		f := store.FindingFilter{Open: *open, Limit: 1000}
		if *slug != "" {
			p, err := svc.Store.ProductBySlug(ctx, *slug)
			if err != nil {
				return fmt.Errorf("product %s: %w", *slug, err)
			}
			f.ProductID = p.ID
			if *version != "" {
				rel, err := findRelease(ctx, svc.Store, *slug, *version)
				if err != nil {
					return err
				}
				f.ReleaseID = rel.ID
			}
		}
		if *minSev != "" {
			s, err := policy.ParseSeverity(*minSev)
			if err != nil {
				return usageErr("--min-severity: %v", err)
			}
			f.MinSeverity = &s
		}
		list, total, err := svc.Findings(ctx, f)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e, map[string]any{"total": total, "findings": list})
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tRELEASE\tSEVERITY\tVULNERABILITY\tPACKAGE\tVERSION\tFIXED IN\tSTATUS\tDUE")
		for _, x := range list {
			due := ""
			if x.DueAt != nil {
				due = x.DueAt.Format("2006-01-02")
			}
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.ReleaseID, x.SeverityName, x.Vuln, x.Component.Package,
				x.Component.Version, x.FixedVersion, x.Status, due)
		}
		fmt.Fprintf(tw, "\n%d of %d findings\n", len(list), total)
		return tw.Flush()
	case "rules":
		rules, err := svc.Rules(ctx, *slug, *all)
		if err != nil {
			return err
		}
		return printJSON(e, rules)
	case "rule":
		r.Product, r.Status, r.Justification, r.Reason = *slug, finding.Status(*status), finding.Justification(*justification), finding.Reason(*reason)
		if *expires != "" {
			t, err := time.Parse("2006-01-02", *expires)
			if err != nil {
				return usageErr("--expires: %v", err)
			}
			r.ExpiresAt = &t
		}
		if *author == "" {
			return usageErr("--author is required: the audit trail names who decided")
		}
		out, stats, err := svc.CreateRule(ctx, casework.Actor{Kind: "user", Name: *author}, r)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "rule %d created; %d findings decided again\n", out.ID, stats.Findings)
		return nil
	case "revoke":
		if fs.NArg() != 1 {
			return usageErr("\n%s", findingsUsage)
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return usageErr("rule ID: %v", err)
		}
		_, stats, err := svc.RevokeRule(ctx, cliActor, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "rule %d revoked; %d findings decided again\n", id, stats.Findings)
		return nil
	case "plan":
		plans, err := svc.ReleasePlans(ctx)
		if err != nil {
			return err
		}
		return printJSON(e, plans)
	case "rematch":
		stats, err := svc.Rematch(ctx, cliActor)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%d components matched: %d findings (%d added, %d updated, %d removed)\n",
			stats.Components, stats.Findings, stats.Added, stats.Updated, stats.Removed)
		return nil
	}
	return usageErr("\n%s", findingsUsage)
}

func printJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
