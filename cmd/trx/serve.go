package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"golang.org/x/sync/errgroup"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/trx-platform/trx/internal/account"
	"github.com/trx-platform/trx/internal/account/accountsql"
	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authapi"
	"github.com/trx-platform/trx/internal/auth/authnats"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/classifier/classifiersql"
	"github.com/trx-platform/trx/internal/cli"
	"github.com/trx-platform/trx/internal/cli/servecli"
	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/metrics"
	"github.com/trx-platform/trx/internal/proxy"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/telemetry"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
	"github.com/trx-platform/trx/internal/web"
)

// serveConfig is the configuration of `trx serve`.
type serveConfig struct {
	Addr            string
	DataDir         string
	DB              string
	Migrate         bool
	MaxOpenConns    int
	ShutdownTimeout time.Duration
	LogLevel        string
	LogFormat       string
	Notify          notifyConfig
	Components      components
	Upstreams       string
	InternalSecret  string
	// BootstrapAdmin makes a process that is not the all-in-one serve
	// create the first user (--bootstrap-admin).
	BootstrapAdmin bool
	// internalSecretFile is --internal-secret-file: where to read the
	// secret from instead (loadInternalSecret).
	internalSecretFile string
	// OTLPEndpoint turns tracing on (OTLP/HTTP); so do the OTEL_* variables.
	OTLPEndpoint string
	getenv       func(string) string   // for the OTEL_* variables (nil: none)
	spanExporter sdktrace.SpanExporter // tests: where spans go instead of OTLP
	Gateway      gatewayConfig
	Backup       backupConfig
	Limits       servecli.Limits
}

// dbConfig is where the database is, and how its statements are bounded.
func (c serveConfig) dbConfig() cli.DBConfig {
	stmt, jobStmt := c.Limits.StatementLimits()
	return cli.DBConfig{DataDir: c.DataDir, DB: c.DB, MaxOpenConns: c.MaxOpenConns, Statement: stmt, JobStatement: jobStmt}
}

func runServe(ctx context.Context, e env, args []string) error {
	cfg, err := parseServe(e, args)
	if err != nil {
		return err
	}
	log, err := cli.NewLogger(e.Stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	s, err := newServer(ctx, cfg, log, e.Stdout)
	if err != nil {
		return err
	}
	return s.run(ctx)
}

// parseServe reads the flags (and their environment twins) of `trx serve`.
func parseServe(e env, args []string) (serveConfig, error) {
	var cfg serveConfig
	fs := cli.NewFlagSet("serve", "serve [flags]", e)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "HTTP listen address (API, metrics, health)")
	var db cli.DBConfig
	cli.DBFlags(fs, &db)
	fs.BoolVar(&cfg.Migrate, "migrate", true, "apply pending database migrations at start; when false, refuse to start on an out-of-date schema")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 20*time.Second, "how long in-flight requests may run after SIGINT/SIGTERM")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "log format: text or json")
	notifyFlags(fs, &cfg.Notify)
	splitFlags(fs, &cfg)
	gatewayFlags(fs, &cfg.Gateway)
	backupFlags(fs, &cfg.Backup)
	servecli.LimitFlags(fs, &cfg.Limits)
	fs.URLVar(&cfg.OTLPEndpoint, "otlp-endpoint", "", "send traces to this OpenTelemetry collector (OTLP/HTTP URL, e.g. http://127.0.0.1:4318); empty: off, unless the standard OTEL_EXPORTER_OTLP_ENDPOINT is set")
	cfg.getenv = e.Getenv
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("serve: unexpected arguments %q", fs.Args())
	}
	cfg.DataDir, cfg.DB, cfg.MaxOpenConns = db.DataDir, db.DB, db.MaxOpenConns
	return cfg, nil
}

// shared is what several components use, built once before any of them,
// and only what the components this process runs need.
type shared struct {
	cfg   serveConfig
	log   *slog.Logger
	db    *sqldb.DB
	reg   *prometheus.Registry
	httpm *metrics.HTTP    // the request metrics around the whole handler
	gw    *metrics.Gateway // throttling and authentication decisions
	users *auth.Service
	authn middleware
	bus   *event.Bus           // nil: no component here needs the event stream
	txs   *transaction.Service // nil: no component here needs transactions
	// accounts is the account service (nil: transactions do not run here).
	accounts *account.Service
	cls      *classifier.Service  // nil: the classifier does not run here
	proxy    *proxy.Proxy         // nil: no upstreams (a gateway forwards to none)
	tel      *telemetry.Telemetry // tracing (off unless configured)
	// local holds the components that run here by name, for the gateway.
	local map[string]component
	mux   *http.ServeMux
}

