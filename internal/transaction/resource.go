package transaction

import (
	"time"

	"github.com/trx-platform/trx/internal/money"
)

// Resource is a transaction in its JSON form, as the API and the per-user
// events on the stream show it.
type Resource struct {
	ID           string  `json:"id"`
	Amount       string  `json:"amount"`
	Currency     string  `json:"currency"`
	Description  string  `json:"description"`
	Counterparty *string `json:"counterparty"`
	BookedAt     string  `json:"booked_at"`
	CategoryID   *string `json:"category_id"`
	// CategorySource says who decided category_id: manual, rule, model or
	// builtin (null when nobody did); automatic decisions carry a
	// confidence (0–1) and rules their id.
	CategorySource     *string  `json:"category_source"`
	CategoryConfidence *float64 `json:"category_confidence,omitempty"`
	CategoryRuleID     *string  `json:"category_rule_id,omitempty"`
	CreatedAt          string   `json:"created_at"`
	UpdatedAt          string   `json:"updated_at"`
	Version            int64    `json:"version"`
	// AccountID is the account it belongs to (null: none).
	AccountID *string `json:"account_id"`
	// TransferID is the transfer it is a leg of (left out when none).
	TransferID *string `json:"transfer_id,omitempty"`
}

// NewResource renders t in its JSON form.
func NewResource(t Transaction) Resource {
	r := Resource{
		ID:             t.ID,
		Amount:         money.Format(t.Amount, t.Currency),
		Currency:       t.Currency,
		Description:    t.Description,
		Counterparty:   optional(t.Counterparty),
		BookedAt:       t.BookedAt.UTC().Format(time.RFC3339Nano),
		CategoryID:     optional(t.CategoryID),
		CategorySource: optional(t.CategorySource),
		CategoryRuleID: optional(t.CategoryRuleID),
		CreatedAt:      t.CreatedAt.UTC().Format(time.RFC3339Nano),
		UpdatedAt:      t.UpdatedAt.UTC().Format(time.RFC3339Nano),
		Version:        t.Version,
		AccountID:      optional(t.AccountID),
		TransferID:     optional(t.TransferID),
	}
	if Automatic(t.CategorySource) {
		c := float64(t.CategoryConfidence) / MaxConfidence
		r.CategoryConfidence = &c
	}
	return r
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
