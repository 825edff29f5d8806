// Command trx is the trx transactions platform: `trx serve` runs it, and the
// other subcommands are tools around it (migrations, users, the report
// function as a CLI); the load generators are a program of their own,
// cmd/trx-bench.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// env is the process environment, as run receives it.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":       {"run trx: HTTP API, metrics and every component", runServe},
		"healthcheck": {"exit 0 if a running trx answers /healthz (or /readyz): a probe for shell-less containers", runHealthcheck},
		"migrate":     {"apply database migrations, or show their status", runMigrate},
		"users":       {"manage users and their API keys", runUsers},
		"keys":        {"create, list and revoke API keys", runKeys},
		"backup":      {"write a consistent snapshot of the SQLite database to an archive, while trx serve runs", runBackup},
		"restore":     {"restore a backup archive into a data directory, verified, migrated if older", runRestore},
		"export":      {"export transactions as CSV or OFX (--account), or every user's data as NDJSON (--all)", runExport},
		"import":      {"import a bank statement into an account (FILE --account), or an export file (--all)", runImport},
		"accounts":    {"list your accounts with their balances, or add one, on a running trx", runAccounts},
		"tx":          {"list or add transactions on a running trx", runTx},
		"report": {"total money spent and received per currency, from JSON or CSV", func(ctx context.Context, e env, args []string) error {
			return runReport(ctx, args, e.stdin, e.stdout, e.stderr)
		}},
		"classify": {"evaluate the classifier on labelled data, or build its built-in model", runClassify},
		"version": {"print the version", func(_ context.Context, e env, _ []string) error {
			fmt.Fprintln(e.stdout, "trx", version)
			return nil
		}},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "trx:", redactURLs(err.Error())) // an error may quote --db or --nats
		os.Exit(exitCode(err))
	}
}

func run(ctx context.Context, args []string, e env) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stderr, cmds)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(e.stderr, cmds)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, e, args[1:])
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Usage: trx <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'trx <command> --help' for the flags of a command. Every flag has an environment twin (TRX_…).")
}
