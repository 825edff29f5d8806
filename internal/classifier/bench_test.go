package classifier

import (
	"fmt"
	"os"
	"testing"
)

// benchRows returns n synthetic labelled descriptors: merchants from
// data/merchants.csv with store numbers and places, as BuildBuiltin makes
// them, repeated with varying numbers.
func benchRows(b *testing.B, n int) []Example {
	b.Helper()
	ms, err := readCSV(os.DirFS("data"), "merchants.csv", "name", "category", "region", "source")
	if err != nil {
		b.Fatal(err)
	}
	out := make([]Example, 0, n)
	for i := 0; len(out) < n; i++ {
		m := ms[i%len(ms)]
		for _, e := range descriptors(i, m[0], m[1]) {
			e.Description += fmt.Sprintf(" %d", i)
			out = append(out, e)
		}
	}
	return out[:n]
}

// BenchmarkPredict: descriptions classified per second by the built-in
// model on one core (features included).
func BenchmarkPredict(b *testing.B) {
	m, err := BuiltinModel()
	if err != nil {
		b.Fatal(err)
	}
	rows := benchRows(b, 1000)
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		m.Predict(rows[i%len(rows)].Item)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "descriptions/s")
	if d := cpuTime() - cpu; d > 0 {
		b.ReportMetric(float64(b.N)/d.Seconds(), "descriptions/cpu-s")
	}
}

// BenchmarkTrain100k: training on 100,000 transactions.
func BenchmarkTrain100k(b *testing.B) {
	rows := benchRows(b, 100_000)
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		TrainLinear(rows, DefaultEpochs, 1)
	}
	if d := cpuTime() - cpu; d > 0 {
		b.ReportMetric(d.Seconds()/float64(b.N), "cpu-s/op")
	}
}

// BenchmarkLearnOne: a user's model update after one correction, in memory
// (the model of a user with 5,000 categorized transactions), and with the
// decode and encode the service does around it.
func BenchmarkLearnOne(b *testing.B) {
	m := TrainLinear(benchRows(b, 5000), DefaultEpochs, 1)
	it := Item{Description: "ZOOPLA PROPERTY 7781", Amount: -1250, Exponent: 2}
	b.Run("in-memory", func(b *testing.B) {
		cpu := cpuTime()
		for i := 0; i < b.N; i++ {
			m.Learn([]string{"rent_and_utilities", "travel"}[i%2], it)
		}
		if d := cpuTime() - cpu; d > 0 {
			b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	})
	blob, err := m.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode-learn-encode", func(b *testing.B) {
		b.ReportMetric(float64(len(blob)), "model-bytes")
		cpu := cpuTime()
		defer func() {
			if d := cpuTime() - cpu; d > 0 {
				b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		}()
		for i := 0; i < b.N; i++ {
			var x Linear
			if err := x.UnmarshalBinary(blob); err != nil {
				b.Fatal(err)
			}
			x.Learn("rent_and_utilities", it)
			if _, err := x.MarshalBinary(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
