package classifier

import (
	"encoding/csv"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/trx-platform/trx/internal/transaction"
)

// The functions here are the classifier's earlier, plainer versions of
// what the classify path does faster now: words built in a strings.Builder
// one by one, the models blended in maps, the adapter always through a
// map, dictionary keys joined with strings.Join. The tests check that the
// faster versions give exactly what these gave.

func builderWords(out []string, s string) []string {
	var b strings.Builder
	flush := func() {
		if b.Len() >= 2 {
			w := b.String()
			if !noise[w] {
				out = append(out, w)
			}
		}
		b.Reset()
	}
	for i, r := range s {
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z'):
			b.WriteRune(r)
		case r < utf8.RuneSelf && (r >= 'A' && r <= 'Z'):
			b.WriteRune(r + 'a' - 'A')
		case r == '\'' || r == '’':
		case r == '&' && b.Len() > 0 && letterAt(s, i+1):
			b.WriteByte('&')
		case r >= utf8.RuneSelf && unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(fold(r)))
		default:
			flush()
		}
	}
	flush()
	return out
}

func (a *Adapter) mapTranslate(pb []Scored) []Scored {
	out := map[string]float64{}
	for _, s := range pb {
		cs := a.counts[s.Category]
		if a.used[s.Category] > 0 || totalOf(cs) < adapterMin {
			out[s.Category] += s.P
			continue
		}
		n := adapterPrior
		for _, c := range cs {
			n += c
		}
		out[s.Category] += s.P * adapterPrior / n
		for u, c := range cs {
			out[u] += s.P * c / n
		}
	}
	res := make([]Scored, 0, len(out))
	for c, p := range out {
		res = append(res, Scored{Category: c, P: p})
	}
	sortScored(res)
	return res
}

func (p *Pipeline) mapScores(it Item) (cands []Scored, srcOf map[string]string, wu float64, dict DictEntry) {
	fs := Features(it)
	var pu, pb []Scored
	if p.User != nil {
		pu, wu = p.userScores(it, fs)
	}
	if p.Builtin != nil {
		pb = p.Builtin.PredictItem(it, fs)
	}
	if e, ok := p.Dictionary.joinLookup(it); ok {
		pb, dict = dictionaryScores(e.Category, p.Builtin.DictionaryPrecision(), pb), e
	}
	if pb != nil {
		if p.Adapter != nil {
			pb = p.Adapter.mapTranslate(pb)
		}
	} else if pu != nil {
		wu = 1
	}
	blend := map[string][2]float64{}
	for _, s := range pu {
		b := blend[s.Category]
		b[0] += wu * s.P
		blend[s.Category] = b
	}
	for _, s := range pb {
		b := blend[s.Category]
		b[1] += s.P
		blend[s.Category] = b
	}
	cands = make([]Scored, 0, len(blend))
	srcOf = make(map[string]string, len(blend))
	for c, b := range blend {
		if !p.known(c) {
			continue
		}
		cands = append(cands, Scored{Category: c, P: max(b[0], b[1])})
		srcOf[c] = transaction.SourceBuiltin
		if b[0] > b[1] {
			srcOf[c] = transaction.SourceModel
		}
	}
	sortScored(cands)
	return cands, srcOf, wu, dict
}

func (d *Dictionary) joinLookup(it Item) (DictEntry, bool) {
	if d == nil {
		return DictEntry{}, false
	}
	src := it.Description
	if strings.TrimSpace(it.Counterparty) != "" {
		src = it.Counterparty
	}
	words := merchantWords(src)
	for n := min(len(words), d.most); n >= 1; n-- {
		for _, k := range []string{strings.Join(words[:n], " "), strings.Join(words[:n], "")} {
			if e, ok := d.names[k]; ok {
				return e, true
			}
		}
	}
	return DictEntry{}, false
}

