package classifiersql_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/classifier/classifiersql"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestOneJobPerUser: a second job while one runs is refused, for that user
// only; a finished or silent (stale) job no longer blocks.
func TestOneJobPerUser(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.Open(t, d)
			users := auth.NewService(authsql.New(db))
			alice, _, err := users.AddUser(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			bob, _, err := users.AddUser(ctx, "bob", nil)
			if err != nil {
				t.Fatal(err)
			}
			s := classifiersql.New(db)
			now := time.Now().UTC().Truncate(time.Microsecond)
			job := func(id, user string, at time.Time) classifier.Job {
				return classifier.Job{ID: id, UserID: user, State: classifier.JobRunning, CreatedAt: at, UpdatedAt: at}
			}
			j1 := job("00000000-0000-7000-8000-000000000001", alice.ID, now)
			if err := s.CreateJob(ctx, j1, time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateJob(ctx, job("00000000-0000-7000-8000-000000000002", alice.ID, now), time.Minute); !errors.Is(err, classifier.ErrJobRunning) {
				t.Fatalf("second job: %v", err)
			}
			if err := s.CreateJob(ctx, job("00000000-0000-7000-8000-000000000003", bob.ID, now), time.Minute); err != nil {
				t.Fatalf("bob's job: %v", err)
			}
			if _, err := s.GetJob(ctx, bob.ID, j1.ID); !errors.Is(err, classifier.ErrJobNotFound) {
				t.Fatalf("bob reads alice's job: %v", err)
			}
			j1.State, j1.Done, j1.Total = classifier.JobDone, 3, 3
			if err := s.UpdateJob(ctx, j1); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateJob(ctx, job("00000000-0000-7000-8000-000000000004", alice.ID, now), time.Minute); err != nil {
				t.Fatalf("after the first finished: %v", err)
			}
			// The fourth never reports progress; two minutes on it is stale.
			if err := s.CreateJob(ctx, job("00000000-0000-7000-8000-000000000005", alice.ID, now.Add(2*time.Minute)), time.Minute); err != nil {
				t.Fatalf("after a stale job: %v", err)
			}
			got, err := s.GetJob(ctx, alice.ID, "00000000-0000-7000-8000-000000000004")
			if err != nil || got.State != classifier.JobFailed || got.Error == "" {
				t.Fatalf("stale job: %+v %v", got, err)
			}
		})
	}
}

// TestModelVersions: a model update based on a stale version is refused.
func TestModelVersions(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.Open(t, d)
			u, _, err := auth.NewService(authsql.New(db)).AddUser(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			s := classifiersql.New(db)
			now := time.Now()
			if err := s.SaveModel(ctx, u.ID, []byte("v1"), 1, 0, now); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveModel(ctx, u.ID, []byte("v1'"), 1, 0, now); !errors.Is(err, classifier.ErrModelConflict) {
				t.Fatalf("second first version: %v", err)
			}
			if err := s.SaveModel(ctx, u.ID, []byte("v2"), 2, 1, now); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveModel(ctx, u.ID, []byte("v2'"), 2, 1, now); !errors.Is(err, classifier.ErrModelConflict) {
				t.Fatalf("stale update: %v", err)
			}
			blob, v, err := s.LoadModel(ctx, u.ID)
			if err != nil || v != 2 || string(blob) != "v2" {
				t.Fatalf("load: %q %d %v", blob, v, err)
			}
		})
	}
}
