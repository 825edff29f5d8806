package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// The archives the Scheduler makes are named trx-backup-TIME.tar, TIME in
// UTC to the microsecond, so that names sort as times do. Prune and List
// only ever look at names of this form: other files in the directory are
// never touched.
const (
	namePrefix = "trx-backup-"
	nameSuffix = ".tar"
	nameTime   = "20060102T150405.000000Z"
)

// Name returns the file name of an archive made at t.
func Name(t time.Time) string { return namePrefix + t.UTC().Format(nameTime) + nameSuffix }

// parseName returns the time in an archive's name, and whether the name is
// one that Name makes.
func parseName(name string) (time.Time, bool) {
	s, ok := strings.CutPrefix(name, namePrefix)
	if !ok {
		return time.Time{}, false
	}
	if s, ok = strings.CutSuffix(s, nameSuffix); !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(nameTime, s)
	return t, err == nil
}

// Entry is an archive in a backup directory.
type Entry struct {
	Path string
	Time time.Time // from its name
	Size int64
}

// List returns the archives in dir, newest first (none when dir does not
// exist).
func List(dir string) ([]Entry, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("backup: list %s: %w", dir, err)
	}
	var out []Entry
	for _, de := range des {
		t, ok := parseName(de.Name())
		if !ok || !de.Type().IsRegular() {
			continue
		}
		e := Entry{Path: filepath.Join(dir, de.Name()), Time: t}
		if info, err := de.Info(); err == nil {
			e.Size = info.Size()
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out, nil
}

// Expired returns the entries past the newest keep of es (which List
// sorted newest first): the ones to delete.
func Expired(es []Entry, keep int) []Entry {
	if keep < 1 {
		keep = 1 // never delete the last backup
	}
	if len(es) <= keep {
		return nil
	}
	return es[keep:]
}

// Prune deletes every archive in dir but the newest keep, and returns the
// ones it deleted.
func Prune(dir string, keep int) ([]Entry, error) {
	es, err := List(dir)
	if err != nil {
		return nil, err
	}
	var deleted []Entry
	for _, e := range Expired(es, keep) {
		if err := os.Remove(e.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return deleted, fmt.Errorf("backup: prune: %w", err)
		}
		deleted = append(deleted, e)
	}
	return deleted, nil
}
