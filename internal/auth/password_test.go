package auth_test

import (
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/auth"
)

func TestPasswordHash(t *testing.T) {
	p := auth.DefaultPasswordParams()
	h := auth.HashPassword("correct horse battery", p)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Count(h, "$") != 5 {
		t.Fatalf("hash %q is not a PHC argon2id string with the default parameters", h)
	}
	if ok, err := auth.VerifyPassword("correct horse battery", h); !ok || err != nil {
		t.Fatalf("verify with the default parameters: %v %v", ok, err)
	}
	// Hashes keep their own parameters (cheap ones here, for speed).
	cheap := auth.PasswordParams{Memory: 64, Time: 1, Threads: 1}
	hc := auth.HashPassword("correct horse battery", cheap)
	if h2 := auth.HashPassword("correct horse battery", cheap); h2 == hc {
		t.Fatal("two hashes of one password are equal: no random salt")
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false, "correct horse battery ": false} {
		ok, err := auth.VerifyPassword(pw, hc)
		if err != nil || ok != want {
			t.Errorf("verify %q: %v %v, want %v", pw, ok, err, want)
		}
	}
	salt, sum := strings.Split(h, "$")[4], strings.Split(h, "$")[5]
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + sum, "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + sum,
		"$argon2id$v=19$m=99999999,t=1,p=1$" + salt + "$" + sum, "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + sum,
		"$argon2id$v=19$m=64,t=1,p=1,x=2$" + salt + "$" + sum, "$argon2id$v=19$m=64,t=1,p=1$!!$" + sum, "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$"} {
		if _, err := auth.VerifyPassword("pw", bad); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for pw, ok := range map[string]bool{"1234567": false, "12345678": true, "ééééééé": false, "éééééééé": true,
		strings.Repeat("a", auth.MaxPassword): true, strings.Repeat("a", auth.MaxPassword+1): false, "abcdefgh\xff": false} {
		if err := auth.CheckPassword(pw); (err == nil) != ok {
			t.Errorf("%.20q: %v", pw, err)
		}
	}
}

// BenchmarkHashPassword is the cost of one sign-in's hash with the default
// parameters (run: go test ./internal/auth -run '^$' -bench HashPassword).
func BenchmarkHashPassword(b *testing.B) {
	p := auth.DefaultPasswordParams()
	for b.Loop() {
		auth.HashPassword("correct horse battery", p)
	}
}
