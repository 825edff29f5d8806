package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/trx-platform/trx/internal/fault"
)

// ETag returns the entity tag of a resource's version: "3", quoted.
func ETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// IfMatch returns the version r's If-Match header asks for: 0 when it is
// absent or "*". Anything but one strong tag made by ETag ("3") is an
// Invalid error naming the header (a weak tag never matches a write): a resource has one version, so a list
// of tags is not supported.
func IfMatch(r *http.Request) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	n, ok := parseETag(h)
	if !ok {
		v := &fault.Validation{}
		v.Add("If-Match", "format", `must be an ETag such as "3"`)
		return 0, v
	}
	return n, nil
}

// NotModified reports whether r's If-None-Match header matches the current
// version (its ETag, or "*"): the answer is then 304 Not Modified.
func NotModified(r *http.Request, version int64) bool {
	h := r.Header.Get("If-None-Match")
	return h != "" && (h == "*" || h == ETag(version))
}

// parseETag reads a strong tag made by ETag (its quotes may be left out).
func parseETag(h string) (int64, bool) {
	if strings.HasPrefix(h, "W/") {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	return n, err == nil && n >= 1
}