// server is the components of trx that this process runs, on one listener.
type server struct {
	cfg   serveConfig
	log   *slog.Logger
	db    *sqldb.DB
	bus   *event.Bus
	authn *authnats.Bridge // carries auth invalidations between replicas (nil: no NATS here)
	users *auth.Service    // flushed (keys' last-used times) before the database closes
	// settings carries the classifier settings' invalidations (nil: no
	// classifier or no NATS here).
	settings *event.Invalidations
	parts    []component
	ln       net.Listener
	http     *http.Server
	tel      *telemetry.Telemetry
}

func newServer(ctx context.Context, cfg serveConfig, log *slog.Logger, stdout io.Writer) (*server, error) {
	if len(cfg.Components) == 0 {
		_ = cfg.Components.Set("all")
	}
	if err := cfg.loadInternalSecret(); err != nil {
		return nil, err
	}
	log.Info("starting", "version", version, "addr", cfg.Addr, "data", cfg.DataDir, "db", sqldb.Redact(cfg.DB),
		"migrate", cfg.Migrate, "db_max_open", cfg.MaxOpenConns, "shutdown_timeout", cfg.ShutdownTimeout,
		"components", cfg.Components.String(), "upstream", cfg.Upstreams, "internal_secret_set", cfg.InternalSecret != "",
		"db_statement_timeout", cfg.Limits.StatementTimeout, "db_job_statement_timeout", cfg.Limits.JobStatementTimeout,
		"request_timeout", cfg.Limits.RequestTimeout, "max_json_body", cfg.Limits.JSONLimit().Bytes, "max_report_body", cfg.Limits.ReportLimit().Bytes)
	tel, err := telemetry.New(ctx, telemetry.Config{Endpoint: cfg.OTLPEndpoint, Version: version,
		Components: cfg.Components.String(), Exporter: cfg.spanExporter, Getenv: cfg.getenv})
	if err != nil {
		return nil, err
	}
	log.Info("tracing", "on", tel.Enabled(), "otlp_endpoint", cfg.OTLPEndpoint)
	dbc := cfg.dbConfig()
	if tel.Enabled() {
		dbc.Tracer = tel.Tracer("sqldb")
	}
	db, err := cli.OpenDB(ctx, dbc, cfg.Migrate, log)
	if err != nil {
		_ = tel.Shutdown(ctx)
		return nil, err
	}
	s := &server{cfg: cfg, log: log, db: db, tel: tel}
	// What build starts (the components' background work) runs under the
	// job statement limit; requests come with contexts of their own.
	if err := s.build(sqldb.Job(ctx), stdout); err != nil {
		for _, p := range s.parts {
			if p.stop != nil {
				p.stop()
			}
		}
		if s.bus != nil {
			s.bus.Close()
		}
		db.Close()
		return nil, err
	}
	return s, nil
}

// build builds the shared pieces, then walks the component table for the
// components this process runs (and, in a gateway, the ones it forwards),
// and puts the HTTP server together.
func (s *server) build(ctx context.Context, stdout io.Writer) error {
	sh, err := s.buildShared(ctx)
	if err != nil {
		return err
	}
	s.users = sh.users
	comps := s.cfg.Components
	for _, row := range componentTable {
		var c component
		switch {
		case comps.has(row.name):
			if c, err = row.local(ctx, sh); err != nil {
				return err
			}
			c.name = row.name
			sh.local[row.name] = c
			s.parts = append(s.parts, c)
		case row.remote != nil && sh.proxy != nil && sh.proxy.Has(row.name):
			c = row.remote(sh)
		default:
			continue
		}
		if c.routes == nil {
			continue
		}
		wrap := sh.authn
		if !comps.has(row.name) {
			forward := sh.authn(sh.proxy.To(row.name))
			wrap = func(http.Handler) http.Handler { return forward }
		}
		c.routes(sh.mux, wrap)
	}
	h := s.handler(sh)
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", s.cfg.Addr, err)
	}
	s.ln = web.ProblemListener(ln) // net/http's own plain-text 400/431 answers become problem+json
	if s.bootstraps() {
		if err := firstUser(ctx, sh.users, stdout, s.Addr(), s.cfg.DataDir, s.log); err != nil {
			ln.Close()
			return err
		}
	}
	lim := s.cfg.Gateway.withDefaults()
	s.http = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return nil
}

