package main

import (
	"context"
	"io"

	"github.com/trx-platform/trx/internal/report/reportcli"
)

// runReport is `trx report [FILE|-] [--json] [--format json|csv]
// [--group-by category,month]`; see package reportcli.
func runReport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return reportcli.Run(ctx, args, stdin, stdout, stderr)
}
