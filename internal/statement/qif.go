package statement

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// QIF (Quicken Interchange Format), read by hand: no maintained Go library
// exists. A file is sections opened by "!Type:NAME"; a record is lines
// of one code letter and a value, ended by "^". Bank, Cash, CCard, Oth A
// and Oth L sections are statements (D date, T or U amount, P payee, M
// memo, N check number or reference, L category, C cleared); Invst is
// left out (counted as skipped), and so are the lists (!Account, !Type:Cat,
// !Type:Class, !Type:Memorized, !Option lines).

// QIFOptions are how a QIF file writes dates and numbers.
type QIFOptions struct {
	// DateFormat is a date format (see dateLayout), or "" to take
	// Quicken's month-first dates (1/15'24, 01/15/2024), unless a day over
	// 12 shows they are day-first.
	DateFormat string
	Number     Number
	Encoding   string
}

var qifStatementTypes = map[string]bool{"bank": true, "cash": true, "ccard": true, "oth a": true, "oth l": true}

type qifRecord struct {
	line   int
	fields map[byte]string
	lines  map[byte]int
}

// ParseQIF reads the bank and credit-card sections of a QIF file into
// entries in currency.
func ParseQIF(data []byte, o QIFOptions, currency string) (*Statement, error) {
	if o.Encoding == "" {
		o.Encoding = EncodingAuto // Quicken writes the system's code page
	}
	if err := o.Number.check("qif"); err != nil {
		return nil, err
	}
	text, err := decodeText(data, o.Encoding)
	if err != nil {
		return nil, err
	}
	recs, skipped, sections, err := qifRecords(text)
	if err != nil {
		return nil, err
	}
	if sections == 0 {
		return nil, fileError("file", "qif", "has no !Type:Bank, !Type:CCard, !Type:Cash, !Type:Oth A or !Type:Oth L section")
	}
	st := &Statement{Format: FormatQIF, Skipped: skipped}
	layout, dayFirst, err := qifDateLayout(o.DateFormat, recs)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if st.Rows++; st.Rows > MaxRows {
			return nil, tooManyRows()
		}
		qifEntry(st, r, layout, dayFirst, o, currency)
	}
	return st, nil
}

// qifRecords splits text into the records of its statement sections,
// counting the records of investment sections as skipped.
func qifRecords(text string) (recs []qifRecord, skipped, sections int, err error) {
	section := "" // "statement", "invst", "list" or "" before any header
	cur := qifRecord{fields: map[byte]string{}, lines: map[byte]int{}}
	for i, raw := range strings.Split(text, "\n") {
		line := i + 1
		s := strings.TrimRight(raw, "\r")
		if strings.TrimSpace(s) == "" {
			continue
		}
		if s[0] == '!' {
			head := strings.ToLower(strings.TrimSpace(s[1:]))
			switch {
			case strings.HasPrefix(head, "type:"):
				kind := strings.TrimSpace(strings.TrimPrefix(head, "type:"))
				switch {
				case qifStatementTypes[kind]:
					section = "statement"
					sections++
				case kind == "invst":
					section = "invst"
				default:
					section = "list"
				}
			case head == "account":
				section = "list"
			case strings.HasPrefix(head, "option:") || strings.HasPrefix(head, "clear:"):
			default:
				return nil, 0, 0, lineError(line, "qif", "syntax", "%q is not a QIF header", cut(s, 40))
			}
			continue
		}
		if section == "" {
			return nil, 0, 0, lineError(line, "qif", "syntax", "a record before any !Type: header; not a QIF file?")
		}
		if s[0] == '^' {
			switch {
			case len(cur.fields) == 0:
			case section == "statement":
				recs = append(recs, cur)
			case section == "invst":
				skipped++
			}
			cur = qifRecord{fields: map[byte]string{}, lines: map[byte]int{}}
			continue
		}
		if len(cur.fields) == 0 {
			cur.line = line
		}
		code := s[0]
		switch {
		case code == 'S' || code == 'E' || code == '$' || code == 'A':
			// split lines and addresses: the record's total is what the bank booked
		case code == 'M' && cur.fields['M'] != "":
			cur.fields['M'] += " " + s[1:]
		default:
			cur.fields[code], cur.lines[code] = s[1:], line
		}
	}
	if len(cur.fields) > 0 && section == "statement" {
		recs = append(recs, cur) // a last record without its "^"
	}
	return recs, skipped, sections, nil
}

