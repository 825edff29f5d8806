package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/trx-platform/trx/internal/fault"
)

// Query reads r's query string strictly and returns the value of each
// parameter given. A malformed query string, a parameter not in known and
// a parameter given more than once are each recorded in v (with the
// parameter's name as the field), so that a misspelt filter is a 400 and
// never silently returns everything. Test for presence with the two-value
// index: _, ok := q["cursor"].
func Query(r *http.Request, v *fault.Validation, known ...string) map[string]string {
	vals := ParseQuery(r, v)
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	slices.Sort(names) // errors in a stable order
	out := make(map[string]string, len(vals))
	for _, k := range names {
		switch {
		case !slices.Contains(known, k):
			if len(known) == 0 {
				v.Add(k, "unknown_parameter", "is not a parameter of this route, which takes none")
			} else {
				v.Addf(k, "unknown_parameter", "is not a parameter of this route; known: %s", strings.Join(known, ", "))
			}
		case len(vals[k]) > 1:
			v.Add(k, "repeated", "must be given once")
		default:
			out[k] = vals[k][0]
		}
	}
	return out
}

// ParseQuery returns the parameters of r's query string. A malformed one
// (a bad %-escape, a semicolon) is recorded in v as the field "query":
// r.URL.Query() would drop the bad parts in silence. The values that could
// be read are returned all the same.
func ParseQuery(r *http.Request, v *fault.Validation) url.Values {
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		v.Addf("query", "format", "the query string is malformed: %v", err)
	}
	return vals
}

// Limit reads the page size parameter "limit" from s: def when s is
// empty; a whole number from 1 to max, or else an error recorded in v (and
// def returned).
func Limit(v *fault.Validation, s string, def, max int) int {
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		v.Addf("limit", "range", "must be a whole number between 1 and %d", max)
		return def
	}
	return n
}