// buildShared builds what the components share: metrics, users, the
// forwarding to upstreams, the event stream and the domain services, each
// only if a component here needs it.
func (s *server) buildShared(ctx context.Context) (*shared, error) {
	sh := &shared{cfg: s.cfg, log: s.log, db: s.db, reg: metrics.NewRegistry(), local: map[string]component{}, tel: s.tel,
		mux: http.NewServeMux()}
	if err := metrics.RegisterBuildInfo(sh.reg, version); err != nil {
		return nil, err
	}
	sh.httpm, sh.gw = metrics.NewHTTP(sh.reg), metrics.NewGateway(sh.reg)
	if err := metrics.RegisterDB(sh.reg, "write", s.db.Write); err != nil {
		return nil, err
	}
	if s.db.Read != s.db.Write {
		if err := metrics.RegisterDB(sh.reg, "read", s.db.Read); err != nil {
			return nil, err
		}
	}
	authOpts, err := s.tokenOptions()
	if err != nil {
		return nil, err
	}
	if sh.proxy, err = s.buildProxy(sh.reg); err != nil {
		return nil, err
	}
	// Principals are cached for --auth-cache-ttl; a revocation anywhere
	// reaches every replica through the event stream's NATS (authnats).
	authOpts = append(authOpts, auth.WithCache(s.cfg.Gateway.AuthCacheTTL, 0),
		auth.WithSessions(auth.SessionConfig{IdleTTL: s.cfg.Gateway.SessionIdle, MaxTTL: s.cfg.Gateway.SessionMax}))
	// Every process given --nats joins it, if only to hear of revoked keys.
	if s.cfg.Components.has(compNotifier) || s.cfg.Notify.NATS != "" {
		if err := s.joinBus(ctx, sh); err != nil {
			return nil, err
		}
		authOpts = append(authOpts, auth.WithBroadcaster(s.authn, s.authn.Failed))
	}
	sh.users = auth.NewService(authsql.New(s.db), authOpts...)
	if s.authn != nil {
		if err := s.authn.Listen(sh.users); err != nil {
			return nil, err
		}
	}
	sh.authn = authapi.RequireObserved(sh.users, s.log, sh.gw.AuthFailure)
	if err := s.buildServices(ctx, sh); err != nil {
		return nil, err
	}
	return sh, nil
}

// buildServices builds the domain services the components here need, in
// the order they depend on each other: the accounts and the classifier's
// engine first, the transaction service with them, the classifier's
// service over it. Nothing is set on a service after it is built.
func (s *server) buildServices(ctx context.Context, sh *shared) error {
	comps := s.cfg.Components
	if !comps.any(compTransactions, compClassifier, compReport) {
		return nil
	}
	_, maxBatch := s.cfg.Limits.Batch()
	opts := []transaction.Option{transaction.WithMaxBatch(maxBatch)}
	if comps.has(compTransactions) {
		// Accounts decide what a transaction may belong to, wherever
		// transactions are written (withAccounts serves their routes).
		_, capAccounts, _ := s.cfg.Limits.RowCaps()
		sh.accounts = account.NewService(accountsql.New(s.db, accountsql.WithRowCap(capAccounts)))
		opts = append(opts, transaction.WithAccounts(sh.accounts))
	}
	var engine *classifier.Engine
	if comps.has(compClassifier) {
		eng, inv, err := newClassifierEngine(sh.bus, classifiersql.New(s.db), metrics.NewClassifier(sh.reg), s.log)
		if err != nil {
			return err
		}
		engine, s.settings = eng, inv
		opts = append(opts, transaction.WithClassifier(engine))
	}
	// With an event stream, the per-user events go to the outbox in each
	// write's own database transaction; the relay publishes them.
	capTxs, _, _ := s.cfg.Limits.RowCaps()
	store := []transactionsql.Option{transactionsql.WithRowCap(capTxs)}
	if sh.bus != nil {
		store = append(store, transactionsql.WithOutbox())
	}
	sh.txs = transaction.NewService(transactionsql.New(s.db, store...), opts...)
	if engine != nil {
		sh.cls = classifier.NewFromEngine(ctx, engine, sh.txs)
	}
	return nil
}

