package admincli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/trx-platform/trx/internal/cli"
)

// Migrate is `trx migrate [status]`.
func Migrate(ctx context.Context, e cli.Env, args []string) error {
	var cfg cli.DBConfig
	fs := cli.NewFlagSet("migrate", "migrate [status] [flags]\n\nWith no argument, applies every pending migration; 'status' lists them and what is applied.", e)
	cli.DBFlags(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := cli.OpenDBOnly(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	switch {
	case fs.NArg() == 0:
		done, err := db.Migrate(ctx)
		for _, m := range done {
			fmt.Fprintf(e.Stdout, "applied %04d %s\n", m.Version, m.Name)
		}
		if err != nil {
			return err
		}
		if len(done) == 0 {
			fmt.Fprintln(e.Stdout, "schema is up to date")
		}
		return nil
	case fs.NArg() == 1 && fs.Arg(0) == "status":
		st, err := db.Status(ctx)
		tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "VERSION\tNAME\tAPPLIED\n")
		for _, s := range st {
			at := s.AppliedAt
			if at == "" {
				at = "pending"
			}
			fmt.Fprintf(tw, "%04d\t%s\t%s\n", s.Version, cli.Printable(s.Name), at)
		}
		tw.Flush()
		fmt.Fprintf(e.Stdout, "database: %s (%s)\n", db.Where, db.Dialect)
		return err
	}
	return fmt.Errorf("migrate: unexpected arguments %q; want nothing or 'status'", fs.Args())
}
