package transaction_test

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/transaction"
)

// fakeStore is a transaction.Store in memory, scoped by user as the SQL
// store is. loseRaces makes that many Update calls fail with
// ErrVersionMismatch, as when another writer got there first.
type fakeStore struct {
	mu        sync.Mutex
	rows      map[string]transaction.Transaction // by id
	idem      map[[2]string]transaction.IdempotencyRecord
	inserts   int // Insert calls that stored rows
	updates   int // Update calls
	loseRaces int
}

var _ transaction.Store = (*fakeStore)(nil)

func newFakeStore() *fakeStore {
	return &fakeStore{rows: map[string]transaction.Transaction{}, idem: map[[2]string]transaction.IdempotencyRecord{}}
}

func (f *fakeStore) Insert(_ context.Context, txs []transaction.Transaction, idem *transaction.IdempotencyRecord, _ []transaction.Event) (*transaction.IdempotencyRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if idem != nil {
		k := [2]string{idem.UserID, idem.Key}
		if prior, ok := f.idem[k]; ok {
			return &prior, nil
		}
		f.idem[k] = *idem
	}
	for _, t := range txs {
		f.rows[t.ID] = t
	}
	f.inserts++
	return nil, nil
}

func (f *fakeStore) InsertBatches(_ context.Context, _ string, _ int, fill func(func([]transaction.Transaction, []transaction.Event) error) error) error {
	var batch []transaction.Transaction // committed only if fill succeeds
	err := fill(func(txs []transaction.Transaction, _ []transaction.Event) error {
		batch = append(batch, txs...)
		return nil
	})
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range batch {
		f.rows[t.ID] = t
	}
	f.inserts++
	return nil
}

func (f *fakeStore) Get(_ context.Context, userID, id string) (transaction.Transaction, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.rows[id]
	if !ok || t.UserID != userID {
		return transaction.Transaction{}, transaction.ErrNotFound
	}
	return t, nil
}

func (f *fakeStore) Update(_ context.Context, t transaction.Transaction, _ []transaction.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates++
	cur, ok := f.rows[t.ID]
	if !ok || cur.UserID != t.UserID {
		return transaction.ErrNotFound
	}
	if f.loseRaces > 0 {
		f.loseRaces--
		cur.Version++ // the other writer's change
		cur.Description += " (changed by another writer)"
		f.rows[t.ID] = cur
		return transaction.ErrVersionMismatch
	}
	if cur.Version != t.Version-1 {
		return transaction.ErrVersionMismatch
	}
	f.rows[t.ID] = t
	return nil
}

func (f *fakeStore) Delete(_ context.Context, userID, id string, ifVersion int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.rows[id]
	if !ok || cur.UserID != userID {
		return transaction.ErrNotFound
	}
	if ifVersion > 0 && cur.Version != ifVersion {
		return transaction.ErrVersionMismatch
	}
	delete(f.rows, id)
	return nil
}

// List honours the user, the keyset position and the limit; the other
// filters are the SQL store's (tested with it).
func (f *fakeStore) List(_ context.Context, q transaction.Query) ([]transaction.Transaction, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []transaction.Transaction
	for _, t := range f.rows {
		if t.UserID != q.UserID {
			continue
		}
		if a := q.After; a != nil && !(t.BookedAt.Before(a.BookedAt) || t.BookedAt.Equal(a.BookedAt) && t.ID < a.ID) {
			continue
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].BookedAt.Equal(out[j].BookedAt) {
			return out[i].BookedAt.After(out[j].BookedAt)
		}
		return out[i].ID > out[j].ID
	})
	return out[:min(len(out), q.Limit)], nil
}

func (f *fakeStore) PurgeIdempotency(_ context.Context, before time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := int64(0)
	for k, r := range f.idem {
		if r.CreatedAt.Before(before) {
			delete(f.idem, k)
			n++
		}
	}
	return n, nil
}

func (f *fakeStore) TransferLegs(_ context.Context, userID, id string) ([]transaction.Transaction, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []transaction.Transaction
	for _, t := range f.rows {
		if t.UserID == userID && t.TransferID == id {
			out = append(out, t)
		}
	}
	return out, nil
}

func (f *fakeStore) DeleteTransfer(_ context.Context, userID, id string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := int64(0)
	for k, t := range f.rows {
		if t.UserID == userID && t.TransferID == id {
			delete(f.rows, k)
			n++
		}
	}
	return n, nil
}

