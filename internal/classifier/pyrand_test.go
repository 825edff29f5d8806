package classifier

import (
	"slices"
	"testing"
)

// TestPyShuffle: the permutations match CPython 3's
// random.Random(seed).shuffle(list(range(n))), recorded with python3.
func TestPyShuffle(t *testing.T) {
	for _, tc := range []struct {
		seed uint64
		n    int
		want []int
	}{
		{42, 10, []int{7, 3, 2, 8, 5, 6, 9, 4, 0, 1}},
		{7, 20, []int{17, 15, 11, 18, 7, 6, 19, 3, 14, 0, 9, 5, 16, 8, 13, 2, 1, 12, 4, 10}},
	} {
		got := make([]int, tc.n)
		for i := range got {
			got[i] = i
		}
		PyShuffle(tc.seed, tc.n, func(i, j int) { got[i], got[j] = got[j], got[i] })
		if !slices.Equal(got, tc.want) {
			t.Errorf("seed %d n %d: got %v, want %v", tc.seed, tc.n, got, tc.want)
		}
	}
}
