package fault_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/trx-platform/trx/internal/fault"
)

func TestKindOf(t *testing.T) {
	v := &fault.Validation{}
	v.Add("amount", "scale", "has 3 decimal places")
	tests := []struct {
		name string
		err  error
		want fault.Kind
	}{
		{"unclassified", errors.New("boom"), fault.Internal},
		{"new", fault.New(fault.NotFound, "no such thing"), fault.NotFound},
		{"errorf", fault.Errorf(fault.Conflict, "in use by %d rules", 3), fault.Conflict},
		{"wrapped with a prefix", fmt.Errorf("store: get: %w", fault.New(fault.NotFound, "no such thing")), fault.NotFound},
		{"validation", v, fault.Invalid},
		{"wrapped validation", fmt.Errorf("decode: %w", v), fault.Invalid},
		{"validation under another kind", &fault.Error{Kind: fault.Unprocessable, Msg: v.Error(), Err: v}, fault.Unprocessable},
		{"unsupported media type", fault.New(fault.UnsupportedMediaType, "send JSON"), fault.UnsupportedMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fault.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	tests := []struct {
		name, want string
		err        error
	}{
		{"new", "no such thing", fault.New(fault.NotFound, "no such thing")},
		{"prefix of the wrapper left out", "no such thing", fmt.Errorf("store: get: %w", fault.New(fault.NotFound, "no such thing"))},
		{"errorf with a cause", "reading the body: EOF", fault.Errorf(fault.Invalid, "reading the body: %w", io.EOF)},
		{"unclassified", "boom", errors.New("boom")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fault.Message(tt.err); got != tt.want {
				t.Errorf("Message = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestErrorText checks that Error shows a cause once, whether it was given
// as Err or wrapped by Errorf's %w, and that the cause stays reachable.
func TestErrorText(t *testing.T) {
	tests := []struct {
		name, want string
		err        error
	}{
		{"no cause", "gone", fault.New(fault.NotFound, "gone")},
		{"cause given", "database unavailable: EOF", &fault.Error{Kind: fault.Unavailable, Msg: "database unavailable", Err: io.EOF}},
		{"cause wrapped by errorf", "reading the body: EOF", fault.Errorf(fault.Invalid, "reading the body: %w", io.EOF)},
		{"errorf without a cause", "3 rules use it", fault.Errorf(fault.Conflict, "%d rules use it", 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
	if err := fault.Errorf(fault.Invalid, "reading the body: %w", io.EOF); !errors.Is(err, io.EOF) {
		t.Errorf("errors.Is(%v, io.EOF) = false", err)
	}
}

func TestValidation(t *testing.T) {
	var v fault.Validation
	if v.Err() != nil {
		t.Fatal("an empty Validation is an error")
	}
	v.Add("amount", "scale", "has 3 decimal places")
	v.Addf("items[2].currency", "iso4217", "%q is not a currency", "XXX")
	if got, want := v.Error(), `amount: has 3 decimal places; items[2].currency: "XXX" is not a currency`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if v.Err() == nil {
		t.Error("a Validation with fields is not an error")
	}
}
