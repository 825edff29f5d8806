package statement

import (
	"bytes"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/transaction"
)

// OFX/QFX statements, 1.x (SGML: leaf elements have no end tag) and 2.x
// (XML), read by a small tokenizer of our own rather than a library: the
// maintained Go OFX library, github.com/aclindsa/ofxgo, is GPL-licensed,
// and trx is Apache-2.0 (see README, Dependencies). Only what a bank or
// credit-card statement download holds is read: STMTRS / CCSTMTRS with
// CURDEF, the account id, and BANKTRANLIST's STMTTRNs (TRNTYPE, DTPOSTED,
// TRNAMT, FITID, NAME or PAYEE.NAME, MEMO, CHECKNUM, REFNUM, CURRENCY).

// ofxNode is an element: a leaf with a value, or an aggregate with kids.
type ofxNode struct {
	name  string
	value string
	line  int
	kids  []*ofxNode
	leaf  bool
}

func (n *ofxNode) child(name string) *ofxNode {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// path returns the value of the leaf at the end of names ("" if none).
func (n *ofxNode) path(names ...string) string {
	cur := n
	for _, name := range names {
		if cur = cur.child(name); cur == nil {
			return ""
		}
	}
	return cur.value
}

// all appends every descendant named name, depth first.
func (n *ofxNode) all(name string, out []*ofxNode) []*ofxNode {
	for _, k := range n.kids {
		if k.name == name {
			out = append(out, k)
		} else {
			out = k.all(name, out)
		}
	}
	return out
}

// ofxText returns the file as UTF-8: bytes that are valid UTF-8 are taken
// as such, others (a 1.x header's CHARSET:1252 or 8859-1, most banks'
// downloads) as Windows-1252, the superset of Latin-1 they use.
func ofxText(data []byte) string {
	data = bytes.TrimPrefix(data, bomUTF8)
	if utf8.Valid(data) {
		return string(data)
	}
	out, _ := charmap.Windows1252.NewDecoder().Bytes(data) // every byte is a character
	return string(out)
}

// parseOFXTree tokenizes the body of an OFX file (from <OFX>) into a tree.
func parseOFXTree(text string) (*ofxNode, error) {
	start := strings.Index(strings.ToUpper(text), "<OFX>")
	if start < 0 {
		return nil, fileError("file", "ofx", "has no <OFX> element: not an OFX or QFX file")
	}
	line := 1 + strings.Count(text[:start], "\n")
	root := &ofxNode{name: "#root"}
	stack := []*ofxNode{root}
	s := text[start:]
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			break
		}
		if txt := strings.TrimSpace(s[:lt]); txt != "" {
			top := stack[len(stack)-1]
			if top == root || len(top.kids) > 0 {
				return nil, lineError(line, "ofx", "syntax", "text %q outside an element", cut(txt, 40))
			}
			top.value, top.leaf = html.UnescapeString(txt), true
		}
		line += strings.Count(s[:lt], "\n")
		s = s[lt:]
		gt := strings.IndexByte(s, '>')
		if gt < 0 {
			return nil, lineError(line, "ofx", "syntax", "a tag is not closed with '>'")
		}
		tag := s[1:gt]
		line += strings.Count(tag, "\n")
		s = s[gt+1:]
		switch {
		case strings.HasPrefix(tag, "!--"), strings.HasPrefix(tag, "?"):
			continue
		case strings.HasPrefix(tag, "/"):
			name := strings.ToUpper(strings.TrimSpace(tag[1:]))
			i := len(stack) - 1
			for i > 0 && stack[i].name != name {
				i--
			}
			if i == 0 {
				return nil, lineError(line, "ofx", "syntax", "</%s> closes no open element", name)
			}
			stack = stack[:i]
		default:
			name := strings.ToUpper(strings.TrimSpace(tag))
			if strings.HasSuffix(name, "/") { // an empty XML element
				continue
			}
			if top := stack[len(stack)-1]; top.leaf || (len(top.kids) == 0 && ofxLeaves[top.name]) {
				stack = stack[:len(stack)-1] // an SGML leaf ends at the next tag
			}
			n := &ofxNode{name: name, line: line}
			parent := stack[len(stack)-1]
			parent.kids = append(parent.kids, n)
			stack = append(stack, n)
		}
	}
	ofx := root.child("OFX")
	if ofx == nil {
		return nil, fileError("file", "ofx", "has no <OFX> element")
	}
	return ofx, nil
}

