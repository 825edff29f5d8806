package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// browser is a person's browser against a trx front door: it keeps the
// session cookie and the CSRF token of its sign-in.
type browser struct {
	t      *testing.T
	base   string
	cookie string
	csrf   string
}

// call sends a request with the cookie (and, when csrf, the CSRF token).
func (b *browser) call(method, path, body string, csrf bool) (int, http.Header, string) {
	b.t.Helper()
	req, _ := http.NewRequest(method, b.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.cookie != "" {
		req.Header.Set("Cookie", auth.SessionCookie+"="+b.cookie)
	}
	if csrf {
		req.Header.Set(auth.CSRFHeader, b.csrf)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(data)
}

// signIn signs in and keeps the cookie; it returns the status.
func (b *browser) signIn(name, pw string) int {
	b.t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": pw})
	code, hdr, out := b.call("POST", "/api/v1/sessions", string(body), false)
	if code != http.StatusCreated {
		return code
	}
	var s struct {
		CSRFToken string `json:"csrf_token"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.CSRFToken == "" {
		b.t.Fatalf("sign-in answer: %s", out)
	}
	b.csrf = s.CSRFToken
	for _, c := range (&http.Response{Header: hdr}).Cookies() {
		if c.Name == auth.SessionCookie {
			b.cookie = c.Value
		}
	}
	if b.cookie == "" {
		b.t.Fatalf("no session cookie: %v", hdr)
	}
	return code
}

// checkBrowser signs in at base as name and checks that the cookie
// reads, that a change needs the CSRF token, and sign-out.
func checkBrowser(t *testing.T, base, name, pw string) *browser {
	t.Helper()
	b := &browser{t: t, base: base}
	if code := b.signIn(name, "not the password"); code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", code)
	}
	if code := b.signIn(name, pw); code != http.StatusCreated {
		t.Fatalf("sign in: %d", code)
	}
	if code, _, body := b.call("GET", "/api/v1/transactions", "", false); code != 200 {
		t.Fatalf("list with the cookie: %d %s", code, body)
	}
	tx := `{"amount":"-4.20","currency":"EUR","description":"Lunch","booked_at":"2026-11-28"}`
	if code, _, body := b.call("POST", "/api/v1/transactions", tx, false); code != 403 || !strings.Contains(body, "urn:trx:problem:csrf") {
		t.Fatalf("create without the CSRF token: %d %s", code, body)
	}
	if code, _, body := b.call("POST", "/api/v1/transactions", tx, true); code != 201 {
		t.Fatalf("create with the CSRF token: %d %s", code, body)
	}
	if code, _, body := b.call("POST", "/api/v1/ws-ticket", "", true); code != 201 || !strings.Contains(body, `"ticket":"wst_`) {
		t.Fatalf("ws-ticket with the cookie: %d %s", code, body)
	}
	return b
}

// TestPasswordSignIn: `trx users passwd` (from stdin) sets a password
// while serve runs; the person signs in through the front door, works
// with the cookie and CSRF token, signs out; a new password ends every
// session.
func TestPasswordSignIn(t *testing.T) {
	dir := t.TempDir()
	addr, _, _ := startServe(t, dir)
	passwd := func(stdin string) (string, error) {
		var out, errOut bytes.Buffer
		e := testEnv(map[string]string{"TRX_DATA": dir}, &out, &errOut)
		e.Stdin = strings.NewReader(stdin)
		err := run(context.Background(), []string{"users", "passwd", "admin"}, e)
		return errOut.String(), err
	}
	if _, err := passwd("short\n"); err == nil || !strings.Contains(err.Error(), "at least 8 characters") {
		t.Fatalf("a short password: %v", err)
	}
	if _, err := passwd(""); err == nil || !strings.Contains(err.Error(), "no password") {
		t.Fatalf("no password: %v", err)
	}
	if msg, err := passwd("the admin's password\r\n"); err != nil || !strings.Contains(msg, "Set the password of admin") {
		t.Fatalf("users passwd: %v %q", err, msg)
	}
	base := "http://" + addr
	b := checkBrowser(t, base, "admin", "the admin's password")
	other := &browser{t: t, base: base}
	if code := other.signIn("admin", "the admin's password"); code != 201 {
		t.Fatalf("second sign-in: %d", code)
	}
	code, hdr, _ := b.call("DELETE", "/api/v1/sessions/current", "", true)
	if code != 204 || !strings.Contains(hdr.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("sign-out: %d %v", code, hdr["Set-Cookie"])
	}
	if code, _, _ := b.call("GET", "/api/v1/transactions", "", false); code != 401 {
		t.Fatalf("after sign-out: %d", code)
	}
	if code, _, _ := other.call("GET", "/api/v1/transactions", "", false); code != 200 {
		t.Fatalf("the other session after sign-out: %d", code)
	}
	if _, err := passwd("a newer admin password\n"); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := other.call("GET", "/api/v1/transactions", "", false); code != 401 {
		t.Fatalf("a session after the password changed: %d", code)
	}
}

// TestFirstStartOffersPasswd: the first start says how to set the
// admin's password.
func TestFirstStartOffersPasswd(t *testing.T) {
	svc := auth.NewService(authsql.New(sqldbtest.Open(t, "sqlite")))
	var out bytes.Buffer
	if err := firstUser(context.Background(), svc, &out, "127.0.0.1:8080", t.TempDir(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "trx users passwd admin") || !strings.Contains(out.String(), "http://127.0.0.1:8080/") {
		t.Fatalf("first start says:\n%s", out.String())
	}
}