func (f *fakeStore) LinkTransfer(_ context.Context, userID, id string, ids []string, at time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, x := range ids {
		if t, ok := f.rows[x]; !ok || t.UserID != userID || t.TransferID != "" {
			return 0, nil
		}
	}
	for _, x := range ids {
		t := f.rows[x]
		t.TransferID, t.Version, t.UpdatedAt = id, t.Version+1, at
		f.rows[x] = t
	}
	return int64(len(ids)), nil
}

func (f *fakeStore) UnlinkTransfer(_ context.Context, userID, id string, at time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := int64(0)
	for k, t := range f.rows {
		if t.UserID == userID && t.TransferID == id {
			t.TransferID, t.Version, t.UpdatedAt = "", t.Version+1, at
			f.rows[k] = t
			n++
		}
	}
	return n, nil
}

func (f *fakeStore) GetMany(context.Context, string, []string) ([]transaction.Transaction, error) {
	return nil, errors.New("fakeStore: GetMany is not used by these tests")
}

func (f *fakeStore) SetCategories(context.Context, string, []transaction.CategoryChange, time.Time, string) ([]string, error) {
	return nil, errors.New("fakeStore: SetCategories is not used by these tests")
}

func (f *fakeStore) CountCategory(context.Context, string, string) (int64, error) {
	return 0, errors.New("fakeStore: CountCategory is not used by these tests")
}

func (f *fakeStore) ReassignCategory(context.Context, string, string, string, time.Time) (int64, error) {
	return 0, errors.New("fakeStore: ReassignCategory is not used by these tests")
}

func (f *fakeStore) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.rows)
}

func coffee() transaction.Draft {
	return transaction.Draft{Amount: "-3.50", Currency: "EUR", Description: "  Coffee  ", BookedAt: "2026-11-27"}
}

func ptr(s string) *string { return &s }

// fields returns the field/rule pairs of a validation error, or fails.
func fields(t *testing.T, err error) []string {
	t.Helper()
	var v *fault.Validation
	if !errors.As(err, &v) {
		t.Fatalf("error %v (%T), want a validation error", err, err)
	}
	var out []string
	for _, fe := range v.Fields {
		out = append(out, fe.Field+":"+fe.Rule)
	}
	return out
}

func TestCreate(t *testing.T) {
	store := newFakeStore()
	svc := transaction.NewService(store)
	ctx := context.Background()
	got, err := svc.Create(ctx, "u1", coffee(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := uuid.Parse(got.ID); err != nil || u.Version() != 7 {
		t.Errorf("id %q is not a UUIDv7 (%v)", got.ID, err)
	}
	want := transaction.Transaction{ID: got.ID, UserID: "u1", Amount: -350, Currency: "EUR", Description: "Coffee",
		BookedAt: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Version: 1, CreatedAt: got.CreatedAt, UpdatedAt: got.CreatedAt}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	if got.CreatedAt.IsZero() || got.CreatedAt.Location() != time.UTC || got.CreatedAt.Nanosecond()%1000 != 0 {
		t.Errorf("created_at %v: want UTC, to the microsecond", got.CreatedAt)
	}
	if stored, err := store.Get(ctx, "u1", got.ID); err != nil || !cmp.Equal(stored, got) {
		t.Errorf("stored %+v (%v), want what Create returned", stored, err)
	}
	// A category given on create is a manual choice.
	d := coffee()
	d.CategoryID = "food_and_drink"
	if got, err := svc.Create(ctx, "u1", d, nil); err != nil || got.CategorySource != transaction.SourceManual {
		t.Errorf("with a category: source %q (%v), want manual", got.CategorySource, err)
	}
}

func TestCreateRefusesBrokenRules(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*transaction.Draft)
		field []string
	}{
		{"too many decimals", func(d *transaction.Draft) { d.Amount = "-3.505" }, []string{"amount:scale"}},
		{"yen with decimals", func(d *transaction.Draft) { d.Amount, d.Currency = "1.5", "JPY" }, []string{"amount:scale"}},
		{"not a number", func(d *transaction.Draft) { d.Amount = "1e3" }, []string{"amount:format"}},
		{"no amount", func(d *transaction.Draft) { d.Amount = "" }, []string{"amount:required"}},
		{"unknown currency", func(d *transaction.Draft) { d.Currency = "EURO" }, []string{"currency:iso4217"}},
		{"no currency", func(d *transaction.Draft) { d.Currency = "" }, []string{"currency:required"}},
		{"blank description", func(d *transaction.Draft) { d.Description = "   " }, []string{"description:required"}},
		{"control characters", func(d *transaction.Draft) { d.Description = "a\tb" }, []string{"description:control_chars"}},
		{"long counterparty", func(d *transaction.Draft) { d.Counterparty = strings.Repeat("x", transaction.MaxCounterparty+1) },
			[]string{"counterparty:max_length"}},
		{"bad date", func(d *transaction.Draft) { d.BookedAt = "27.11.2026" }, []string{"booked_at:format"}},
		{"year out of range", func(d *transaction.Draft) { d.BookedAt = "1899-12-31" }, []string{"booked_at:range"}},
		{"bad category id", func(d *transaction.Draft) { d.CategoryID = "food & drink" }, []string{"category_id:format"}},
		{"several at once", func(d *transaction.Draft) { d.Amount, d.Description = "x", "" }, []string{"amount:format", "description:required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := newFakeStore()
			d := coffee()
			tc.edit(&d)
			_, err := transaction.NewService(store).Create(context.Background(), "u1", d, nil)
			if diff := cmp.Diff(tc.field, fields(t, err)); diff != "" {
				t.Errorf("broken rules (-want +got):\n%s", diff)
			}
			if store.count() != 0 {
				t.Errorf("an invalid draft was stored")
			}
		})
	}
}

