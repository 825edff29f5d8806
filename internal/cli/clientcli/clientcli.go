// Package clientcli holds the client commands of trx: trx accounts, trx
// import FILE, trx tx and trx export --account talk to a running trx over
// its API, with the key of a user. Their exit codes are cli's (ExitFailed,
// ExitUsage, ExitPartial, ExitNoServer).
package clientcli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/cli"
	"github.com/trx-platform/trx/internal/envflag"

	"github.com/trx-platform/trx/internal/account/accountapi"
	"github.com/trx-platform/trx/internal/web"
)

// clientConfig is what every client command needs.
type clientConfig struct {
	server, key  string
	json, quiet  bool
	stdout       io.Writer
	stderr       io.Writer
	stderrIsTerm bool
}

// clientFlags adds --server, --key, --json and --quiet to fs. The server
// defaults to TRX_URL (else a local trx), as the key does to TRX_KEY.
func clientFlags(fs *envflag.FlagSet, e cli.Env, c *clientConfig) {
	def := e.Getenv("TRX_URL")
	if def == "" {
		def = "http://127.0.0.1:8080"
	}
	fs.URLVar(&c.server, "server", def, "the trx to talk to (default TRX_URL, else http://127.0.0.1:8080)")
	fs.SecretVar(&c.key, "key", "", "your API key (trx users key NAME makes one)")
	fs.BoolVar(&c.json, "json", false, "print JSON (the API's own form) instead of a table")
	fs.BoolVar(&c.quiet, "quiet", false, "print nothing but errors (the exit code tells the outcome)")
	c.stdout, c.stderr = e.Stdout, e.Stderr
	if f, ok := e.Stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			c.stderrIsTerm = true
		}
	}
}

// parseClient parses the flags of a client command and checks the key.
func parseClient(fs *envflag.FlagSet, c *clientConfig, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return cli.Exit(cli.ExitUsage, err)
	}
	if c.key == "" {
		return cli.UsageError("no API key: pass --key or set TRX_KEY (trx users key NAME prints one)")
	}
	if _, err := url.Parse(c.server); err != nil || !strings.HasPrefix(c.server, "http") {
		return cli.UsageError("--server %q is not an http:// or https:// URL", c.server)
	}
	return nil
}

// api is a client of a trx's API.
type api struct {
	c    *clientConfig
	http *http.Client
}

func newAPI(c *clientConfig) *api {
	return &api{c: c, http: &http.Client{Timeout: 10 * time.Minute}}
}

// request sends method path with body (JSON unless contentType says
// otherwise) and returns the response when its status is a 2xx; otherwise
// the error, in plain words, with the exit code to use.
func (a *api) request(ctx context.Context, method, path string, body io.Reader, contentType string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(a.c.server, "/")+path, body)
	if err != nil {
		return nil, cli.UsageError("%v", err)
	}
	req.Header.Set("Authorization", "Bearer "+a.c.key)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := a.http.Do(req)
	if err != nil {
		return nil, cli.Exit(cli.ExitNoServer, fmt.Errorf("cannot reach trx at %s: %v (is it running? set --server or TRX_URL)", a.c.server, err))
	}
	if res.StatusCode >= 300 {
		defer res.Body.Close()
		return nil, cli.Exit(cli.ExitFailed, problemText(res))
	}
	return res, nil
}

// call sends a JSON request (in may be nil) and decodes a JSON answer into
// out (which may be nil).
func (a *api) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	res, err := a.request(ctx, method, path, body, "application/json")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, res.Body)
		return err
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return fmt.Errorf("the server's answer cannot be read: %v", err)
	}
	return nil
}

// problemText turns a problem+json answer into a sentence or a few lines:
// what is wrong with which field (or line of a statement).
func problemText(res *http.Response) error {
	var p web.Problem
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if json.Unmarshal(b, &p) != nil || p.Status == 0 {
		return fmt.Errorf("the server answered %s", res.Status)
	}
	if res.StatusCode == http.StatusUnauthorized {
		return errors.New("the server does not know this API key (check --key or TRX_KEY)")
	}
	if len(p.Errors) <= 1 {
		return errors.New(strings.TrimSuffix(p.Detail, "."))
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "refused, %d problems:", len(p.Errors))
	for i, e := range p.Errors {
		if i == 20 {
			fmt.Fprintf(&sb, "\n  … and %d more", len(p.Errors)-20)
			break
		}
		fmt.Fprintf(&sb, "\n  %s: %s", e.Field, e.Detail)
	}
	return errors.New(sb.String())
}

// accountByName finds one of the user's accounts (closed ones too) by its
// name, whatever the case.
func (a *api) accountByName(ctx context.Context, name string) (accountapi.Resource, error) {
	var list struct {
		Items []accountapi.Resource `json:"items"`
	}
	if err := a.call(ctx, "GET", "/api/v1/accounts?include_closed=true", nil, &list); err != nil {
		return accountapi.Resource{}, err
	}
	var names []string
	for _, acc := range list.Items {
		if strings.EqualFold(acc.Name, strings.TrimSpace(name)) {
			return acc, nil
		}
		names = append(names, fmt.Sprintf("%q", acc.Name))
	}
	if len(names) == 0 {
		return accountapi.Resource{}, cli.Exit(cli.ExitFailed, fmt.Errorf("you have no account %q (nor any other): trx accounts add NAME --kind checking --currency EUR", name))
	}
	return accountapi.Resource{}, cli.Exit(cli.ExitFailed, fmt.Errorf("you have no account %q; yours are %s", name, strings.Join(names, ", ")))
}
