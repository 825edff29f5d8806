package envflag

import (
	"net/url"
	"strings"
)

// Flags that may hold credentials take their environment twin like any
// other, but --help never prints its value: a default printed by
// PrintDefaults lands in terminals, CI logs and bug reports. SecretVar
// prints nothing of it ("set from TRX_X"); URLVar prints the URL with its
// credentials masked.

// masked replaces what is hidden.
const masked = "xxxxx"

// SecretVar defines a string flag that holds a secret (a shared secret, a
// signing key, an API key). Its default comes from the environment like
// StringVar's; the help says only that it is set from there.
func (fs *FlagSet) SecretVar(p *string, name, def, usage string) {
	v, ok := fs.Env(name)
	if !ok {
		fs.FlagSet.StringVar(p, name, def, fs.Help(name, usage))
		return
	}
	fs.FlagSet.StringVar(p, name, "", usage+" (set from "+EnvName(name)+", not shown)")
	*p = v
}

// URLVar defines a string flag that holds one URL or a comma-separated list
// of them (each may be name=URL), which may carry credentials: a database
// URL with a password, a NATS URL with a user and password or a token, a
// query with a key. Its default comes from the environment like
// StringVar's; the help shows it, and a default with credentials (one the
// caller took from elsewhere in the environment), with every userinfo and
// query value masked (RedactURLs).
func (fs *FlagSet) URLVar(p *string, name, def, usage string) {
	v, fromEnv := fs.Env(name)
	switch shown := RedactURLs(def); {
	case fromEnv:
		fs.FlagSet.StringVar(p, name, "", usage+" (set from "+EnvName(name)+": "+RedactURLs(v)+")")
	case shown != def:
		v = def
		fs.FlagSet.StringVar(p, name, "", fs.Help(name, usage)+" (default "+shown+")")
	default:
		fs.FlagSet.StringVar(p, name, def, fs.Help(name, usage))
		return
	}
	*p = v
}

// RedactURLs returns s, one URL or a comma-separated list of them (each
// optionally name=URL), with the userinfo of each (user and password: a
// NATS token is a user) and the values of its query masked. An item that
// is not a URL with a scheme is masked whole, unless it holds no '@', ':'
// or '?' (a plain name or path).
func RedactURLs(s string) string {
	items := strings.Split(s, ",")
	for i, item := range items {
		prefix := ""
		if name, rest, ok := strings.Cut(item, "="); ok && !strings.Contains(name, "://") && !strings.Contains(name, "?") {
			prefix, item = name+"=", rest
		}
		items[i] = prefix + redactURL(strings.TrimSpace(item))
	}
	return strings.Join(items, ",")
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		if strings.ContainsAny(s, "@:?") {
			return masked
		}
		return s
	}
	if u.User != nil {
		u.User = url.User(masked)
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{masked}
		}
		u.RawQuery = q.Encode()
	}
	if u.Opaque != "" && strings.Contains(u.Opaque, "@") {
		u.Opaque = masked
	}
	return u.String()
}
