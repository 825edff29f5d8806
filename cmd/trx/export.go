package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/trx-platform/trx/internal/export"
	"github.com/trx-platform/trx/internal/export/exportsql"
	"github.com/trx-platform/trx/internal/sqldb"
)

func runExport(ctx context.Context, e env, args []string) error {
	if !hasAll(args) {
		return runClientExport(ctx, e, args) // the client command: client_export.go
	}
	var (
		cfg serveConfig
		all bool
		out string
	)
	fs := newFlagSet("export", "export --all [--out FILE] [flags]\n\n"+
		"Writes every user's data (users and API key digests, accounts, transactions, categories, rules, what the classifier\n"+
		"learned and its settings, statement imports and presets) and the stocks as NDJSON, from one consistent snapshot,\n"+
		"streamed: the file trx import --all reads into an empty installation, on either engine. Works while trx serve runs.\n"+
		"A user's own data is GET /api/v1/export with that user's key.", e)
	dbFlags(fs, &cfg)
	fs.boolVar(&all, "all", false, "export every user's data (required: trx export without --all is kept for the client command line)")
	fs.stringVar(&out, "out", "-", "the file to write; - for stdout")
	if err := fs.parse(args); err != nil {
		return err
	}
	if !all {
		return errors.New("export: name --all (every user's data, for an administrator); a single user's export is GET /api/v1/export with that user's key")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export: unexpected arguments %q", fs.Args())
	}
	db, err := openDBOnly(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Status(ctx); errors.Is(err, sqldb.ErrSchemaTooNew) {
		return fmt.Errorf("export: %w: this trx does not know every table of it; export with the trx that migrated it", err)
	} else if err != nil {
		return err
	}
	w, done, err := createOutput(out, e.stdout)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	counts, err := export.Export(ctx, bw, exportsql.New(db), "", export.Options{TrxVersion: version})
	if err == nil {
		err = bw.Flush()
	}
	if err := done(err); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "exported %s\n", counts)
	return nil
}

// createOutput opens where an export goes: stdout for "-", else a new
// file written beside path and renamed to it once complete, so that a
// failed export never leaves a file that looks whole. done(err) finishes
// it (removing the partial file when err is not nil) and returns err or
// its own error.
func createOutput(path string, stdout io.Writer) (io.Writer, func(error) error, error) {
	if path == "-" || path == "" {
		return stdout, func(err error) error { return err }, nil
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".part")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("export: %w", err)
	}
	return f, func(err error) error {
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp, path)
		}
		if err != nil {
			os.Remove(tmp)
		}
		return err
	}, nil
}

func runImport(ctx context.Context, e env, args []string) error {
	if !hasAll(args) {
		return runClientImport(ctx, e, args) // the client command: client_import.go
	}
	var (
		cfg serveConfig
		all bool
	)
	fs := newFlagSet("import", "import --all FILE [flags]\n\n"+
		"Reads an export file (trx export --all, or GET /api/v1/export; - for stdin) into an empty installation: a new data\n"+
		"directory or an empty database, migrated first. All or nothing: a file cut short or with a bad line imports nothing.\n"+
		"Run it before the first trx serve, which would create the user admin.", e)
	dbFlags(fs, &cfg)
	fs.boolVar(&all, "all", false, "import an export file of every user's data (required: trx import without --all is kept for bank statements)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if !all {
		return errors.New("import: bank statements cannot be imported from the command line yet; " +
			"to load an export file (trx export --all, GET /api/v1/export) into an empty installation, run trx import --all FILE")
	}
	if fs.NArg() != 1 {
		return errors.New("import: name one export file: trx import --all FILE (- for stdin)")
	}
	var r io.Reader = e.stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		r = f
	}
	log, _ := newLogger(e.stderr, "warn", "text")
	db, err := openDB(ctx, cfg, true, log, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	hdr, counts, err := export.Import(ctx, r, exportsql.New(db))
	if err != nil {
		return err // its messages start with "export"
	}
	fmt.Fprintf(e.stdout, "imported %s (exported %s by trx %s, schema version %d) into %s\n",
		counts, hdr.ExportedAt, hdr.TrxVersion, hdr.SchemaVersion, db.Where)
	return nil
}
