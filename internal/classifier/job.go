package classifier

import (
	"context"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/transaction"
)

// StartJob starts auto-categorizing the user's uncategorized transactions
// (booked in [from, to) when given; RFC 3339 times or dates) in the
// background. A user runs one job at a time: a second one while the first
// runs is ErrJobRunning. The job first retrains the user's model from their
// manual choices.
func (s *Service) StartJob(ctx context.Context, userID, from, to string) (Job, error) {
	var v fault.Validation
	now := s.now()
	j := Job{ID: s.newID(), UserID: userID, State: JobRunning, CreatedAt: now, UpdatedAt: now}
	var err error
	if from != "" {
		if j.From, err = transaction.ParseTime(from); err != nil {
			v.Addf("from", "format", "%q %s", from, err.Error())
		}
	}
	if to != "" {
		if j.To, err = transaction.ParseTime(to); err != nil {
			v.Addf("to", "format", "%q %s", to, err.Error())
		}
	}
	if !j.From.IsZero() && !j.To.IsZero() && !j.From.Before(j.To) {
		v.Add("to", "range", "must be after from")
	}
	if err := v.Err(); err != nil {
		return Job{}, err
	}
	if err := s.store.CreateJob(ctx, j, jobStaleAfter); err != nil {
		return Job{}, err
	}
	s.jobs.Add(1)
	if s.obs != nil {
		s.obs.JobStarted()
	}
	go func() {
		defer s.jobs.Done()
		s.runJob(s.jobCtx, j)
	}()
	return j, nil
}

// Job returns one of the user's jobs.
func (s *Service) Job(ctx context.Context, userID, id string) (Job, error) {
	if !validUUID(id) {
		return Job{}, ErrJobNotFound
	}
	return s.store.GetJob(ctx, userID, id)
}

// jobPage is how many transactions a job decides and stores at once.
const jobPage = 200

func (s *Service) runJob(ctx context.Context, j Job) {
	finish := func(state string, err error) {
		j.State, j.UpdatedAt = state, s.now()
		defer func() {
			if s.obs != nil {
				s.obs.JobFinished(j.State)
			}
		}()
		if err != nil {
			j.Error = "internal error; the job stopped (see the server log)"
			if ctx.Err() != nil {
				j.State, j.Error = JobCanceled, "the server shut down; start the job again"
			}
			s.log.Warn("classifier_job_failed", "job_id", j.ID, "user_id", j.UserID, "err", err)
		}
		if err := s.store.UpdateJob(context.WithoutCancel(ctx), j); err != nil {
			s.log.Warn("classifier_job_update_failed", "job_id", j.ID, "err", err)
		}
	}
	sel := transaction.Selection{From: j.From, To: j.To, Uncategorized: true, ExcludeManual: true, PageSize: jobPage}
	err := s.txs.Each(ctx, j.UserID, sel, func(page []transaction.Transaction) error {
		j.Total += int64(len(page))
		return nil
	})
	if err != nil {
		finish(JobFailed, err)
		return
	}
	j.UpdatedAt = s.now()
	if err := s.store.UpdateJob(ctx, j); err != nil {
		finish(JobFailed, err)
		return
	}
	if _, err := s.Retrain(ctx, j.UserID); err != nil {
		finish(JobFailed, err)
		return
	}
	err = s.txs.Each(ctx, j.UserID, sel, func(page []transaction.Transaction) error {
		// Each page waits for one of the user's classification slots, and
		// sees the rules and model as they are now.
		release, err := s.limit.acquire(ctx, j.UserID, true)
		if err != nil {
			return err
		}
		d, err := s.decider(ctx, j.UserID)
		if err != nil {
			release()
			return err
		}
		var changes []transaction.CategoryChange
		for _, t := range page {
			if r := s.decided(d.Decide(ItemOf(t))); r.CategoryID != "" {
				changes = append(changes, transaction.CategoryChange{ID: t.ID, Categorization: r.Categorization()})
			}
		}
		release()
		if len(changes) > 0 {
			changed, err := s.txs.SetCategories(ctx, j.UserID, changes)
			if err != nil {
				return err
			}
			j.Categorized += int64(len(changed))
		}
		j.Done += int64(len(page))
		j.UpdatedAt = s.now()
		return s.store.UpdateJob(ctx, j)
	})
	if err != nil {
		finish(JobFailed, err)
		return
	}
	j.Total = max(j.Total, j.Done)
	finish(JobDone, nil)
}
