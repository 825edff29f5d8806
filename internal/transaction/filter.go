package transaction

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/money"
)

// Filter is a listing request as the caller wrote it.
type Filter struct {
	From, To      string // booked_at >= From, < To (RFC 3339 or date)
	CategoryID    string
	Uncategorized bool
	Currency      string
	AmountMin     string // decimal, inclusive
	AmountMax     string // decimal, inclusive
	Text          string // in the description, case-insensitive
	Limit         int    // 0 means DefaultPageSize
	Cursor        string // from Page.Next
	AccountID     string // only the transactions of this account
}

// MaxText is the longest description search accepted.
const MaxText = 200

func (f Filter) query(userID string) (Query, error) {
	var v fault.Validation
	q := Query{UserID: userID, CategoryID: f.CategoryID, Currency: f.Currency, Uncategorized: f.Uncategorized, Text: f.Text, Limit: f.Limit}
	var err error
	if f.From != "" {
		if q.From, err = ParseTime(f.From); err != nil {
			v.Addf("from", "format", "%q %s", f.From, err.Error())
		}
	}
	if f.To != "" {
		if q.To, err = ParseTime(f.To); err != nil {
			v.Addf("to", "format", "%q %s", f.To, err.Error())
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		v.Add("to", "range", "must be after from")
	}
	if f.Uncategorized && f.CategoryID != "" {
		v.Add("uncategorized", "exclusive", "cannot be combined with category_id")
	}
	checkCategoryID(&v, "category_id", f.CategoryID)
	checkAccountID(&v, "account_id", f.AccountID)
	q.AccountID = f.AccountID
	if utf8Len := len([]rune(f.Text)); utf8Len > MaxText {
		v.Addf("q", "max_length", "is %d characters long; the limit is %d", utf8Len, MaxText)
	}
	if f.Currency != "" {
		checkCurrency(&v, "currency", f.Currency)
	}
	switch {
	case f.Limit == 0:
		q.Limit = DefaultPageSize
	case f.Limit < 1 || f.Limit > MaxPageSize:
		v.Addf("limit", "range", "must be between 1 and %d", MaxPageSize)
	}
	if f.AmountMin != "" || f.AmountMax != "" {
		q.Bands = f.bands(&v)
	}
	if f.Cursor != "" {
		pos, err := decodeCursor(f.Cursor, f.fingerprint())
		if err != nil {
			v.Add("cursor", "format", err.Error())
		}
		q.After = pos
	}
	return q, v.Err()
}

// bands turns decimal amount bounds into minor units for each group of
// currencies that share an exponent (or for the one currency asked for).
func (f Filter) bands(v *fault.Validation) []AmountBand {
	groups := map[int][]string{}
	if f.Currency != "" {
		if exp, ok := money.Exponent(f.Currency); ok {
			groups[exp] = []string{f.Currency}
		}
	} else {
		for _, c := range money.Currencies() {
			exp, _ := money.Exponent(c)
			groups[exp] = append(groups[exp], c)
		}
	}
	exps := make([]int, 0, len(groups))
	for e := range groups {
		exps = append(exps, e)
	}
	sort.Ints(exps)
	if f.AmountMin != "" && f.AmountMax != "" {
		lo, okLo := new(big.Rat).SetString(f.AmountMin)
		hi, okHi := new(big.Rat).SetString(f.AmountMax)
		if okLo && okHi && lo.Cmp(hi) > 0 {
			v.Add("amount_max", "range", "must not be less than amount_min")
			return nil
		}
	}
	// A band may come out empty (12.345 to 12.345 holds no EUR amount); it
	// then matches nothing, which is right.
	var out []AmountBand
	for _, e := range exps {
		cur := groups[e]
		b := AmountBand{Currencies: cur}
		if f.AmountMin != "" {
			n, err := money.LowerBound(f.AmountMin, cur[0])
			if err != nil {
				v.Addf("amount_min", "format", "%s", err.Error())
				return nil
			}
			b.Min = &n
		}
		if f.AmountMax != "" {
			n, err := money.UpperBound(f.AmountMax, cur[0])
			if err != nil {
				v.Addf("amount_max", "format", "%s", err.Error())
				return nil
			}
			b.Max = &n
		}
		out = append(out, b)
	}
	return out
}

// fingerprint identifies the filters a cursor was made for, so a cursor used
// with other filters is refused instead of returning a wrong page.
func (f Filter) fingerprint() string {
	h := sha256.New()
	for _, s := range []string{f.From, f.To, f.CategoryID, strconv.FormatBool(f.Uncategorized), f.Currency, f.AmountMin, f.AmountMax, f.Text} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	if f.AccountID != "" { // appended only when set: cursors made before accounts stay valid
		h.Write([]byte("account:" + f.AccountID))
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

type cursor struct {
	BookedAt string `json:"b"`
	ID       string `json:"i"`
	Filters  string `json:"f"`
}

func encodeCursor(fingerprint string, p Position) string {
	b, _ := json.Marshal(cursor{BookedAt: p.BookedAt.UTC().Format(time.RFC3339Nano), ID: p.ID, Filters: fingerprint})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, fingerprint string) (*Position, error) {
	bad := errors.New("is not a cursor that this API returned; start again without one")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, bad
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, bad
	}
	t, err := time.Parse(time.RFC3339Nano, c.BookedAt)
	if err != nil || !validID(c.ID) {
		return nil, bad
	}
	if c.Filters != fingerprint {
		return nil, errors.New("was made for other filters; pass the same filters as the first page, or start again without a cursor")
	}
	return &Position{BookedAt: t, ID: c.ID}, nil
}
