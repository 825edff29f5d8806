// Command trx-bench holds trx's load generators and benchmarks: it drives a
// running trx (crud, ws) or the report function (report) and prints the
// figures against the targets of their issues. It is a program of its own,
// left out of the trx binary and its container image.
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

	"github.com/trx-platform/trx/internal/envflag"
)

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
		"crud":   {"create and get transactions through a running trx's API, against a database driver baseline", runBenchCrud},
		"ws":     {"WebSocket notifier: N clients, M price updates; delivery, loss, latency, server CPU and RSS", runBenchWS},
		"report": {"the report function's CLI and HTTP endpoint on N generated transactions, against an encoding/json floor", runBenchReport},
		"import": {"a bank-statement import of N generated CSV lines into a trx serve it starts (SQLite or --db): rows/s and peak RSS", runBenchImport},
		"backup": {"trx backup and trx restore of a SQLite database of N transactions: time, CPU, peak RSS, sizes", runBenchBackup},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "trx-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, e env) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stderr, cmds)
		if len(args) == 0 {
			return errors.New("name a benchmark: crud, ws, report or backup")
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(e.stderr, cmds)
		return fmt.Errorf("unknown benchmark %q; want crud, ws, report or backup", args[0])
	}
	return c.run(ctx, e, args[1:])
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Usage: trx-bench <benchmark> [flags]\n\nBenchmarks:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'trx-bench <benchmark> --help' for the flags of one. Every flag has an environment twin (TRX_…).")
}

// newFlagSet returns the flags of one benchmark; synopsis follows
// "trx-bench " in its help.
func newFlagSet(name, synopsis string, e env) *envflag.FlagSet {
	return envflag.New(name, "trx-bench "+synopsis, e.getenv, e.stderr)
}