// devItems are the development set's descriptors as items, with amounts.
func devItems(t testing.TB) []Item {
	t.Helper()
	f, err := os.Open("devdata/descriptors.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []Item
	for _, r := range rows[1:] {
		amount, exp, err := ParseDecimal(strings.TrimPrefix(r[1], "+"))
		if err != nil {
			t.Fatalf("%q: %v", r[1], err)
		}
		for ; exp < 2; exp++ {
			amount *= 10
		}
		out = append(out, Item{Description: r[0], Amount: amount, Currency: "USD", Exponent: 2})
	}
	if len(out) < 100 {
		t.Fatalf("%d development descriptors, want at least 100", len(out))
	}
	return out
}

var wordSeeds = []string{
	"", "a", "ab", "H&M 123", "AT&T*BILL", "B&Q", "& &&", "PG&E & co", "O'NEILLS PUB", "McDonald’s",
	"CAFÉ ŞEKER Straße", "ÆØÅ æøå", "\xff\xfeAB", "POS PURCHASE CARD NO. 1234", "the and of",
	strings.Repeat("LONGWORD ", 60), strings.Repeat("x", 300), "日本語 テスト", "ΑΒΓ δεζ",
}

// TestAppendWordsMatchesBuilder: the words of every development descriptor
// (and some awkward strings), appended to words already there, are those
// the one-builder-per-word version gave.
func TestAppendWordsMatchesBuilder(t *testing.T) {
	inputs := wordSeeds
	for _, it := range devItems(t) {
		inputs = append(inputs, it.Description)
	}
	for _, s := range inputs {
		prev := []string{"prev"}
		got := appendWords(append([]string(nil), prev...), s)
		want := builderWords(append([]string(nil), prev...), s)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("appendWords(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzAppendWords(f *testing.F) {
	for _, s := range wordSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := appendWords(nil, s), builderWords(nil, s); !reflect.DeepEqual(got, want) {
			t.Fatalf("appendWords(%q) = %q, want %q", s, got, want)
		}
	})
}

// fastPathPipelines are pipelines of the shipped built-in model and
// dictionary: cold, with a user who keeps the built-in categories, and
// with one who files the items in categories of their own (so that the
// adapter translates and the user's model has evidence).
func fastPathPipelines(t *testing.T, items []Item) map[string]*Pipeline {
	t.Helper()
	builtin, err := BuiltinModel()
	if err != nil {
		t.Fatal(err)
	}
	dict, err := BuiltinDictionary()
	if err != nil {
		t.Fatal(err)
	}
	top := BuiltinTop(builtin, dict)
	var kept, own []Learned
	for i, it := range items {
		if i%7 != 0 {
			continue
		}
		l := Learned{TxID: fmt.Sprintf("tx%04d", i), Example: Example{Item: it, Category: top(it)},
			At: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)}
		if l.Category == "" {
			continue
		}
		kept = append(kept, l)
		l.Category = "own-" + strconv.Itoa(i%3)
		own = append(own, l)
	}
	out := map[string]*Pipeline{"cold": {Builtin: builtin, Dictionary: dict, Adapter: NewAdapter(top, nil), Threshold: DefaultThreshold}}
	for name, ls := range map[string][]Learned{"kept": kept, "own": own} {
		known := map[string]bool{}
		for _, c := range builtin.Classes() {
			known[c] = true
		}
		for _, l := range ls {
			known[l.Category] = true
		}
		delete(known, "shopping") // a category deleted since the model learned it
		out[name] = &Pipeline{Builtin: builtin, Dictionary: dict, User: TrainUser(ls), Memory: NewMemoryWith(dict, ls),
			Adapter: NewAdapter(top, ls), Known: known, Threshold: DefaultThreshold}
	}
	return out
}

// TestScoresMatchMapBlend: the blend of the models, over the development
// descriptors, is what the map-based blend gave: the same candidates in
// the same order with the same scores, the same source for each, the same
// weight and dictionary entry; and Translate gives what the map-only
// version gave.
func TestScoresMatchMapBlend(t *testing.T) {
	items := devItems(t)
	translated, fromUser := 0, 0
	for name, p := range fastPathPipelines(t, items) {
		t.Run(name, func(t *testing.T) {
			for _, it := range items {
				cands, bl, wu, dict := p.scores(it)
				wantCands, srcOf, wantWu, wantDict := p.mapScores(it)
				if !reflect.DeepEqual(cands, wantCands) || wu != wantWu || dict != wantDict {
					t.Fatalf("%q: scores %v, %v, %+v; want %v, %v, %+v", it.Description, cands, wu, dict, wantCands, wantWu, wantDict)
				}
				for _, c := range cands {
					if got := bl.source(c.Category); got != srcOf[c.Category] {
						t.Fatalf("%q: %s from %q, want %q", it.Description, c.Category, got, srcOf[c.Category])
					}
					if srcOf[c.Category] == transaction.SourceModel {
						fromUser++
					}
				}
				pb := p.Builtin.PredictItem(it, Features(it))
				want := p.Adapter.mapTranslate(pb)
				if got := p.Adapter.Translate(append([]Scored(nil), pb...)); !reflect.DeepEqual(got, want) {
					t.Fatalf("%q: Translate = %v, want %v", it.Description, got, want)
				}
				if len(want) != len(pb) {
					translated++
				}
			}
		})
	}
	if translated == 0 {
		t.Error("no item was translated into the user's categories: the slow path of Translate went untested")
	}
	if fromUser == 0 {
		t.Error("no category came from the user's model: the blend of two models went untested")
	}
}

// TestDictionaryLookupMatchesJoin: the dictionary finds, for every
// development descriptor, the entry the strings.Join version found.
func TestDictionaryLookupMatchesJoin(t *testing.T) {
	dict, err := BuiltinDictionary()
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, it := range devItems(t) {
		for _, it := range []Item{it, {Description: "x", Counterparty: it.Description}} {
			got, ok := dict.Lookup(it)
			want, wantOK := dict.joinLookup(it)
			if got != want || ok != wantOK {
				t.Fatalf("%+v: Lookup = %+v, %v; want %+v, %v", it, got, ok, want, wantOK)
			}
			if ok {
				found++
			}
		}
	}
	if found == 0 {
		t.Error("no descriptor was found in the dictionary")
	}
}

// TestBucketMatchesEvidence: an item's calibration bucket is 1 exactly
// when the model's EvidenceBeside itself is positive, for the built-in
// model and a user's, over the development descriptors.
func TestBucketMatchesEvidence(t *testing.T) {
	items := devItems(t)
	p := fastPathPipelines(t, items)["own"]
	for _, m := range []*Linear{p.Builtin, p.User} {
		ones := 0
		for _, it := range items {
			want := 0
			if m.EvidenceBeside(it, m) > 0 {
				want = 1
			}
			if got := m.bucket(it); got != want {
				t.Fatalf("%q: bucket %d, want %d", it.Description, got, want)
			}
			ones += want
		}
		if ones == 0 || ones == len(items) {
			t.Errorf("%d of %d items in bucket 1: one of the buckets went untested", ones, len(items))
		}
	}
}
