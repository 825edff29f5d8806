package transaction

import (
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/money"
	"github.com/trx-platform/trx/internal/timestamp"
)

// fromDraft checks every field of d, recording broken rules in v with the
// field names prefixed by prefix, and returns the transaction it describes.
func (s *Service) fromDraft(v *fault.Validation, prefix, userID string, d Draft) Transaction {
	now := s.now()
	t := Transaction{
		ID:           s.newID(),
		UserID:       userID,
		Currency:     d.Currency,
		Description:  strings.TrimSpace(d.Description),
		Counterparty: strings.TrimSpace(d.Counterparty),
		CategoryID:   d.CategoryID,
		CreatedAt:    now,
		UpdatedAt:    now,
		Version:      1,
	}
	if checkCurrency(v, prefix+"currency", d.Currency) {
		t.Amount = checkAmount(v, prefix+"amount", d.Amount, d.Currency)
	} else if d.Amount == "" {
		v.Add(prefix+"amount", "required", "is required: a decimal string such as \"-12.50\" (negative = spent)")
	}
	checkText(v, prefix+"description", t.Description, MaxDescription, true)
	checkText(v, prefix+"counterparty", t.Counterparty, MaxCounterparty, false)
	t.BookedAt = checkBookedAt(v, prefix+"booked_at", d.BookedAt)
	checkCategoryID(v, prefix+"category_id", d.CategoryID)
	if t.CategoryID != "" {
		t.CategorySource = SourceManual
	}
	if d.AccountID != nil {
		t.AccountID = *d.AccountID
		checkAccountID(v, prefix+"account_id", t.AccountID)
	}
	return t
}

// applyPatch returns cur with p applied, checking each field that p sets.
func (s *Service) applyPatch(v *fault.Validation, cur Transaction, p Patch) Transaction {
	next := cur
	currency := cur.Currency
	if p.Currency != nil {
		if !checkCurrency(v, "currency", *p.Currency) {
			return next
		}
		currency = *p.Currency
	}
	amount := money.Format(cur.Amount, cur.Currency)
	if p.Amount != nil {
		amount = *p.Amount
	}
	if p.Amount != nil || p.Currency != nil {
		next.Amount = checkAmount(v, "amount", amount, currency)
		next.Currency = currency
	}
	if p.Description != nil {
		next.Description = strings.TrimSpace(*p.Description)
		checkText(v, "description", next.Description, MaxDescription, true)
	}
	if p.Counterparty != nil {
		next.Counterparty = strings.TrimSpace(*p.Counterparty)
		checkText(v, "counterparty", next.Counterparty, MaxCounterparty, false)
	}
	if p.BookedAt != nil {
		next.BookedAt = checkBookedAt(v, "booked_at", *p.BookedAt)
	}
	if p.AccountID != nil {
		next.AccountID = *p.AccountID
		checkAccountID(v, "account_id", next.AccountID)
	}
	if p.CategoryID != nil {
		next.CategoryID = *p.CategoryID
		checkCategoryID(v, "category_id", next.CategoryID)
		next.CategorySource, next.CategoryConfidence, next.CategoryRuleID = SourceManual, 0, ""
	}
	return next
}

func checkCurrency(v *fault.Validation, field, code string) bool {
	switch {
	case code == "":
		v.Add(field, "required", "is required: an ISO 4217 code such as \"EUR\"")
		return false
	case !money.ValidCurrency(code):
		v.Addf(field, "iso4217", "%q is not an active ISO 4217 currency code (three upper-case letters, such as \"EUR\")", code)
		return false
	}
	return true
}

func checkAmount(v *fault.Validation, field, amount, currency string) int64 {
	if amount == "" {
		v.Add(field, "required", "is required: a decimal string such as \"-12.50\" (negative = spent)")
		return 0
	}
	n, err := money.Parse(amount, currency)
	switch {
	case err == nil:
		return n
	case errors.Is(err, money.ErrTooManyDecimals):
		v.Add(field, "scale", err.Error())
	case errors.Is(err, money.ErrOutOfRange):
		v.Add(field, "range", err.Error())
	default:
		v.Addf(field, "format", "%s: write a decimal string such as \"-12.50\", with a '.' and no exponent or separators", err.Error())
	}
	return 0
}

func checkText(v *fault.Validation, field, s string, max int, required bool) {
	switch {
	case s == "" && required:
		v.Add(field, "required", "is required and must not be blank")
	case !utf8.ValidString(s):
		v.Add(field, "utf8", "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		v.Addf(field, "max_length", "is %d characters long; the limit is %d", utf8.RuneCountInString(s), max)
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) }):
		v.Add(field, "control_chars", "must not contain control characters (tabs, newlines, …)")
	}
}

// Earliest and latest booking dates accepted: outside them a date is almost
// surely a typo, and the stored text format is fixed-width within them.
var (
	minBooked = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxBooked = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// ParseTime accepts an RFC 3339 instant or a date (YYYY-MM-DD, taken as
// midnight UTC) and returns it in UTC, truncated to microseconds.
func ParseTime(s string) (time.Time, error) {
	t, err := timestamp.Parse(s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC().Truncate(time.Microsecond), nil
}

func checkBookedAt(v *fault.Validation, field, s string) time.Time {
	if s == "" {
		v.Add(field, "required", "is required: an RFC 3339 time or a date such as \"2026-11-27\"")
		return time.Time{}
	}
	t, err := ParseTime(s)
	switch {
	case err != nil:
		v.Addf(field, "format", "%q %s", s, err.Error())
	case t.Before(minBooked) || t.After(maxBooked):
		v.Addf(field, "range", "%q is outside the years 1900 to 9999", s)
	}
	return t
}

func checkCategoryID(v *fault.Validation, field, id string) {
	if id == "" {
		return
	}
	if len(id) > MaxCategoryID {
		v.Addf(field, "max_length", "is %d characters long; the limit is %d", len(id), MaxCategoryID)
		return
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':') {
			v.Add(field, "format", "may hold only letters, digits and - _ . :")
			return
		}
	}
}

func checkIdempotencyKey(v *fault.Validation, key string) {
	switch {
	case key == "":
		v.Add("Idempotency-Key", "required", "header is empty; omit it or send a unique value such as a UUID")
	case len(key) > MaxIdempotencyKey:
		v.Addf("Idempotency-Key", "max_length", "header is %d bytes long; the limit is %d", len(key), MaxIdempotencyKey)
	case strings.ContainsFunc(key, func(r rune) bool { return r < '!' || r > '~' }):
		v.Add("Idempotency-Key", "format", "header may hold only visible ASCII characters")
	}
}
