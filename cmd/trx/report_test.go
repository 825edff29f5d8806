package main

import (
	"bytes"
	"context"
	"os"
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
	var stdout, stderr bytes.Buffer
	args := []string{"../../internal/report/testdata/fixture_input.json", "--json", "--group-by", "category,month"}
	if err := runReport(context.Background(), args, nil, &stdout, &stderr); err != nil {
		t.Fatalf("runReport: %v\n%s", err, stderr.String())
	}
	if got := stdout.String(); got != string(want) {
		t.Errorf("trx report output:\n%s\nwant:\n%s", got, want)
	}
}
