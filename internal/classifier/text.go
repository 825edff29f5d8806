package classifier

import (
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
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true,
	"sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
}

// Words returns the normalized words of s: lower case, letters only (digits,
// such as store numbers, dates and references, split words and are
// dropped), at least two letters, without the descriptor noise above.
func Words(s string) []string {
	return appendWords(nil, s)
}

func appendWords(out []string, s string) []string {
	var b strings.Builder
	flush := func() {
		if b.Len() >= 2 {
			w := b.String()
			if !noise[w] {
				out = append(out, w)
			}
		}
		b.Reset()
	}
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z'):
			b.WriteRune(r)
		case r < utf8.RuneSelf && (r >= 'A' && r <= 'Z'):
			b.WriteRune(r + 'a' - 'A')
		case r == '\'' || r == '’':
			// o'neills → oneills
		case r >= utf8.RuneSelf && unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(fold(r)))
		default:
			flush()
		}
	}
	flush()
	return out
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

// Features returns the features of it, in a deterministic order (with
// repeats): words, word pairs, the first word, character 3- and 4-grams of
// the normalized text, and the amount's direction and order of magnitude.
func Features(it Item) []string {
	return appendFeatures(make([]string, 0, 64), it)
}

func appendFeatures(out []string, it Item) []string {
	words := appendWords(nil, it.Description)
	if it.Counterparty != "" {
		words = appendWords(words, it.Counterparty)
	}
	for i, w := range words {
		out = append(out, "w:"+w)
		if i > 0 {
			out = append(out, "b:"+words[i-1]+"_"+w)
		}
	}
	if len(words) > 0 {
		out = append(out, "f:"+words[0])
	}
	text := " " + strings.Join(words, " ") + " "
	if len(text) > 2 {
		rs := []rune(text)
		for n := 3; n <= 4; n++ {
			for i := 0; i+n <= len(rs); i++ {
				out = append(out, "c:"+string(rs[i:i+n]))
			}
		}
	}
	return append(out, amountFeatures(it.Amount, it.Exponent)...)
}

// amountFeatures are the amount's direction and its order of magnitude in
// major units (digits before the decimal point), in integers only.
func amountFeatures(minor int64, exp int) []string {
	dir := "a:debit"
	if minor > 0 {
		dir = "a:credit"
	} else if minor == 0 {
		dir = "a:zero"
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
	mag := "m:" + dir[2:] + strconv.Itoa(digits)
	return []string{dir, mag}
}
