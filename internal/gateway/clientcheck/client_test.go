package clientcheck

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startTrx builds trx from the repository and runs `trx serve` on a free
// port of the loopback with its data in a temporary directory; it returns
// the base URL and the first user's API key.
func startTrx(t *testing.T) (base, key string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "trx")
	build := exec.Command("go", "build", "-o", bin, "./cmd/trx")
	build.Dir = filepath.Join("..", "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/trx: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--log-format", "json")
	cmd.Env = append(os.Environ(), "TRX_DATA=", "TRX_DB=")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	keys := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if k := firstKey(sc.Text()); k != "" {
				keys <- k
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	addrs := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`"msg":"listening","addr":"(http://[^"]+)"`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrs <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	deadline := time.After(2 * time.Minute) // a bound on start-up, not an assertion on speed
	for base == "" || key == "" {
		select {
		case key = <-keys:
		case base = <-addrs:
		case <-deadline:
			t.Fatal("trx serve did not print its address and first key")
		}
	}
	for i := 0; ; i++ { // ready: the notifier joined the stream
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if i == 600 {
			t.Fatal("trx serve never became ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return base, key
}

var (
	keyRE     = regexp.MustCompile(`trx_[A-Za-z0-9_-]{43}`)
	keyFileRE = regexp.MustCompile(`Its API key is in (\S+) `)
)

// firstKey returns the first user's key that a line of trx serve's output
// shows or, off a terminal, the key in the file that the line names.
func firstKey(line string) string {
	if k := keyRE.FindString(line); k != "" {
		return k
	}
	m := keyFileRE.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	b, err := os.ReadFile(m[1])
	if err != nil {
		return ""
	}
	return keyRE.FindString(string(b))
}

// TestGeneratedClient runs calls through the generated client: typed
// successes decode, and typed errors carry their problem details.
func TestGeneratedClient(t *testing.T) {
	base, key := startTrx(t)
	ctx := context.Background()
	auth := func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+key)
		return nil
	}
	c, err := NewClientWithResponses(base, WithRequestEditorFn(auth))
	if err != nil {
		t.Fatal(err)
	}

	idem := IdempotencyKey("clientcheck-1")
	created, err := c.CreateTransactionWithResponse(ctx, &CreateTransactionParams{IdempotencyKey: &idem},
		CreateTransactionJSONRequestBody{Amount: "-3.50", Currency: "EUR", Description: "Coffee", BookedAt: "2026-11-27"})
	if err != nil {
		t.Fatal(err)
	}
	if created.StatusCode() != 201 || created.JSON201 == nil || created.JSON201.Amount != "-3.50" || created.JSON201.Id == "" {
		t.Fatalf("create: %d %s", created.StatusCode(), created.Body)
	}
	got, err := c.GetTransactionWithResponse(ctx, created.JSON201.Id, &GetTransactionParams{})
	if err != nil {
		t.Fatal(err)
	}
	if got.StatusCode() != 200 || got.JSON200 == nil || got.JSON200.Description != "Coffee" || got.HTTPResponse.Header.Get("ETag") == "" {
		t.Fatalf("get: %d %s", got.StatusCode(), got.Body)
	}
	list, err := c.ListTransactionsWithResponse(ctx, &ListTransactionsParams{})
	if err != nil {
		t.Fatal(err)
	}
	if list.StatusCode() != 200 || list.JSON200 == nil || len(list.JSON200.Items) != 1 {
		t.Fatalf("list: %d %s", list.StatusCode(), list.Body)
	}

	// A typed 400: too many decimals for EUR, with the field named.
	bad, err := c.CreateTransactionWithResponse(ctx, &CreateTransactionParams{},
		CreateTransactionJSONRequestBody{Amount: "-3.505", Currency: "EUR", Description: "Coffee", BookedAt: "2026-11-27"})
	if err != nil {
		t.Fatal(err)
	}
	if bad.StatusCode() != 400 || bad.ApplicationproblemJSON400 == nil || bad.ApplicationproblemJSON400.Errors == nil ||
		len(*bad.ApplicationproblemJSON400.Errors) == 0 || (*bad.ApplicationproblemJSON400.Errors)[0].Field != "amount" || (*bad.ApplicationproblemJSON400.Errors)[0].Rule != "scale" {
		t.Fatalf("bad amount: %d %s", bad.StatusCode(), bad.Body)
	}
	// A typed 404 and a typed 401.
	missing, err := c.GetTransactionWithResponse(ctx, "0190c0de-0000-7000-8000-000000000000", &GetTransactionParams{})
	if err != nil {
		t.Fatal(err)
	}
	if missing.StatusCode() != 404 || missing.ApplicationproblemJSON404 == nil || missing.ApplicationproblemJSON404.Status != 404 {
		t.Fatalf("missing: %d %s", missing.StatusCode(), missing.Body)
	}
	anon, err := NewClientWithResponses(base)
	if err != nil {
		t.Fatal(err)
	}
	denied, err := anon.ListTransactionsWithResponse(ctx, &ListTransactionsParams{})
	if err != nil {
		t.Fatal(err)
	}
	if denied.StatusCode() != 401 || denied.ApplicationproblemJSON401 == nil || !strings.HasPrefix(denied.ApplicationproblemJSON401.Type, "urn:trx:problem:") {
		t.Fatalf("no credentials: %d %s", denied.StatusCode(), denied.Body)
	}

	// The metrics summary decodes into its schema's type.
	sum, err := c.MetricsSummaryWithResponse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.StatusCode() != 200 || sum.JSON200 == nil || sum.JSON200.Http.RequestsTotal < 5 || len(sum.JSON200.Db) == 0 {
		t.Fatalf("metrics summary: %d %.300s", sum.StatusCode(), sum.Body)
	}
}
