package classifierapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/auth/authtest"
	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/classifier/classifierapi"
	"github.com/trx-platform/trx/internal/classifier/classifiersql"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
)

// benchEnv is the classifier API with the shipped built-in model and
// dictionary, called in process (no network: what is measured is the
// server's work, from the request body to the response body).
type benchEnv struct {
	mux http.Handler
	key string
	svc *classifier.Service
	uid string
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	d := sqldb.SQLite
	if os.Getenv("TRX_TEST_MYSQL_DSN") != "" && os.Getenv("TRX_BENCH_ENGINE") == "mysql" {
		d = sqldb.MySQL
	}
	db := sqldbtest.Open(b, d)
	log := slog.New(slog.DiscardHandler)
	users, keys := authtest.Users(b, db, "alice")
	builtin, err := classifier.BuiltinModel()
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	txs := transaction.NewService(transactionsql.New(db))
	cls := classifier.NewService(ctx, classifiersql.New(db), txs, builtin, log)
	b.Cleanup(func() { cancel(); cls.Wait() })
	mux := http.NewServeMux()
	classifierapi.Routes(mux, cls, authtest.Require(users, log), log)
	u, err := users.Authenticate(ctx, keys[0])
	if err != nil {
		b.Fatal(err)
	}
	return &benchEnv{mux: mux, key: keys[0], svc: cls, uid: u.UserID}
}

// classifyBody returns a /classify body of n items: the development set's
// descriptors, with their store numbers varied.
func classifyBody(b *testing.B, n int) []byte {
	b.Helper()
	f, err := os.Open("../devdata/descriptors.csv")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	rows = rows[1:]
	items := make([]map[string]string, n)
	for i := range items {
		r := rows[i%len(rows)]
		amount := strings.TrimPrefix(r[1], "+")
		items[i] = map[string]string{"description": r[0] + " " + strconv.Itoa(i), "amount": amount, "currency": "USD"}
	}
	body, err := json.Marshal(map[string]any{"items": items})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

func (e *benchEnv) classify(b *testing.B, body []byte) {
	req := httptest.NewRequest("POST", "/api/v1/classify", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, req)
	if w.Code != 200 {
		b.Fatalf("classify: %d %s", w.Code, w.Body)
	}
	_, _ = io.Copy(io.Discard, w.Body)
}

// BenchmarkClassifyAPI: descriptions classified per CPU-second of the
// process, batches of 1,000 through the HTTP handler (JSON decoding,
// validation, the pipeline, JSON encoding). Issue 10's target: ≥ 40,000.
func BenchmarkClassifyAPI(b *testing.B) {
	e := newBenchEnv(b)
	body := classifyBody(b, classifier.MaxClassify)
	e.classify(b, body) // caches the user's state
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		e.classify(b, body)
	}
	d := cpuTime() - cpu
	b.ReportMetric(float64(b.N*classifier.MaxClassify)/b.Elapsed().Seconds(), "descriptions/s")
	if d > 0 {
		b.ReportMetric(float64(b.N*classifier.MaxClassify)/d.Seconds(), "descriptions/cpu-s")
	}
}

// BenchmarkClassifyRules500: a user with 500 rules of 10 conditions each
// (the limits; 50 of the conditions regexes, the per-user cap) classifies
// batches of 100. It reports the heap the compiled rules and a request
// hold beyond an empty process's (issue 10's target: ≤ 50 MB extra for a
// batch of 100) and the process's peak RSS.
func BenchmarkClassifyRules500(b *testing.B) {
	e := newBenchEnv(b)
	body := classifyBody(b, 100)
	e.classify(b, body)
	before := heapInUse()
	ctx := context.Background()
	regexes := 0
	for i := range classifier.MaxRules {
		conds := make([]classifier.Condition, classifier.MaxConditions)
		for j := range conds {
			switch {
			case j == 0 && regexes < classifier.MaxRegexConditions:
				conds[j] = classifier.Condition{Field: "description", Op: "regex", Value: fmt.Sprintf(`^(shop|store|market)[ -]?%d\s+\w{2,40}\s+(north|south|east|west)?`, i)}
				regexes++
			case j%3 == 0:
				conds[j] = classifier.Condition{Field: "amount", Op: "between", Min: "0.01", Max: strconv.Itoa(100 + i)}
			case j%3 == 1:
				conds[j] = classifier.Condition{Field: "description", Op: "contains", Value: fmt.Sprintf("merchant name %d %d long enough to cost", i, j)}
			default:
				conds[j] = classifier.Condition{Field: "counterparty", Op: "starts_with", Value: fmt.Sprintf("counterparty %d-%d", i, j)}
			}
		}
		cat := "travel"
		if _, err := e.svc.CreateRule(ctx, e.uid, classifier.RuleDraft{Conditions: &conds, CategoryID: &cat}); err != nil {
			b.Fatalf("rule %d: %v", i, err)
		}
	}
	e.classify(b, body) // compiles the rules once
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		e.classify(b, body)
	}
	d := cpuTime() - cpu
	b.StopTimer()
	b.ReportMetric(float64(heapInUse()-before)/(1<<20), "extra-heap-MB")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MB")
	if d > 0 {
		b.ReportMetric(float64(b.N*100)/d.Seconds(), "descriptions/cpu-s")
	}
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// peakRSS is the process's VmHWM (Linux), 0 elsewhere.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
