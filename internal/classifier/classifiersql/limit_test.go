package classifiersql_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/classifier/classifiersql"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestLimitsHoldUnderConcurrency: the 500-category and 500-rule limits
// are counted in the insert's own transaction (30 concurrent creates
// reached 508 on MariaDB when the service counted first).
func TestLimitsHoldUnderConcurrency(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.Open(t, d)
			u, _, err := auth.NewService(authsql.New(db)).AddUser(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			s := classifiersql.New(db)
			now := time.Now().UTC().Truncate(time.Microsecond)
			cat := func(i int) error {
				return s.CreateCategory(ctx, classifier.Category{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID,
					Name: fmt.Sprintf("c%d", i), CreatedAt: now, UpdatedAt: now})
			}
			rule := func(i int) error {
				return s.CreateRule(ctx, classifier.Rule{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Position: 1,
					Name: fmt.Sprintf("r%d", i), CategoryID: "travel", Enabled: true, CreatedAt: now, UpdatedAt: now, Version: 1,
					Conditions: []classifier.Condition{{Field: "description", Op: "contains", Value: "x"}}})
			}
			// The rules below the limit are stored in one transaction, in
			// order: through CreateRule each would renumber all the others
			// (quadratic; minutes under -race on a busy machine), and what
			// is tested is the concurrent creates at the limit.
			seedRules := func(n int) error {
				tx, err := db.Write.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				defer tx.Rollback() //nolint:errcheck // no-op after commit
				for i := range n {
					if _, err := tx.ExecContext(ctx, `INSERT INTO category_rules (id, user_id, position, name, conditions, category_id, enabled, created_at, updated_at, version)
						VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, uuid.Must(uuid.NewV7()).String(), u.ID, i+1, fmt.Sprintf("r%d", i),
						`[{"field":"description","op":"contains","value":"x"}]`, "travel", true, sqldb.FormatTime(now), sqldb.FormatTime(now), 1); err != nil {
						return err
					}
				}
				return tx.Commit()
			}
			seedCategories := func(n int) error {
				for i := range n {
					if err := cat(i); err != nil {
						return fmt.Errorf("category %d: %w", i, err)
					}
				}
				return nil
			}
			for _, c := range []struct {
				name   string
				seed   func(n int) error
				create func(int) error
				max    int
				count  func() int
			}{
				{"categories", seedCategories, cat, classifier.MaxCategories, func() int { cs, _ := s.ListCategories(ctx, u.ID); return len(cs) }},
				{"rules", seedRules, rule, classifier.MaxRules, func() int { rs, _ := s.ListRules(ctx, u.ID); return len(rs) }},
			} {
				if err := c.seed(c.max - 10); err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				var wg sync.WaitGroup
				errs := make([]error, 30)
				for i := range errs {
					wg.Add(1)
					go func() { defer wg.Done(); errs[i] = c.create(10_000 + i) }()
				}
				wg.Wait()
				refused := 0
				for _, err := range errs {
					if err != nil {
						if fault.KindOf(err) != fault.Conflict {
							t.Fatalf("%s: %v", c.name, err)
						}
						refused++
					}
				}
				if n := c.count(); n != c.max || refused != 20 {
					t.Fatalf("%s: %d stored, %d refused; want %d and 20", c.name, n, refused, c.max)
				}
			}
		})
	}
}
