package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// wsDriver changes prices through the stock API.
type wsDriver struct {
	api     *httpTarget
	symbols []string
	timeout time.Duration
	cents   []int64 // each symbol's last price, in cents
}

// create lists the run's stocks at 100.00.
func (d *wsDriver) create(ctx context.Context) error {
	d.cents = make([]int64, len(d.symbols))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, s := range d.symbols {
		d.cents[i] = 100_00
		g.Go(func() error {
			body, _ := json.Marshal(map[string]string{"symbol": s, "name": "bench stock " + strconv.Itoa(i), "price": "100.00", "currency": "USD"})
			cctx, cancel := context.WithTimeout(gctx, d.timeout)
			defer cancel()
			if err := d.api.do(cctx, http.MethodPost, "/api/v1/stocks", "/api/v1/stocks", body, http.StatusCreated, nil); err != nil {
				return fmt.Errorf("bench ws: create stock %s: %w", s, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// wsDriveResult is what the updates did.
type wsDriveResult struct {
	Requests int
	Sent     int // updates in successful requests
	Failed   int // updates in failed requests
	Late     int // requests of an open loop that started later than planned, every slot being busy
	Elapsed  time.Duration
	Counts   map[string]int // successful updates per symbol
	Errors   map[string]int
}

// run makes m updates, batch per request, at rate updates/s (0: one
// request after the other). Update u changes symbol u mod len(symbols) to
// its next price, a cent up, so that every update is a change.
func (d *wsDriver) run(ctx context.Context, m, rate, batch int) wsDriveResult {
	r := &wsDriveRun{d: d, m: m, batch: batch, res: wsDriveResult{Counts: map[string]int{}}}
	requests := (m + batch - 1) / batch
	begin := time.Now()
	if rate == 0 {
		for j := range requests {
			if ctx.Err() != nil {
				break
			}
			r.send(ctx, j)
		}
	} else {
		r.openLoop(ctx, begin, requests, rate)
	}
	r.res.Elapsed = time.Since(begin)
	return r.res
}

// wsDriveRun is one run of a wsDriver: its requests share the prices and
// the result under mu.
type wsDriveRun struct {
	d        *wsDriver
	m, batch int
	mu       sync.Mutex
	res      wsDriveResult
}

// openLoop starts request j at begin + j×batch/rate, on one of 64 slots;
// when every slot is busy it starts late, and is counted so.
func (r *wsDriveRun) openLoop(ctx context.Context, begin time.Time, requests, rate int) {
	slots := make(chan struct{}, 64)
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) * float64(r.batch) / float64(rate))
	for j := range requests {
		at := begin.Add(time.Duration(j) * interval)
		if d := time.Until(at); d > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case slots <- struct{}{}:
		default:
			r.mu.Lock()
			r.res.Late++
			r.mu.Unlock()
			slots <- struct{}{}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			r.send(ctx, j)
		}()
	}
	wg.Wait()
}

// send makes request j: updates j×batch up to the next batch (or m), and
// records what it did.
func (r *wsDriveRun) send(ctx context.Context, j int) {
	r.mu.Lock()
	req := r.d.next(j*r.batch, min((j+1)*r.batch, r.m))
	r.mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, r.d.timeout)
	err := r.d.api.do(cctx, req.method, req.path, req.route, req.body, http.StatusOK, nil)
	cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Requests++
	if err != nil {
		r.res.Failed += len(req.symbols)
		r.res.Errors = addCounts(r.res.Errors, map[string]int{shortError(err): 1}, maxDistinctErrors)
		return
	}
	r.res.Sent += len(req.symbols)
	for _, s := range req.symbols {
		r.res.Counts[s]++
	}
}

// priceRequest is one request of price updates.
type priceRequest struct {
	method, path, route string
	body                []byte
	symbols             []string // the symbols it updates, one per update
}

// next moves the prices of updates first up to last a cent up and returns
// the request that sends them: a PATCH for one update, a POST /prices for
// more.
func (d *wsDriver) next(first, last int) priceRequest {
	req := priceRequest{symbols: make([]string, 0, last-first)}
	if last-first == 1 {
		s := first % len(d.symbols)
		d.cents[s]++
		req.symbols = append(req.symbols, d.symbols[s])
		req.method, req.path, req.route = http.MethodPatch, "/api/v1/stocks/"+d.symbols[s], "/api/v1/stocks/{symbol}"
		req.body, _ = json.Marshal(map[string]string{"price": cents(d.cents[s])})
		return req
	}
	type price struct {
		Symbol string `json:"symbol"`
		Price  string `json:"price"`
	}
	var in struct {
		Prices []price `json:"prices"`
	}
	for u := first; u < last; u++ {
		s := u % len(d.symbols)
		d.cents[s]++
		req.symbols = append(req.symbols, d.symbols[s])
		in.Prices = append(in.Prices, price{d.symbols[s], cents(d.cents[s])})
	}
	req.method, req.path, req.route = http.MethodPost, "/api/v1/stocks/prices", "/api/v1/stocks/prices"
	req.body, _ = json.Marshal(in)
	return req
}

func cents(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }
