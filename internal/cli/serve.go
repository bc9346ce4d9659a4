package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/server"
	"github.com/vigil-psirt/vigil/internal/user"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	get := flags(fs, e)
	addr := fs.String("addr", "", "listen address HOST:PORT (default 127.0.0.1:8080); also VIGIL_ADDR")
	base := fs.String("base-url", "", "public base URL for links (default http://ADDR, https://ADDR with TLS); also VIGIL_BASE_URL")
	tlsCert := fs.String("tls-cert", "", "PEM certificate file: serve HTTPS only, with --tls-key; also VIGIL_TLS_CERT")
	tlsKey := fs.String("tls-key", "", "PEM private key file of --tls-cert; also VIGIL_TLS_KEY")
	migrate := fs.Bool("migrate", false, "apply pending migrations to an existing database before serving")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	c, err := get()
	if err != nil {
		return err
	}
	if *addr != "" {
		c.Addr = *addr
	}
	if *base != "" {
		c.BaseURL = *base
	}
	if *tlsCert != "" {
		c.TLSCert = *tlsCert
	}
	if *tlsKey != "" {
		c.TLSKey = *tlsKey
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return usageErr("--tls-cert and --tls-key go together")
	}
	var tlsFiles *server.TLS
	scheme := "http"
	if c.TLSCert != "" {
		tlsFiles, scheme = &server.TLS{CertFile: c.TLSCert, KeyFile: c.TLSKey}, "https"
	}
	log := logger(e.stderr, c.LogLevel)
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	cur, _, err := st.SchemaVersion(ctx)
	st.Close()
	if err != nil {
		return err
	}
	// A new, empty database is set up at once; an existing one is migrated only when asked.
	svc, closeStore, err := service(ctx, e, c, *migrate || cur == 0)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := withRenderer(ctx, svc, c); err != nil {
		return err
	}
	if err := firstRun(ctx, e, svc); err != nil {
		return err
	}
	opts := server.Options{Name: c.Name, TrustProxy: c.TrustProxy, Log: log}
	opts.TicketSecrets.Public, opts.TicketSecrets.Private = c.Channels.Tickets.PublicSecret, c.Channels.Tickets.PrivateSecret
	h, err := server.Handler(svc, opts)
	if err != nil {
		return err
	}
	// Background jobs run beside the server and stop after it (HTTP first,
	// then jobs), so that nothing the last requests queued is cut short.
	hs, err := handlers(c, svc, log) // a bad channel configuration stops the start
	if err != nil {
		return err
	}
	stopInbound, err := startInbound(c, svc, log)
	if err != nil {
		return err
	}
	jobs, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	jobsDone := make(chan error, 3)
	go func() { jobsDone <- runOutbox(jobs, hs, svc, log, c.OutboxInterval) }()
	go func() { jobsDone <- runReminders(jobs, svc, log, time.Minute) }()
	go func() {
		// R12: every feed at least daily, then a full rematch.
		svc.RunSync(jobs, c.Feeds.sources(&http.Client{Timeout: 10 * time.Minute}), c.Feeds.interval(), syncSettle, log.Info)
		jobsDone <- nil
	}()
	err = server.Serve(ctx, c.Addr, h, log, tlsFiles, func(a net.Addr) {
		log.Info("vigil serving", "addr", a.String(), "tls", tlsFiles != nil, "store", svc.Store.Dialect(), "policy", svc.Policy.Name)
		fmt.Fprintf(e.stderr, "vigil is listening on %s://%s (API under /api/v1)\n", scheme, a)
	})
	err = errors.Join(err, stopInbound())
	stopJobs()
	return errors.Join(err, <-jobsDone, <-jobsDone, <-jobsDone)
}

// syncSettle is how long serve waits after its start before the first
// scheduled feed sync: a restart loop does not hammer the upstream feeds.
const syncSettle = 2 * time.Minute

// firstRun creates the first administrator and shows its API token once.
func firstRun(ctx context.Context, e *env, svc *casework.Service) error {
	n, err := svc.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	u, err := svc.CreateUser(ctx, casework.System, user.User{Name: "admin", Role: user.Admin})
	if err != nil {
		return err
	}
	_, token, err := svc.IssueToken(ctx, casework.System, u.ID, "first run", nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "\nFirst run: created the administrator %q.\nAPI token (shown only now, keep it safe):\n\n    %s\n\nTry: curl -H 'Authorization: Bearer %s' http://ADDR/api/v1/me\n\n", u.Name, token, token)
	return nil
}
