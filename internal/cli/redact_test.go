package cli

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestRedactURLs(t *testing.T) {
	for in, want := range map[string]string{
		"nats://u:p@h:4222":                        "nats://xxxxx@h:4222",
		"nats://tok@h:4222,nats://u2:p2@h2:4222":   "nats://xxxxx@h:4222,nats://xxxxx@h2:4222",
		"transactions=http://a:b@svc:80/?k=v&x=y":  "transactions=http://xxxxx@svc:80/?k=xxxxx&x=xxxxx",
		"err: dial http://h/jwks?token=s: refused": "err: dial http://h/jwks?token=xxxxx: refused",
		"http://plain.example/keys":                "http://plain.example/keys",
		"no url here":                              "no url here",
	} {
		if got := RedactURLs(in); got != want {
			t.Errorf("RedactURLs(%q) = %q, want %q", in, got, want)
		}
	}
	// Through the logger: a message, a string, an error and a group.
	var b strings.Builder
	log, _ := NewLogger(&b, "info", "json")
	log.With("db", "mysql://r:s1@h/db").Info("x nats://t0ken@h", "err", errors.New("connect nats://u:s2@h: no"), slog.Group("g", "u", "http://u:s3@h"))
	for _, s := range []string{"s1", "s2", "s3", "t0ken"} {
		if strings.Contains(b.String(), s+"@") || strings.Contains(b.String(), ":"+s) {
			t.Errorf("log holds %q: %s", s, b.String())
		}
	}
}
