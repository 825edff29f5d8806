package envflag_test

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/envflag"
)

// TestSecretFlags: a secret or URL flag takes its environment twin like any
// flag, but --help never prints the secret: SecretVar says only where it
// is set, URLVar masks userinfo and query values.
func TestSecretFlags(t *testing.T) {
	env := map[string]string{
		"TRX_SECRET": "s3cret-value-1234567890",
		"TRX_DB":     "mysql://trx:db-pa55word@db.internal:3306/trx?tls=custom&password=q-pa55",
		"TRX_NATS":   "nats://user:nats-pa55@n1:4222,nats://tok3n@n2:4222",
	}
	var help bytes.Buffer
	fs := envflag.New("x", "x [flags]", func(k string) string { return env[k] }, &help)
	var secret, db, nats, plain, server string
	fs.SecretVar(&secret, "secret", "", "a secret")
	fs.URLVar(&db, "db", "", "a database URL")
	fs.URLVar(&nats, "nats", "", "NATS URLs")
	fs.URLVar(&plain, "plain", "nats://127.0.0.1:4222", "a URL not set from the environment")
	fs.URLVar(&server, "server", "https://me:srv-pa55@trx.example", "a default with credentials (taken from another variable)")
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if secret != env["TRX_SECRET"] || db != env["TRX_DB"] || nats != env["TRX_NATS"] || plain != "nats://127.0.0.1:4222" ||
		server != "https://me:srv-pa55@trx.example" {
		t.Fatalf("values %q %q %q %q %q: want the environment's, and the default where unset", secret, db, nats, plain, server)
	}
	if err := fs.Parse([]string{"--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	out := help.String()
	for _, leak := range []string{"s3cret-value", "db-pa55word", "q-pa55", "nats-pa55", "tok3n", "trx:", "srv-pa55", "me:"} {
		if strings.Contains(out, leak) {
			t.Errorf("--help shows %q:\n%s", leak, out)
		}
	}
	for _, want := range []string{"set from TRX_SECRET, not shown", "mysql://xxxxx@db.internal:3306/trx?", "password=xxxxx",
		"nats://xxxxx@n1:4222,nats://xxxxx@n2:4222", `(default "nats://127.0.0.1:4222")`, "(default https://xxxxx@trx.example)"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
	// A flag on the command line still wins.
	if err := fs.Parse([]string{"--secret", "other"}); err != nil || secret != "other" {
		t.Fatalf("--secret other: %q (%v)", secret, err)
	}
}

func TestRedactURLs(t *testing.T) {
	for in, want := range map[string]string{
		"":                                    "",
		"sqlite:/var/lib/trx/trx.db":          "sqlite:/var/lib/trx/trx.db",
		"mysql://root@127.0.0.1:3306/test":    "mysql://xxxxx@127.0.0.1:3306/test",
		"https://idp.example/jwks?key=abc":    "https://idp.example/jwks?key=xxxxx",
		"transactions=http://u:p@10.0.0.5:80": "transactions=http://xxxxx@10.0.0.5:80",
		"not a url:with@secret":               "xxxxx",
		"http://%zz:x@h":                      "xxxxx",
	} {
		if got := envflag.RedactURLs(in); got != want {
			t.Errorf("RedactURLs(%q) = %q, want %q", in, got, want)
		}
	}
}
