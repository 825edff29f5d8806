package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/classifier/classifierapi"
	"github.com/trx-platform/trx/internal/classifier/classifiersql"
	"github.com/trx-platform/trx/internal/dashboard"
	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/metrics"
	"github.com/trx-platform/trx/internal/notify"
	"github.com/trx-platform/trx/internal/proxy"
	"github.com/trx-platform/trx/internal/relay"
	"github.com/trx-platform/trx/internal/report/reportapi"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/stock/stockapi"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionapi"
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
	Gateway         gatewayConfig
}

// dbFlags adds the flags that say where the database is.
func dbFlags(fs *flagSet, cfg *serveConfig) {
	fs.stringVar(&cfg.DataDir, "data", "./trx-data", "data directory: holds the SQLite database when --db is empty")
	fs.stringVar(&cfg.DB, "db", "", "database URL: empty for SQLite in --data, sqlite:/path/trx.db, or mysql://user:pass@host:3306/dbname")
	fs.intVar(&cfg.MaxOpenConns, "db-max-open", 32, "most open database connections (the read pool on SQLite)")
}

func runServe(ctx context.Context, e env, args []string) error {
	var cfg serveConfig
	fs := newFlagSet("serve", "serve [flags]", e)
	fs.stringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "HTTP listen address (API, metrics, health)")
	dbFlags(fs, &cfg)
	fs.boolVar(&cfg.Migrate, "migrate", true, "apply pending database migrations at start; when false, refuse to start on an out-of-date schema")
	fs.durationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 20*time.Second, "how long in-flight requests may run after SIGINT/SIGTERM")
	fs.stringVar(&cfg.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.stringVar(&cfg.LogFormat, "log-format", "text", "log format: text or json")
	notifyFlags(fs, &cfg.Notify)
	splitFlags(fs, &cfg)
	gatewayFlags(fs, &cfg.Gateway)
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected arguments %q", fs.Args())
	}
	log, err := newLogger(e.stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	s, err := newServer(ctx, cfg, log, e.stdout)
	if err != nil {
		return err
	}
	return s.run(ctx)
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// openDB opens and, if asked, migrates the database that cfg names.
func openDB(ctx context.Context, cfg serveConfig, migrate bool, log *slog.Logger) (*sqldb.DB, error) {
	db, err := sqldb.Open(ctx, sqldb.Config{URL: cfg.DB, DataDir: cfg.DataDir, MaxOpen: cfg.MaxOpenConns})
	if err != nil {
		return nil, err
	}
	if migrate {
		done, err := db.Migrate(ctx)
		if err != nil {
			db.Close()
			return nil, err
		}
		for _, m := range done {
			log.Info("migration_applied", "version", m.Version, "name", m.Name)
		}
	}
	if err := db.CheckUpToDate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// server is every component of trx in one process, on one listener.
type server struct {
	cfg  serveConfig
	log  *slog.Logger
	db   *sqldb.DB
	txs  *transaction.Service
	cls  *classifier.Service
	ln   net.Listener
	http *http.Server

	bus   *event.Bus
	relay *relay.Relay
	node  *notify.Node
	proxy *proxy.Proxy
}

func newServer(ctx context.Context, cfg serveConfig, log *slog.Logger, stdout io.Writer) (*server, error) {
	if len(cfg.Components) == 0 {
		_ = cfg.Components.Set("all")
	}
	log.Info("starting", "version", version, "addr", cfg.Addr, "data", cfg.DataDir, "db", sqldb.Redact(cfg.DB),
		"migrate", cfg.Migrate, "db_max_open", cfg.MaxOpenConns, "shutdown_timeout", cfg.ShutdownTimeout,
		"components", cfg.Components.String(), "upstream", cfg.Upstreams, "internal_secret_set", cfg.InternalSecret != "")
	db, err := openDB(ctx, cfg, cfg.Migrate, log)
	if err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, log: log, db: db}
	if err := s.build(ctx, stdout); err != nil {
		if s.bus != nil {
			s.bus.Close()
		}
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *server) build(ctx context.Context, stdout io.Writer) error {
	reg := metrics.NewRegistry()
	if err := metrics.RegisterDB(reg, "write", s.db.Write); err != nil {
		return err
	}
	if s.db.Read != s.db.Write {
		if err := metrics.RegisterDB(reg, "read", s.db.Read); err != nil {
			return err
		}
	}
	httpMetrics := metrics.NewHTTP(reg)

	users := auth.NewService(authsql.New(s.db))
	if err := s.configureTokens(users); err != nil {
		return err
	}
	comps := s.cfg.Components
	if comps.any(compTransactions, compClassifier, compReport) {
		s.txs = transaction.NewService(transactionsql.New(s.db))
	}
	if comps.has(compClassifier) {
		builtin, err := classifier.BuiltinModel()
		if err != nil {
			return err
		}
		s.cls = classifier.NewService(ctx, classifiersql.New(s.db), s.txs, builtin, s.log)
		s.txs.SetClassifier(s.cls)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		web.Respond(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.db.Ping(pctx); err != nil {
			web.Problemf(w, r, http.StatusServiceUnavailable, "database unreachable: "+err.Error())
			return
		}
		if err := s.notifierReady(); err != nil {
			web.Problemf(w, r, http.StatusServiceUnavailable, err.Error())
			return
		}
		web.Respond(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET /metrics", metrics.Handler(reg))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		web.Problemf(w, r, http.StatusNotFound, "no API route "+r.Method+" "+r.URL.Path)
	})
	authn := auth.Require(users, s.log)
	mux.Handle("GET /api/v1/metrics/summary", authn(metrics.SummaryHandler(reg)))
	if comps.has(compGateway) {
		dashboard.Routes(mux) // the browser dashboard at /, from the front door
	}
	// Each service is mounted here if this process runs it, or, in a
	// gateway with an upstream for it, forwarded there on the same routes.
	mount := func(name string, local bool, routes func(authn func(http.Handler) http.Handler)) {
		switch {
		case local:
			routes(authn)
		case comps.has(compGateway) && s.proxy != nil && s.proxy.Has(name):
			forward := authn(s.proxy.To(name))
			routes(func(http.Handler) http.Handler { return forward })
		}
	}
	if err := s.buildProxy(reg); err != nil {
		return err
	}
	mount(compTransactions, comps.has(compTransactions), func(a func(http.Handler) http.Handler) { transactionapi.Routes(mux, s.txs, a, s.log) })
	mount(compClassifier, comps.has(compClassifier), func(a func(http.Handler) http.Handler) { classifierapi.Routes(mux, s.cls, a, s.log) })
	mount(compReport, comps.has(compReport), func(a func(http.Handler) http.Handler) {
		reportapi.Routes(mux, transactionsql.New(s.db), a, s.log, reportapi.Config{})
	})
	if comps.has(compNotifier) || (comps.any(compTransactions, compClassifier) && s.cfg.Notify.NATS != "") {
		if err := s.buildBus(ctx); err != nil {
			return err
		}
	}
	if comps.has(compNotifier) {
		s.buildNotifier(mux, users, authn, reg)
	} else if comps.has(compGateway) && s.proxy != nil && s.proxy.Has(compNotifier) {
		mount(compNotifier, false, func(a func(http.Handler) http.Handler) {
			stockapi.Routes(mux, nil, a, s.log)
			notify.Routes(mux, nil, a, s.log)
		})
		mux.Handle("GET /ws", s.proxy.To(compNotifier))
	}

	var h http.Handler = mux
	if comps.has(compGateway) {
		gw, err := s.buildGateway(mux, users, authn)
		if err != nil {
			return err
		}
		h = gw
	}
	if s.cfg.InternalSecret != "" && !comps.has(compGateway) {
		h = proxy.Trusted(s.cfg.InternalSecret, h)
	}
	h = httpMetrics.Middleware(h)
	h = web.AccessLog(s.log)(h)
	h = web.WithRequestID(h)

	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	if err := firstUser(ctx, users, stdout, s.Addr(), s.log); err != nil {
		ln.Close()
		return err
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

// firstUser creates the user "admin" with an admin key when the database
// has no user yet, and prints the key (once) so that the README's two
// commands are enough to call the API.
func firstUser(ctx context.Context, users *auth.Service, stdout io.Writer, addr string, log *slog.Logger) error {
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
	log.Info("first_user_created", "name", "admin")
	fmt.Fprintf(stdout, "Created the first user, \"admin\". Its API key is shown only this once:\n\n  %s\n\n"+
		"Try: curl -H 'Authorization: Bearer %s' http://%s/api/v1/transactions\n\n", key, key, addr)
	return nil
}

// Addr returns the address the server listens on.
func (s *server) Addr() string { return s.ln.Addr().String() }

// run serves until ctx ends, then shuts down gracefully: it stops
// accepting, lets in-flight requests finish within the shutdown timeout,
// and closes the database.
func (s *server) run(ctx context.Context) error {
	defer s.db.Close()
	if s.cls != nil {
		defer s.cls.Wait() // background classifier jobs stop with ctx; wait before closing the database
	}
	if s.bus != nil {
		defer s.bus.Close()
	}
	g, gctx := errgroup.WithContext(ctx)
	if s.node != nil {
		g.Go(func() error { return s.node.Run(gctx) })
		g.Go(func() error { return s.relay.Run(gctx) })
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
	if s.txs != nil {
		g.Go(func() error {
			t := time.NewTicker(time.Hour)
			defer t.Stop()
			for {
				if n, err := s.txs.PurgeIdempotency(gctx); err != nil && gctx.Err() == nil {
					s.log.Warn("idempotency_purge_failed", "err", err)
				} else if n > 0 {
					s.log.Info("idempotency_keys_purged", "count", n)
				}
				select {
				case <-gctx.Done():
					return nil
				case <-t.C:
				}
			}
		})
	}
	err := g.Wait()
	s.log.Info("stopped")
	return err
}
