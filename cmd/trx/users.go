package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/sqldb"
)

// openDBOnly opens the database that cfg names, as is.
func openDBOnly(ctx context.Context, cfg serveConfig) (*sqldb.DB, error) {
	return sqldb.Open(ctx, sqldb.Config{URL: cfg.DB, DataDir: cfg.DataDir, MaxOpen: 4})
}

func runUsers(ctx context.Context, e env, args []string) error {
	var (
		cfg    serveConfig
		scopes string
	)
	fs := newFlagSet("users", "users add NAME [flags] | users key NAME [flags]\n\n"+
		"'add' creates a user and prints its new API key, alone on stdout (capture it: KEY=$(trx users add alice)).\n"+
		"'key' prints a new, additional API key for an existing user. Keys are stored hashed and shown only once.\n"+
		"Both work while trx serve runs on the same data directory or database.", e)
	dbFlags(fs, &cfg)
	fs.stringVar(&scopes, "scopes", "read,write", "comma-separated scopes of the key: read, write, admin")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 || (fs.Arg(0) != "add" && fs.Arg(0) != "key") {
		fs.Usage()
		return errors.New("users: want 'add NAME' or 'key NAME'")
	}
	sc, err := parseScopes(scopes)
	if err != nil {
		return err
	}
	log, _ := newLogger(e.stderr, "warn", "text")
	db, err := openDB(ctx, cfg, true, log, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := auth.NewService(authsql.New(db))
	var key string
	if fs.Arg(0) == "add" {
		_, key, err = svc.AddUser(ctx, fs.Arg(1), sc)
	} else {
		key, err = svc.AddKey(ctx, fs.Arg(1), sc)
	}
	if err != nil {
		return fmt.Errorf("users %s %q: %w", fs.Arg(0), fs.Arg(1), err)
	}
	fmt.Fprintln(e.stdout, key)
	return nil
}

func parseScopes(s string) ([]string, error) {
	var out []string
	for _, sc := range strings.Split(s, ",") {
		sc = strings.TrimSpace(sc)
		switch sc {
		case auth.ScopeRead, auth.ScopeWrite, auth.ScopeAdmin:
			out = append(out, sc)
		case "":
		default:
			return nil, fmt.Errorf("--scopes: unknown scope %q; want read, write or admin", sc)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("--scopes: name at least one scope")
	}
	return out, nil
}
