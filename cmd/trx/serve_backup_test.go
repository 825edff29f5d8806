package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestScheduledBackupFailureIsAWarning: a scheduled backup that fails
// leaves the server ready, and /readyz says what failed.
func TestScheduledBackupFailureIsAWarning(t *testing.T) {
	dir := t.TempDir()
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	addr, admin, _ := startServeWith(t, serveConfig{DataDir: dir, Backup: backupConfig{Every: time.Hour, Dir: notADir, Keep: 2}})
	// The first backup is due at start; wait for its outcome.
	for {
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
		if len(body.Warnings) > 0 {
			if !strings.Contains(body.Warnings[0], "backup") || !strings.Contains(body.Warnings[0], "failed") {
				t.Fatalf("warnings %v", body.Warnings)
			}
			break
		}
		time.Sleep(20 * time.Millisecond) // polling for the outcome, not ordering: the loop ends on it
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
