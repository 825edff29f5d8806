// Package envflag is the command line of trx's programs: a flag.FlagSet
// whose flags default to an environment variable. Every flag --name-x has
// the twin TRX_NAME_X, the help text says so, and flags may follow
// positional arguments.
package envflag

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// FlagSet is a flag.FlagSet whose StringVar, IntVar, BoolVar and
// DurationVar take their default from the flag's environment twin when it
// is set. A bad environment value is reported by Parse.
type FlagSet struct {
	*flag.FlagSet
	getenv func(string) string
	errs   []string
}

// New returns a FlagSet that reads the environment through getenv and
// writes errors and help to stderr; its help begins "Usage: " + usage.
func New(name, usage string, getenv func(string) string, stderr io.Writer) *FlagSet {
	fs := &FlagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), getenv: getenv}
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\n", usage)
		fmt.Fprintln(stderr, "Flags (each also read from the environment variable shown):")
		fs.PrintDefaults()
	}
	return fs
}

// EnvName returns the environment twin of a flag: TRX_NAME_X for name-x.
func EnvName(flagName string) string {
	return "TRX_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Env returns the value of the flag's environment twin, and whether it is
// set (not empty).
func (fs *FlagSet) Env(name string) (string, bool) {
	v := fs.getenv(EnvName(name))
	return v, v != ""
}

// Help returns usage with the flag's environment twin named.
func (fs *FlagSet) Help(name, usage string) string { return usage + " (env " + EnvName(name) + ")" }

// BadEnv records a bad environment value, for Parse to report; flag kinds
// defined outside this package call it.
func (fs *FlagSet) BadEnv(msg string) { fs.errs = append(fs.errs, msg) }

// StringVar defines a string flag, its default taken from the environment.
func (fs *FlagSet) StringVar(p *string, name, def, usage string) {
	if v, ok := fs.Env(name); ok {
		def = v
	}
	fs.FlagSet.StringVar(p, name, def, fs.Help(name, usage))
}

// IntVar defines an int flag, its default taken from the environment.
func (fs *FlagSet) IntVar(p *int, name string, def int, usage string) {
	if v, ok := fs.Env(name); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			fs.BadEnv(fmt.Sprintf("%s=%q: not a whole number", EnvName(name), v))
		}
		def = n
	}
	fs.FlagSet.IntVar(p, name, def, fs.Help(name, usage))
}

// FloatVar defines a float64 flag, its default taken from the environment.
func (fs *FlagSet) FloatVar(p *float64, name string, def float64, usage string) {
	if v, ok := fs.Env(name); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			fs.BadEnv(fmt.Sprintf("%s=%q: not a number", EnvName(name), v))
		}
		def = f
	}
	fs.Float64Var(p, name, def, fs.Help(name, usage))
}

// BoolVar defines a bool flag, its default taken from the environment.
func (fs *FlagSet) BoolVar(p *bool, name string, def bool, usage string) {
	if v, ok := fs.Env(name); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fs.BadEnv(fmt.Sprintf("%s=%q: not true or false", EnvName(name), v))
		}
		def = b
	}
	fs.FlagSet.BoolVar(p, name, def, fs.Help(name, usage))
}

// DurationVar defines a duration flag, its default taken from the
// environment.
func (fs *FlagSet) DurationVar(p *time.Duration, name string, def time.Duration, usage string) {
	if v, ok := fs.Env(name); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			fs.BadEnv(fmt.Sprintf("%s=%q: not a duration such as 30s", EnvName(name), v))
		}
		def = d
	}
	fs.FlagSet.DurationVar(p, name, def, fs.Help(name, usage))
}

// Parse parses args and reports bad environment values too. Flags may come
// after positional arguments (trx users add alice --scopes admin); "--"
// ends the flags. The positional arguments are left in Args.
func (fs *FlagSet) Parse(args []string) error {
	var positional []string
	for {
		if err := fs.FlagSet.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			positional = append(positional, rest...) // everything after "--"
			break
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
	if err := fs.FlagSet.Parse(append([]string{"--"}, positional...)); err != nil {
		return err
	}
	if len(fs.errs) > 0 {
		return fmt.Errorf("bad environment: %s", strings.Join(fs.errs, "; "))
	}
	return nil
}
