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

	"github.com/trx-platform/trx/internal/cli"
	"github.com/trx-platform/trx/internal/cli/admincli"
	"github.com/trx-platform/trx/internal/cli/classifycli"
	"github.com/trx-platform/trx/internal/cli/clientcli"
	"github.com/trx-platform/trx/internal/report/reportcli"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// env is the process environment, as run receives it.
type env = cli.Env

type command struct {
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

// commands maps each subcommand to the package that runs it: trx serve is
// the wiring in this package; the others live in internal/cli's packages.
func commands() map[string]command {
	return map[string]command{
		"serve":       {"run trx: HTTP API, metrics and every component", runServe},
		"healthcheck": {"exit 0 if a running trx answers /healthz (or /readyz): a probe for shell-less containers", admincli.Healthcheck},
		"migrate":     {"apply database migrations, or show their status", admincli.Migrate},
		"users":       {"manage users and their API keys", admincli.Users},
		"keys":        {"create, list and revoke API keys", admincli.Keys},
		"backup":      {"write a consistent snapshot of the SQLite database to an archive, while trx serve runs", admincli.Backup},
		"restore":     {"restore a backup archive into a data directory, verified, migrated if older", admincli.Restore},
		"export":      {"export transactions as CSV or OFX (--account), or every user's data as NDJSON (--all)", allOr(admincli.ExportAll, clientcli.Export)},
		"import":      {"import a bank statement into an account (FILE --account), or an export file (--all)", allOr(admincli.ImportAll, clientcli.Import)},
		"accounts":    {"list your accounts with their balances, or add one, on a running trx", clientcli.Accounts},
		"tx":          {"list or add transactions on a running trx", clientcli.Tx},
		"report": {"total money spent and received per currency, from JSON or CSV", func(ctx context.Context, e env, args []string) error {
			return reportcli.Run(ctx, args, e.Stdin, e.Stdout, e.Stderr)
		}},
		"classify": {"evaluate the classifier on labelled data, or build its built-in model", classifycli.Run},
		"version": {"print the version", func(_ context.Context, e env, _ []string) error {
			fmt.Fprintln(e.Stdout, "trx", version)
			return nil
		}},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], env{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "trx:", cli.RedactURLs(err.Error())) // an error may quote --db or --nats
		os.Exit(cli.ExitCode(err))
	}
}

func run(ctx context.Context, args []string, e env) error {
	e.Version = version
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.Stderr, cmds)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(e.Stderr, cmds)
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

// allOr runs all for the administrator's --all form of a command (trx
// export --all, trx import --all: the whole installation) and client
// otherwise (a user's own data, over the API).
func allOr(all, client func(context.Context, env, []string) error) func(context.Context, env, []string) error {
	return func(ctx context.Context, e env, args []string) error {
		if cli.HasAll(args) {
			return all(ctx, e, args)
		}
		return client(ctx, e, args)
	}
}
