package admincli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/cli"
)

// Healthcheck asks a running trx whether it is alive (or ready): a probe
// for containers whose image has no shell or curl (distroless).
func Healthcheck(ctx context.Context, e cli.Env, args []string) error {
	var (
		addr    string
		ready   bool
		timeout time.Duration
	)
	fs := cli.NewFlagSet("healthcheck", "healthcheck [flags]\n\nExits 0 if the trx at --addr answers /healthz (or /readyz with --ready) with 200, 1 otherwise.", e)
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "address of the trx to check (host:port, or a URL)")
	fs.BoolVar(&ready, "ready", false, "check /readyz (database and event stream reachable) instead of /healthz")
	fs.DurationVar(&timeout, "timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	base := addr
	if !strings.Contains(base, "://") {
		host, port, found := strings.Cut(base, ":")
		if found && (host == "" || host == "0.0.0.0" || host == "[::]") {
			base = "127.0.0.1:" + port // a listen address names no host to call
		}
		base = "http://" + base
	}
	path := "/healthz"
	if ready {
		path = "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+path, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %d: %s", path, res.StatusCode, strings.TrimSpace(string(body)))
	}
	fmt.Fprintln(e.Stdout, strings.TrimSpace(string(body)))
	return nil
}
