package envflag_test

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trx-platform/trx/internal/envflag"
)

type config struct {
	Target  string
	Workers int
	Idle    bool
	Timeout time.Duration
}

func parse(env map[string]string, args []string) (config, []string, error) {
	var c config
	fs := envflag.New("x", "x [flags]", func(k string) string { return env[k] }, io.Discard)
	fs.StringVar(&c.Target, "target", "http://127.0.0.1:8080", "")
	fs.IntVar(&c.Workers, "workers", 4, "")
	fs.BoolVar(&c.Idle, "idle", false, "")
	fs.DurationVar(&c.Timeout, "read-timeout", time.Second, "")
	err := fs.Parse(args)
	return c, fs.Args(), err
}

func TestFlagSet(t *testing.T) {
	defaults := config{Target: "http://127.0.0.1:8080", Workers: 4, Timeout: time.Second}
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		want     config
		wantArgs []string
		wantErr  string
	}{
		{name: "defaults", want: defaults, wantArgs: []string{}},
		{name: "environment twins", env: map[string]string{"TRX_TARGET": "http://h:1", "TRX_WORKERS": "8", "TRX_IDLE": "true", "TRX_READ_TIMEOUT": "1m"},
			want: config{Target: "http://h:1", Workers: 8, Idle: true, Timeout: time.Minute}, wantArgs: []string{}},
		{name: "a flag beats its twin", env: map[string]string{"TRX_WORKERS": "8"}, args: []string{"--workers", "4"},
			want: defaults, wantArgs: []string{}},
		{name: "flags after arguments, and -- ends them", args: []string{"add", "alice", "--workers", "2", "--", "--not-a-flag"},
			want: config{Target: defaults.Target, Workers: 2, Timeout: time.Second}, wantArgs: []string{"add", "alice", "--not-a-flag"}},
		{name: "bad environment values", env: map[string]string{"TRX_WORKERS": "many", "TRX_IDLE": "maybe", "TRX_READ_TIMEOUT": "soon"},
			wantErr: `bad environment: TRX_WORKERS="many": not a whole number; TRX_IDLE="maybe": not true or false; TRX_READ_TIMEOUT="soon": not a duration`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, args, err := parse(tt.env, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantArgs, args); diff != "" {
				t.Errorf("args (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var out strings.Builder
	var s string
	fs := envflag.New("x", "prog x [flags]", func(string) string { return "" }, &out)
	fs.StringVar(&s, "max-age", "", "how old")
	if err := fs.Parse([]string{"--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"Usage: prog x [flags]", "-max-age", "how old (env TRX_MAX_AGE)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
	if err := fs.Parse([]string{"--nope"}); err == nil {
		t.Error("unknown flag: no error")
	}
}
