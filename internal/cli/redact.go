package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
)

// urlRE finds URLs in text: a scheme, "://" and what follows up to a
// space, a comma (lists of NATS servers and upstreams) or a quote.
var urlRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://[^\s,"'<>]+`)

// RedactURLs returns s with the secrets of every URL in it hidden: the
// whole userinfo (a NATS token is a user name alone) and the value of
// every query parameter (a driver's password=, a presigned URL's
// signature). A URL that does not parse is replaced whole.
func RedactURLs(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlRE.ReplaceAllStringFunc(s, func(m string) string {
		u := strings.TrimRight(m, ".:;)]") // punctuation after a URL in a sentence
		return redactURL(u) + m[len(u):]
	})
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		scheme, _, _ := strings.Cut(raw, "://")
		return scheme + "://(redacted)"
	}
	if u.User == nil && u.RawQuery == "" {
		return raw
	}
	if u.User != nil {
		u.User = url.User("xxxxx")
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"xxxxx"}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// RedactingHandler hides the secrets of URLs in every log record: in the
// message and in every attribute (strings, errors, anything printed), so
// that --db, --nats, --upstream, --jwks-url and the errors that quote
// them never put a password or a token in a log line.
type RedactingHandler struct{ next slog.Handler }

func (h RedactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h RedactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, RedactURLs(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h RedactingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = redactAttr(a)
	}
	return RedactingHandler{h.next.WithAttrs(red)}
}

func (h RedactingHandler) WithGroup(name string) slog.Handler {
	return RedactingHandler{h.next.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, RedactURLs(v.String()))
	case slog.KindGroup:
		as := v.Group()
		red := make([]any, len(as))
		for i, g := range as {
			red[i] = redactAttr(g)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			if s := x.Error(); strings.Contains(s, "://") {
				return slog.String(a.Key, RedactURLs(s))
			}
		case fmt.Stringer:
			if s := x.String(); strings.Contains(s, "://") {
				return slog.String(a.Key, RedactURLs(s))
			}
		case []string:
			red := make([]string, len(x))
			for i, s := range x {
				red[i] = RedactURLs(s)
			}
			return slog.Any(a.Key, red)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
