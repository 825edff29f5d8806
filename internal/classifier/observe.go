package classifier

// Observer is told of the classifier's automatic decisions and jobs, for
// metrics (metrics.Classifier is one).
type Observer interface {
	Decided(source string) // a Result's Source; "" when no source was confident enough
	JobStarted()
	JobFinished(state string) // JobDone, JobFailed or JobCanceled
}

// decided tells the observer of r and returns it.
func (s *Engine) decided(r Result) Result {
	if s.obs != nil {
		s.obs.Decided(r.Source)
	}
	return r
}
