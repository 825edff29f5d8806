// Package cli is what trx's subcommands share: the environment a command
// runs in, its flag set (every flag with an environment twin), the exit
// codes scripts rely on, safe tables for a terminal, the logger that hides
// secrets, and the flags and opening of the database. The commands
// themselves live in its subpackages (clientcli, admincli, classifycli) and
// in cmd/trx, which only picks the subcommand and delegates.
package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/trx-platform/trx/internal/envflag"
)

// Env is the process environment, as a command receives it.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Version is trx's version (set at build time), for what a command
	// records of the program that wrote it (a backup's manifest).
	Version string
}

// NewFlagSet returns the flag set of the command name: its help begins
// "Usage: trx " + synopsis; every flag --name-x defaults to TRX_NAME_X.
func NewFlagSet(name, synopsis string, e Env) *envflag.FlagSet {
	return envflag.New(name, "trx "+synopsis, e.Getenv, e.Stderr)
}

// Exit codes scripts can rely on: 0 done; 1 the server refused or failed
// (nothing changed, unless the message says what did); 2 a usage error
// (bad flags or arguments, nothing sent); 3 an import that stored its good
// lines but rejected some (--on-error skip); 4 the server cannot be
// reached.
const (
	ExitFailed   = 1
	ExitUsage    = 2
	ExitPartial  = 3
	ExitNoServer = 4
)

// exitError is an error with the exit code main uses for it.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// Exit returns err with the exit code main uses for it.
func Exit(code int, err error) error { return &exitError{code, err} }

// ExitCode is the code main exits with for err (ExitFailed unless Exit
// gave another).
func ExitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitFailed
}

// UsageError is a usage error (ExitUsage) with a formatted message.
func UsageError(format string, args ...any) error {
	return Exit(ExitUsage, fmt.Errorf(format, args...))
}

// IsTerminal reports whether w is a terminal (a character device).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// PrintJSON prints v indented.
func PrintJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Table prints rows under a header, aligned, every cell Printable.
func Table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(PrintableRow(r), "\t")) // no terminal escape from the data
	}
	return tw.Flush()
}

// HasAll reports whether args ask for the administrator's --all form of
// trx export / trx import (the backup round trip) rather than the client.
func HasAll(args []string) bool {
	for _, a := range args {
		switch a {
		case "--all", "-all", "--all=true", "-all=true":
			return true
		case "--":
			return false
		}
	}
	return false
}
