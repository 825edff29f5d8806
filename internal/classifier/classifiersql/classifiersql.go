// Package classifiersql is the classifier.Store on SQL, for SQLite and for
// MySQL/MariaDB, in the SQL both engines share (the schema is in
// sqldb/migrations, 0002_classifier.sql); where they differ — upserts and
// duplicate keys — the dialect decides, in plain sight.
package classifiersql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/money"
	"github.com/trx-platform/trx/internal/sqldb"
)

// Store is a classifier.Store on a sqldb.DB.
type Store struct {
	db *sqldb.DB
}

var _ classifier.Store = (*Store)(nil)

// New returns a Store on db.
func New(db *sqldb.DB) *Store { return &Store{db: db} }

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// ---- versions ----

type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// bump adds one to a per-user version counter (column rules, categories
// or memory of classifier_versions), in the caller's transaction.
func (s *Store) bump(ctx context.Context, q execer, userID, column string) error {
	stmt := `INSERT INTO classifier_versions (user_id, ` + column + `) VALUES (?, 1)`
	switch s.db.Dialect {
	case sqldb.SQLite:
		stmt += ` ON CONFLICT (user_id) DO UPDATE SET ` + column + ` = ` + column + ` + 1`
	case sqldb.MySQL:
		stmt += ` ON DUPLICATE KEY UPDATE ` + column + ` = ` + column + ` + 1`
	}
	if _, err := q.ExecContext(ctx, stmt, userID); err != nil {
		return fmt.Errorf("classifiersql: bump %s version: %w", column, err)
	}
	return nil
}

// underLimit refuses a create that would take the user past max rows of
// table (categories, rules), counted in the create's own transaction with
// the user's row locked on MySQL (SQLite serializes write transactions),
// so that concurrent creates cannot pass the limit together.
func (s *Store) underLimit(ctx context.Context, tx *sql.Tx, userID, table string, max int, what string) error {
	if s.db.Dialect == sqldb.MySQL {
		var id string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE id = ? FOR UPDATE`, userID).Scan(&id); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE user_id = ?`, userID).Scan(&n); err != nil {
		return err
	}
	if n >= max {
		return fault.Errorf(fault.Conflict, "you have %d %s, the limit", max, what)
	}
	return nil
}

// State reads the versions and settings deciding depends on, in one query.
func (s *Store) State(ctx context.Context, userID string) (classifier.State, error) {
	st := classifier.State{Settings: classifier.DefaultSettings(userID)}
	var (
		auto      sql.NullBool
		threshold sql.NullInt64
		updated   sql.NullString
	)
	err := s.db.Read.QueryRowContext(ctx, `SELECT
		COALESCE((SELECT rules FROM classifier_versions WHERE user_id = ?), 0),
		COALESCE((SELECT categories FROM classifier_versions WHERE user_id = ?), 0),
		COALESCE((SELECT memory FROM classifier_versions WHERE user_id = ?), 0),
		COALESCE((SELECT version FROM classifier_models WHERE user_id = ?), 0),
		(SELECT auto_on_create FROM classifier_settings WHERE user_id = ?),
		(SELECT threshold_bp FROM classifier_settings WHERE user_id = ?),
		(SELECT updated_at FROM classifier_settings WHERE user_id = ?)`,
		userID, userID, userID, userID, userID, userID, userID).
		Scan(&st.Rules, &st.Categories, &st.Memory, &st.Model, &auto, &threshold, &updated)
	if err != nil {
		return st, fmt.Errorf("classifiersql: state: %w", err)
	}
	if threshold.Valid {
		st.Settings.AutoOnCreate, st.Settings.Threshold = auto.Bool, int(threshold.Int64)
		if st.Settings.UpdatedAt, err = sqldb.ParseTime(updated.String); err != nil {
			return st, fmt.Errorf("classifiersql: state: %w", err)
		}
	}
	return st, nil
}

// ---- categories ----

const catColumns = `id, user_id, name, parent_id, created_at, updated_at`

func scanCategory(r interface{ Scan(...any) error }) (classifier.Category, error) {
	var (
		c                classifier.Category
		parent           sql.NullString
		created, updated string
	)
	if err := r.Scan(&c.ID, &c.UserID, &c.Name, &parent, &created, &updated); err != nil {
		return c, err
	}
	c.ParentID = parent.String
	var err error
	if c.CreatedAt, err = sqldb.ParseTime(created); err != nil {
		return c, err
	}
	c.UpdatedAt, err = sqldb.ParseTime(updated)
	return c, err
}

