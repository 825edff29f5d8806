package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestBackupProcessUnderWrites: `trx backup`, run as a process of its own
// against the data directory of a server that is taking creates, makes an
// archive that restores to a consistent state: every create acknowledged
// before the backup started is in it, and each writer's creates that are in
// it are a prefix of what that writer sent (a writer waits for each answer
// before the next, so a consistent snapshot holds the first k of them).
func TestBackupProcessUnderWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds trx and runs a backup under load")
	}
	bin := buildTrx(t)
	dir := t.TempDir()
	addr, admin, stop := startServe(t, dir)

	const writers, most = 4, 100 // at most 400 rows: one page of the listing
	var (
		mu     sync.Mutex
		acked  = make([]int, writers) // creates answered 201, per writer
		failed error
	)
	warm := make(chan struct{}, writers) // one token per writer after 10 creates
	done := make(chan struct{})          // the backup has finished
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			warmed := false
			defer func() {
				if !warmed { // it stopped early: the test must not wait for it
					warm <- struct{}{}
				}
			}()
			for n := 0; n < most; n++ {
				if n == 10 {
					warm <- struct{}{}
					warmed = true
				}
				select {
				case <-done:
					return
				default:
				}
				code, body := apiCall(t, addr, admin, "POST", "/api/v1/transactions",
					fmt.Sprintf(`{"amount":"-1.00","currency":"EUR","description":"w%d-%03d","booked_at":"2026-11-20"}`, w, n))
				mu.Lock()
				if code != 201 && failed == nil {
					failed = fmt.Errorf("writer %d, create %d: %d %s", w, n, code, body)
				}
				if code == 201 {
					acked[w] = n + 1
				}
				mu.Unlock()
				if code != 201 {
					return
				}
			}
		})
	}
	for range writers {
		<-warm
	}
	mu.Lock()
	before := append([]int(nil), acked...)
	mu.Unlock()

	archive := filepath.Join(t.TempDir(), "b.tar")
	out, err := exec.Command(bin, "backup", "--data", dir, "--out", archive).CombinedOutput()
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatalf("trx backup under writes: %v\n%s", err, out)
	}
	if failed != nil {
		t.Fatal(failed)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	if out := runTrx(t, "restore", archive, "--data", restored); !strings.Contains(out, "next sequence is") {
		t.Fatalf("trx restore printed %q", out)
	}
	addr2, _, _ := startServe(t, restored)
	got := make([]map[int]bool, writers)
	for w := range got {
		got[w] = map[int]bool{}
	}
	for line := range strings.Lines(transactions(t, addr2, admin)) {
		var tx struct{ Description string }
		if err := json.Unmarshal([]byte(line), &tx); err != nil {
			t.Fatal(err)
		}
		var w, n int
		if _, err := fmt.Sscanf(tx.Description, "w%d-%d", &w, &n); err != nil || w < 0 || w >= writers {
			t.Fatalf("restored a transaction no writer made: %q", tx.Description)
		}
		got[w][n] = true
	}
	for w := range writers {
		k := len(got[w])
		for n := range k {
			if !got[w][n] {
				t.Fatalf("writer %d: the restored creates are not a prefix (%d of them, create %d missing)", w, k, n)
			}
		}
		if k < before[w] {
			t.Errorf("writer %d: %d creates acknowledged before the backup started, %d restored", w, before[w], k)
		}
		if k > acked[w] { // every writer has its answers now
			t.Errorf("writer %d: %d restored, only %d acknowledged", w, k, acked[w])
		}
		t.Logf("writer %d: %d acknowledged before the backup, %d restored, %d acknowledged in all", w, before[w], k, acked[w])
	}
}
