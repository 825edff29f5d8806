package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestHelpHidesSecrets: every flag that may hold a credential takes it from
// its environment twin, and --help shows none of it (issue 12): secrets are
// "set from TRX_X, not shown", URLs have their userinfo and query values
// masked.
func TestHelpHidesSecrets(t *testing.T) {
	secrets := map[string]string{
		"TRX_INTERNAL_SECRET": "internal-s3cret-0123456789abcdefghijkl",
		"TRX_JWT_SECRET":      "jwt-s3cret-0123456789abcdefghijklmnop",
		"TRX_DB":              "mysql://trx:db-pa55word@db.internal:3306/trx",
		"TRX_NATS":            "nats://nuser:nats-pa55@nats-1:4222,nats://nats-t0ken@nats-2:4222",
		"TRX_UPSTREAM":        "report=http://up-user:up-pa55@report:8080",
		"TRX_JWKS_URL":        "https://idp.example/jwks?access_token=jwks-t0ken",
		"TRX_OTLP_ENDPOINT":   "https://otel-user:otel-pa55@collector:4318",
		"TRX_KEY":             "trx_k3y_0123456789abcdef",
		"TRX_URL":             "https://url-user:url-pa55@trx.example",
		"TRX_SERVER":          "https://srv-user:srv-pa55@trx.example",
	}
	leaks := []string{"internal-s3cret", "jwt-s3cret", "db-pa55word", "trx:", "nuser", "nats-pa55", "nats-t0ken", "up-user", "up-pa55",
		"jwks-t0ken", "otel-user", "otel-pa55", "trx_k3y", "url-user", "url-pa55", "srv-user", "srv-pa55"}
	for _, tc := range []struct {
		args []string
		want []string // what the help must still say
	}{
		{[]string{"serve", "--help"}, []string{"set from TRX_INTERNAL_SECRET, not shown", "set from TRX_JWT_SECRET, not shown",
			"set from TRX_DB: mysql://xxxxx@db.internal:3306/trx", "set from TRX_NATS: nats://xxxxx@nats-1:4222,nats://xxxxx@nats-2:4222",
			"set from TRX_UPSTREAM: report=http://xxxxx@report:8080", "access_token=xxxxx", "set from TRX_OTLP_ENDPOINT"}},
		{[]string{"accounts", "--help"}, []string{"set from TRX_KEY, not shown", "set from TRX_SERVER: https://xxxxx@trx.example"}},
		{[]string{"restore", "--help"}, []string{"set from TRX_NATS: nats://xxxxx@nats-1:4222"}},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, testEnv(secrets, &out, &errOut))
			if !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("%v: %v, want flag.ErrHelp", tc.args, err)
			}
			help := out.String() + errOut.String()
			for _, leak := range leaks {
				if strings.Contains(help, leak) {
					t.Errorf("%v shows %q", tc.args, leak)
				}
			}
			for _, want := range tc.want {
				if !strings.Contains(help, want) {
					t.Errorf("%v lacks %q", tc.args, want)
				}
			}
			if t.Failed() {
				t.Logf("help:\n%s", help)
			}
		})
	}
	// Without TRX_SERVER, the client's default comes from TRX_URL: masked too.
	env := map[string]string{"TRX_URL": secrets["TRX_URL"]}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"tx", "list", "--help"}, testEnv(env, &out, &errOut)); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("tx list --help: %v", err)
	}
	if help := out.String() + errOut.String(); strings.Contains(help, "url-pa55") || strings.Contains(help, "url-user") ||
		!strings.Contains(help, "https://xxxxx@trx.example") {
		t.Fatalf("tx list --help with TRX_URL:\n%s", help)
	}
}
