package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"syscall"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportapi"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/web"
)

// floorTx is one transaction as the floor decodes it: every field the
// generator writes, as plain strings.
type floorTx struct {
	ID, Amount, Currency, Description, BookedAt string
	Category                                    *string
}

// reportFloor measures encoding/json Unmarshal of the file's bytes into
// a slice, then gives the memory back so that the next paths' peak RSS
// does not include it.
func reportFloor(file string, n int) (reportRun, error) {
	resetPeakRSS()
	data, err := os.ReadFile(file)
	if err != nil {
		return reportRun{}, fmt.Errorf("bench report: %w", err)
	}
	cpu := processCPU()
	start := time.Now()
	var txs []floorTx
	err = json.Unmarshal(data, &txs)
	r := reportRun{wall: time.Since(start), cpu: processCPU() - cpu, rss: peakRSS()}
	if err != nil || len(txs) != n {
		return r, fmt.Errorf("bench report: floor: decoded %d of %d transactions: %v", len(txs), n, err)
	}
	txs, data = nil, nil
	debug.FreeOSMemory()
	return r, nil
}

// reportCLI runs `trx report FILE --json` as a child process.
func reportCLI(ctx context.Context, cfg benchReportConfig, file string) (reportRun, []byte, error) {
	args := append(slices.Clone(cfg.exeArgs), "report", file, "--json")
	if cfg.GroupBy != "" {
		args = append(args, "--group-by", cfg.GroupBy)
	}
	cmd := exec.CommandContext(ctx, cfg.exe, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Linux starts the child in this process's memory (vfork) and keeps
	// that memory's peak in the child's rusage maxrss, which is therefore
	// the child's own peak or this process's RSS, whichever is larger. The
	// child's own VmHWM, read from /proc while it runs, is exact but for
	// its last milliseconds; maxrss (with this process's peak reset to its
	// current RSS) is the fallback.
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return reportRun{}, nil, fmt.Errorf("bench report: trx report: %w", err)
	}
	done := make(chan struct{})
	polled := make(chan int64, 1)
	go func() {
		var hwm int64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if v := procPeakRSS(cmd.Process.Pid); v > hwm {
				hwm = v
			}
			select {
			case <-done:
				polled <- hwm
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	r := reportRun{wall: time.Since(start)}
	close(done)
	r.rss = <-polled
	if err != nil {
		return r, nil, fmt.Errorf("bench report: trx report: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && r.rss == 0 {
		r.rss = ru.Maxrss << 10 // KiB on Linux
	}
	return r, stdout.Bytes(), nil
}

// startReportServer serves the report routes on a loopback port, the body
// limit raised to size.
func startReportServer(size int64) (*http.Server, string, error) {
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	authn := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := auth.Principal{UserID: "bench", Scopes: []string{auth.ScopeRead, auth.ScopeWrite}}
			next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
		})
	}
	reportapi.Routes(mux, noStored{}, authn, log, reportapi.Config{MaxBody: max(size, report.DefaultMaxBody)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("bench report: listen: %w", err)
	}
	srv := &http.Server{
		Handler:           web.WithRequestID(web.AccessLog(log)(mux)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Minute,
		WriteTimeout:      30 * time.Minute,
	}
	go srv.Serve(ln) //nolint:errcheck // ends with srv.Close
	return srv, "http://" + ln.Addr().String() + "/api/v1/report", nil
}

// noStored is the StoredSource of the benchmark server, which only
// serves POST.
type noStored struct{}

func (noStored) Each(context.Context, string, transaction.Span, func(transaction.Transaction) error) error {
	return errors.New("no stored transactions in the benchmark")
}

// reportHTTP posts the file to the server, streaming it.
func reportHTTP(ctx context.Context, url, groupBy, file string, size int64) (reportRun, []byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return reportRun{}, nil, fmt.Errorf("bench report: %w", err)
	}
	defer f.Close()
	if groupBy != "" {
		url += "?group_by=" + groupBy
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bufio.NewReaderSize(f, 64<<10))
	if err != nil {
		return reportRun{}, nil, fmt.Errorf("bench report: %w", err)
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/json")
	runtime.GC()
	resetPeakRSS()
	cpu := processCPU()
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reportRun{}, nil, fmt.Errorf("bench report: POST: %w", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	r := reportRun{wall: time.Since(start), cpu: processCPU() - cpu, rss: peakRSS()}
	if err != nil {
		return r, nil, fmt.Errorf("bench report: POST: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return r, nil, fmt.Errorf("bench report: POST: %s: %s", resp.Status, body)
	}
	return r, body, nil
}

// sameReport checks that the CLI and the HTTP endpoint gave the same
// report, of n items.
func sameReport(cliOut, apiOut []byte, n int) error {
	var a, b report.Result
	if err := json.Unmarshal(cliOut, &a); err != nil {
		return fmt.Errorf("bench report: the CLI's output is not a report: %w", err)
	}
	if err := json.Unmarshal(apiOut, &b); err != nil {
		return fmt.Errorf("bench report: the HTTP answer is not a report: %w", err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		return fmt.Errorf("bench report: the CLI and HTTP reports differ:\n%s\n%s", ja, jb)
	}
	if a.Count != int64(n) {
		return fmt.Errorf("bench report: the report counts %d transactions, not %d", a.Count, n)
	}
	return nil
}
