package auth

// SetMaxSeen lowers how many nonces s remembers per window (for tests).
func SetMaxSeen(s *Signer, n int) { s.max = n }
