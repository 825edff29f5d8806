// Package uid checks the IDs trx gives the things it stores: UUIDs in
// their canonical form, 36 lower-case characters. It is the one check of
// them, shared by every domain that looks an ID up.
package uid

import "github.com/google/uuid"

// Valid reports whether s is a UUID in canonical form. Any other spelling
// of a UUID (upper case, braces, a urn:uuid: prefix) is not one: an ID is
// compared as a string, so it has one spelling.
func Valid(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && len(s) == 36 && u.String() == s
}
