package web

import "strings"

// Bearer returns the credentials of an "Authorization: Bearer X" header
// value (the scheme in any case).
func Bearer(h string) (string, bool) {
	scheme, key, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	key = strings.TrimSpace(key)
	return key, key != ""
}