// joinBus opens the event stream (its NATS) and the bridge that carries
// auth invalidations on it, and registers the connection's metrics.
func (s *server) joinBus(ctx context.Context, sh *shared) error {
	bus, err := s.openBus(ctx)
	if err != nil {
		return err
	}
	s.bus, sh.bus = bus, bus
	if err := metrics.RegisterNATS(sh.reg, bus.NC.IsConnected, func() uint64 { return bus.NC.Stats().Reconnects }); err != nil {
		return err
	}
	s.authn = authnats.New(bus.NC, bus.Prefix, s.log)
	return nil
}

// handler is the process's HTTP handler: health, metrics and the
// components' routes, behind the gateway when this process runs it (or
// the internal-secret check when it is a service behind one), with
// metrics, access logs and request ids around everything.
func (s *server) handler(sh *shared) http.Handler {
	mux := sh.mux
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		web.Respond(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", metrics.Handler(sh.reg))
	mux.Handle("GET /api/v1/metrics/summary", sh.authn(metrics.SummaryHandler(sh.reg)))
	// What no route matches is a problem+json 404, or a 405 with Allow for
	// a known path and another method.
	var h http.Handler = web.Problems(mux)
	if gw, ok := sh.local[compGateway]; ok {
		h = gw.wrap(h)
	} else if s.cfg.InternalSecret != "" {
		// The gateway signs the principal of each request it forwards: it is
		// trusted here without authenticating the request again.
		h = proxy.Trusted(s.cfg.InternalSecret, auth.NewSigner(s.cfg.InternalSecret, s.cfg.Gateway.now), s.log, h)
	}
	h = s.cfg.Limits.Bounded(h) // the request deadline and body limits, around the gateway's work too
	h = sh.httpm.Middleware(h)
	h = web.AccessLog(s.log)(h)
	h = s.tel.Handler(h, metrics.Route) // the access log line carries the request's trace id
	return web.WithRequestID(h)
}

// readyz answers 200 when this process can serve: the database takes a
// write (a probe on the health table: a read-only, full or unreachable
// database fails it), the event stream takes publishes, and every
// component here is ready (the notifier's relay and live feed are not
// stuck). Otherwise 503 unavailable naming what is not, without the
// internals, which go to the log.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var public []string
	var causes []error
	fail := func(what string, err error) {
		public = append(public, what)
		causes = append(causes, err)
	}
	if err := s.db.CheckWritable(ctx); err != nil {
		fail("the database cannot take writes", err)
	}
	if s.bus != nil {
		if err := s.bus.Check(ctx); err != nil {
			fail("the event stream cannot take publishes", err)
		}
	}
	for _, p := range s.parts {
		if p.ready == nil {
			continue
		}
		if err := p.ready(ctx); err != nil {
			what := p.name + " is not ready"
			if fault.KindOf(err) == fault.Unavailable {
				what = p.name + ": " + fault.Message(err)
			}
			fail(what, err)
		}
	}
	if len(public) > 0 {
		web.Error(w, r, s.log, &fault.Error{Kind: fault.Unavailable, Msg: "not ready: " + strings.Join(public, "; "), Err: errors.Join(causes...)})
		return
	}
	web.Respond(w, http.StatusOK, s.readyBody())
}

// bootstraps reports whether this process creates the first user: the
// all-in-one trx serve, or one given --bootstrap-admin. A split service
// never does, so that no admin key is printed into a service's log.
func (s *server) bootstraps() bool {
	return s.cfg.BootstrapAdmin || len(s.cfg.Components) == len(componentTable)
}

