package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/trx-platform/trx/internal/fault"
)

// MaxName is the longest user name, in characters.
const MaxName = 200

// NormalizeName returns name as users are stored: in Unicode NFC, without
// leading and trailing white space. It refuses an empty name, one longer
// than MaxName characters, invalid UTF-8 and control characters (C0, C1,
// and format characters such as bidirectional overrides), which could
// rewrite a terminal or disguise one name as another. Names are then
// compared byte for byte: "Alice" and "alice" are different users on
// every engine.
func NormalizeName(name string) (string, error) {
	var v fault.Validation
	if !utf8.ValidString(name) {
		v.Add("name", "encoding", "must be valid UTF-8")
		return "", v.Err()
	}
	name = strings.TrimSpace(norm.NFC.String(name))
	switch {
	case name == "":
		v.Add("name", "required", "is required")
	case utf8.RuneCountInString(name) > MaxName:
		v.Addf("name", "max_length", "must be at most %d characters", MaxName)
	case HasControl(name):
		v.Add("name", "control_characters", "must not contain control characters")
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	return name, nil
}

// HasControl reports whether s holds a control character (Unicode Cc), a
// format character (Cf: bidirectional overrides, zero-width joiners, …) or
// a line or paragraph separator.
func HasControl(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
			return true
		}
	}
	return false
}
