package admincli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/trx-platform/trx/internal/cli"

	"github.com/trx-platform/trx/internal/export"
	"github.com/trx-platform/trx/internal/export/exportsql"
	"github.com/trx-platform/trx/internal/sqldb"
)

// ExportAll is `trx export --all`: every user's data as NDJSON.
func ExportAll(ctx context.Context, e cli.Env, args []string) error {
	var (
		cfg cli.DBConfig
		all bool
		out string
	)
	fs := cli.NewFlagSet("export", "export --all [--out FILE] [flags]\n\n"+
		"Writes every user's data (users and API key digests, accounts, transactions, categories, rules, what the classifier\n"+
		"learned and its settings, statement imports and presets) and the stocks as NDJSON, from one consistent snapshot,\n"+
		"streamed: the file trx import --all reads into an empty installation, on either engine. Works while trx serve runs.\n"+
		"A user's own data is GET /api/v1/export with that user's key.", e)
	cli.DBFlags(fs, &cfg)
	fs.BoolVar(&all, "all", false, "export every user's data (required: trx export without --all is kept for the client command line)")
	fs.StringVar(&out, "out", "-", "the file to write; - for stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !all {
		return errors.New("export: name --all (every user's data, for an administrator); a single user's export is GET /api/v1/export with that user's key")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export: unexpected arguments %q", fs.Args())
	}
	db, err := cli.OpenDBOnly(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Status(ctx); errors.Is(err, sqldb.ErrSchemaTooNew) {
		return fmt.Errorf("export: %w: this trx does not know every table of it; export with the trx that migrated it", err)
	} else if err != nil {
		return err
	}
	w, done, err := cli.CreateOutput(out, e.Stdout)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	counts, err := export.Export(ctx, bw, exportsql.New(db), "", export.Options{TrxVersion: e.Version})
	if err == nil {
		err = bw.Flush()
	}
	if err := done(err); err != nil {
		return err
	}
	fmt.Fprintf(e.Stderr, "exported %s\n", counts)
	return nil
}

// ImportAll is `trx import --all FILE`: an export file into an empty installation.
func ImportAll(ctx context.Context, e cli.Env, args []string) error {
	var (
		cfg cli.DBConfig
		all bool
	)
	fs := cli.NewFlagSet("import", "import --all FILE [flags]\n\n"+
		"Reads an export file (trx export --all, or GET /api/v1/export; - for stdin) into an empty installation: a new data\n"+
		"directory or an empty database, migrated first. All or nothing: a file cut short or with a bad line imports nothing.\n"+
		"Run it before the first trx serve, which would create the user admin.", e)
	cli.DBFlags(fs, &cfg)
	fs.BoolVar(&all, "all", false, "import an export file of every user's data (required: trx import without --all is kept for bank statements)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !all {
		return errors.New("import: bank statements cannot be imported from the command line yet; " +
			"to load an export file (trx export --all, GET /api/v1/export) into an empty installation, run trx import --all FILE")
	}
	if fs.NArg() != 1 {
		return errors.New("import: name one export file: trx import --all FILE (- for stdin)")
	}
	var r io.Reader = e.Stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		r = f
	}
	log, _ := cli.NewLogger(e.Stderr, "warn", "text")
	db, err := cli.OpenDB(ctx, cfg, true, log)
	if err != nil {
		return err
	}
	defer db.Close()
	hdr, counts, err := export.Import(ctx, r, exportsql.New(db))
	if err != nil {
		return err // its messages start with "export"
	}
	fmt.Fprintf(e.Stdout, "imported %s (exported %s by trx %s, schema version %d) into %s\n",
		counts, hdr.ExportedAt, hdr.TrxVersion, hdr.SchemaVersion, db.Where)
	return nil
}
