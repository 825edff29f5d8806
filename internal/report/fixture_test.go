package report_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportcsv"
	"github.com/trx-platform/trx/internal/report/reportjson"
)

var update = flag.Bool("update", false, "rewrite testdata/fixture_expected.json from the current code")

// TestFixture checks the shared fixture: testdata/fixture_input.json (and its
// CSV twin) with group_by=category,month gives testdata/fixture_expected.json.
// The Lambda, CLI and HTTP adapters' tests assert the same file.
func TestFixture(t *testing.T) {
	g, _ := report.ParseGroupBy("category,month")
	for _, name := range []string{"testdata/fixture_input.json", "testdata/fixture_input.csv"} {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var src report.Source = reportjson.NewDecoder(f)
			if name[len(name)-3:] == "csv" {
				src = reportcsv.NewReader(f)
			}
			res, err := report.Run(context.Background(), src, report.Options{GroupBy: g})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			if *update && name == "testdata/fixture_input.json" {
				if err := os.WriteFile("testdata/fixture_expected.json", got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile("testdata/fixture_expected.json")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("result differs from testdata/fixture_expected.json (-want +got):\n%s", diff)
			}
		})
	}
}