// ListCategories returns the user's own categories by name.
func (s *Store) ListCategories(ctx context.Context, userID string) ([]classifier.Category, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+catColumns+` FROM categories WHERE user_id = ? ORDER BY name_key, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("classifiersql: list categories: %w", err)
	}
	defer rows.Close()
	var out []classifier.Category
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, fmt.Errorf("classifiersql: list categories: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("classifiersql: list categories: %w", err)
	}
	return out, nil
}

// GetCategory returns one of the user's categories.
func (s *Store) GetCategory(ctx context.Context, userID, id string) (classifier.Category, error) {
	c, err := scanCategory(s.db.Read.QueryRowContext(ctx, `SELECT `+catColumns+` FROM categories WHERE user_id = ? AND id = ?`, userID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, classifier.ErrCategoryNotFound
	}
	if err != nil {
		return c, fmt.Errorf("classifiersql: get category: %w", err)
	}
	return c, nil
}

func nameKey(name string) string { return strings.ToLower(name) }

// CreateCategory stores c.
func (s *Store) CreateCategory(ctx context.Context, c classifier.Category) error {
	return s.inTx(ctx, "create category", func(tx *sql.Tx) error {
		if err := s.underLimit(ctx, tx, c.UserID, "categories", classifier.MaxCategories, "categories"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO categories (id, user_id, name, name_key, parent_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, c.UserID, c.Name, nameKey(c.Name), nullable(c.ParentID),
			sqldb.FormatTime(c.CreatedAt), sqldb.FormatTime(c.UpdatedAt))
		if sqldb.IsDuplicate(err) {
			return classifier.ErrCategoryExists
		}
		if err != nil {
			return err
		}
		return s.bump(ctx, tx, c.UserID, "categories")
	})
}

// UpdateCategory writes c's name and parent.
func (s *Store) UpdateCategory(ctx context.Context, c classifier.Category) error {
	return s.inTx(ctx, "update category", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE categories SET name = ?, name_key = ?, parent_id = ?, updated_at = ?
		WHERE user_id = ? AND id = ?`, c.Name, nameKey(c.Name), nullable(c.ParentID), sqldb.FormatTime(c.UpdatedAt), c.UserID, c.ID)
		if sqldb.IsDuplicate(err) {
			return classifier.ErrCategoryExists
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			// MySQL counts rows changed, not matched: an update to the same
			// values is 0 too.
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM categories WHERE user_id = ? AND id = ?`, c.UserID, c.ID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return classifier.ErrCategoryNotFound
			}
			if err != nil {
				return err
			}
		}
		return s.bump(ctx, tx, c.UserID, "categories")
	})
}

// inTx runs fn in a write transaction; an error that is not one of the
// classifier's own is wrapped with what.
func (s *Store) inTx(ctx context.Context, what string, fn func(*sql.Tx) error) error {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("classifiersql: %s: %w", what, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if err := fn(tx); err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			return err
		}
		return fmt.Errorf("classifiersql: %s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("classifiersql: %s: commit: %w", what, err)
	}
	return nil
}

// CategoryUse counts the rules that set a category and its children.
func (s *Store) CategoryUse(ctx context.Context, userID, id string) (rules, children int64, err error) {
	err = s.db.Read.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM category_rules WHERE user_id = ? AND category_id = ?),
		(SELECT COUNT(*) FROM categories WHERE user_id = ? AND parent_id = ?)`, userID, id, userID, id).Scan(&rules, &children)
	if err != nil {
		return 0, 0, fmt.Errorf("classifiersql: category use: %w", err)
	}
	return rules, children, nil
}

