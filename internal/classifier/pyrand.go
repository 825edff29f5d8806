package classifier

// PyShuffle shuffles n items exactly as Python's random.Random(seed).shuffle
// does (CPython 3: MT19937 seeded by init_by_array with the seed's 32-bit
// words, _randbelow by rejection on getrandbits), calling swap(i, j), so
// that trx classify eval splits rows as the shipped baseline.py does.
// The seed must be non-negative.
func PyShuffle(seed uint64, n int, swap func(i, j int)) {
	var mt mt19937
	key := []uint32{uint32(seed)}
	if seed>>32 != 0 {
		key = append(key, uint32(seed>>32))
	}
	mt.seedArray(key)
	for i := n - 1; i >= 1; i-- {
		j := mt.below(uint32(i + 1))
		swap(i, int(j))
	}
}

type mt19937 struct {
	s [624]uint32
	i int
}

func (m *mt19937) seed(s uint32) {
	m.s[0] = s
	for i := 1; i < 624; i++ {
		m.s[i] = 1812433253*(m.s[i-1]^(m.s[i-1]>>30)) + uint32(i)
	}
	m.i = 624
}

func (m *mt19937) seedArray(key []uint32) {
	m.seed(19650218)
	i, j := 1, 0
	k := max(624, len(key))
	for ; k > 0; k-- {
		m.s[i] = (m.s[i] ^ ((m.s[i-1] ^ (m.s[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= 624 {
			m.s[0] = m.s[623]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = 623; k > 0; k-- {
		m.s[i] = (m.s[i] ^ ((m.s[i-1] ^ (m.s[i-1] >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= 624 {
			m.s[0] = m.s[623]
			i = 1
		}
	}
	m.s[0] = 0x80000000
	m.i = 624
}

func (m *mt19937) next() uint32 {
	if m.i >= 624 {
		for k := range 624 {
			y := (m.s[k] & 0x80000000) | (m.s[(k+1)%624] & 0x7fffffff)
			v := m.s[(k+397)%624] ^ (y >> 1)
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			m.s[k] = v
		}
		m.i = 0
	}
	y := m.s[m.i]
	m.i++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// below returns a uniform integer in [0, n), as CPython's
// _randbelow_with_getrandbits does for n < 2^32.
func (m *mt19937) below(n uint32) uint32 {
	k := 0
	for v := n; v > 0; v >>= 1 {
		k++
	}
	for {
		r := m.next() >> (32 - k)
		if r < n {
			return r
		}
	}
}
