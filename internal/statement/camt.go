package statement

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/transaction"
)

// ISO 20022 camt.053 (BankToCustomerStatement), read with encoding/xml on
// the elements of the published schema that a statement line needs; the
// element names are matched without their namespace, so every version
// (camt.053.001.02 to .13) reads the same. Booked entries are imported;
// pending and informational ones (Sts PDNG, INFO) are counted as skipped.

type camtAmount struct {
	Value string `xml:",chardata"`
	Ccy   string `xml:"Ccy,attr"`
}

type camtDate struct {
	Dt   string `xml:"Dt"`
	DtTm string `xml:"DtTm"`
}

type camtParty struct {
	Nm    string `xml:"Nm"`
	PtyNm string `xml:"Pty>Nm"` // camt.053.001.08 and later
}

func (p camtParty) name() string {
	if p.Nm != "" {
		return p.Nm
	}
	return p.PtyNm
}

type camtRefs struct {
	AcctSvcrRef string `xml:"AcctSvcrRef"`
	EndToEndID  string `xml:"EndToEndId"`
	TxID        string `xml:"TxId"`
}

type camtTx struct {
	Refs      camtRefs  `xml:"Refs"`
	Dbtr      camtParty `xml:"RltdPties>Dbtr"`
	Cdtr      camtParty `xml:"RltdPties>Cdtr"`
	Ustrd     []string  `xml:"RmtInf>Ustrd"`
	AddtlInfo string    `xml:"AddtlTxInf"`
}

type camtStatus struct {
	Text string `xml:",chardata"`
	Cd   string `xml:"Cd"` // camt.053.001.08 and later
}

func (s camtStatus) code() string {
	if c := strings.TrimSpace(s.Cd); c != "" {
		return c
	}
	return strings.TrimSpace(s.Text)
}

type camtEntry struct {
	NtryRef     string     `xml:"NtryRef"`
	Amt         camtAmount `xml:"Amt"`
	CdtDbtInd   string     `xml:"CdtDbtInd"`
	Sts         camtStatus `xml:"Sts"`
	BookgDt     camtDate   `xml:"BookgDt"`
	ValDt       camtDate   `xml:"ValDt"`
	AcctSvcrRef string     `xml:"AcctSvcrRef"`
	Txs         []camtTx   `xml:"NtryDtls>TxDtls"`
	AddtlInfo   string     `xml:"AddtlNtryInf"`
}

// ParseCAMT reads the booked entries of a camt.053 statement into entries
// in currency.
func ParseCAMT(data []byte, currency string) (*Statement, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "iso-8859-1", "latin-1", "latin1":
			return charmap.ISO8859_1.NewDecoder().Reader(in), nil
		case "windows-1252", "cp1252":
			return charmap.Windows1252.NewDecoder().Reader(in), nil
		}
		return nil, fmt.Errorf("the encoding %q is not one trx reads (UTF-8, ISO-8859-1, Windows-1252)", label)
	}
	st := &Statement{Format: FormatCAMT}
	var (
		sawRoot, sawStmt bool
		accounts         = map[string]bool{}
		path             []string
	)
	for {
		line, _ := d.InputPos()
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, lineError(line, "xml", "syntax", "%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if !sawRoot {
				sawRoot = true
				if err := camtRoot(name, t.Name.Space); err != nil {
					return nil, err
				}
			}
			if len(path) == 1 && name != "BkToCstmrStmt" {
				return nil, camtOther(name)
			}
			switch {
			case name == "Ntry" && len(path) >= 2 && path[len(path)-1] == "Stmt":
				var e camtEntry
				if err := d.DecodeElement(&e, &t); err != nil {
					return nil, lineError(line, "Ntry", "syntax", "%v", err)
				}
				if st.Rows++; st.Rows > MaxRows {
					return nil, tooManyRows()
				}
				camtLine(st, line, e, currency)
				continue
			case name == "Acct" && len(path) >= 2 && path[len(path)-1] == "Stmt":
				var a struct {
					IBAN string `xml:"Id>IBAN"`
					Othr string `xml:"Id>Othr>Id"`
					Ccy  string `xml:"Ccy"`
				}
				if err := d.DecodeElement(&a, &t); err != nil {
					return nil, lineError(line, "Acct", "syntax", "%v", err)
				}
				accounts[a.IBAN+a.Othr] = true
				if a.Ccy != "" && a.Ccy != currency {
					return nil, fault.Errorf(fault.Unprocessable, "the statement's account is in %s (Acct/Ccy, line %d); the account is in %s: import it into a %s account",
						a.Ccy, line, currency, a.Ccy)
				}
				continue
			case name == "Stmt":
				sawStmt = true
			}
			path = append(path, name)
		case xml.EndElement:
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		}
	}
	switch {
	case !sawRoot:
		return nil, fileError("file", "camt", "holds no XML element")
	case !sawStmt:
		return nil, fileError("file", "camt", "holds no statement (BkToCstmrStmt/Stmt)")
	case len(accounts) > 1:
		return nil, fault.Errorf(fault.Unprocessable, "the file holds statements of %d accounts; trx imports one account at a time", len(accounts))
	}
	return st, nil
}

