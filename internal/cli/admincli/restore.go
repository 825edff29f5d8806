package admincli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/trx-platform/trx/internal/cli"

	"github.com/trx-platform/trx/internal/backup"
	"github.com/trx-platform/trx/internal/event"
)

// Restore is `trx restore FILE --data DIR`.
func Restore(ctx context.Context, e cli.Env, args []string) error {
	var (
		data, natsURL, stream, prefix string
		retention                     time.Duration
		force, verifyOnly             bool
	)
	fs := cli.NewFlagSet("restore", "restore FILE --data DIR [flags]\n\n"+
		"Restores a backup made by trx backup (or by trx serve --backup-every) into the data directory DIR, which must be\n"+
		"empty or new unless --force. The archive is verified first (checksum, format, schema version: a backup of a newer\n"+
		"trx is refused, an older one is migrated). Stop trx serve on DIR before restoring over it.\n"+
		"Then the event stream (the embedded one in DIR/nats, or --nats) is emptied and moved past every sequence the old\n"+
		"server gave out: a WebSocket client resuming with an old sequence gets resync_required and reloads; changes that\n"+
		"were captured but not yet published when the backup was taken are published by the restored server.", e)
	fs.StringVar(&data, "data", "./trx-data", "the data directory to restore into")
	fs.BoolVar(&force, "force", false, "restore into a data directory that is not empty: its database is moved aside to trx.db.replaced-TIME, not deleted")
	fs.BoolVar(&verifyOnly, "verify-only", false, "only check the archive against its manifest and print the manifest; change nothing")
	fs.URLVar(&natsURL, "nats", "", "NATS URL of the JetStream cluster the server uses; empty: its embedded server, in --data/nats")
	fs.StringVar(&stream, "nats-stream", "TRX", "JetStream stream that holds trx's events (as trx serve's --nats-stream)")
	fs.StringVar(&prefix, "nats-prefix", "trx", "first token of trx's NATS subjects (as trx serve's --nats-prefix)")
	fs.DurationVar(&retention, "event-retention", 24*time.Hour, "how long the stream keeps events (as trx serve's --event-retention)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("restore: name one backup archive: trx restore FILE --data DIR")
	}
	file := fs.Arg(0)
	if verifyOnly {
		m, err := backup.Verify(file)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "%s is intact: %d bytes, SHA-256 %s\n", file, m.Size, m.SHA256)
		printManifest(e, m)
		return nil
	}
	res, err := backup.Restore(ctx, file, data, backup.RestoreOptions{Force: force})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "restored %s into %s\n", file, res.Database)
	printManifest(e, res.Manifest)
	for _, m := range res.Migrated {
		fmt.Fprintf(e.Stdout, "  migrated: applied %04d %s\n", m.Version, m.Name)
	}
	for _, r := range res.Replaced {
		fmt.Fprintf(e.Stdout, "  the old database is kept as %s\n", r)
	}

	bus, err := event.Open(ctx, event.Config{URL: natsURL, DataDir: data, Stream: stream, Prefix: prefix, Retention: retention})
	if err != nil {
		return fmt.Errorf("restore: the database is restored, but the event stream was not reset (%w); until it is, "+
			"a client resuming with an old sequence may miss messages: fix NATS and run this restore again with --force", err)
	}
	defer bus.Close()
	first, err := backup.RestartStream(ctx, bus, time.Now())
	if err != nil {
		return fmt.Errorf("restore: the database is restored, but %w; run this restore again with --force", err)
	}
	fmt.Fprintf(e.Stdout, "  event stream %s emptied; its next sequence is %d, past every sequence the old server gave out:\n"+
		"  clients resuming with an older one get resync_required\n", stream, first)
	return nil
}

func printManifest(e cli.Env, m backup.Manifest) {
	fmt.Fprintf(e.Stdout, "  taken %s by trx %s, schema version %d\n  stock changes: up to id %d, %d not yet published then (published by the restored server)\n",
		m.CreatedAt.Format(time.RFC3339), m.TrxVersion, m.SchemaVersion, m.Changes.LastID, m.Changes.Pending)
}
