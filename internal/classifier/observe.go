package classifier

// Observer is told of the classifier's automatic decisions and jobs, for
// metrics (metrics.Classifier is one).
type Observer interface {
	Decided(source string) // a Result's Source; "" when no source was confident enough
	JobStarted()
	JobFinished(state string) // JobDone, JobFailed or JobCanceled
}

// SetObserver sets who is told of decisions and jobs; call it before the
// service serves.
func (s *Service) SetObserver(o Observer) { s.obs = o }

// decided tells the observer of r and returns it.
func (s *Service) decided(r Result) Result {
	if s.obs != nil {
		s.obs.Decided(r.Source)
	}
	return r
}
