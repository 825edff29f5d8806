package statement

import (
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trx-platform/trx/internal/money"
	"github.com/trx-platform/trx/internal/transaction"
)

// CSVHeader is the header of a CSV export: the columns the trx-csv preset
// reads back.
var CSVHeader = []string{"id", "booked_at", "amount", "currency", "description", "counterparty", "category_id", "account_id"}

// CSVWriter writes transactions as CSV, one at a time (nothing is held).
type CSVWriter struct {
	w      *csv.Writer
	header bool
}

// NewCSVWriter returns a CSVWriter onto w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: csv.NewWriter(w)} }

// Write writes t (after the header, the first time).
func (c *CSVWriter) Write(t transaction.Transaction) error {
	if !c.header {
		c.header = true
		if err := c.w.Write(CSVHeader); err != nil {
			return err
		}
	}
	return c.w.Write([]string{t.ID, t.BookedAt.UTC().Format(time.RFC3339Nano), money.Format(t.Amount, t.Currency), t.Currency,
		t.Description, t.Counterparty, t.CategoryID, t.AccountID})
}

// Close writes the header of an empty export and flushes.
func (c *CSVWriter) Close() error {
	if !c.header {
		c.header = true
		if err := c.w.Write(CSVHeader); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

// OFXAccount is the account an OFX export is a statement of.
type OFXAccount struct {
	ID       string // ACCTID
	Kind     string // an account kind: credit_card writes a CCSTMTRS, others a bank STMTRS
	Currency string
	// Start and End bound the statement (DTSTART, DTEND).
	Start, End time.Time
}

// OFXWriter writes an OFX 2.1.1 (XML) statement, one transaction at a time.
type OFXWriter struct {
	w     io.Writer
	acct  OFXAccount
	begun bool
	err   error
}

// NewOFXWriter returns an OFXWriter onto w for acct.
func NewOFXWriter(w io.Writer, acct OFXAccount) *OFXWriter { return &OFXWriter{w: w, acct: acct} }

func (o *OFXWriter) printf(format string, args ...any) {
	if o.err == nil {
		_, o.err = fmt.Fprintf(o.w, format, args...)
	}
}

func (o *OFXWriter) card() bool { return o.acct.Kind == "credit_card" }

func (o *OFXWriter) begin() {
	o.begun = true
	now := ofxDate(time.Now())
	o.printf("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n")
	o.printf("<?OFX OFXHEADER=\"200\" VERSION=\"211\" SECURITY=\"NONE\" OLDFILEUID=\"NONE\" NEWFILEUID=\"NONE\"?>\n")
	o.printf("<OFX>\n<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS><DTSERVER>%s</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>\n", now)
	if o.card() {
		o.printf("<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>0</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\n<CCSTMTRS><CURDEF>%s</CURDEF>\n", o.acct.Currency)
		o.printf("<CCACCTFROM><ACCTID>%s</ACCTID></CCACCTFROM>\n", escapeXML(o.acct.ID))
	} else {
		o.printf("<BANKMSGSRSV1><STMTTRNRS><TRNUID>0</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\n<STMTRS><CURDEF>%s</CURDEF>\n", o.acct.Currency)
		o.printf("<BANKACCTFROM><BANKID>TRX</BANKID><ACCTID>%s</ACCTID><ACCTTYPE>%s</ACCTTYPE></BANKACCTFROM>\n", escapeXML(o.acct.ID), ofxAccountType(o.acct.Kind))
	}
	o.printf("<BANKTRANLIST><DTSTART>%s</DTSTART><DTEND>%s</DTEND>\n", ofxDate(o.acct.Start), ofxDate(o.acct.End))
}

func ofxAccountType(kind string) string {
	switch kind {
	case "savings":
		return "SAVINGS"
	case "loan":
		return "CREDITLINE"
	case "investment":
		return "MONEYMRKT"
	}
	return "CHECKING"
}

// Write writes one STMTTRN: FITID the transaction id, NAME the
// counterparty (else the description cut to OFX's 32 characters), MEMO the
// description in full; the import reads them back as they were.
func (o *OFXWriter) Write(t transaction.Transaction) error {
	if !o.begun {
		o.begin()
	}
	kind := "CREDIT"
	if t.Amount < 0 {
		kind = "DEBIT"
	}
	name := t.Counterparty
	if name == "" && utf8.RuneCountInString(t.Description) > 32 {
		name = string([]rune(t.Description)[:32])
	} else if name == "" {
		name = t.Description
	}
	o.printf("<STMTTRN><TRNTYPE>%s</TRNTYPE><DTPOSTED>%s</DTPOSTED><TRNAMT>%s</TRNAMT><FITID>%s</FITID><NAME>%s</NAME><MEMO>%s</MEMO></STMTTRN>\n",
		kind, ofxDate(t.BookedAt), money.Format(t.Amount, t.Currency), escapeXML(t.ID), escapeXML(strings.TrimSpace(name)), escapeXML(t.Description))
	return o.err
}

// Close ends the statement with the ledger balance at asOf.
func (o *OFXWriter) Close(balance int64, asOf time.Time) error {
	if !o.begun {
		o.begin()
	}
	o.printf("</BANKTRANLIST>\n<LEDGERBAL><BALAMT>%s</BALAMT><DTASOF>%s</DTASOF></LEDGERBAL>\n", money.Format(balance, o.acct.Currency), ofxDate(asOf))
	if o.card() {
		o.printf("</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1>\n</OFX>\n")
	} else {
		o.printf("</STMTRS></STMTTRNRS></BANKMSGSRSV1>\n</OFX>\n")
	}
	return o.err
}

// ofxDate writes t in UTC to the microsecond, which parseOFXDate reads back.
func ofxDate(t time.Time) string {
	return t.UTC().Format("20060102150405.000000") + "[0:GMT]"
}

func escapeXML(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