func TestCreateBatchIsAllOrNone(t *testing.T) {
	store := newFakeStore()
	svc := transaction.NewService(store)
	ctx := context.Background()
	bad := coffee()
	bad.Amount = "-1.001"
	_, err := svc.CreateBatch(ctx, "u1", []transaction.Draft{coffee(), bad, coffee()}, nil)
	if diff := cmp.Diff([]string{"items[1].amount:scale"}, fields(t, err)); diff != "" {
		t.Errorf("broken rules (-want +got):\n%s", diff)
	}
	if store.count() != 0 {
		t.Fatalf("a refused batch stored %d rows", store.count())
	}
	if _, err := svc.CreateBatch(ctx, "u1", nil, nil); !cmp.Equal(fields(t, err), []string{"items:required"}) {
		t.Errorf("an empty batch: %v", err)
	}
	if _, err := svc.CreateBatch(ctx, "u1", make([]transaction.Draft, transaction.MaxBatch+1), nil); !cmp.Equal(fields(t, err), []string{"items:max_items"}) {
		t.Errorf("a batch over the limit: %v", err)
	}
	got, err := svc.CreateBatch(ctx, "u1", []transaction.Draft{coffee(), coffee()}, nil)
	if err != nil || len(got) != 2 || got[0].ID == got[1].ID || store.inserts != 1 {
		t.Fatalf("a good batch: %d items (%v), %d Insert calls; want 2 distinct in one", len(got), err, store.inserts)
	}
}

func TestCreateIdempotency(t *testing.T) {
	store := newFakeStore()
	svc := transaction.NewService(store)
	ctx := context.Background()
	key := &transaction.Idempotency{Key: "coffee-2026-11-27", RequestHash: "h1"}
	first, err := svc.Create(ctx, "u1", coffee(), key)
	if err != nil {
		t.Fatal(err)
	}
	// The same key and request: the first result, nothing new stored.
	again, err := svc.Create(ctx, "u1", coffee(), key)
	if err != nil || !cmp.Equal(again, first) {
		t.Fatalf("retry: %+v (%v), want the first result %+v", again, err, first)
	}
	if store.count() != 1 || store.inserts != 1 {
		t.Fatalf("after a retry: %d rows, %d inserts; want 1 and 1", store.count(), store.inserts)
	}
	// The same key with another request is refused.
	if _, err := svc.Create(ctx, "u1", coffee(), &transaction.Idempotency{Key: key.Key, RequestHash: "h2"}); !errors.Is(err, transaction.ErrIdempotencyMismatch) {
		t.Fatalf("same key, other request: %v, want ErrIdempotencyMismatch", err)
	}
	// Keys are per user.
	if other, err := svc.Create(ctx, "u2", coffee(), key); err != nil || other.ID == first.ID || other.UserID != "u2" {
		t.Fatalf("another user's same key: %+v (%v)", other, err)
	}
	// What is kept is the response the first attempt gave.
	rec := store.idem[[2]string{"u1", key.Key}]
	var kept []transaction.Transaction
	if err := json.Unmarshal(rec.Response, &kept); err != nil || len(kept) != 1 || !cmp.Equal(kept[0], first) || rec.RequestHash != "h1" {
		t.Fatalf("kept record %+v (%v)", rec, err)
	}
	for _, tc := range []struct{ key, rule string }{
		{"", "required"}, {strings.Repeat("k", transaction.MaxIdempotencyKey+1), "max_length"}, {"has space", "format"}, {"é", "format"},
	} {
		_, err := svc.Create(ctx, "u1", coffee(), &transaction.Idempotency{Key: tc.key, RequestHash: "h"})
		if !cmp.Equal(fields(t, err), []string{"Idempotency-Key:" + tc.rule}) {
			t.Errorf("key %q: %v, want Idempotency-Key:%s", tc.key, err, tc.rule)
		}
	}
}

