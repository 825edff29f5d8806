package statement

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/trx-platform/trx/internal/fault"
)

// Detect names the format of a statement from its first bytes: OFX/QFX (an
// OFXHEADER or an <OFX> element), CAMT.053 (an ISO 20022 Document), QIF (a
// !Type, !Account or !Option line), or CSV for other text. A file that is
// none of these (a PDF, a spreadsheet, another XML) is a 422 that says
// what it is.
func Detect(data []byte) (string, error) {
	head := data[:min(len(data), 4096)]
	head = bytes.TrimPrefix(head, bomUTF8)
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	upper := bytes.ToUpper(trimmed)
	switch {
	case len(trimmed) == 0:
		return "", fileError("file", "empty", "is empty")
	case bytes.HasPrefix(trimmed, []byte("%PDF")):
		return "", unsupported("a PDF document: download the statement from your bank as CSV, OFX, QIF or CAMT.053 instead")
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "", unsupported("a ZIP archive (an Excel or OpenDocument spreadsheet?): save it as CSV")
	case bytes.HasPrefix(data, bomUTF16LE), bytes.HasPrefix(data, bomUTF16BE):
		return FormatCSV, nil // spreadsheets' "Unicode text"; decodeText converts it
	case bytes.IndexByte(head, 0) >= 0:
		return "", unsupported("a binary file, not a text statement")
	case bytes.HasPrefix(upper, []byte("OFXHEADER")) || bytes.Contains(upper, []byte("<OFX>")) || bytes.Contains(upper, []byte("<?OFX")):
		return FormatOFX, nil
	case bytes.HasPrefix(trimmed, []byte("<")):
		if bytes.Contains(head, []byte("<Document")) || bytes.Contains(head, []byte(":Document")) {
			return FormatCAMT, nil
		}
		return "", unsupported("an XML file that is neither OFX nor an ISO 20022 (CAMT.053) document")
	case bytes.HasPrefix(upper, []byte("!TYPE")) || bytes.HasPrefix(upper, []byte("!ACCOUNT")) || bytes.HasPrefix(upper, []byte("!OPTION")):
		return FormatQIF, nil
	}
	return FormatCSV, nil
}

func unsupported(what string) error {
	return fault.Errorf(fault.Unprocessable, "the file is %s", what)
}

// Options say how to read a statement.
type Options struct {
	// Format is one of Formats, or "" to detect it. A format given that
	// the file is not in is refused, naming the one it is in.
	Format string
	// Currency is the account's: every amount is read in it, exactly.
	Currency string
	// Mapping reads a CSV file (required for CSV).
	Mapping *Mapping
	// QIF reads a QIF file.
	QIF QIFOptions
	// MaxSize is the largest file read, in bytes (zero: MaxFileSize);
	// MaxSizeName says what sets it, for the 413 past it.
	MaxSize     int64
	MaxSizeName string
}

func (o Options) maxSize() int64 {
	if o.MaxSize <= 0 {
		return MaxFileSize
	}
	return o.MaxSize
}

// Parse reads a statement file of any format into entries.
func Parse(data []byte, o Options) (*Statement, error) {
	if limit := o.maxSize(); int64(len(data)) > limit {
		return nil, FileTooLarge(limit, o.MaxSizeName)
	}
	detected, err := Detect(data)
	if err != nil {
		return nil, err
	}
	format := strings.ToLower(o.Format)
	switch {
	case format == "":
		format = detected
	case !validFormat(format):
		return nil, fileError("format", "enum", "%q is not a format trx imports; want one of %s", o.Format, strings.Join(Formats, ", "))
	case format != detected:
		return nil, fileError("format", "mismatch", "the file is %s, not %s: import it with format=%s", describe(detected), strings.ToUpper(format), detected)
	}
	switch format {
	case FormatOFX:
		return ParseOFX(data, o.Currency)
	case FormatQIF:
		return ParseQIF(data, o.QIF, o.Currency)
	case FormatCAMT:
		return ParseCAMT(data, o.Currency)
	}
	if o.Mapping == nil {
		return nil, fileError("preset", "required", "a CSV file needs a column mapping: name a preset (GET /api/v1/import-presets lists them) or send one")
	}
	return ParseCSV(data, *o.Mapping, o.Currency)
}

func validFormat(f string) bool {
	for _, x := range Formats {
		if x == f {
			return true
		}
	}
	return false
}

func describe(format string) string {
	switch format {
	case FormatOFX:
		return "an OFX/QFX statement"
	case FormatQIF:
		return "a QIF file"
	case FormatCAMT:
		return "an ISO 20022 CAMT.053 statement"
	}
	return fmt.Sprintf("a %s file", strings.ToUpper(format))
}
