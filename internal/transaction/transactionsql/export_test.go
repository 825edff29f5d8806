package transactionsql

import (
	"context"

	"github.com/trx-platform/trx/internal/transaction"
)

// The list planner, for the tests of list.go.

// ListPath names a way a listing reads its rows.
type ListPath = listPath

// The paths.
const (
	PathWalk   = pathWalk
	PathAmount = pathAmount
	PathText   = pathText
)

// SetProbe sets the count of matches below which a listing reads the
// candidates of an amount range or a text (candidateLimit by default).
func (s *Store) SetProbe(n int) { s.probe = n }

// ListStatement is the page's statement of q along path, from the
// candidates ids (for a path other than the walk).
func (s *Store) ListStatement(q transaction.Query, path ListPath, ids []string) (string, []any) {
	return s.listStatement(q, path, ids)
}

// Candidates is the candidates' SELECT of q along path ("" for none).
func (s *Store) Candidates(q transaction.Query, path ListPath) (string, []any) {
	return s.candidates(q, path)
}

// ProbeStatement selects q's candidates along path, up to limit.
func (s *Store) ProbeStatement(q transaction.Query, path ListPath, limit int) (string, []any) {
	return s.probeStatement(q, path, limit)
}

// ChoosePath is the path List takes for q.
func (s *Store) ChoosePath(ctx context.Context, q transaction.Query) (ListPath, error) {
	path, _, err := s.choosePath(ctx, q)
	return path, err
}

// ProbeIDs reads the ids of q's candidates along path, up to limit.
func (s *Store) ProbeIDs(ctx context.Context, q transaction.Query, path ListPath, limit int) ([]string, error) {
	ids, _, err := s.probeIDs(ctx, q, path, limit)
	return ids, err
}

// WalkIndex is the index a walk of q reads.
func WalkIndex(q transaction.Query) string { return walkIndex(q) }
