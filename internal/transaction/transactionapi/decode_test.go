package transactionapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestDecodeValueAsTheBytes: the input a create, a replace or a batch
// takes from the gateway's decoded body (DecodeValue) is the one
// encoding/json decodes from the same bytes, for every body of strings
// and nulls; any other shape is refused, for the bytes to be parsed.
func TestDecodeValueAsTheBytes(t *testing.T) {
	tests := []struct {
		name, body string
		taken      bool
	}{
		{"all", `{"amount":"-1.25","currency":"EUR","description":"Coffee","counterparty":"Cafe","booked_at":"2026-11-27","category_id":"c1","account_id":"a1"}`, true},
		{"required only", `{"amount":"1","currency":"EUR","description":"","booked_at":"2026-11-27T10:00:00Z"}`, true},
		{"nulls", `{"amount":"1","currency":"EUR","description":"d","booked_at":"2026-11-27","counterparty":null,"category_id":null,"account_id":null}`, true},
		{"empty strings", `{"amount":"","currency":"","description":"","booked_at":"","counterparty":"","category_id":"","account_id":""}`, true},
		{"empty object", `{}`, true},
		{"duplicate key", `{"amount":"1","amount":"2"}`, true},
		{"null amount", `{"amount":null}`, false},
		{"number", `{"amount":1}`, false},
		{"unknown field", `{"amount":"1","note":"x"}`, false},
		{"other case", `{"Amount":"1"}`, false},
		{"array", `["amount"]`, false},
		{"null", `null`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var fromValue Input
			if got := fromValue.DecodeValue(generic(t, tc.body)); got != tc.taken {
				t.Fatalf("DecodeValue = %v, want %v", got, tc.taken)
			}
			if !tc.taken {
				if !reflect.DeepEqual(fromValue, Input{}) {
					t.Fatalf("a refused value changed the input: %+v", fromValue)
				}
				return
			}
			var fromBytes Input
			if err := json.Unmarshal([]byte(tc.body), &fromBytes); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fromValue, fromBytes) {
				t.Fatalf("from the value %+v, from the bytes %+v", fromValue, fromBytes)
			}
			batch := `{"items":[` + tc.body + `,` + tc.body + `]}`
			var bv, bb batchInput
			if !bv.DecodeValue(generic(t, batch)) {
				t.Fatal("the batch of it is refused")
			}
			if err := json.Unmarshal([]byte(batch), &bb); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(bv, bb) {
				t.Fatalf("batch from the value %+v, from the bytes %+v", bv, bb)
			}
		})
	}
	var b batchInput
	for _, body := range []string{`{"items":[{"amount":1}]}`, `{"items":null}`, `{"items":[],"more":1}`} {
		if b.DecodeValue(generic(t, body)) {
			t.Errorf("batch %s taken", body)
		}
	}
}

// generic decodes body as the gateway does (jsonschema.UnmarshalJSON).
func generic(t *testing.T, body string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
