package statement

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/transaction"
)

// The formats an export writes.
const (
	ExportCSV = "csv"
	ExportOFX = "ofx"
)

// ExportRequest is what to export: a format and the listing's filters.
type ExportRequest struct {
	Format string
	Filter transaction.Filter
}

// Export writes userID's transactions that match r.Filter, newest booked
// first, a page at a time (bounded memory, whatever their number). begin
// is called once, before the first byte, with the content type and a file
// name; an error returned before it is the caller's to answer, one after
// it means the output is cut short.
func (s *Service) Export(ctx context.Context, userID string, r ExportRequest, begin func(contentType, filename string) io.Writer) error {
	f := r.Filter
	f.Limit, f.Cursor = transaction.MaxPageSize, ""
	var ofx *OFXAccount
	switch strings.ToLower(r.Format) {
	case ExportCSV, "":
	case ExportOFX:
		if f.AccountID == "" {
			return fileError("account_id", "required", "an OFX export is the statement of one account: name it")
		}
		a, err := s.accounts.Get(ctx, userID, f.AccountID)
		if err != nil {
			return err
		}
		ofx = &OFXAccount{ID: a.ID, Kind: a.Kind, Currency: a.Currency, End: s.now()}
		ofx.Start = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
		if t, err := transaction.ParseTime(f.From); err == nil {
			ofx.Start = t
		}
		if t, err := transaction.ParseTime(f.To); err == nil {
			ofx.End = t
		}
	default:
		return fileError("format", "enum", "%q is not an export format; want csv or ofx", r.Format)
	}
	page, err := s.txs.List(ctx, userID, f) // the filters are checked before anything is written
	if err != nil {
		return err
	}
	if ofx == nil {
		return s.exportCSV(ctx, userID, f, page, begin("text/csv; charset=utf-8", "transactions.csv"))
	}
	bal, err := s.accounts.Balance(ctx, userID, ofx.ID, "")
	if err != nil {
		return err
	}
	w := NewOFXWriter(begin("application/x-ofx", "statement.ofx"), *ofx)
	err = s.pages(ctx, userID, f, page, w.Write)
	if err != nil {
		return err
	}
	return w.Close(bal.Balance, s.now())
}

func (s *Service) exportCSV(ctx context.Context, userID string, f transaction.Filter, first transaction.Page, out io.Writer) error {
	w := NewCSVWriter(out)
	if err := s.pages(ctx, userID, f, first, w.Write); err != nil {
		return err
	}
	return w.Close()
}

// pages calls write for every transaction of the listing that starts with
// first.
func (s *Service) pages(ctx context.Context, userID string, f transaction.Filter, page transaction.Page, write func(transaction.Transaction) error) error {
	for {
		for _, t := range page.Items {
			if err := write(t); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fault.Errorf(fault.Unavailable, "the export was interrupted: %w", err)
		}
		f.Cursor = page.Next
		var err error
		if page, err = s.txs.List(ctx, userID, f); err != nil {
			return err
		}
	}
}
