package export

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Options are what Export writes into the header.
type Options struct {
	// TrxVersion is the version of the trx that exports.
	TrxVersion string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Export writes an export file of src to w: the data of the user userID,
// or of everyone (and the stocks) when userID is "". It returns how many
// records of each kind it wrote. The file is complete only when Export
// returns nil; a failure part-way leaves a file without its end line,
// which Import refuses.
func Export(ctx context.Context, w io.Writer, src Source, userID string, opt Options) (Counts, error) {
	sv, err := src.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	hdr := Header{Format: Format, Version: Version, TrxVersion: opt.TrxVersion, SchemaVersion: sv,
		ExportedAt: now().UTC().Format(TimeLayout), Scope: ScopeAll}
	if userID != "" {
		hdr.Scope, hdr.UserID = ScopeUser, userID
	}
	if err := writeLine(w, map[string]any{"header": hdr}); err != nil {
		return nil, err
	}
	counts := Counts{}
	last := 0
	var buf []byte
	err = src.Export(ctx, userID, func(r Record) error {
		i := kindIndex(r.Kind)
		switch {
		case i < 0:
			return fmt.Errorf("export: the source gave a record of no kind in Spec")
		case i < last:
			return fmt.Errorf("export: the source gave a %q record after %q ones", r.Kind.Name, Spec[last].Name)
		case len(r.Columns) != len(r.Values):
			return fmt.Errorf("export: the source gave a %q record of %d columns and %d values", r.Kind.Name, len(r.Columns), len(r.Values))
		}
		last = i
		var err error
		if buf, err = appendRecord(buf[:0], r); err != nil {
			return err
		}
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("export: write: %w", err)
		}
		counts[r.Kind.Name]++
		return nil
	})
	if err != nil {
		return counts, err
	}
	if err := writeLine(w, map[string]any{"end": End{Counts: counts}}); err != nil {
		return counts, err
	}
	return counts, nil
}

func writeLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err == nil {
		_, err = w.Write(append(b, '\n'))
	}
	if err != nil {
		return fmt.Errorf("export: write: %w", err)
	}
	return nil
}
