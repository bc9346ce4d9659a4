package cli

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/outbox"
)

// TestCVEServicesChannel: an account makes vigil a CNA (and needs its
// organisation UUID); no account and no CNA marks the messages done; a CNA
// without an account keeps them waiting.
func TestCVEServicesChannel(t *testing.T) {
	account := CVEServicesConfig{URL: "https://cveawg.mitre.org/api", Org: "acme", User: "psirt@acme.example", APIKey: "k"}
	for _, tc := range []struct {
		name       string
		cfg        Config
		handler    bool
		client     bool
		wantErrors []string
	}{
		{name: "not a CNA", handler: true},
		{name: "CNA without an account", cfg: Config{CNAOrgID: "b3476cb9-2e3d-41a6-98d0-0f47421a65b6"}},
		{name: "CNA with an account", cfg: Config{CNAOrgID: "b3476cb9-2e3d-41a6-98d0-0f47421a65b6", CNAShort: "acme",
			Channels: Channels{CVEServices: account}}, handler: true, client: true},
		{name: "account without a CNA organisation", cfg: Config{Channels: Channels{CVEServices: account}},
			wantErrors: []string{"cna_org_id"}},
		{name: "bad account", cfg: Config{CNAOrgID: "b3476cb9-2e3d-41a6-98d0-0f47421a65b6", CNAShort: "other",
			Channels: Channels{CVEServices: CVEServicesConfig{URL: "http://cveawg.mitre.org/api", Org: "acme"}}},
			wantErrors: []string{"plain http", "user: required", "api_key: required", "differs from cna_short_name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := &casework.Service{Now: time.Now}
			h := map[outbox.Channel]deliver.Handler{}
			err := cveServicesChannel(tc.cfg, svc, slog.New(slog.DiscardHandler), h)
			for _, want := range tc.wantErrors {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v lacks %q", err, want)
				}
			}
			if len(tc.wantErrors) == 0 && err != nil {
				t.Fatal(err)
			}
			if _, ok := h[outbox.CVEServices]; ok != tc.handler {
				t.Errorf("handler registered %v, want %v", ok, tc.handler)
			}
			if (svc.CVE != nil) != tc.client {
				t.Errorf("client set %v, want %v", svc.CVE != nil, tc.client)
			}
			if err != nil && strings.Contains(err.Error(), `api_key: "k"`) {
				t.Errorf("the key leaks: %v", err)
			}
		})
	}
}
