package statement

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// Dedupe keys. Each imported transaction stores the key of its statement
// line, unique per account (a database index), so that importing the same
// file twice adds nothing and an overlapping statement adds only its new
// lines:
//
//   - a line with the bank's own id (OFX FITID, a CAMT entry reference, a
//     CSV reference column) is "ref:" + the id;
//   - a bank id that several lines of one file share (some banks reuse
//     them) is made unique with the line's fingerprint fields:
//     "ref:" + id + "|" + date + "|" + amount + "#" + occurrence;
//   - a line without one is its fingerprint: "fp:" + the SHA-256 (hex, 40
//     characters) of the account id, the booking date (YYYY-MM-DD, UTC),
//     the amount in minor units, the normalized description (NFKC, lower
//     case, single spaces) and the occurrence: 1 for the first line of the
//     file with those four, 2 for the second, and so on. Two genuine
//     identical purchases on one day are 1 and 2 and both stored; the same
//     two in an overlapping statement are 1 and 2 again and both skipped;
//     a statement cut after the first has only 1, and the next one adds 2.
//
// Keys longer than maxKey, or not ASCII (the column is ASCII on MySQL), are
// replaced by "ref#" + their SHA-256.
const maxKey = 160

// Keys sets the dedupe key of each entry of a statement of accountID.
func Keys(accountID string, entries []Entry) {
	refs := map[string]int{}
	for _, e := range entries {
		if e.Reference != "" {
			refs[e.Reference]++
		}
	}
	seen := map[string]int{}
	for i := range entries {
		e := &entries[i]
		day := e.BookedAt.UTC().Format("2006-01-02")
		amount := strconv.FormatInt(e.Amount, 10)
		var key string
		switch {
		case e.Reference != "" && refs[e.Reference] == 1:
			key = "ref:" + e.Reference
		case e.Reference != "":
			base := "ref:" + e.Reference + "|" + day + "|" + amount
			seen[base]++
			key = base + "#" + strconv.Itoa(seen[base])
		default:
			base := strings.Join([]string{accountID, day, amount, normalizeDescription(e.Description)}, "\x00")
			seen[base]++
			sum := sha256.Sum256([]byte(base + "\x00" + strconv.Itoa(seen[base])))
			key = "fp:" + hex.EncodeToString(sum[:])[:40]
		}
		if len(key) > maxKey || !ascii(key) {
			sum := sha256.Sum256([]byte(key))
			key = "ref#" + hex.EncodeToString(sum[:])
		}
		e.Key = key
	}
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
