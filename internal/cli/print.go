package cli

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable returns s safe to print in a terminal table: every control
// or format character (an escape sequence that would recolour, retitle or
// clear the terminal, a bidirectional override, a tab that breaks the
// columns) is written as a Go escape (\x1b, \u202e, \t), and so is a
// backslash, so that what is shown stands for one string only.
func Printable(s string) string {
	clean := true
	for i, r := range s {
		if r == '\\' || (r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD")) || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1: // not UTF-8
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i]), 16))
		case r == '\\':
			b.WriteString(`\\`)
		case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp):
			q := strconv.QuoteRuneToASCII(r) // '\x1b', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// PrintableRow applies Printable to every cell.
func PrintableRow(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Printable(c)
	}
	return out
}
