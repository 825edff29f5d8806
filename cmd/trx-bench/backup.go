package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/sqldb"
)

const benchBackupSynopsis = `backup --rows N [--dir DIR] [--runs 3] [--trx PATH]

Measures trx backup and trx restore on a SQLite data directory holding N
transactions (of 100 users; a third categorized, descriptions and
counterparties of realistic length), generated into DIR/data once and
reused by later runs with the same N. Each run is the trx program as a
child process: wall time, CPU time and peak RSS (the child's VmHWM), and the
sizes of the database and the archive. Run it on a quiet machine: the
figures are for BENCHMARKS.md.`

type benchBackupConfig struct {
	Rows int
	Dir  string
	Runs int
	Trx  string
}

func runBenchBackup(ctx context.Context, e env, args []string) error {
	var cfg benchBackupConfig
	fs := newFlagSet("backup", benchBackupSynopsis, e)
	fs.IntVar(&cfg.Rows, "rows", 0, "transactions in the database; required (the issue's figure is 1000000)")
	fs.StringVar(&cfg.Dir, "dir", "", "where the database, archives and restores go (kept, and the database reused); empty: a temporary directory, removed")
	fs.IntVar(&cfg.Runs, "runs", 3, "backups and restores measured")
	fs.StringVar(&cfg.Trx, "trx", "", "the trx program to run; empty: trx next to this program, else trx on PATH")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench backup: unexpected arguments %q", fs.Args())
	}
	if cfg.Rows < 1 || cfg.Rows > 100_000_000 || cfg.Runs < 1 || cfg.Runs > 100 {
		return fmt.Errorf("bench backup: want --rows 1 to 100000000 and --runs 1 to 100")
	}
	exe, err := findTrx(cfg.Trx)
	if err != nil {
		return err
	}
	if cfg.Dir == "" {
		if cfg.Dir, err = os.MkdirTemp("", "trx-bench-backup-"); err != nil {
			return err
		}
		defer os.RemoveAll(cfg.Dir)
	}
	data := filepath.Join(cfg.Dir, "data")
	start := time.Now()
	made, err := backupDataset(ctx, data, cfg.Rows)
	if err != nil {
		return err
	}
	if made {
		fmt.Fprintf(e.stderr, "generated %d transactions in %s in %s\n", cfg.Rows, data, time.Since(start).Round(time.Second))
	}
	dbSize := fileSize(filepath.Join(data, "trx.db")) + fileSize(filepath.Join(data, "trx.db-wal"))

	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "run\tstep\twall\tCPU\tpeak RSS\tsize\t\n")
	for i := range cfg.Runs {
		archive := filepath.Join(cfg.Dir, fmt.Sprintf("backup-%d.tar", i))
		restored := filepath.Join(cfg.Dir, fmt.Sprintf("restore-%d", i))
		for _, p := range []string{archive, restored} {
			if err := os.RemoveAll(p); err != nil {
				return err
			}
		}
		b, err := runChild(ctx, exe, "backup", "--data", data, "--out", archive)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%d\tbackup\t%s\t%s\t%s\t%s\t\n", i+1, b.wall.Round(time.Millisecond), b.cpu.Round(time.Millisecond), mib(b.rss), mib(fileSize(archive)))
		r, err := runChild(ctx, exe, "restore", archive, "--data", restored)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%d\trestore\t%s\t%s\t%s\t%s\t\n", i+1, r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond), mib(r.rss), mib(fileSize(filepath.Join(restored, "trx.db"))))
		if err := os.RemoveAll(restored); err != nil {
			return err
		}
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "\ndatabase: %d transactions, %s (with its WAL); %d CPUs; %s\n", cfg.Rows, mib(dbSize), runtime.NumCPU(), exe)
	return nil
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// backupDataset makes the database of rows transactions in dir, unless one
// of that many is there already; it says whether it made one.
func backupDataset(ctx context.Context, dir string, rows int) (bool, error) {
	if _, err := os.Stat(filepath.Join(dir, "trx.db")); err == nil {
		db, err := sqldb.Open(ctx, sqldb.Config{DataDir: dir})
		if err != nil {
			return false, err
		}
		defer db.Close()
		var n int
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM transactions`).Scan(&n); err != nil {
			return false, fmt.Errorf("bench backup: %s: %w", dir, err)
		}
		if n == rows {
			return false, nil
		}
		return false, fmt.Errorf("bench backup: %s holds %d transactions, not %d: give another --dir", dir, n, rows)
	}
	db, err := sqldb.Open(ctx, sqldb.Config{DataDir: dir})
	if err != nil {
		return false, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return false, err
	}
	const users = 100
	now := time.Now().UTC()
	userIDs := make([]string, users)
	for i := range userIDs {
		userIDs[i] = uuid.Must(uuid.NewV7()).String()
		if _, err := db.Write.ExecContext(ctx, `INSERT INTO users (id, name, created_at) VALUES (?, ?, ?)`,
			userIDs[i], fmt.Sprintf("user%03d", i), sqldb.FormatTime(now)); err != nil {
			return false, err
		}
	}
	merchants := []string{"POS PURCHASE TESCO STORES 3341 LONDON", "AMAZON MKTPLACE PMTS AMZN.CO.UK/PM", "SQ *BLUE BOTTLE COFFEE OAKLAND CA",
		"UBER *TRIP HELP.UBER.COM", "SALARY ACME CORP DECEMBER", "RENT 12 HIGH STREET", "PAYPAL *SPOTIFY 35314369001"}
	categories := []string{"food_and_drink", "general_merchandise", "transportation", "income", "rent_and_utilities"}
	const batch = 10_000
	for done := 0; done < rows; {
		tx, err := db.Write.BeginTx(ctx, nil)
		if err != nil {
			return false, err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO transactions (id, user_id, amount_minor, currency, description, counterparty,
			booked_at, category_id, category_source, category_confidence, created_at, updated_at, version) VALUES (?, ?, ?, 'EUR', ?, ?, ?, ?, ?, ?, ?, ?, 1)`)
		if err != nil {
			tx.Rollback() //nolint:errcheck // failing anyway
			return false, err
		}
		for n := 0; n < batch && done < rows; n, done = n+1, done+1 {
			var cat, src, conf any
			if done%3 == 0 {
				cat, src, conf = categories[done%len(categories)], "model", int64(7000+done%3000)
			}
			booked := sqldb.FormatTime(now.Add(-time.Duration(done) * time.Minute))
			if _, err := stmt.ExecContext(ctx, uuid.Must(uuid.NewV7()).String(), userIDs[done%users], int64(-(done%50000)-1),
				merchants[done%len(merchants)], fmt.Sprintf("Counterparty %d", done%997), booked, cat, src, conf, booked, booked); err != nil {
				tx.Rollback() //nolint:errcheck // failing anyway
				return false, err
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			return false, err
		}
	}
	return true, nil
}

// childRun is one measured run of a child process.
type childRun struct {
	wall, cpu time.Duration
	rss       int64 // peak, bytes
}

// runChild runs exe with args and measures it: its peak RSS is its own
// VmHWM, read from /proc while it runs (the rusage maxrss of a child that
// Linux started in this process's memory can be this process's), falling
// back to maxrss.
func runChild(ctx context.Context, exe string, args ...string) (childRun, error) {
	cmd := exec.CommandContext(ctx, exe, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return childRun{}, fmt.Errorf("bench backup: %s: %w", args[0], err)
	}
	done, polled := make(chan struct{}), make(chan int64, 1)
	go func() {
		var hwm int64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			hwm = max(hwm, procPeakRSS(cmd.Process.Pid))
			select {
			case <-done:
				polled <- hwm
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	r := childRun{wall: time.Since(start)}
	close(done)
	r.rss = <-polled
	if err != nil {
		return r, fmt.Errorf("bench backup: trx %s: %w: %s", args[0], err, bytes.TrimSpace(stderr.Bytes()))
	}
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && r.rss == 0 {
		r.rss = ru.Maxrss << 10 // KiB on Linux
	}
	return r, nil
}
