package uid_test

import (
	"testing"

	"github.com/trx-platform/trx/internal/uid"
)

func TestValid(t *testing.T) {
	tests := []struct {
		name, s string
		want    bool
	}{
		{"canonical", "01a21f45-32c2-796e-b8b6-574ffcc5db04", true},
		{"upper case", "01A21F45-32C2-796E-B8B6-574FFCC5DB04", false},
		{"braces", "{01a21f45-32c2-796e-b8b6-574ffcc5db04}", false},
		{"urn", "urn:uuid:01a21f45-32c2-796e-b8b6-574ffcc5db04", false},
		{"no hyphens", "01a21f4532c2796eb8b6574ffcc5db04", false},
		{"short", "01a21f45-32c2-796e-b8b6", false},
		{"word", "nope", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := uid.Valid(tt.s); got != tt.want {
				t.Errorf("Valid(%q) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}