// qifDateLayout picks the layout of the file's dates: the one given, or
// month-first unless some date only reads day-first.
func qifDateLayout(format string, recs []qifRecord) (layout string, dayFirst bool, err error) {
	if format != "" {
		l, err := dateLayout(format)
		if err != nil {
			return "", false, fileError("date_format", "format", "%v", err)
		}
		return l, false, nil
	}
	for _, r := range recs {
		parts := qifDateParts(r.fields['D'])
		if len(parts) == 3 && len(parts[0]) <= 2 {
			if m, _ := strconv.Atoi(parts[0]); m > 12 {
				return "", true, nil
			}
		}
	}
	return "", false, nil
}

// qifDateParts splits a Quicken date (1/15'24, 01/15/2024, 15.01.2024,
// 2024-01-15) into its three numbers, the year last unless it comes first.
func qifDateParts(s string) []string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "'", "/"))
	return strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '.' || r == '-' })
}

// parseQIFDate reads a Quicken date, month first unless dayFirst.
func parseQIFDate(s string, dayFirst bool) (time.Time, error) {
	bad := fmt.Errorf("%q is not a QIF date such as 01/15/2024 or 1/15'24 (set date_format for another order)", strings.TrimSpace(s))
	p := qifDateParts(s)
	if len(p) != 3 {
		return time.Time{}, bad
	}
	n := make([]int, 3)
	for i, x := range p {
		v, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return time.Time{}, bad
		}
		n[i] = v
	}
	y, m, d := n[2], n[0], n[1]
	switch {
	case len(strings.TrimSpace(p[0])) == 4:
		y, m, d = n[0], n[1], n[2]
	case dayFirst:
		m, d = n[1], n[0]
	}
	if y < 100 {
		y += 1900
		if strings.Contains(s, "'") || y < 1950 {
			y += 100 // 1/15'24 is 2024; Quicken's two-digit years before '50 are 20xx
		}
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || t.Day() != d {
		return time.Time{}, bad
	}
	return checkYear(t, s)
}

func qifEntry(st *Statement, r qifRecord, layout string, dayFirst bool, o QIFOptions, currency string) {
	bad := false
	problem := func(code byte, field, rule, detail string) {
		if !bad {
			st.Rejected++
		}
		bad = true
		line := r.line
		if l, ok := r.lines[code]; ok {
			line = l
		}
		st.problem(Problem{Line: line, Field: field, Column: string(code), Rule: rule, Detail: fmt.Sprintf("%c line: %s", code, detail)})
	}
	e := Entry{Line: r.line}
	var err error
	if layout != "" {
		e.BookedAt, err = parseDate(r.fields['D'], layout, o.DateFormat)
	} else {
		e.BookedAt, err = parseQIFDate(r.fields['D'], dayFirst)
	}
	if err != nil {
		problem('D', "date", "format", err.Error())
	}
	amountCode := byte('T')
	if _, ok := r.fields['T']; !ok {
		amountCode = 'U'
	}
	n := o.Number
	if n.Decimal == "" && n.Thousands == "" {
		n.Thousands = ","
	}
	if e.Amount, err = parseAmount(r.fields[amountCode], n, currency); err != nil {
		problem(amountCode, "amount", amountRule(err), err.Error())
	}
	e.Description, e.Counterparty = nameAndMemo(r.fields['P'], r.fields['M'])
	// N (a check number, or words such as ATM, DEP, EFT) is no unique id
	// of the line, so a QIF line is deduped by its fingerprint.
	if e.Description == "" && strings.TrimSpace(r.fields['N']) != "" {
		e.Description = cleanText(r.fields['N'], 200)
	}
	if e.Description == "" {
		e.Description = fallbackDescription(e)
	}
	if !bad {
		st.Entries = append(st.Entries, e)
	}
}