// firstUser creates the user "admin" with an admin key when the database
// has no user yet. On a terminal it prints the key (once), so that the
// README's two commands are enough to call the API; otherwise (a service
// manager, a container: stdout goes to a log) it writes the key to a file
// readable only by its owner in the data directory and says only where.
func firstUser(ctx context.Context, users *auth.Service, stdout io.Writer, addr, dataDir string, log *slog.Logger) error {
	n, err := users.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	_, key, err := users.AddUser(ctx, "admin", []string{auth.ScopeAdmin})
	if errors.Is(err, auth.ErrUserExists) {
		return nil // another replica created it at the same moment
	}
	if err != nil {
		return err
	}
	if cli.IsTerminal(stdout) {
		log.Info("first_user_created", "name", "admin", "key", "printed on the terminal")
		fmt.Fprintf(stdout, "Created the first user, \"admin\". Its API key is shown only this once:\n\n  %s\n\n"+
			"Try: curl -H 'Authorization: Bearer %s' http://%s/api/v1/transactions\n\n", key, key, addr)
		fmt.Fprint(stdout, passwdHint(addr))
		return nil
	}
	path, err := writeKeyFile(dataDir, key)
	if err != nil {
		return fmt.Errorf("serve: the first user's key: %w", err)
	}
	log.Info("first_user_created", "name", "admin", "key_file", path)
	fmt.Fprintf(stdout, "Created the first user, \"admin\". Its API key is in %s (readable by this user only): read it, keep it, delete the file.\n"+
		"Try: curl -H \"Authorization: Bearer $(cat %s)\" http://%s/api/v1/transactions\n\n", path, path, addr)
	fmt.Fprint(stdout, passwdHint(addr))
	return nil
}

// passwdHint tells how to give the first user a password, to sign in to
// the dashboard as a person.
func passwdHint(addr string) string {
	return "To sign in to the dashboard at http://" + addr + "/ with a name and password, give \"admin\" a password\n" +
		"(with the same --db or --data-dir as this server): trx users passwd admin\n\n"
}

// keyFileName is the file, in the data directory, that holds the first
// user's key when it could not be shown on a terminal.
const keyFileName = "admin-api-key"

// writeKeyFile writes key to a new file of mode 0600 in dir.
func writeKeyFile(dir, key string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path, err := filepath.Abs(filepath.Join(dir, keyFileName))
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	if err := f.Chmod(0o600); err != nil { // an older file may have had another mode
		f.Close()
		return "", err
	}
	if _, err := fmt.Fprintln(f, key); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// Addr returns the address the server listens on.
func (s *server) Addr() string { return s.ln.Addr().String() }

// Started is closed once every component here has finished starting (the
// notifier has joined the event stream).
func (s *server) Started() <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, p := range s.parts {
			if p.started != nil {
				<-p.started
			}
		}
	}()
	return done
}

// run serves until ctx ends, then shuts down gracefully: it stops
// accepting, lets in-flight requests finish within the shutdown timeout,
// stops the components' jobs and closes the database.
func (s *server) run(ctx context.Context) error {
	defer s.db.Close()
	if s.users != nil {
		defer s.users.Flush() // the last-used times of keys, before the database closes
	}
	if s.bus != nil {
		defer s.bus.Close()
	}
	for _, p := range s.parts {
		if p.stop != nil {
			defer p.stop()
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	if s.bus != nil {
		g.Go(func() error { return s.bus.Run(gctx) }) // restarts the embedded NATS if its JetStream stops
	}
	if s.authn != nil {
		g.Go(func() error { return s.authn.Run(gctx) }) // a reconnection drops the principals cached meanwhile
	}
	if s.settings != nil {
		g.Go(func() error { return s.settings.Run(gctx) }) // a reconnection drops the settings cached meanwhile
	}
	for _, p := range s.parts {
		for _, j := range p.jobs {
			g.Go(func() error { return j.run(sqldb.Job(gctx)) })
		}
	}
	g.Go(func() error {
		s.log.Info("listening", "addr", "http://"+s.Addr())
		if err := s.http.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		s.log.Info("shutting_down", "timeout", s.cfg.ShutdownTimeout)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), s.cfg.ShutdownTimeout)
		defer cancel()
		if err := s.http.Shutdown(sctx); err != nil {
			return fmt.Errorf("serve: shutdown: %w", err)
		}
		return nil
	})
	err := g.Wait()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if terr := s.tel.Shutdown(fctx); terr != nil {
		s.log.Warn("tracing_flush_failed", "err", terr)
	}
	s.log.Info("stopped")
	return err
}

const hour = time.Hour

// every calls f now and then every d until ctx ends.
func every(ctx context.Context, d time.Duration, f func()) error {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		f()
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