// DeleteCategory deletes a category, moving its rules to moveRulesTo and
// its children to the top level.
func (s *Store) DeleteCategory(ctx context.Context, userID, id, moveRulesTo string) error {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("classifiersql: delete category: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if moveRulesTo != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE category_rules SET category_id = ?, version = version + 1 WHERE user_id = ? AND category_id = ?`,
			moveRulesTo, userID, id); err != nil {
			return fmt.Errorf("classifiersql: delete category: move rules: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE categories SET parent_id = NULL WHERE user_id = ? AND parent_id = ?`, userID, id); err != nil {
		return fmt.Errorf("classifiersql: delete category: move children: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM categories WHERE user_id = ? AND id = ?`, userID, id)
	if err != nil {
		return fmt.Errorf("classifiersql: delete category: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return classifier.ErrCategoryNotFound
	}
	if err := s.bump(ctx, tx, userID, "categories"); err != nil {
		return err
	}
	if err := s.bump(ctx, tx, userID, "rules"); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("classifiersql: delete category: commit: %w", err)
	}
	return nil
}

// ---- rules ----

const ruleColumns = `id, user_id, position, name, conditions, category_id, enabled, created_at, updated_at, version`

func scanRule(r interface{ Scan(...any) error }) (classifier.Rule, error) {
	var (
		x                classifier.Rule
		conds            string
		created, updated string
	)
	if err := r.Scan(&x.ID, &x.UserID, &x.Position, &x.Name, &conds, &x.CategoryID, &x.Enabled, &created, &updated, &x.Version); err != nil {
		return x, err
	}
	if err := json.Unmarshal([]byte(conds), &x.Conditions); err != nil {
		return x, fmt.Errorf("rule %s conditions: %w", x.ID, err)
	}
	var err error
	if x.CreatedAt, err = sqldb.ParseTime(created); err != nil {
		return x, err
	}
	x.UpdatedAt, err = sqldb.ParseTime(updated)
	return x, err
}

// ListRules returns the user's rules in position order.
func (s *Store) ListRules(ctx context.Context, userID string) ([]classifier.Rule, error) {
	return s.listRules(ctx, s.db.Read, userID)
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func (s *Store) listRules(ctx context.Context, q querier, userID string) ([]classifier.Rule, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+ruleColumns+` FROM category_rules WHERE user_id = ? ORDER BY position, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("classifiersql: list rules: %w", err)
	}
	defer rows.Close()
	var out []classifier.Rule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, fmt.Errorf("classifiersql: list rules: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("classifiersql: list rules: %w", err)
	}
	return out, nil
}

// GetRule returns one rule.
func (s *Store) GetRule(ctx context.Context, userID, id string) (classifier.Rule, error) {
	r, err := scanRule(s.db.Read.QueryRowContext(ctx, `SELECT `+ruleColumns+` FROM category_rules WHERE user_id = ? AND id = ?`, userID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, classifier.ErrRuleNotFound
	}
	if err != nil {
		return r, fmt.Errorf("classifiersql: get rule: %w", err)
	}
	return r, nil
}

// renumber rewrites the positions of the user's rules as 1..n in the order
// given, with moved (if not "") placed at position pos.
func (s *Store) renumber(ctx context.Context, tx *sql.Tx, userID, moved string, pos int) error {
	rules, err := s.listRules(ctx, tx, userID)
	if err != nil {
		return err
	}
	var order []string
	for _, r := range rules {
		if r.ID != moved {
			order = append(order, r.ID)
		}
	}
	if moved != "" {
		i := min(max(pos-1, 0), len(order))
		order = append(order[:i], append([]string{moved}, order[i:]...)...)
	}
	at := make(map[string]int, len(rules))
	for _, r := range rules {
		at[r.ID] = r.Position
	}
	var changed []rulePosition // the rules that move
	for i, id := range order {
		if p, ok := at[id]; !ok || p != i+1 {
			changed = append(changed, rulePosition{id, i + 1})
		}
	}
	// One statement per 200 rules that move, not one per rule: a rule put
	// first among 500 moves them all, under the user's lock.
	for len(changed) > 0 {
		n := min(len(changed), 200)
		if err := setPositions(ctx, tx, userID, changed[:n]); err != nil {
			return err
		}
		changed = changed[n:]
	}
	return nil
}

// rulePosition is a rule's new position.
type rulePosition struct {
	id  string
	pos int
}

// setPositions sets the positions of some of the user's rules in one UPDATE.
func setPositions(ctx context.Context, tx *sql.Tx, userID string, moves []rulePosition) error {
	var q strings.Builder
	q.WriteString(`UPDATE category_rules SET position = CASE id`)
	args := make([]any, 0, 3*len(moves)+1)
	for _, m := range moves {
		q.WriteString(` WHEN ? THEN ?`)
		args = append(args, m.id, m.pos)
	}
	q.WriteString(` END WHERE user_id = ? AND id IN (?` + strings.Repeat(`, ?`, len(moves)-1) + `)`)
	args = append(args, userID)
	for _, m := range moves {
		args = append(args, m.id)
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("classifiersql: renumber rules: %w", err)
	}
	return nil
}

func conditionsJSON(r classifier.Rule) (string, error) {
	b, err := json.Marshal(r.Conditions)
	if err != nil {
		return "", fmt.Errorf("classifiersql: encode conditions: %w", err)
	}
	return string(b), nil
}

// CreateRule stores r at r.Position.
func (s *Store) CreateRule(ctx context.Context, r classifier.Rule) error {
	conds, err := conditionsJSON(r)
	if err != nil {
		return err
	}
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("classifiersql: create rule: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if err := s.underLimit(ctx, tx, r.UserID, "category_rules", classifier.MaxRules, "rules"); err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			return err
		}
		return fmt.Errorf("classifiersql: create rule: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO category_rules (`+ruleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.UserID, r.Position, r.Name, conds, r.CategoryID, r.Enabled,
		sqldb.FormatTime(r.CreatedAt), sqldb.FormatTime(r.UpdatedAt), r.Version); err != nil {
		return fmt.Errorf("classifiersql: create rule: %w", err)
	}
	if err := s.renumber(ctx, tx, r.UserID, r.ID, r.Position); err != nil {
		return err
	}
	if err := s.bump(ctx, tx, r.UserID, "rules"); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("classifiersql: create rule: commit: %w", err)
	}
	return nil
}

// UpdateRule writes r if the stored version is r.Version-1.
func (s *Store) UpdateRule(ctx context.Context, r classifier.Rule) error {
	conds, err := conditionsJSON(r)
	if err != nil {
		return err
	}
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("classifiersql: update rule: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	res, err := tx.ExecContext(ctx, `UPDATE category_rules SET name = ?, conditions = ?, category_id = ?, enabled = ?, updated_at = ?, version = ?
		WHERE user_id = ? AND id = ? AND version = ?`, r.Name, conds, r.CategoryID, r.Enabled, sqldb.FormatTime(r.UpdatedAt), r.Version,
		r.UserID, r.ID, r.Version-1)
	if err != nil {
		return fmt.Errorf("classifiersql: update rule: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_ = tx.Rollback()
		if _, err := s.GetRule(ctx, r.UserID, r.ID); err != nil {
			return err
		}
		return classifier.ErrRuleVersion
	}
	if err := s.renumber(ctx, tx, r.UserID, r.ID, r.Position); err != nil {
		return err
	}
	if err := s.bump(ctx, tx, r.UserID, "rules"); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("classifiersql: update rule: commit: %w", err)
	}
	return nil
}

// DeleteRule deletes a rule and closes the gap in positions.
func (s *Store) DeleteRule(ctx context.Context, userID, id string) error {
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("classifiersql: delete rule: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	res, err := tx.ExecContext(ctx, `DELETE FROM category_rules WHERE user_id = ? AND id = ?`, userID, id)
	if err != nil {
		return fmt.Errorf("classifiersql: delete rule: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return classifier.ErrRuleNotFound
	}
	if err := s.renumber(ctx, tx, userID, "", 0); err != nil {
		return err
	}
	if err := s.bump(ctx, tx, userID, "rules"); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("classifiersql: delete rule: commit: %w", err)
	}
	return nil
}

// ---- settings ----

// Settings returns the user's settings, or the defaults.
func (s *Store) Settings(ctx context.Context, userID string) (classifier.Settings, error) {
	set := classifier.DefaultSettings(userID)
	var updated string
	err := s.db.Read.QueryRowContext(ctx, `SELECT auto_on_create, threshold_bp, updated_at FROM classifier_settings WHERE user_id = ?`, userID).
		Scan(&set.AutoOnCreate, &set.Threshold, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return set, nil
	}
	if err != nil {
		return set, fmt.Errorf("classifiersql: settings: %w", err)
	}
	set.UpdatedAt, err = sqldb.ParseTime(updated)
	return set, err
}

// SaveSettings stores set.
func (s *Store) SaveSettings(ctx context.Context, set classifier.Settings) error {
	q := `INSERT INTO classifier_settings (user_id, auto_on_create, threshold_bp, updated_at) VALUES (?, ?, ?, ?)`
	switch s.db.Dialect {
	case sqldb.SQLite:
		q += ` ON CONFLICT (user_id) DO UPDATE SET auto_on_create = excluded.auto_on_create, threshold_bp = excluded.threshold_bp, updated_at = excluded.updated_at`
	case sqldb.MySQL:
		q += ` ON DUPLICATE KEY UPDATE auto_on_create = VALUES(auto_on_create), threshold_bp = VALUES(threshold_bp), updated_at = VALUES(updated_at)`
	}
	if _, err := s.db.Write.ExecContext(ctx, q, set.UserID, set.AutoOnCreate, set.Threshold, sqldb.FormatTime(set.UpdatedAt)); err != nil {
		return fmt.Errorf("classifiersql: save settings: %w", err)
	}
	return nil
}

// ---- models ----

// LoadModel returns the user's model and its version (nil, 0 if none).
// It reads from the write side so that an update reads what it replaces.
func (s *Store) LoadModel(ctx context.Context, userID string) ([]byte, int64, error) {
	var (
		blob []byte
		v    int64
	)
	err := s.db.Write.QueryRowContext(ctx, `SELECT model, version FROM classifier_models WHERE user_id = ?`, userID).Scan(&blob, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("classifiersql: load model: %w", err)
	}
	return blob, v, nil
}

// SaveModel stores the model as version prev+1 if the stored one is prev.
func (s *Store) SaveModel(ctx context.Context, userID string, blob []byte, examples, prev int64, at time.Time) error {
	var (
		res sql.Result
		err error
	)
	if prev == 0 {
		res, err = s.db.Write.ExecContext(ctx, `INSERT INTO classifier_models (user_id, version, examples, model, updated_at) VALUES (?, 1, ?, ?, ?)`,
			userID, examples, blob, sqldb.FormatTime(at))
		if sqldb.IsDuplicate(err) {
			return classifier.ErrModelConflict
		}
	} else {
		res, err = s.db.Write.ExecContext(ctx, `UPDATE classifier_models SET version = ?, examples = ?, model = ?, updated_at = ?
			WHERE user_id = ? AND version = ?`, prev+1, examples, blob, sqldb.FormatTime(at), userID, prev)
	}
	if err != nil {
		return fmt.Errorf("classifiersql: save model: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return classifier.ErrModelConflict
	}
	return nil
}

// ---- examples ----

// ChangeExamples stores put and deletes forget, bumping the memory version.
func (s *Store) ChangeExamples(ctx context.Context, userID string, put []classifier.Learned, forget []string) (int64, error) {
	var v int64
	err := s.inTx(ctx, "change examples", func(tx *sql.Tx) error {
		for _, id := range forget {
			if _, err := tx.ExecContext(ctx, `DELETE FROM classifier_examples WHERE user_id = ? AND tx_id = ?`, userID, id); err != nil {
				return err
			}
		}
		if err := s.putExamples(ctx, tx, userID, put); err != nil {
			return err
		}
		var err error
		v, err = s.bumpMemory(ctx, tx, userID)
		return err
	})
	return v, err
}

// ReplaceExamples makes ls the user's examples.
func (s *Store) ReplaceExamples(ctx context.Context, userID string, ls []classifier.Learned) (int64, error) {
	var v int64
	err := s.inTx(ctx, "replace examples", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM classifier_examples WHERE user_id = ?`, userID); err != nil {
			return err
		}
		if err := s.putExamples(ctx, tx, userID, ls); err != nil {
			return err
		}
		var err error
		v, err = s.bumpMemory(ctx, tx, userID)
		return err
	})
	return v, err
}

