package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/upstream"
)

// FeedsConfig says where `vigil feed sync` and serve's daily sync get
// upstream vulnerability data (R12).
type FeedsConfig struct {
	// SyncInterval is how often serve syncs every feed (and rematches
	// everything); default 24h, at most 24h (R12: at least daily); "off"
	// is not offered: set Disabled instead.
	SyncInterval time.Duration `yaml:"sync_interval"`
	// Disabled stops serve's scheduled sync (for hosts without Internet
	// access that import files with `vigil feed import`).
	Disabled bool `yaml:"disabled"`
	// OSV ecosystems to sync, as OSV names its per-ecosystem folders
	// ("Debian", "Go", "PyPI", "npm", "Maven", "crates.io").
	OSVEcosystems []string `yaml:"osv_ecosystems"`
	OSVURL        string   `yaml:"osv_url"`    // default https://osv-vulnerabilities.storage.googleapis.com
	DebianURL     string   `yaml:"debian_url"` // the tracker's JSON export; "-" for none
	KEVURL        string   `yaml:"kev_url"`    // CISA KEV catalog; "-" for none
	// NVD is opt-in: its API is rate-limited and large; set NVDEnabled and
	// preferably an API key (VIGIL_NVD_API_KEY).
	NVDEnabled bool   `yaml:"nvd_enabled"`
	NVDURL     string `yaml:"nvd_url"`
	NVDAPIKey  string `yaml:"nvd_api_key"`
	// NVDFullHistory makes the first NVD sync download every CVE (a quarter
	// of a million, hours without an API key) instead of the last 120 days.
	NVDFullHistory bool `yaml:"nvd_full_history"`
}

// maxSyncInterval is R12's "at least daily".
const maxSyncInterval = 24 * time.Hour

func (f FeedsConfig) validate() []error {
	var errs []error
	if f.SyncInterval < 0 || f.SyncInterval > maxSyncInterval {
		errs = append(errs, fmt.Errorf("feeds.sync_interval: %v is not between 0 and %v (the policy checks at least daily)", f.SyncInterval, maxSyncInterval))
	}
	if f.SyncInterval != 0 && f.SyncInterval < time.Minute {
		errs = append(errs, fmt.Errorf("feeds.sync_interval: %v is below one minute", f.SyncInterval))
	}
	return errs
}

func (f FeedsConfig) interval() time.Duration {
	if f.Disabled {
		return 0
	}
	if f.SyncInterval == 0 {
		return maxSyncInterval
	}
	return f.SyncInterval
}

// defaultOSVEcosystems are the ecosystems synced when none are configured.
var defaultOSVEcosystems = []string{"Debian", "Go", "PyPI", "npm", "Maven", "crates.io"}

// sources builds the configured upstream sources.
func (f FeedsConfig) sources(client *http.Client) []upstream.Source {
	cfg := upstream.Config{Client: client, UserAgent: "vigil/" + Version, NVDFullHistory: f.NVDFullHistory}
	ecos := f.OSVEcosystems
	if len(ecos) == 0 {
		ecos = defaultOSVEcosystems
	}
	var out []upstream.Source
	for _, eco := range ecos {
		out = append(out, upstream.OSV(cfg, f.OSVURL, eco))
	}
	if f.DebianURL != "-" {
		out = append(out, upstream.DebianTracker(cfg, f.DebianURL))
	}
	if f.KEVURL != "-" {
		out = append(out, upstream.KEV(cfg, f.KEVURL))
	}
	if f.NVDEnabled {
		out = append(out, upstream.NVD(cfg, f.NVDURL, f.NVDAPIKey))
	}
	return out
}

const feedUsage = `vigil feed import [--format FORMAT] PATH...   import files or directories (format detected: osv, osv-zip, debian-tracker, nvd, kev)
vigil feed sync [--feed NAME]...               fetch what changed upstream (conditional requests) and import it
vigil feed runs [--feed NAME] [--limit N]      the latest imports with their counts, problems and errors`

func runFeed(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageErr("\n%s", feedUsage)
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("feed "+sub, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	get := flags(fs, e)
	format := fs.String("format", "", "input format (import); detected when empty")
	var only multiFlag
	fs.Var(&only, "feed", "feed name (sync, runs); repeatable")
	limit := fs.Int("limit", 20, "runs to list")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	c, err := get()
	if err != nil {
		return err
	}
	// Importing into a new data directory creates its schema.
	svc, closeStore, err := service(ctx, e, c, sub == "import" || sub == "sync")
	if err != nil {
		return err
	}
	defer closeStore()
	who := casework.Actor{Kind: "system", Name: "cli"}
	switch sub {
	case "import":
		if fs.NArg() == 0 {
			return usageErr("feed import needs at least one PATH")
		}
		var errs []error
		var runs []store.FeedRun
		for _, path := range fs.Args() {
			batches, err := upstream.ReadPath(ctx, path, *format)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, b := range batches {
				run, err := svc.ImportFeed(ctx, who, "import", b)
				runs = append(runs, run)
				if err != nil {
					errs = append(errs, err)
				}
			}
		}
		printRuns(e, runs, true)
		return errors.Join(errs...)
	case "sync":
		if err := errors.Join(c.Feeds.validate()...); err != nil {
			return err
		}
		srcs := c.Feeds.sources(&http.Client{Timeout: 10 * time.Minute})
		if len(only) > 0 {
			var keep []upstream.Source
			for _, s := range srcs {
				for _, name := range only {
					if s.Feed() == name {
						keep = append(keep, s)
					}
				}
			}
			if len(keep) == 0 {
				var names []string
				for _, s := range srcs {
					names = append(names, s.Feed())
				}
				return usageErr("no configured feed is named %s (configured: %s)", strings.Join(only, ", "), strings.Join(names, ", "))
			}
			srcs = keep
		}
		runs, err := svc.SyncFeeds(ctx, who, "sync", srcs)
		printRuns(e, runs, true)
		return err
	case "runs":
		var runs []store.FeedRun
		if len(only) == 0 {
			only = multiFlag{""}
		}
		for _, name := range only {
			rs, err := svc.FeedRuns(ctx, name, *limit)
			if err != nil {
				return err
			}
			runs = append(runs, rs...)
		}
		printRuns(e, runs, false)
		return nil
	}
	return usageErr("\n%s", feedUsage)
}

func printRuns(e *env, runs []store.FeedRun, problems bool) {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FEED\tSTATE\tADDED\tUPDATED\tUNCHANGED\tREMOVED\tPROBLEMS\tREMATCHED\tDURATION\tSTARTED\tLOCATION")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%v\t%s\t%s\n", r.Feed, r.State, r.Added, r.Updated, r.Unchanged,
			r.Removed, r.Problems, r.Rematched, r.Duration.Round(time.Millisecond), r.StartedAt.Format(time.RFC3339), r.Location)
	}
	tw.Flush()
	for _, r := range runs {
		if r.Error != "" {
			fmt.Fprintf(e.stderr, "%s: %s\n", r.Feed, r.Error)
		}
		if problems {
			for _, p := range r.ProblemSample {
				fmt.Fprintf(e.stderr, "%s: problem: %s\n", r.Feed, p)
			}
			if r.Problems > len(r.ProblemSample) {
				fmt.Fprintf(e.stderr, "%s: ... and %d more problems\n", r.Feed, r.Problems-len(r.ProblemSample))
			}
		}
	}
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
