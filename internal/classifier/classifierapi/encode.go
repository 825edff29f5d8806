package classifierapi

import (
	"math"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/web"
)

// respondResults writes {"items": [ResultResource, …]} with status 200:
// the bytes web.Respond writes for it, without reflection. The classify
// response holds up to classifier.MaxClassify results of a few
// suggestions each, which encoding/json walks by reflection. A
// confidence that is not finite (encoding/json refuses it, and
// web.Respond then writes no body) goes through web.Respond as before.
func respondResults(w http.ResponseWriter, res []classifier.Result) {
	buf, ok := appendResults(make([]byte, 0, 256*len(res)+16), res)
	if !ok {
		out := make([]ResultResource, len(res))
		for i, x := range res {
			out[i] = resultResource(x)
		}
		web.Respond(w, http.StatusOK, map[string]any{"items": out})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf)
}

// appendResults appends the JSON of the classify response and a newline,
// as json.Encoder does; ok is false when a confidence is not finite.
func appendResults(b []byte, res []classifier.Result) (_ []byte, ok bool) {
	ok = true
	str := func(s string) { b = appendString(b, s) }
	num := func(f float64) {
		var good bool
		b, good = appendFloat(b, f)
		ok = ok && good
	}
	b = append(b, `{"items":[`...)
	for i, r := range res {
		if i > 0 {
			b = append(b, ',')
		}
		// The fields and their order are ResultResource's.
		b = append(b, `{"category_id":`...)
		if r.CategoryID != "" {
			str(r.CategoryID)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"confidence":`...)
		num(r.Confidence)
		b = append(b, `,"source":`...)
		if r.CategoryID != "" {
			str(r.Source)
		} else {
			b = append(b, "null"...)
		}
		if r.RuleID != "" {
			b = append(b, `,"rule_id":`...)
			str(r.RuleID)
		}
		if r.LearnedFrom != "" {
			b = append(b, `,"learned_from":`...)
			str(r.LearnedFrom)
		}
		if r.Reason != "" {
			b = append(b, `,"reason":`...)
			str(r.Reason)
		}
		b = append(b, `,"suggestions":[`...)
		for j, s := range r.Suggestions {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"category_id":`...)
			str(s.Category)
			b = append(b, `,"confidence":`...)
			num(s.P)
			b = append(b, '}')
		}
		b = append(b, "]}"...)
		if !ok {
			return b, false
		}
	}
	return append(b, "]}\n"...), ok
}

// appendString appends s as a JSON string as encoding/json writes it:
// ", \ and control characters escaped (\b, \f, \n, \r, \t short), <, >
// and & escaped for HTML, invalid UTF-8 as \ufffd, U+2028 and U+2029
// escaped.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendFloat appends f as encoding/json writes a float64 (shortest
// representation, exponent form below 1e-6 and from 1e21); ok is false
// for NaN and infinities, which it refuses.
func appendFloat(b []byte, f float64) (_ []byte, ok bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}