func TestGetAndDeleteAreScopedToTheUser(t *testing.T) {
	store := newFakeStore()
	svc := transaction.NewService(store)
	ctx := context.Background()
	tx, err := svc.Create(ctx, "u1", coffee(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"not-a-uuid", strings.ToUpper(tx.ID), uuid.Must(uuid.NewV7()).String()} {
		if _, err := svc.Get(ctx, "u1", id); !errors.Is(err, transaction.ErrNotFound) {
			t.Errorf("get %q: %v, want ErrNotFound", id, err)
		}
	}
	if _, err := svc.Get(ctx, "u2", tx.ID); !errors.Is(err, transaction.ErrNotFound) {
		t.Errorf("another user's get: %v, want ErrNotFound", err)
	}
	if err := svc.Delete(ctx, "u2", tx.ID, 0); !errors.Is(err, transaction.ErrNotFound) {
		t.Errorf("another user's delete: %v, want ErrNotFound", err)
	}
	if err := svc.Delete(ctx, "u1", tx.ID, 2); !errors.Is(err, transaction.ErrVersionMismatch) {
		t.Errorf("delete if version 2 of version 1: %v, want ErrVersionMismatch", err)
	}
	if err := svc.Delete(ctx, "u1", tx.ID, 1); err != nil {
		t.Fatalf("delete if version 1: %v", err)
	}
	if _, err := svc.Get(ctx, "u1", tx.ID); !errors.Is(err, transaction.ErrNotFound) {
		t.Errorf("get after delete: %v, want ErrNotFound", err)
	}
	if err := svc.Delete(ctx, "u1", "nope", 0); !errors.Is(err, transaction.ErrNotFound) {
		t.Errorf("delete of a bad id: %v, want ErrNotFound", err)
	}
}

// TestVersions: the version (the ETag) starts at 1 and grows by 1 on each
// change; If-Match with a stale version is refused.
func TestVersions(t *testing.T) {
	store := newFakeStore()
	svc := transaction.NewService(store)
	ctx := context.Background()
	tx, err := svc.Create(ctx, "u1", coffee(), nil)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := svc.Update(ctx, "u1", tx.ID, transaction.Patch{Description: ptr("Tea")}, 1)
	if err != nil || v2.Version != 2 || v2.Description != "Tea" || v2.UpdatedAt.Before(tx.UpdatedAt) || !v2.CreatedAt.Equal(tx.CreatedAt) {
		t.Fatalf("update if version 1: %+v (%v)", v2, err)
	}
	if _, err := svc.Update(ctx, "u1", tx.ID, transaction.Patch{Description: ptr("Cocoa")}, 1); !errors.Is(err, transaction.ErrVersionMismatch) {
		t.Fatalf("update if version 1 of version 2: %v, want ErrVersionMismatch", err)
	}
	d := coffee()
	d.Description = "Espresso"
	v3, err := svc.Replace(ctx, "u1", tx.ID, d, 0)
	if err != nil || v3.Version != 3 || v3.Description != "Espresso" || v3.ID != tx.ID {
		t.Fatalf("replace without If-Match: %+v (%v)", v3, err)
	}
	if _, err := svc.Replace(ctx, "u1", tx.ID, d, 2); !errors.Is(err, transaction.ErrVersionMismatch) {
		t.Fatalf("replace if version 2 of version 3: %v, want ErrVersionMismatch", err)
	}
	if got, _ := store.Get(ctx, "u1", tx.ID); got.Version != 3 || got.Description != "Espresso" {
		t.Fatalf("stored after refused writes: %+v", got)
	}
	if _, err := svc.Update(ctx, "u2", tx.ID, transaction.Patch{Description: ptr("x")}, 0); !errors.Is(err, transaction.ErrNotFound) {
		t.Fatalf("another user's update: %v, want ErrNotFound", err)
	}
}

// TestLostRaceIsRetried: without If-Match, a write that lost a race is
// retried on the new state (a bounded number of times); with If-Match, the
// caller asked for that version and gets ErrVersionMismatch.
func TestLostRaceIsRetried(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore()
	svc := transaction.NewService(store)
	tx, err := svc.Create(ctx, "u1", coffee(), nil)
	if err != nil {
		t.Fatal(err)
	}
	store.loseRaces = 2
	got, err := svc.Update(ctx, "u1", tx.ID, transaction.Patch{Amount: ptr("-4.00")}, 0)
	if err != nil || store.updates != 3 {
		t.Fatalf("update that lost two races: %v after %d Update calls, want success on the 3rd", err, store.updates)
	}
	if got.Version != 4 || got.Amount != -400 || got.Description != "Coffee (changed by another writer) (changed by another writer)" {
		t.Fatalf("retried on %+v, want version 4 with the other writer's changes kept", got)
	}

	// Always losing (more writers at once than the retries): the first
	// try and 64 retries, then ErrVersionMismatch.
	store.updates, store.loseRaces = 0, 1000
	if _, err := svc.Update(ctx, "u1", tx.ID, transaction.Patch{Amount: ptr("-5.00")}, 0); !errors.Is(err, transaction.ErrVersionMismatch) || store.updates != 65 {
		t.Fatalf("always losing: %v after %d Update calls, want ErrVersionMismatch after 65", err, store.updates)
	}

	cur, _ := store.Get(ctx, "u1", tx.ID)
	store.updates, store.loseRaces = 0, 1
	if _, err := svc.Update(ctx, "u1", tx.ID, transaction.Patch{Amount: ptr("-6.00")}, cur.Version); !errors.Is(err, transaction.ErrVersionMismatch) || store.updates != 1 {
		t.Fatalf("with If-Match, a lost race: %v after %d Update calls, want ErrVersionMismatch at once", err, store.updates)
	}
}

func TestUpdatePatch(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		patch transaction.Patch
		check func(t *testing.T, got transaction.Transaction, err error)
	}{
		{"currency alone keeps the decimal value", transaction.Patch{Currency: ptr("USD")}, func(t *testing.T, got transaction.Transaction, err error) {
			if err != nil || got.Amount != -350 || got.Currency != "USD" {
				t.Fatalf("%+v (%v), want -3.50 USD", got, err)
			}
		}},
		{"a value that does not fit the new currency is refused", transaction.Patch{Currency: ptr("JPY")}, func(t *testing.T, _ transaction.Transaction, err error) {
			if !cmp.Equal(fields(t, err), []string{"amount:scale"}) {
				t.Fatalf("%v", err)
			}
		}},
		{"amount and currency together", transaction.Patch{Amount: ptr("-350"), Currency: ptr("JPY")}, func(t *testing.T, got transaction.Transaction, err error) {
			if err != nil || got.Amount != -350 || got.Currency != "JPY" {
				t.Fatalf("%+v (%v), want -350 JPY", got, err)
			}
		}},
		{"a category is a manual choice", transaction.Patch{CategoryID: ptr("travel")}, func(t *testing.T, got transaction.Transaction, err error) {
			if err != nil || got.CategoryID != "travel" || got.CategorySource != transaction.SourceManual {
				t.Fatalf("%+v (%v)", got, err)
			}
		}},
		{"clearing the category is a manual choice too", transaction.Patch{CategoryID: ptr("")}, func(t *testing.T, got transaction.Transaction, err error) {
			if err != nil || got.CategoryID != "" || got.CategorySource != transaction.SourceManual {
				t.Fatalf("%+v (%v)", got, err)
			}
		}},
		{"counterparty set and trimmed", transaction.Patch{Counterparty: ptr("  Café Blue  ")}, func(t *testing.T, got transaction.Transaction, err error) {
			if err != nil || got.Counterparty != "Café Blue" {
				t.Fatalf("%+v (%v)", got, err)
			}
		}},
		{"a broken field changes nothing", transaction.Patch{Description: ptr("Tea"), BookedAt: ptr("yesterday")}, func(t *testing.T, _ transaction.Transaction, err error) {
			if !cmp.Equal(fields(t, err), []string{"booked_at:format"}) {
				t.Fatalf("%v", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := newFakeStore()
			svc := transaction.NewService(store)
			tx, err := svc.Create(ctx, "u1", coffee(), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := svc.Update(ctx, "u1", tx.ID, tc.patch, 0)
			tc.check(t, got, err)
			if err != nil {
				if cur, _ := store.Get(ctx, "u1", tx.ID); !cmp.Equal(cur, tx) {
					t.Fatalf("a refused patch changed the row: %+v", cur)
				}
			}
		})
	}
}

// TestReplaceKeepsWhoDecided: replacing every field keeps the id and the
// creation time; a category that stays the same keeps who decided it, a
// new one is a manual choice.
func TestReplaceKeepsWhoDecided(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore()
	svc := transaction.NewService(store)
	tx, err := svc.Create(ctx, "u1", coffee(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// As if a rule had categorized it.
	ruled := tx
	ruled.CategoryID, ruled.CategorySource, ruled.CategoryConfidence, ruled.CategoryRuleID = "food_and_drink", transaction.SourceRule, transaction.MaxConfidence, "r1"
	ruled.Version++
	if err := store.Update(ctx, ruled, nil); err != nil {
		t.Fatal(err)
	}
	d := transaction.Draft{Amount: "-4.00", Currency: "EUR", Description: "Coffee and cake", BookedAt: "2026-11-28T09:30:00+01:00", CategoryID: "food_and_drink"}
	got, err := svc.Replace(ctx, "u1", tx.ID, d, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != tx.ID || !got.CreatedAt.Equal(tx.CreatedAt) || got.Amount != -400 || !got.BookedAt.Equal(time.Date(2026, 11, 28, 8, 30, 0, 0, time.UTC)) {
		t.Fatalf("replaced: %+v", got)
	}
	if got.CategorySource != transaction.SourceRule || got.CategoryRuleID != "r1" || got.CategoryConfidence != transaction.MaxConfidence {
		t.Fatalf("the same category lost who decided it: %+v", got)
	}
	d.CategoryID = "travel"
	got, err = svc.Replace(ctx, "u1", tx.ID, d, 0)
	if err != nil || got.CategorySource != transaction.SourceManual || got.CategoryRuleID != "" {
		t.Fatalf("a new category: %+v (%v), want a manual choice", got, err)
	}
}

func TestListPages(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore()
	svc := transaction.NewService(store)
	var ds []transaction.Draft
	for _, day := range []string{"2026-11-01", "2026-11-03", "2026-11-02", "2026-11-03", "2026-11-05"} {
		d := coffee()
		d.BookedAt = day
		ds = append(ds, d)
	}
	if _, err := svc.CreateBatch(ctx, "u1", ds, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(ctx, "u2", coffee(), nil); err != nil {
		t.Fatal(err)
	}
	var days []string
	f := transaction.Filter{Limit: 2}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		p, err := svc.List(ctx, "u1", f)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > 2 {
			t.Fatalf("page of %d items, limit 2", len(p.Items))
		}
		for _, it := range p.Items {
			days = append(days, it.BookedAt.Format(time.DateOnly))
		}
		if p.Next == "" {
			break
		}
		f.Cursor = p.Next
	}
	if want := []string{"2026-11-05", "2026-11-03", "2026-11-03", "2026-11-02", "2026-11-01"}; !cmp.Equal(days, want) {
		t.Fatalf("pages gave %v, want %v (newest booked first, each once)", days, want)
	}
	// A cursor works only with the filters it was made with.
	p, err := svc.List(ctx, "u1", transaction.Filter{Limit: 2})
	if err != nil || p.Next == "" {
		t.Fatalf("first page: %v, next %q", err, p.Next)
	}
	if _, err := svc.List(ctx, "u1", transaction.Filter{Limit: 2, Currency: "EUR", Cursor: p.Next}); !cmp.Equal(fields(t, err), []string{"cursor:format"}) {
		t.Fatalf("a cursor with other filters: %v", err)
	}
	if _, err := svc.List(ctx, "u1", transaction.Filter{Limit: transaction.MaxPageSize + 1}); !cmp.Equal(fields(t, err), []string{"limit:range"}) {
		t.Fatalf("a limit over the maximum: %v", err)
	}
}
