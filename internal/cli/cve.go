package cli

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/cveservices"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/outbox"
)

// cveServicesChannel serves the cve_services channel (R3, R5, R8). With
// channels.cve_services set, vigil is a CNA with a CVE Services account: it
// reserves IDs (the API's /cve routes) and the outbox publishes, updates
// and rejects records. A vendor that is no CNA (no cna_org_id, no account)
// gets a handler that marks the messages done with a log line: the CNA that
// assigned the ID publishes its record. A CNA without an account yet
// keeps its messages waiting until one is configured.
func cveServicesChannel(c Config, svc *casework.Service, log *slog.Logger, h map[outbox.Channel]deliver.Handler) error {
	cs := c.Channels.CVEServices
	log = log.With("channel", string(outbox.CVEServices))
	if cs == (CVEServicesConfig{}) {
		if c.CNAOrgID == "" {
			h[outbox.CVEServices] = svc.CVEHandler(log)
		}
		return nil
	}
	var errs []error
	cl, err := cveservices.New(cveservices.Config{URL: cs.URL, Org: cs.Org, User: cs.User, Key: cs.APIKey})
	if err != nil {
		errs = append(errs, fmt.Errorf("channels.cve_services: %w", err))
	}
	if c.CNAOrgID == "" {
		errs = append(errs, errors.New("channels.cve_services: cna_org_id (the CNA's organisation UUID) is required with a CVE Services account"))
	}
	if c.CNAShort != "" && cs.Org != "" && c.CNAShort != cs.Org {
		errs = append(errs, fmt.Errorf("channels.cve_services.org %q differs from cna_short_name %q", cs.Org, c.CNAShort))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	svc.CVE = cl
	h[outbox.CVEServices] = svc.CVEHandler(log)
	return nil
}
