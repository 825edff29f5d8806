package reportjson_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportcsv"
	"github.com/trx-platform/trx/internal/report/reportgen"
	"github.com/trx-platform/trx/internal/report/reportjson"
)

// BenchmarkDecode measures the whole streaming path, decoder plus
// Aggregator, on generated transactions (id, amount, currency, description,
// booked_at, category: about 170 bytes each), against two floors that do no
// arithmetic: json.Unmarshal of the same bytes into a slice, and a plain
// json.Decoder.Decode into a slice. CSV of the same transactions is
// measured too.
func BenchmarkDecode(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		var js, cs bytes.Buffer
		if err := reportgen.WriteJSON(&js, n, 1); err != nil {
			b.Fatal(err)
		}
		if err := reportgen.WriteCSV(&cs, n, 1); err != nil {
			b.Fatal(err)
		}
		data, csvData := js.Bytes(), cs.Bytes()
		report1 := func(b *testing.B, src report.Source) {
			res, err := report.Run(context.Background(), src, report.Options{})
			if err != nil || res.Count != int64(n) {
				b.Fatalf("Run = %v, %v", res, err)
			}
		}
		run := func(name string, size int, fn func(b *testing.B)) {
			b.Run(fmt.Sprintf("n=%d/%s", n, name), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(size))
				cpu := processCPU()
				for b.Loop() {
					fn(b)
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
				// On a shared machine CPU time varies less than wall time.
				b.ReportMetric(float64(size)*float64(b.N)/(processCPU()-cpu).Seconds()/1e6, "cpu-MB/s")
			})
		}
		run("reportjson+aggregate", len(data), func(b *testing.B) {
			report1(b, reportjson.NewDecoder(bytes.NewReader(data)))
		})
		run("reportcsv+aggregate", len(csvData), func(b *testing.B) {
			report1(b, reportcsv.NewReader(bytes.NewReader(csvData)))
		})
		type tx struct {
			ID, Amount, Currency, Description, BookedAt string
			Category                                    *string
		}
		run("floor:json.Unmarshal", len(data), func(b *testing.B) {
			var txs []tx
			if err := json.Unmarshal(data, &txs); err != nil || len(txs) != n {
				b.Fatal(err)
			}
		})
		run("floor:json.Decoder", len(data), func(b *testing.B) {
			var txs []tx
			if err := json.NewDecoder(bytes.NewReader(data)).Decode(&txs); err != nil || len(txs) != n {
				b.Fatal(err)
			}
		})
	}
}

// processCPU returns the user and system CPU time of this process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