func camtRoot(name, space string) error {
	if name != "Document" {
		return fileError("file", "camt", "its root element is <%s>, not an ISO 20022 <Document>", name)
	}
	if space != "" && !strings.Contains(space, "camt.053") {
		kind := space[strings.LastIndex(space, ":")+1:]
		return fileError("file", "camt", "is an ISO 20022 %s message, not a camt.053 bank-to-customer statement", kind)
	}
	return nil
}

func camtOther(name string) error {
	switch name {
	case "BkToCstmrAcctRpt":
		return fileError("file", "camt", "is a camt.052 intraday account report, not a camt.053 statement: import the end-of-day statement")
	case "BkToCstmrDbtCdtNtfctn":
		return fileError("file", "camt", "is a camt.054 debit/credit notification, not a camt.053 statement")
	}
	return fileError("file", "camt", "holds <%s>, not a camt.053 statement (BkToCstmrStmt)", name)
}

// camtLine reads one booked entry into st.
func camtLine(st *Statement, line int, n camtEntry, currency string) {
	if code := n.Sts.code(); code != "" && code != "BOOK" {
		st.Skipped++
		st.Rows--
		return
	}
	bad := false
	problem := func(el, field, rule, detail string) {
		if !bad {
			st.Rejected++
		}
		bad = true
		st.problem(Problem{Line: line, Field: field, Column: el, Rule: rule, Detail: el + ": " + detail})
	}
	e := Entry{Line: line}
	date := n.BookgDt
	if date.Dt == "" && date.DtTm == "" {
		date = n.ValDt
	}
	var err error
	switch {
	case date.Dt != "":
		e.BookedAt, err = parseDate(date.Dt, DateISO, DateISO)
	case date.DtTm != "":
		e.BookedAt, err = parseCAMTDateTime(date.DtTm)
	default:
		err = errors.New("the entry has no booking date (BookgDt) nor value date (ValDt)")
	}
	if err != nil {
		problem("BookgDt", "date", "format", err.Error())
	}
	if n.Amt.Ccy != "" && n.Amt.Ccy != currency {
		problem("Amt", "currency", "currency", fmt.Sprintf("the entry is in %s; the account is in %s", n.Amt.Ccy, currency))
	} else if e.Amount, err = parseAmount(n.Amt.Value, Number{}, currency); err != nil || e.Amount < 0 {
		if err == nil {
			err = &amountError{"format", "a camt amount is unsigned; the sign is in CdtDbtInd"}
		}
		problem("Amt", "amount", amountRule(err), err.Error())
	}
	switch n.CdtDbtInd {
	case "DBIT":
		e.Amount = -e.Amount
	case "CRDT":
	default:
		problem("CdtDbtInd", "amount", "enum", fmt.Sprintf("%q is neither CRDT nor DBIT", n.CdtDbtInd))
	}
	camtText(&e, n)
	if !bad {
		st.Entries = append(st.Entries, e)
	}
}

// camtText fills the description, counterparty and reference of an entry:
// the remittance information (else the additional information), the
// creditor of a debit or the debtor of a credit, and the account
// servicer's reference (else the entry's, else the transaction's).
func camtText(e *Entry, n camtEntry) {
	var tx camtTx
	if len(n.Txs) > 0 {
		tx = n.Txs[0]
	}
	desc := strings.Join(tx.Ustrd, " ")
	for _, alt := range []string{tx.AddtlInfo, n.AddtlInfo} {
		if strings.TrimSpace(desc) == "" {
			desc = alt
		}
	}
	e.Description = cleanText(desc, transaction.MaxDescription)
	party := tx.Cdtr.name()
	if e.Amount > 0 {
		party = tx.Dbtr.name()
	}
	e.Counterparty = cleanText(party, transaction.MaxCounterparty)
	for _, ref := range []string{n.AcctSvcrRef, n.NtryRef, tx.Refs.AcctSvcrRef, tx.Refs.TxID, tx.Refs.EndToEndID} {
		if r := strings.TrimSpace(ref); r != "" && r != "NOTPROVIDED" && e.Reference == "" {
			e.Reference = cleanText(r, 200)
		}
	}
	if e.Description == "" {
		e.Description = fallbackDescription(*e)
	}
}

// parseCAMTDateTime reads an ISO date-time, with or without an offset
// (without one it is taken as UTC).
func parseCAMTDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := transaction.ParseTime(s); err == nil {
		return t, nil
	}
	if t, err := parseDate(s, "2006-01-02T15:04:05", "YYYY-MM-DDTHH:MM:SS"); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO date-time", s)
}
