package statement

import (
	"fmt"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/transaction"
)

// DateISO is the default date format: a date (2026-11-27, midnight UTC) or
// an RFC 3339 instant, as trx writes them.
const DateISO = "iso"

// A date format is written with the tokens YYYY, YY, MMMM (January), MMM
// (Jan), MM, M, DD and D; anything else stands for itself: "DD/MM/YYYY",
// "MM/DD/YY", "D MMM YYYY", "YYYYMMDD", "DD.MM.YYYY". Or "iso".
var dateTokens = []struct{ token, layout string }{
	{"YYYY", "2006"}, {"YY", "06"}, {"MMMM", "January"}, {"MMM", "Jan"}, {"MM", "01"}, {"M", "1"}, {"DD", "02"}, {"D", "2"},
}

// dateLayout turns a date format into a Go time layout.
func dateLayout(format string) (string, error) {
	if format == "" || strings.EqualFold(format, DateISO) {
		return DateISO, nil
	}
	var b strings.Builder
	var y, m, d bool
	for i := 0; i < len(format); {
		matched := false
		for _, t := range dateTokens {
			if strings.HasPrefix(format[i:], t.token) {
				b.WriteString(t.layout)
				i += len(t.token)
				matched = true
				switch t.token[0] {
				case 'Y':
					y = true
				case 'M':
					m = true
				case 'D':
					d = true
				}
				break
			}
		}
		if !matched {
			c := format[i]
			if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				return "", fmt.Errorf("%q is not a date format: %q is not one of YYYY, YY, MMMM, MMM, MM, M, DD, D", format, format[i:i+1])
			}
			b.WriteByte(c)
			i++
		}
	}
	if !y || !m || !d {
		return "", fmt.Errorf("%q is not a date format: it needs a year (YYYY or YY), a month (MM, M, MMM) and a day (DD, D)", format)
	}
	return b.String(), nil
}

// parseDate reads s in layout (from dateLayout) as midnight UTC of the day,
// or, for "iso", a date or an RFC 3339 instant.
func parseDate(s, layout, format string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("is empty")
	}
	if layout == DateISO {
		t, err := transaction.ParseTime(s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a date such as 2026-11-27 (or an RFC 3339 time); set date_format to the file's, such as DD/MM/YYYY", s)
		}
		return checkYear(t, s)
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date in the format %s", s, format)
	}
	return checkYear(t, s)
}

func checkYear(t time.Time, s string) (time.Time, error) {
	if t.Year() < 1900 || t.Year() > 9999 {
		return time.Time{}, fmt.Errorf("%q is outside the years 1900 to 9999", s)
	}
	return t.UTC(), nil
}
