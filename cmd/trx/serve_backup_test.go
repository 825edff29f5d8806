package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/backup"
)

// TestScheduledBackupFailureIsAWarning: a scheduled backup that fails
// leaves the server ready, /readyz says what failed, and the metrics
// summary that the dashboard's metrics page reads counts it.
func TestScheduledBackupFailureIsAWarning(t *testing.T) {
	dir := t.TempDir()
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	runs := make(chan backup.Status, 1)
	addr, admin, _ := startServeWith(t, serveConfig{DataDir: dir, Backup: backupConfig{Every: time.Hour, Dir: notADir, Keep: 2,
		OnRun: func(st backup.Status) {
			select {
			case runs <- st:
			default: // only the first run matters here
			}
		}}})
	// The first backup is due at start; its outcome is in /readyz once
	// the scheduler has told it.
	if st := <-runs; st.LastError == "" {
		t.Fatalf("a backup into a file succeeded: %+v", st)
	}
	res, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Status   string   `json:"status"`
		Warnings []string `json:"warnings"`
	}
	err = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 || body.Status != "ready" {
		t.Fatalf("/readyz: %d %+v %v", res.StatusCode, body, err)
	}
	if len(body.Warnings) != 1 || !strings.Contains(body.Warnings[0], "backup") || !strings.Contains(body.Warnings[0], "failed") ||
		!strings.Contains(body.Warnings[0], notADir) {
		t.Fatalf("warnings %v, want the failed backup and its directory", body.Warnings)
	}
	// The dashboard's metrics page reads it from the summary.
	var sum struct {
		Backup *struct {
			ConsecutiveFailures float64 `json:"consecutive_failures"`
			LastSuccess         *string `json:"last_success"`
		} `json:"backup"`
	}
	if err := json.Unmarshal([]byte(mustAPI(t, addr, admin, "GET", "/api/v1/metrics/summary", "", 200)), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Backup == nil || sum.Backup.ConsecutiveFailures != 1 || sum.Backup.LastSuccess != nil {
		t.Fatalf("summary backup %+v", sum.Backup)
	}
}
