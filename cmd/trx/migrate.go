package main

import (
	"context"
	"fmt"
	"text/tabwriter"
)

func runMigrate(ctx context.Context, e env, args []string) error {
	var cfg serveConfig
	fs := newFlagSet("migrate", "migrate [status] [flags]\n\nWith no argument, applies every pending migration; 'status' lists them and what is applied.", e)
	dbFlags(fs, &cfg)
	if err := fs.parse(args); err != nil {
		return err
	}
	db, err := openDBOnly(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	switch {
	case fs.NArg() == 0:
		done, err := db.Migrate(ctx)
		for _, m := range done {
			fmt.Fprintf(e.stdout, "applied %04d %s\n", m.Version, m.Name)
		}
		if err != nil {
			return err
		}
		if len(done) == 0 {
			fmt.Fprintln(e.stdout, "schema is up to date")
		}
		return nil
	case fs.NArg() == 1 && fs.Arg(0) == "status":
		st, err := db.Status(ctx)
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "VERSION\tNAME\tAPPLIED\n")
		for _, s := range st {
			at := s.AppliedAt
			if at == "" {
				at = "pending"
			}
			fmt.Fprintf(tw, "%04d\t%s\t%s\n", s.Version, printable(s.Name), at)
		}
		tw.Flush()
		fmt.Fprintf(e.stdout, "database: %s (%s)\n", db.Where, db.Dialect)
		return err
	}
	return fmt.Errorf("migrate: unexpected arguments %q; want nothing or 'status'", fs.Args())
}