func (s *Store) putExamples(ctx context.Context, tx *sql.Tx, userID string, ls []classifier.Learned) error {
	q := `INSERT INTO classifier_examples (user_id, tx_id, category_id, description, counterparty, amount, currency, learned_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	switch s.db.Dialect {
	case sqldb.SQLite:
		q += ` ON CONFLICT (user_id, tx_id) DO UPDATE SET category_id = excluded.category_id, description = excluded.description,
			counterparty = excluded.counterparty, amount = excluded.amount, currency = excluded.currency, learned_at = excluded.learned_at`
	case sqldb.MySQL:
		q += ` ON DUPLICATE KEY UPDATE category_id = VALUES(category_id), description = VALUES(description),
			counterparty = VALUES(counterparty), amount = VALUES(amount), currency = VALUES(currency), learned_at = VALUES(learned_at)`
	}
	for _, l := range ls {
		if _, err := tx.ExecContext(ctx, q, userID, l.TxID, l.Category, l.Description, l.Counterparty, l.Amount, l.Currency,
			sqldb.FormatTime(l.At)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) bumpMemory(ctx context.Context, tx *sql.Tx, userID string) (int64, error) {
	if err := s.bump(ctx, tx, userID, "memory"); err != nil {
		return 0, err
	}
	var v int64
	err := tx.QueryRowContext(ctx, `SELECT memory FROM classifier_versions WHERE user_id = ?`, userID).Scan(&v)
	return v, err
}

// Examples returns the user's examples, oldest first.
func (s *Store) Examples(ctx context.Context, userID string) ([]classifier.Learned, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT tx_id, category_id, description, counterparty, amount, currency, learned_at
		FROM classifier_examples WHERE user_id = ? ORDER BY learned_at, tx_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("classifiersql: examples: %w", err)
	}
	defer rows.Close()
	var out []classifier.Learned
	for rows.Next() {
		var (
			l  classifier.Learned
			at string
		)
		if err := rows.Scan(&l.TxID, &l.Category, &l.Description, &l.Counterparty, &l.Amount, &l.Currency, &at); err != nil {
			return nil, fmt.Errorf("classifiersql: examples: %w", err)
		}
		if l.At, err = sqldb.ParseTime(at); err != nil {
			return nil, fmt.Errorf("classifiersql: examples: %w", err)
		}
		l.Exponent, _ = money.Exponent(l.Currency)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("classifiersql: examples: %w", err)
	}
	return out, nil
}

// ---- jobs ----

const jobColumns = `id, user_id, state, from_at, to_at, total, done, categorized, error, created_at, updated_at`

// CreateJob stores a running job, unless the user has a live one.
func (s *Store) CreateJob(ctx context.Context, j classifier.Job, staleAfter time.Duration) error {
	// A job whose process died stops reporting progress: after staleAfter
	// it no longer blocks a new one.
	if _, err := s.db.Write.ExecContext(ctx, `UPDATE classifier_jobs SET active_user = NULL, state = ?, error = ?
		WHERE active_user = ? AND updated_at < ?`, classifier.JobFailed, "stopped reporting progress (the server restarted?)",
		j.UserID, sqldb.FormatTime(j.CreatedAt.Add(-staleAfter))); err != nil {
		return fmt.Errorf("classifiersql: create job: %w", err)
	}
	_, err := s.db.Write.ExecContext(ctx, `INSERT INTO classifier_jobs (`+jobColumns+`, active_user) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		j.ID, j.UserID, j.State, timeOrNull(j.From), timeOrNull(j.To), j.Total, j.Done, j.Categorized, nullable(j.Error),
		sqldb.FormatTime(j.CreatedAt), sqldb.FormatTime(j.UpdatedAt), j.UserID)
	if sqldb.IsDuplicate(err) {
		return classifier.ErrJobRunning
	}
	if err != nil {
		return fmt.Errorf("classifiersql: create job: %w", err)
	}
	return nil
}

