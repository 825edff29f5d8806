package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/trx-platform/trx/internal/fault"
)

// PasswordParams are argon2id's cost parameters (RFC 9106).
type PasswordParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultPasswordParams returns OWASP's recommended minimum for argon2id
// (19 MiB, two passes, one lane): some tens of milliseconds on a server
// core, and 19 MiB per hash in flight, which the Service bounds
// (SessionConfig.MaxHashing). Hashes keep their own parameters, so raising
// these later leaves old hashes valid.
func DefaultPasswordParams() PasswordParams {
	return PasswordParams{Memory: 19 * 1024, Time: 2, Threads: 1}
}

// Password limits: at least MinPassword characters (NIST SP 800-63B), at
// most MaxPassword bytes (to bound the work of a sign-in).
const (
	MinPassword = 8
	MaxPassword = 1024
)

const (
	saltLen = 16
	hashLen = 32
)

// ErrWeakPassword refuses a password that breaks the limits.
var ErrWeakPassword = fault.Errorf(fault.Invalid, "a password needs at least %d characters and at most %d bytes of valid UTF-8", MinPassword, MaxPassword)

// CheckPassword returns ErrWeakPassword unless pw is within the limits.
func CheckPassword(pw string) error {
	if !utf8.ValidString(pw) || utf8.RuneCountInString(pw) < MinPassword || len(pw) > MaxPassword {
		return ErrWeakPassword
	}
	return nil
}

// HashPassword returns pw's argon2id hash, with a random 16-byte salt, in
// the PHC string format:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt, base64>$<hash, base64>
func HashPassword(pw string, p PasswordParams) string {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails (Go 1.24+)
	sum := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, hashLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(sum))
}

// VerifyPassword reports whether pw matches encoded (a HashPassword
// string), comparing in constant time. A malformed hash, or one whose
// parameters are out of bounds, is an error.
func VerifyPassword(pw, encoded string) (bool, error) {
	p, salt, want, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

var errBadHash = errors.New("auth: malformed password hash")

// parseHash reads a PHC argon2id string, refusing parameters no sane
// hash has (a tampered row must not make a sign-in allocate gigabytes).
func parseHash(s string) (PasswordParams, []byte, []byte, error) {
	var p PasswordParams
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, errBadHash
	}
	var m, t, th uint64
	for _, kv := range strings.Split(f[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, errBadHash
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			th = n
		default:
			return p, nil, nil, errBadHash
		}
	}
	if m < 8 || m > 1<<21 || t < 1 || t > 64 || th < 1 || th > 64 {
		return p, nil, nil, errBadHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(f[4])
	sum, err2 := base64.RawStdEncoding.DecodeString(f[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(sum) < 16 || len(sum) > 64 {
		return p, nil, nil, errBadHash
	}
	return PasswordParams{Memory: uint32(m), Time: uint32(t), Threads: uint8(th)}, salt, sum, nil
}
