// Package export is trx's full data export and its import: every user's own
// data (the users and their API keys, accounts, transactions, categories,
// rules, what the classifier learned and its settings, statement imports
// and their presets) and the stocks, as NDJSON, one record a line,
// streamed both ways so that no size is held in memory.
//
// The file is engine-neutral: a SQLite installation exported imports into
// MySQL and back, with the same rows. Each line is an object with one
// member that names the record's kind, holding the row's columns:
//
//	{"header":{"format":"trx-export","version":1,"scope":"all",…}}
//	{"user":{"id":"…","name":"alice","created_at":"…"}}
//	{"transaction":{"id":"…","user_id":"…","amount":"-12.50","currency":"EUR",…}}
//	…
//	{"end":{"counts":{"user":2,"transaction":1042,…}}}
//
// The header comes first, then the records grouped by kind in Spec order
// (users before what they own, accounts before their transactions), then
// the end line with the count of each kind, so that a file cut short is
// refused instead of imported in part. Money is a decimal string in its
// currency, as in the API ("amount" for amount_minor); instants are RFC
// 3339 UTC to the microsecond, as stored; other values are the stored ones.
// Spec lists every kind and column; LeftOut the tables not exported, and
// why.
//
// This package is the pure core: the format, its checks, the file's writer
// and reader. Source and Sink are what an installation provides (exportsql,
// on both engines); exportapi serves the export over HTTP; trx export --all
// and trx import --all are the command line.
package export

import (
	"context"
	"errors"
)

// Format and Version name the file format in its header; a file of a
// later version is refused rather than half understood.
const (
	Format  = "trx-export"
	Version = 1
)

// Scopes of an export, in its header.
const (
	ScopeAll  = "all"  // every user, and the stocks
	ScopeUser = "user" // one user's own data
)

// Header is the first line of a file.
type Header struct {
	Format        string `json:"format"`
	Version       int    `json:"version"`
	TrxVersion    string `json:"trx_version"`
	SchemaVersion int    `json:"schema_version"`
	ExportedAt    string `json:"exported_at"`
	Scope         string `json:"scope"`
	// UserID is the user of a ScopeUser export.
	UserID string `json:"user_id,omitempty"`
}

// End is the last line of a file: how many records of each kind it holds.
type End struct {
	Counts Counts `json:"counts"`
}

// Counts is a number of records per kind.
type Counts map[string]int64

// Record is one row: the values of Columns, in order. A value is a string,
// int64, bool, float64, []byte or nil (SQL NULL); a Money or Scaled column
// holds its integer (minor units), as stored.
type Record struct {
	Kind    *Kind
	Columns []*Column
	Values  []any
}

// Source is an installation's data, to export.
type Source interface {
	// SchemaVersion is the database's schema version, for the header.
	SchemaVersion(ctx context.Context) (int, error)
	// Export calls emit with every record of the user userID (every user's
	// and the stocks when userID is ""), grouped by kind in Spec order,
	// all read in one consistent snapshot. It stops at emit's first error
	// and returns it.
	Export(ctx context.Context, userID string, emit func(Record) error) error
}

// Sink is an installation to import into.
type Sink interface {
	// Import stores every record that next returns until io.EOF, all or
	// none (one database transaction). It refuses, with ErrNotEmpty, an
	// installation that already has a user or a stock.
	Import(ctx context.Context, next func() (Record, error)) error
}

// Errors callers can tell apart with errors.Is.
var (
	// ErrFormat: the file is not a trx export this trx can read, or a line
	// of it breaks a rule; the message names the line.
	ErrFormat = errors.New("export: bad export file")
	// ErrTruncated: the file ends before its end line.
	ErrTruncated = errors.New("export: the export file is truncated")
	// ErrNotEmpty: the installation to import into has data.
	ErrNotEmpty = errors.New("export: the installation is not empty")
)
