package statementsql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/statement"
)

const presetColumns = `user_id, name, mapping, created_at, updated_at, version`

func presetKey(name string) string { return strings.ToLower(name) }

// Presets returns a user's presets by name.
func (s *Store) Presets(ctx context.Context, userID string) ([]statement.Preset, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+presetColumns+` FROM import_presets WHERE user_id = ? ORDER BY name_key`, userID)
	if err != nil {
		return nil, fmt.Errorf("statementsql: presets: %w", err)
	}
	defer rows.Close()
	var out []statement.Preset
	for rows.Next() {
		p, err := scanPreset(rows)
		if err != nil {
			return nil, fmt.Errorf("statementsql: presets: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("statementsql: presets: %w", err)
	}
	return out, nil
}

// Preset returns one of a user's presets, by name whatever the case.
func (s *Store) Preset(ctx context.Context, userID, name string) (statement.Preset, error) {
	p, err := scanPreset(s.db.Write.QueryRowContext(ctx, `SELECT `+presetColumns+` FROM import_presets WHERE user_id = ? AND name_key = ?`,
		userID, presetKey(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return p, statement.ErrPresetNotFound
	}
	if err != nil {
		return p, fmt.Errorf("statementsql: preset: %w", err)
	}
	return p, nil
}

// PutPreset creates p or replaces the preset of its name.
func (s *Store) PutPreset(ctx context.Context, p statement.Preset, ifVersion int64) (bool, error) {
	mapping, err := json.Marshal(p.Mapping)
	if err != nil {
		return false, fmt.Errorf("statementsql: put preset: %w", err)
	}
	cur, err := s.Preset(ctx, p.UserID, p.Name)
	switch {
	case errors.Is(err, statement.ErrPresetNotFound):
		if ifVersion > 0 {
			return false, err
		}
		_, err := s.db.Write.ExecContext(ctx, `INSERT INTO import_presets (`+presetColumns+`, name_key) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.UserID, p.Name, string(mapping), sqldb.FormatTime(p.CreatedAt), sqldb.FormatTime(p.UpdatedAt), 1, presetKey(p.Name))
		if sqldb.IsDuplicate(err) {
			return false, fault.New(fault.Conflict, "another request created a preset of that name just now; retry")
		}
		if err != nil {
			return false, fmt.Errorf("statementsql: put preset: %w", err)
		}
		return true, nil
	case err != nil:
		return false, err
	case ifVersion > 0 && cur.Version != ifVersion:
		return false, fault.New(fault.PreconditionFailed, "the preset has changed since that version (If-Match); fetch it again and retry")
	}
	res, err := s.db.Write.ExecContext(ctx, `UPDATE import_presets SET mapping = ?, updated_at = ?, version = version + 1
		WHERE user_id = ? AND name_key = ? AND version = ?`,
		string(mapping), sqldb.FormatTime(p.UpdatedAt), p.UserID, presetKey(p.Name), cur.Version)
	if err != nil {
		return false, fmt.Errorf("statementsql: put preset: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, fault.New(fault.PreconditionFailed, "the preset changed while it was being saved; fetch it again and retry")
	}
	return false, nil
}

// DeletePreset deletes one of a user's presets.
func (s *Store) DeletePreset(ctx context.Context, userID, name string) error {
	res, err := s.db.Write.ExecContext(ctx, `DELETE FROM import_presets WHERE user_id = ? AND name_key = ?`, userID, presetKey(name))
	if err != nil {
		return fmt.Errorf("statementsql: delete preset: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return statement.ErrPresetNotFound
	}
	return nil
}

func scanPreset(r scanner) (statement.Preset, error) {
	var (
		p                    statement.Preset
		mapping              string
		createdAt, updatedAt string
	)
	if err := r.Scan(&p.UserID, &p.Name, &mapping, &createdAt, &updatedAt, &p.Version); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(mapping), &p.Mapping); err != nil {
		return p, fmt.Errorf("stored mapping: %w", err)
	}
	var err error
	if p.CreatedAt, err = sqldb.ParseTime(createdAt); err != nil {
		return p, err
	}
	if p.UpdatedAt, err = sqldb.ParseTime(updatedAt); err != nil {
		return p, err
	}
	return p, nil
}