// UpdateJob writes a job's progress; a finished job releases the user's
// slot.
func (s *Store) UpdateJob(ctx context.Context, j classifier.Job) error {
	active := sql.NullString{String: j.UserID, Valid: j.State == classifier.JobRunning}
	_, err := s.db.Write.ExecContext(ctx, `UPDATE classifier_jobs SET state = ?, total = ?, done = ?, categorized = ?, error = ?, updated_at = ?, active_user = ?
		WHERE user_id = ? AND id = ?`, j.State, j.Total, j.Done, j.Categorized, nullable(j.Error), sqldb.FormatTime(j.UpdatedAt), active,
		j.UserID, j.ID)
	if err != nil {
		return fmt.Errorf("classifiersql: update job: %w", err)
	}
	return nil
}

// GetJob returns one job.
func (s *Store) GetJob(ctx context.Context, userID, id string) (classifier.Job, error) {
	var (
		j                classifier.Job
		from, to, msg    sql.NullString
		created, updated string
	)
	err := s.db.Read.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM classifier_jobs WHERE user_id = ? AND id = ?`, userID, id).
		Scan(&j.ID, &j.UserID, &j.State, &from, &to, &j.Total, &j.Done, &j.Categorized, &msg, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return j, classifier.ErrJobNotFound
	}
	if err != nil {
		return j, fmt.Errorf("classifiersql: get job: %w", err)
	}
	j.Error = msg.String
	for _, p := range []struct {
		s   sql.NullString
		dst *time.Time
	}{{from, &j.From}, {to, &j.To}} {
		if p.s.Valid {
			if *p.dst, err = sqldb.ParseTime(p.s.String); err != nil {
				return j, err
			}
		}
	}
	if j.CreatedAt, err = sqldb.ParseTime(created); err != nil {
		return j, err
	}
	j.UpdatedAt, err = sqldb.ParseTime(updated)
	return j, err
}

func timeOrNull(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: sqldb.FormatTime(t), Valid: true}
}