// ofxLeaves are the leaf elements a statement may leave empty (in SGML an
// empty leaf has neither a value nor an end tag: without this list the
// next element would be taken for its child).
var ofxLeaves = setOf(`MEMO NAME CHECKNUM REFNUM SIC PAYEEID FITID SRVRTID CORRECTFITID CORRECTACTION TRNTYPE
	DTPOSTED DTUSER DTAVAIL TRNAMT BANKID BRANCHID ACCTID ACCTTYPE ACCTKEY CURDEF DTSTART DTEND BALAMT DTASOF MESSAGE CODE
	SEVERITY DTSERVER LANGUAGE ORG FID TRNUID CLTCOOKIE CURSYM CURRATE EXTDNAME MKTGINFO INTU.BID INTU.USERID`)

func setOf(words string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(words) {
		out[w] = true
	}
	return out
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// ParseOFX reads an OFX/QFX bank or credit-card statement into entries in
// currency, which must be the statement's (CURDEF).
func ParseOFX(data []byte, currency string) (*Statement, error) {
	ofx, err := parseOFXTree(ofxText(data))
	if err != nil {
		return nil, err
	}
	stmts := append(ofx.all("STMTRS", nil), ofx.all("CCSTMTRS", nil)...)
	if len(stmts) == 0 {
		if len(ofx.all("INVSTMTRS", nil)) > 0 {
			return nil, fault.New(fault.Unprocessable, "the file is an investment statement (INVSTMTRS); trx imports bank and credit-card statements")
		}
		if code := ofx.path("SIGNONMSGSRSV1", "SONRS", "STATUS", "CODE"); code != "" && code != "0" {
			return nil, fault.Errorf(fault.Unprocessable, "the bank refused the download (OFX status %s: %s); the file holds no statement", code,
				ofx.path("SIGNONMSGSRSV1", "SONRS", "STATUS", "MESSAGE"))
		}
		return nil, fileError("file", "ofx", "holds no bank (STMTRS) or credit-card (CCSTMTRS) statement")
	}
	if err := sameOFXAccount(stmts); err != nil {
		return nil, err
	}
	st := &Statement{Format: FormatOFX}
	for _, sr := range stmts {
		if cur := strings.ToUpper(sr.path("CURDEF")); cur != "" && cur != currency {
			return nil, fault.Errorf(fault.Unprocessable, "the statement is in %s (CURDEF, line %d); the account is in %s: import it into a %s account",
				cur, sr.child("CURDEF").line, currency, cur)
		}
		for _, t := range sr.all("STMTTRN", nil) {
			if st.Rows++; st.Rows > MaxRows {
				return nil, tooManyRows()
			}
			ofxEntry(st, t, currency)
		}
	}
	return st, nil
}

func sameOFXAccount(stmts []*ofxNode) error {
	ids := map[string]bool{}
	for _, s := range stmts {
		id := s.path("BANKACCTFROM", "ACCTID") + s.path("CCACCTFROM", "ACCTID")
		ids[id] = true
	}
	if len(ids) > 1 {
		return fault.Errorf(fault.Unprocessable, "the file holds statements of %d accounts; trx imports one account at a time (split the file by ACCTID)", len(ids))
	}
	return nil
}

// ofxEntry reads one STMTTRN into st.
func ofxEntry(st *Statement, t *ofxNode, currency string) {
	bad := false
	problem := func(el, field, rule, detail string) {
		if !bad {
			st.Rejected++
		}
		bad = true
		line := t.line
		if n := t.child(el); n != nil {
			line = n.line
		}
		st.problem(Problem{Line: line, Field: field, Column: el, Rule: rule, Detail: el + ": " + detail})
	}
	e := Entry{Line: t.line}
	var err error
	if e.BookedAt, err = parseOFXDate(t.path("DTPOSTED")); err != nil {
		problem("DTPOSTED", "date", "format", err.Error())
	}
	amount := t.path("TRNAMT")
	if !strings.Contains(amount, ".") && strings.Count(amount, ",") == 1 {
		amount = strings.Replace(amount, ",", ".", 1) // OFX allows a comma as the decimal point
	}
	if e.Amount, err = parseAmount(amount, Number{}, currency); err != nil {
		problem("TRNAMT", "amount", amountRule(err), err.Error())
	}
	if c := strings.ToUpper(t.path("CURRENCY", "CURSYM")); c != "" && c != currency {
		problem("CURRENCY", "currency", "currency", fmt.Sprintf("the line is in %s; the account is in %s", c, currency))
	}
	name := t.path("NAME")
	if name == "" {
		name = t.path("PAYEE", "NAME")
	}
	e.Description, e.Counterparty = nameAndMemo(name, t.path("MEMO"))
	e.Reference = cleanText(t.path("FITID"), 200)
	if e.Reference == "" {
		e.Reference = cleanText(t.path("REFNUM"), 200)
	}
	if e.Description == "" {
		e.Description = cleanText(t.path("CHECKNUM"), transaction.MaxDescription)
		if e.Description != "" {
			e.Description = "Check " + e.Description
		}
	}
	if e.Description == "" {
		e.Description = fallbackDescription(e)
	}
	if !bad {
		st.Entries = append(st.Entries, e)
	}
}

// nameAndMemo maps a payee name and a memo (OFX NAME/MEMO, QIF P/M) to a
// description and a counterparty: with a memo, the memo describes and the
// name is the counterparty, unless the name is the memo or the memo cut to
// OFX's 32 characters for NAME; without a memo, the name describes.
func nameAndMemo(name, memo string) (desc, counterparty string) {
	name = cleanText(name, transaction.MaxDescription)
	memo = cleanText(memo, transaction.MaxDescription)
	switch {
	case memo == "":
		return name, ""
	case name == "" || name == memo || (utf8.RuneCountInString(name) == 32 && strings.HasPrefix(memo, name)):
		return memo, ""
	}
	return memo, cleanText(name, transaction.MaxCounterparty)
}

// parseOFXDate reads an OFX date: YYYYMMDD, then optionally HHMM or
// HHMMSS, a fraction of a second and a [offset:zone] in hours (GMT when
// absent, as the spec says).
func parseOFXDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("is missing")
	}
	bad := fmt.Errorf("%q is not an OFX date (YYYYMMDDHHMMSS.XXX[offset:TZ])", s)
	loc := time.UTC
	body := s
	if i := strings.IndexByte(body, '['); i >= 0 {
		zone := strings.TrimSuffix(body[i+1:], "]")
		body = body[:i]
		off, _, _ := strings.Cut(zone, ":")
		h, err := strconv.ParseFloat(off, 64)
		if err != nil || h < -14 || h > 14 {
			return time.Time{}, bad
		}
		loc = time.FixedZone(zone, int(h*3600))
	}
	body, frac, _ := strings.Cut(body, ".")
	layouts := map[int]string{8: "20060102", 12: "200601021504", 14: "20060102150405"}
	layout, ok := layouts[len(body)]
	if !ok || !digits(frac) {
		return time.Time{}, bad
	}
	t, err := time.ParseInLocation(layout, body, loc)
	if err != nil {
		return time.Time{}, bad
	}
	if frac != "" {
		frac = (frac + "000000000")[:9]
		ns, _ := strconv.Atoi(frac)
		t = t.Add(time.Duration(ns))
	}
	return checkYear(t.Truncate(time.Microsecond), s)
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
