package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/trx-platform/trx/internal/fault"
)

// SizeLimit is a limit on the size of what a request sends that an
// operator can set: past it, the request is refused with 413, naming the
// limit and what sets it.
type SizeLimit struct {
	Bytes int64
	// Name says what sets the limit (a flag: "--max-json-body"); empty:
	// the 413 names only the limit.
	Name string
}

// Err is the 413 error of what (say, "the body") past the limit.
func (l SizeLimit) Err(what string) error {
	by := ""
	if l.Name != "" {
		by = ", set by " + l.Name
	}
	size := FormatBytes(l.Bytes)
	if l.Bytes >= 1<<10 {
		size += fmt.Sprintf(" (%d bytes)", l.Bytes)
	}
	return fault.Errorf(fault.TooLarge, "%s is larger than the limit of %s%s", what, size, by)
}

// Body returns r's body, limited to l: a read past the limit fails with
// an *http.MaxBytesError (Check makes it l.Err) and the server closes the
// connection after the response.
func (l SizeLimit) Body(w http.ResponseWriter, r *http.Request) io.ReadCloser {
	return http.MaxBytesReader(w, r.Body, l.Bytes)
}

// Check returns l.Err(what) when err is a read past l (from Body),
// and err otherwise.
func (l SizeLimit) Check(err error, what string) error {
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return l.Err(what)
	}
	return err
}

// FormatBytes writes n bytes as people read it: "100 MiB", "1.5 KiB",
// "512 bytes" (exact below 1 KiB).
func FormatBytes(n int64) string {
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	if n < 1<<10 {
		return fmt.Sprintf("%d bytes", n)
	}
	v, u := float64(n)/(1<<10), units[0]
	for i := 1; i < len(units) && v >= 1<<10; i++ {
		v, u = v/(1<<10), units[i]
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), u)
	}
	return fmt.Sprintf("%.1f %s", v, u)
}

type jsonLimitKey struct{}

// WithJSONLimit makes l the limit of the JSON bodies that Decode (and the
// gateway's validation) read for the requests through it.
func WithJSONLimit(l SizeLimit) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if l.Bytes <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			WithContext(next, w, r, context.WithValue(r.Context(), jsonLimitKey{}, l))
		})
	}
}

// JSONLimit returns the JSON body limit that WithJSONLimit put in ctx, or
// def bytes when there is none.
func JSONLimit(ctx context.Context, def int64) SizeLimit {
	if l, ok := ctx.Value(jsonLimitKey{}).(SizeLimit); ok {
		return l
	}
	return SizeLimit{Bytes: def}
}

// Deadline bounds each request's context to d (zero: no bound), except for
// those exempt says (nil: none), such as WebSocket upgrades and streamed
// downloads: past it, the request's statements and outbound calls stop,
// and the caller is answered 504 naming the limit and name (what sets
// it: "--request-timeout"). The error of work stopped by the deadline
// carries it as its cause (context.Cause), which the database layer and
// Error answer with; a handler that answers nothing by then is answered
// for.
func Deadline(d time.Duration, name string, exempt func(*http.Request) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if d <= 0 {
			return next
		}
		by := ""
		if name != "" {
			by = ", set by " + name
		}
		cause := fault.Errorf(fault.Timeout, "the request ran past its time limit of %s%s and was stopped; "+
			"narrow the request (a filter, a shorter date range, a smaller page) or ask the operator to raise the limit", d, by)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if exempt != nil && exempt(r) {
				next.ServeHTTP(w, r)
				return
			}
			ctx, cancel := context.WithTimeoutCause(r.Context(), d, cause)
			defer cancel()
			rec := Recorder(w)
			WithContext(next, rec, r, ctx)
			if rec.Status == 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				WriteProblem(rec, r.WithContext(ctx), ProblemOf(cause))
			}
		})
	}
}

// WithContext serves r with ctx through next, and hands back the pattern
// of the route that served it (which the ServeMux sets on the request it
// is given), for the middleware around (metrics label requests with it).
func WithContext(next http.Handler, w http.ResponseWriter, r *http.Request, ctx context.Context) {
	r2 := r.WithContext(ctx)
	next.ServeHTTP(w, r2)
	r.Pattern = r2.Pattern
}

// deadlineCause returns the cause of r's context when it ended at a
// deadline whose cause is a fault (Deadline's), and err is the work it
// stopped; nil otherwise.
func deadlineCause(r *http.Request, err error) error {
	if r == nil || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(r.Context().Err(), context.DeadlineExceeded) {
		return nil
	}
	if cause := context.Cause(r.Context()); fault.KindOf(cause) == fault.Timeout {
		return cause
	}
	return nil
}
