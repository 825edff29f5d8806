package classifier

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Item is what the classifier sees of a transaction: its text, and its
// amount in minor units of its currency (negative = spent) with the
// currency's exponent.
type Item struct {
	Description  string
	Counterparty string
	Amount       int64
	Currency     string
	Exponent     int // digits after the decimal point in the currency (EUR 2, JPY 0)
}

// noise are tokens that card processors, banks and payment apps add to a
// descriptor and that say nothing of the merchant: "POS PURCHASE", "SQ *",
// "PAYPAL *", "TST*", "CARD NO.", month names of a booking date, and so on.
var noise = map[string]bool{
	"pos": true, "purchase": true, "purch": true, "card": true, "no": true, "debit": true, "visa": true,
	"mastercard": true, "mc": true, "maestro": true, "contactless": true, "sq": true, "tst": true, "sp": true,
	"pp": true, "pmt": true, "ref": true, "the": true, "and": true, "of": true, "for": true, "to": true, "at": true,
	"www": true, "com": true, "co": true, "uk": true, "http": true, "https": true, "inc": true, "ltd": true, "llc": true,
	"pty": true, "gmbh": true, "sarl": true, "bv": true, "plc": true,
	// Card and payment words in French, German, Spanish, Italian and Dutch.
	"carte": true, "bancaire": true, "cb": true, "paiement": true, "karte": true, "kartenzahlung": true, "ec": true,
	"tarjeta": true, "compra": true, "pago": true, "carta": true, "pagamento": true, "pinbetaling": true, "betaalpas": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true,
	"sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
}

// Words returns the normalized words of s: lower case, letters only (digits,
// such as store numbers, dates and references, split words and are
// dropped), at least two letters, without the descriptor noise above. An
// ampersand between letters stays in the word, so that H&M, AT&T, B&Q and
// PG&E are words and not dropped single letters.
func Words(s string) []string {
	return appendWords(nil, s)
}

func appendWords(out []string, s string) []string {
	// The words are written one after another into buf and made into one
	// string at the end, which each word is a part of: one allocation for
	// all of them, not one per word.
	var (
		stack [256]byte
		ends  [32]int
	)
	buf, end := stack[:0], ends[:0]
	start := 0 // of the word being written
	flush := func() {
		if len(buf)-start >= 2 && !noise[string(buf[start:])] {
			end = append(end, len(buf))
		} else {
			buf = buf[:start]
		}
		start = len(buf)
	}
	for i, r := range s {
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z'):
			buf = append(buf, byte(r))
		case r < utf8.RuneSelf && (r >= 'A' && r <= 'Z'):
			buf = append(buf, byte(r+'a'-'A'))
		case r == '\'' || r == '’':
			// o'neills → oneills
		case r == '&' && len(buf) > start && letterAt(s, i+1):
			buf = append(buf, '&')
		case r >= utf8.RuneSelf && unicode.IsLetter(r):
			buf = utf8.AppendRune(buf, unicode.ToLower(fold(r)))
		default:
			flush()
		}
	}
	flush()
	all := string(buf)
	from := 0
	for _, e := range end {
		out = append(out, all[from:e])
		from = e
	}
	return out
}

// letterAt reports whether s has a letter at byte offset i.
func letterAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

// fold maps common accented Latin letters to their base letter, so that
// "Café" and "CAFE" (as many card terminals print it) are one word.
func fold(r rune) rune {
	switch unicode.ToLower(r) {
	case 'à', 'á', 'â', 'ã', 'ä', 'å':
		return 'a'
	case 'ç':
		return 'c'
	case 'è', 'é', 'ê', 'ë':
		return 'e'
	case 'ì', 'í', 'î', 'ï':
		return 'i'
	case 'ñ':
		return 'n'
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø':
		return 'o'
	case 'ù', 'ú', 'û', 'ü':
		return 'u'
	case 'ß':
		return 's'
	}
	return r
}

// Normalize returns the words of s joined by single spaces: the key under
// which two descriptors count as the same.
func Normalize(s string) string { return strings.Join(Words(s), " ") }

// Feature is a hashed feature (64-bit FNV-1a of its kind and text): models
// key their weights by it, so extracting features allocates no strings.
type Feature uint64

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashOf(kind byte, parts ...string) Feature {
	h := uint64(fnvOffset)
	h = (h ^ uint64(kind)) * fnvPrime
	for i, p := range parts {
		if i > 0 {
			h *= fnvPrime // a separator (a zero byte: h ^ 0 is h)
		}
		for j := 0; j < len(p); j++ {
			h = (h ^ uint64(p[j])) * fnvPrime
		}
	}
	return Feature(h)
}

// Features returns the features of it, sorted and without repeats: words,
// word pairs, the first word, character 3- and 4-grams of the normalized
// text, the whole normalized text, the exact amount, and the amount's
// direction and order of magnitude.
func Features(it Item) []Feature {
	return AppendFeatures(make([]Feature, 0, 96), it)
}

// AppendFeatures appends the features of it to dst, sorted and without
// repeats, and returns the result.
func AppendFeatures(dst []Feature, it Item) []Feature {
	start := len(dst)
	var wbuf [32]string
	words := appendWords(wbuf[:0], it.Description)
	if it.Counterparty != "" {
		words = appendWords(words, it.Counterparty)
	}
	for i, w := range words {
		dst = append(dst, hashOf('w', w))
		if i > 0 {
			dst = append(dst, hashOf('b', words[i-1], w))
		}
	}
	if len(words) > 0 {
		dst = append(dst, hashOf('f', words[0]))
		text := " " + strings.Join(words, " ") + " "
		dst = append(dst, hashOf('x', text))
		var obuf [128]int
		offs := obuf[:0]
		for i := range text {
			offs = append(offs, i)
		}
		offs = append(offs, len(text))
		for n := 3; n <= 4; n++ {
			for i := 0; i+n < len(offs); i++ {
				dst = append(dst, hashOf('c', text[offs[i]:offs[i+n]]))
			}
		}
	}
	// The exact amount: a subscription or a fixed fee repeats it.
	var nbuf [24]byte
	dst = append(dst, hashOf('e', string(strconv.AppendInt(nbuf[:0], it.Amount, 10)), strconv.Itoa(it.Exponent)))
	dir, mag := amountFeatures(it.Amount, it.Exponent)
	dst = append(dst, hashOf('a', dir), hashOf('m', dir, strconv.Itoa(mag)))
	fs := dst[start:]
	slices.Sort(fs)
	return append(dst[:start], slices.Compact(fs)...)
}

// amountFeatures are the amount's direction and its order of magnitude in
// major units (digits before the decimal point), in integers only.
func amountFeatures(minor int64, exp int) (string, int) {
	dir := "debit"
	if minor > 0 {
		dir = "credit"
	} else if minor == 0 {
		dir = "zero"
	}
	if minor < 0 {
		minor = -minor
	}
	for range exp {
		minor /= 10
	}
	digits := 0
	if minor > 0 {
		digits = len(strconv.FormatInt(minor, 10))
	}
	return dir, digits
}
