package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// TestReportFixture runs `trx report` on the shared report fixture; the
// output must be internal/report/testdata/fixture_expected.json, as for
// the Lambda and HTTP adapters.
func TestReportFixture(t *testing.T) {
	want, err := os.ReadFile("../../internal/report/testdata/fixture_expected.json")
	if err != nil {
		t.Fatal(err)
	}
	input, err := os.ReadFile("../../internal/report/testdata/fixture_input.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"file", "", []string{"report", "../../internal/report/testdata/fixture_input.json", "--json", "--group-by", "category,month"}},
		{"stdin", string(input), []string{"report", "--json", "--group-by", "category,month"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			e := env{Getenv: func(string) string { return "" }, Stdin: strings.NewReader(tt.stdin), Stdout: &stdout, Stderr: &stderr}
			if err := run(context.Background(), tt.args, e); err != nil {
				t.Fatalf("trx report: %v\n%s", err, stderr.String())
			}
			if got := stdout.String(); got != string(want) {
				t.Errorf("trx report output:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
