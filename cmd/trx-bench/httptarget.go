package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// benchRow is the values of the n-th transaction a bench creates. The API
// run and the database baseline store the same shape of row.
type benchRow struct {
	Minor        int64  // amount in minor units (cents), negative: spent
	Amount       string // the same amount as the API takes it: "-12.34"
	Currency     string
	Description  string
	Counterparty string
	BookedAt     time.Time // now, to the second, as a client would send it
}

func newBenchRow(n uint64) benchRow {
	minor := int64(n%99_999) + 1
	return benchRow{
		Minor:        -minor,
		Amount:       fmt.Sprintf("-%d.%02d", minor/100, minor%100),
		Currency:     "EUR",
		Description:  "bench transaction " + strconv.FormatUint(n, 10),
		Counterparty: "Bench Store",
		BookedAt:     time.Now().UTC().Truncate(time.Second),
	}
}

// httpTarget drives trx's transactions API.
type httpTarget struct {
	client *http.Client
	base   string // the target URL, without a trailing slash
	auth   string // the Authorization header
}

// newHTTPTarget returns a target for the trx at base. Its transport keeps
// one idle connection per worker, so that every request reuses one.
func newHTTPTarget(base, key string, concurrency int) *httpTarget {
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          concurrency,
		MaxIdleConnsPerHost:   concurrency,
		MaxConnsPerHost:       concurrency,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		DisableCompression:    true,
	}
	return &httpTarget{
		client: &http.Client{Transport: tr},
		base:   strings.TrimSuffix(base, "/"),
		auth:   "Bearer " + key,
	}
}

func (t *httpTarget) close() { t.client.CloseIdleConnections() }

// check makes sure the target answers and accepts the key, so that a wrong
// key or address fails at once rather than as a run of errors.
func (t *httpTarget) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := t.do(ctx, http.MethodGet, "/api/v1/transactions?limit=1", "/api/v1/transactions", nil, http.StatusOK, nil)
	if err != nil {
		return fmt.Errorf("bench: target %s: %w", t.base, err)
	}
	return nil
}

func (t *httpTarget) create(ctx context.Context, n uint64) (string, error) {
	r := newBenchRow(n)
	body, err := json.Marshal(map[string]string{
		"amount": r.Amount, "currency": r.Currency, "description": r.Description,
		"counterparty": r.Counterparty, "booked_at": r.BookedAt.Format(time.RFC3339),
	})
	if err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	const path = "/api/v1/transactions"
	if err := t.do(ctx, http.MethodPost, path, path, body, http.StatusCreated, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", errors.New("POST " + path + ": the response holds no id")
	}
	return out.ID, nil
}

func (t *httpTarget) get(ctx context.Context, id string) error {
	return t.do(ctx, http.MethodGet, "/api/v1/transactions/"+url.PathEscape(id), "/api/v1/transactions/{id}", nil, http.StatusOK, nil)
}

// do sends one request and wants status back; with out, it decodes the
// JSON response into it. route names the request in errors, without ids,
// so that the same failure on many ids counts as one distinct error. The
// body is always read to the end, so the connection goes back to the pool.
func (t *httpTarget) do(ctx context.Context, method, path, route string, body []byte, status int, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.base+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, route, err)
	}
	req.Header.Set("Authorization", t.auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := t.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL holds the id; the route says enough
		}
		return fmt.Errorf("%s %s: %w", method, route, err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}()
	if resp.StatusCode != status {
		return fmt.Errorf("%s %s: %s%s", method, route, resp.Status, problemDetail(resp.Body))
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return fmt.Errorf("%s %s: decode response: %w", method, route, err)
		}
	}
	return nil
}

// problemDetail returns ": detail" from a problem+json body, or "".
func problemDetail(body io.Reader) string {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	if err := json.NewDecoder(io.LimitReader(body, 4096)).Decode(&p); err != nil {
		return ""
	}
	if p.Detail != "" {
		return ": " + p.Detail
	}
	if p.Title != "" {
		return ": " + p.Title
	}
	return ""
}
