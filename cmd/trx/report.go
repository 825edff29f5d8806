package main

import (
	"context"
	"io"

	"github.com/trx-platform/trx/internal/report/reportcli"
)

// runReport is `trx report [FILE|-] [--json] [--format json|csv]
// [--group-by category,month]`; see package reportcli. To wire it into
// commands(): "report": {"total money spent and received per currency",
// func(ctx context.Context, e env, args []string) error { return runReport(ctx, args, e.stdin, e.stdout, e.stderr) }}.
func runReport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return reportcli.Run(ctx, args, stdin, stdout, stderr)
}
