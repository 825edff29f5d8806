package statement

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"
)

// The encodings a text file (CSV, QIF) may be in.
const (
	EncodingUTF8    = "utf-8"        // the default; a BOM is dropped
	EncodingLatin1  = "latin-1"      // ISO 8859-1
	EncodingWin1252 = "windows-1252" // Latin-1 with € and curly quotes in 0x80–0x9F
	EncodingAuto    = "auto"         // UTF-8 if the file is valid UTF-8, else Windows-1252
)

// Encodings lists the names accepted (and their aliases in normalizeEncoding).
var Encodings = []string{EncodingUTF8, EncodingLatin1, EncodingWin1252, EncodingAuto}

func normalizeEncoding(name string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "utf-8", "utf8":
		return EncodingUTF8, true
	case "latin-1", "latin1", "iso-8859-1", "iso8859-1":
		return EncodingLatin1, true
	case "windows-1252", "cp1252", "win1252":
		return EncodingWin1252, true
	case "auto":
		return EncodingAuto, true
	}
	return "", false
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// decodeText returns data as UTF-8 text: a UTF-8 BOM is dropped, a UTF-16
// file with a BOM (what spreadsheets save as "Unicode text") is converted,
// and otherwise the encoding decides. Invalid UTF-8 in a file said to be
// UTF-8 is a 400 naming its line, never replaced silently.
func decodeText(data []byte, encoding string) (string, error) {
	enc, ok := normalizeEncoding(encoding)
	if !ok {
		return "", fileError("encoding", "enum", "%q is not an encoding trx reads; want one of %s", encoding, strings.Join(Encodings, ", "))
	}
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		data = data[len(bomUTF8):]
		enc = EncodingUTF8
	case bytes.HasPrefix(data, bomUTF16LE), bytes.HasPrefix(data, bomUTF16BE):
		out, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", fileError("encoding", "utf16", "the file starts like UTF-16 but does not decode: %v", err)
		}
		return string(out), nil
	}
	if enc == EncodingAuto {
		enc = EncodingWin1252
		if utf8.Valid(data) {
			enc = EncodingUTF8
		}
	}
	switch enc {
	case EncodingLatin1:
		out, _ := charmap.ISO8859_1.NewDecoder().Bytes(data) // every byte is a character
		return string(out), nil
	case EncodingWin1252:
		out, _ := charmap.Windows1252.NewDecoder().Bytes(data)
		return string(out), nil
	}
	if line, col, ok := firstInvalidUTF8(data); ok {
		return "", lineError(line, "encoding", "utf8", "byte %d of the line is not valid UTF-8; if the file is Latin-1 (ISO 8859-1) or Windows-1252, import it with encoding=latin-1 or encoding=windows-1252", col)
	}
	return string(data), nil
}

// firstInvalidUTF8 finds the line (from 1) and byte in the line (from 1)
// of the first byte that is not valid UTF-8.
func firstInvalidUTF8(data []byte) (line, col int, found bool) {
	line, start := 1, 0
	for i := 0; i < len(data); {
		if data[i] == '\n' {
			line, start = line+1, i+1
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return line, i - start + 1, true
		}
		i += n
	}
	return 0, 0, false
}

// cleanText makes a field fit to store: NFC, every run of white space or
// control characters one space, trimmed, and cut to max characters.
func cleanText(s string, max int) string {
	if s == "" {
		return ""
	}
	s = norm.NFC.String(s)
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if utf8.RuneCountInString(out) > max {
		out = string([]rune(out)[:max])
	}
	return out
}

// normalizeDescription is the form of a description that fingerprints use:
// NFKC, lower case, single spaces.
func normalizeDescription(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(norm.NFKC.String(s))), " ")
}
