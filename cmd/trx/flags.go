package main

import (
	"time"

	"github.com/trx-platform/trx/internal/envflag"
)

// flagSet is an envflag.FlagSet (every flag --name-x has the environment
// twin TRX_NAME_X) under the names the subcommands use.
type flagSet struct {
	*envflag.FlagSet
	errs []string // bad environment values of flag kinds defined in this package; parse reports them
}

func newFlagSet(name, synopsis string, e env) *flagSet {
	return &flagSet{FlagSet: envflag.New(name, "trx "+synopsis, e.getenv, e.stderr)}
}

func envName(flagName string) string { return envflag.EnvName(flagName) }

func (fs *flagSet) env(name string) (string, bool) { return fs.Env(name) }

func (fs *flagSet) help(name, usage string) string { return fs.Help(name, usage) }

func (fs *flagSet) stringVar(p *string, name, def, usage string) { fs.StringVar(p, name, def, usage) }

// secretVar defines a flag that holds a secret: --help never shows its
// value from the environment (envflag.SecretVar).
func (fs *flagSet) secretVar(p *string, name, def, usage string) { fs.SecretVar(p, name, def, usage) }

// urlVar defines a flag that holds URLs that may carry credentials: --help
// shows its value from the environment with them masked (envflag.URLVar).
func (fs *flagSet) urlVar(p *string, name, def, usage string) { fs.URLVar(p, name, def, usage) }

func (fs *flagSet) intVar(p *int, name string, def int, usage string) { fs.IntVar(p, name, def, usage) }

func (fs *flagSet) boolVar(p *bool, name string, def bool, usage string) {
	fs.BoolVar(p, name, def, usage)
}

func (fs *flagSet) durationVar(p *time.Duration, name string, def time.Duration, usage string) {
	fs.DurationVar(p, name, def, usage)
}

// parse parses args and reports bad environment values too. Flags may come
// after positional arguments (trx users add alice --scopes admin); "--"
// ends the flags.
func (fs *flagSet) parse(args []string) error {
	for _, msg := range fs.errs {
		fs.BadEnv(msg)
	}
	fs.errs = nil
	return fs.Parse(args)
}
