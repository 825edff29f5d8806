package main

import (
	"flag"
	"fmt"

	"strconv"
	"strings"
	"time"
)

// flagSet is a flag.FlagSet whose flags default to an environment variable:
// every flag --name-x has the twin TRX_NAME_X, and the help text says so.
type flagSet struct {
	*flag.FlagSet
	getenv func(string) string
	errs   []string
}

func newFlagSet(name, synopsis string, e env) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), getenv: e.getenv}
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: trx %s\n\n", synopsis)
		fmt.Fprintln(e.stderr, "Flags (each also read from the environment variable shown):")
		fs.PrintDefaults()
	}
	return fs
}

func envName(flagName string) string {
	return "TRX_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (fs *flagSet) env(name string) (string, bool) {
	v := fs.getenv(envName(name))
	return v, v != ""
}

func (fs *flagSet) help(name, usage string) string { return usage + " (env " + envName(name) + ")" }

func (fs *flagSet) stringVar(p *string, name, def, usage string) {
	if v, ok := fs.env(name); ok {
		def = v
	}
	fs.StringVar(p, name, def, fs.help(name, usage))
}

func (fs *flagSet) intVar(p *int, name string, def int, usage string) {
	if v, ok := fs.env(name); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			fs.errs = append(fs.errs, fmt.Sprintf("%s=%q: not a whole number", envName(name), v))
		}
		def = n
	}
	fs.IntVar(p, name, def, fs.help(name, usage))
}

func (fs *flagSet) boolVar(p *bool, name string, def bool, usage string) {
	if v, ok := fs.env(name); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fs.errs = append(fs.errs, fmt.Sprintf("%s=%q: not true or false", envName(name), v))
		}
		def = b
	}
	fs.BoolVar(p, name, def, fs.help(name, usage))
}

func (fs *flagSet) durationVar(p *time.Duration, name string, def time.Duration, usage string) {
	if v, ok := fs.env(name); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			fs.errs = append(fs.errs, fmt.Sprintf("%s=%q: not a duration such as 30s", envName(name), v))
		}
		def = d
	}
	fs.DurationVar(p, name, def, fs.help(name, usage))
}

// parse parses args and reports bad environment values too. Flags may come
// after positional arguments (trx users add alice --scopes admin); "--"
// ends the flags.
func (fs *flagSet) parse(args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
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
	// Leave the positional arguments in fs.Args().
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		return err
	}
	if len(fs.errs) > 0 {
		return fmt.Errorf("bad environment: %s", strings.Join(fs.errs, "; "))
	}
	return nil
}
