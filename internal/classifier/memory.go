package classifier

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
)

// MaxMerchantWords is the most words a merchant key keeps.
const MaxMerchantWords = 4

// Merchant memory: recency and consistency.
const (
	// MemoryDecay is the weight of each earlier categorization of a
	// merchant against the next newer one: the newest choice always wins
	// (0.3 + 0.3² + … < 1), older agreeing ones add to its confidence.
	MemoryDecay = 0.3
	// A user's consistency (how often a merchant's next categorization
	// repeats its previous one) starts at consistencyPrior, as if from
	// consistencyWeight pairs, and follows the user's own history.
	consistencyPrior  = 0.92
	consistencyWeight = 10.0
	// prefixDiscount lowers the confidence of a match on a key that only
	// shares a prefix with the item's.
	prefixDiscount = 0.95
)

// aggregators are payment processors whose name starts a descriptor before
// the merchant's: "PAYPAL *NETFLIX", "SUMUP *CAFE X", "GOOGLE *YOUTUBE".
var aggregators = map[string]bool{
	"paypal": true, "sumup": true, "zettle": true, "izettle": true, "iz": true, "square": true, "stripe": true,
	"google": true, "goog": true, "toast": true, "shopify": true, "wix": true, "clover": true, "eb": true,
}

// leading are words that start descriptors before the merchant's name
// (the kind of payment, in several languages): a merchant key skips them
// at its start. Words in the middle of a name keep them.
var leading = map[string]bool{
	"payment": true, "bill": true, "sepa": true, "lastschrift": true, "prlv": true, "bea": true, "nr": true,
	"betaling": true, "achat": true, "online": true, "direct": true, "dd": true, "so": true, "recurring": true,
}

// usStates are the two-letter codes of US states and Canadian provinces
// that end card descriptors after the city ("AUSTIN TX").
var usStates = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Fields("al ak az ar ca co ct de fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm ny nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy dc " +
		"ab bc mb nb nl ns on pe qc sk") {
		m[s] = true
	}
	return m
}()

// cityPrefixes start two-word US city names (SAN FRANCISCO, NEW YORK).
var cityPrefixes = map[string]bool{
	"san": true, "los": true, "las": true, "new": true, "st": true, "saint": true, "santa": true, "fort": true, "ft": true,
	"el": true, "la": true, "salt": true, "palm": true, "long": true, "grand": true, "north": true, "south": true, "east": true,
	"west": true, "lake": true, "mount": true, "mt": true, "port": true, "des": true, "baton": true, "corpus": true, "colorado": true,
}

// cityWords is how many of the last words of words are a city: one, or
// two when the one before is a city prefix.
func cityWords(words []string) int {
	if len(words) >= 2 && cityPrefixes[words[len(words)-2]] {
		return 2
	}
	return 1
}

// MerchantKey returns the key under which trx remembers a merchant: the
// normalized words (Words) of the counterparty when there is one, else of
// the descriptor, with what card networks and banks add around the
// merchant's name taken away:
//
//   - noise words (POS PURCHASE, VISA DEBIT, SQ *, TST*, CARD NO., month
//     names…) and a payment processor before a '*' (PAYPAL *NETFLIX);
//   - everything from the first token with a digit or '#' on, once a word
//     was seen: store numbers, dates, references, and the place and ids
//     that follow them (SUPERCUTS #1234 and SUPERCUTS #9876 AUSTIN TX are
//     both "supercuts");
//   - a trailing US state or Canadian province code, with the city
//     before it when two words of the name are left (SPROUTS FARMERS MAR
//     PHOENIX AZ is "sprouts farmers mar"; STARBUCKS SEATTLE WA is
//     "starbucks seattle");
//   - words past the third.
//
// A descriptor whose every token holds a digit falls back to its words
// (7-ELEVEN 1234 is "eleven"). Two descriptors with one key are one
// merchant; Memory.Lookup also matches keys that extend one another.
func MerchantKey(it Item) string {
	src := it.Description
	if strings.TrimSpace(it.Counterparty) != "" {
		src = it.Counterparty
	}
	return strings.Join(merchantOrAllWords(src), " ")
}

func merchantWords(s string) []string {
	var words []string
	raw := strings.Fields(s)
	var last string // the raw token of the last word
	for i, tok := range raw {
		if cut := strings.IndexFunc(tok, func(r rune) bool { return unicode.IsDigit(r) || r == '#' }); cut >= 0 {
			// The letters before a store number or reference are still the
			// merchant's (BP#9876543, US*2K4LM0); what follows is not.
			n := len(words)
			words = appendWords(words, tok[:cut])
			for n == 0 && len(words) > 0 && leading[words[0]] {
				words = words[1:]
			}
			if len(words) > 0 {
				if len(words) > n {
					last = tok
				}
				break
			}
			continue
		}
		n := len(words)
		words = appendWords(words, tok)
		for n == 0 && len(words) > 0 && leading[words[0]] {
			words = words[1:]
		}
		if len(words) > n {
			last = tok
		}
		// A processor before '*': PAYPAL *NETFLIX, PAYPAL*NETFLIX.
		if n == 0 && len(words) > 0 && aggregators[words[0]] {
			if strings.Contains(tok, "*") || i+1 < len(raw) && strings.HasPrefix(raw[i+1], "*") {
				words = words[1:]
			}
		}
		if len(words) >= 3*MaxMerchantWords {
			break
		}
	}
	if len(words) >= 2 && len(last) == 2 && usStates[words[len(words)-1]] {
		// CITY ST after the name: the state goes, and the city too when
		// two words of the name remain (SPROUTS FARMERS MAR PHOENIX AZ and
		// … TUCSON AZ are one merchant; STARBUCKS SEATTLE WA keeps its
		// city, as it would keep its name).
		words = words[:len(words)-1]
		if city := cityWords(words); len(words)-city >= 2 {
			words = words[:len(words)-city]
		}
	}
	if len(words) > MaxMerchantWords {
		words = words[:MaxMerchantWords]
	}
	return words
}

// merchantOrAllWords is merchantWords, falling back to the first words of
// s when no token names a merchant (7-ELEVEN 1234 is "eleven").
func merchantOrAllWords(s string) []string {
	if words := merchantWords(s); len(words) > 0 {
		return words
	}
	words := Words(s)
	if len(words) > MaxMerchantWords {
		words = words[:MaxMerchantWords]
	}
	return words
}

// Learned is a manual categorization as the classifier keeps it: the
// transaction, what it looked like, the category chosen, and when.
type Learned struct {
	TxID string
	Example
	At time.Time
}

// newer orders a before b: later first, then by transaction id.
func newer(a, b Learned) int {
	if c := b.At.Compare(a.At); c != 0 {
		return c
	}
	return cmp.Compare(b.TxID, a.TxID)
}

// Memory is a user's merchant memory: every manual categorization the
// user made, by merchant key. It answers for the next transaction of a
// merchant with the category of the merchant's latest categorization, with
// a confidence from how consistent the merchant's history is and how
// consistent the user is. It is safe for concurrent use.
type Memory struct {
	mu       sync.RWMutex
	keys     map[string]*merchant
	byTx     map[string]string   // transaction → key
	byFirst  map[string][]string // first word → keys
	dict     *Dictionary         // nil: keys are MerchantKey's
	pairs    int                 // consecutive categorizations of one merchant
	repeats  int                 // of which the second repeated the first
	examples int
}

type merchant struct {
	events []Learned // newest first
}

// NewMemory returns a memory of ls.
func NewMemory(ls []Learned) *Memory { return NewMemoryWith(nil, ls) }

// NewMemoryWith is NewMemory with a merchant dictionary: a merchant it
// names is one merchant under its brand, wherever the descriptor says it
// was (STARBUCKS SEATTLE and STARBUCKS PORTLAND are both "starbucks").
func NewMemoryWith(dict *Dictionary, ls []Learned) *Memory {
	m := &Memory{keys: map[string]*merchant{}, byTx: map[string]string{}, byFirst: map[string][]string{}, dict: dict}
	for _, l := range ls {
		m.put(l)
	}
	return m
}

// Len returns the number of categorizations remembered.
func (m *Memory) Len() int {
	if m == nil {
		return 0
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.examples
}

// Put remembers l, replacing what the memory held for its transaction.
func (m *Memory) Put(l Learned) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(l)
}

// Forget removes what the memory holds for a transaction.
func (m *Memory) Forget(txID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.forget(txID)
}

func (m *Memory) put(l Learned) {
	m.forget(l.TxID)
	key := m.key(l.Item)
	if key == "" {
		return
	}
	mc := m.keys[key]
	if mc == nil {
		mc = &merchant{}
		m.keys[key] = mc
		first, _, _ := strings.Cut(key, " ")
		m.byFirst[first] = append(m.byFirst[first], key)
	}
	m.count(mc, -1)
	i, _ := slices.BinarySearchFunc(mc.events, l, newer)
	mc.events = slices.Insert(mc.events, i, l)
	m.count(mc, 1)
	m.byTx[l.TxID] = key
	m.examples++
}

func (m *Memory) forget(txID string) {
	key, ok := m.byTx[txID]
	if !ok {
		return
	}
	delete(m.byTx, txID)
	m.examples--
	mc := m.keys[key]
	m.count(mc, -1)
	mc.events = slices.DeleteFunc(mc.events, func(l Learned) bool { return l.TxID == txID })
	m.count(mc, 1)
	if len(mc.events) == 0 {
		delete(m.keys, key)
		first, _, _ := strings.Cut(key, " ")
		m.byFirst[first] = slices.DeleteFunc(m.byFirst[first], func(k string) bool { return k == key })
		if len(m.byFirst[first]) == 0 {
			delete(m.byFirst, first)
		}
	}
}

// count adds (sign 1) or removes (-1) a merchant's pairs of consecutive
// categorizations to the user's consistency.
func (m *Memory) count(mc *merchant, sign int) {
	for i := 1; i < len(mc.events); i++ {
		m.pairs += sign
		if mc.events[i].Category == mc.events[i-1].Category {
			m.repeats += sign
		}
	}
}

// key is the memory's key of it: the dictionary's name for its merchant,
// else its MerchantKey.
func (m *Memory) key(it Item) string {
	if e, ok := m.dict.Lookup(it); ok {
		return strings.Join(Words(e.Name), " ")
	}
	return MerchantKey(it)
}

// Consistency is how often, in the user's history, a merchant's next
// categorization repeated its previous one (smoothed toward a prior for
// users with little history).
func (m *Memory) Consistency() float64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.consistency()
}

func (m *Memory) consistency() float64 {
	return (float64(m.repeats) + consistencyPrior*consistencyWeight) / (float64(m.pairs) + consistencyWeight)
}

// Recall is what the memory knows of an item's merchant.
type Recall struct {
	Key        string   // the merchant key matched (the item's, or one extending or extended by it)
	Scores     []Scored // categories by recency-weighted share, most likely first; P sums to the confidence
	Confidence float64  // of the first category
	From       Learned  // the latest categorization in the first category
	Count      int      // categorizations of the merchant
	Agree      int      // of which in the first category
}

// Reason explains the recall in words, naming the transaction it learned
// from.
func (r Recall) Reason() string {
	desc := strings.TrimSpace(r.From.Description)
	if r.From.Counterparty != "" {
		desc = strings.TrimSpace(r.From.Counterparty)
	}
	if r.Count == 1 {
		return fmt.Sprintf("merchant %q: you put transaction %s (%q) in %s", r.Key, r.From.TxID, desc, r.From.Category)
	}
	if r.Agree == r.Count {
		return fmt.Sprintf("merchant %q: you put all %d of its transactions in %s, the latest %s (%q)",
			r.Key, r.Count, r.From.Category, r.From.TxID, desc)
	}
	return fmt.Sprintf("merchant %q: %d of its %d categorizations were %s, the latest %s (%q); the most recent choices count most",
		r.Key, r.Agree, r.Count, r.From.Category, r.From.TxID, desc)
}

// Lookup returns what the memory knows of it's merchant: the item's key,
// else the one remembered key that extends it or that it extends
// (SUPERCUTS matches SUPERCUTS AUSTIN; STARBUCKS SEATTLE does not match
// STARBUCKS PORTLAND; see closest).
func (m *Memory) Lookup(it Item) (Recall, bool) {
	if m == nil {
		return Recall{}, false
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if len(m.keys) == 0 {
		return Recall{}, false // nothing remembered: no key to work out
	}
	key := m.key(it)
	if key == "" {
		return Recall{}, false
	}
	exact := true
	mc := m.keys[key]
	if mc == nil {
		exact = false
		key, mc = m.closest(key)
		if mc == nil {
			return Recall{}, false
		}
	}
	r := recall(mc.events, m.consistency())
	r.Key = key
	if !exact {
		r.Confidence *= prefixDiscount
		for i := range r.Scores {
			r.Scores[i].P *= prefixDiscount
		}
	}
	return r, true
}

// closest returns the remembered merchant whose key extends key or is
// extended by it (one is a word prefix of the other), when that prefix
// names one merchant only: no other remembered key starts with it. So
// SUPERCUTS and SUPERCUTS AUSTIN are one merchant, but MAGTAPE is no
// merchant of its own when MAGTAPE VIRGIN and MAGTAPE MTN are remembered.
func (m *Memory) closest(key string) (string, *merchant) {
	words := strings.Fields(key)
	var found string
	for _, k := range m.byFirst[words[0]] {
		kw := strings.Fields(k)
		n := 0
		for n < len(kw) && n < len(words) && kw[n] == words[n] {
			n++
		}
		if n < min(len(kw), len(words)) {
			continue // siblings: neither extends the other
		}
		if found != "" {
			return "", nil // the shared prefix names more than one merchant
		}
		found = k
	}
	if found == "" {
		return "", nil
	}
	// A remembered key that key extends must itself be the only one with
	// its prefix.
	if prefix := strings.Fields(found); len(prefix) < len(words) {
		for _, k := range m.byFirst[words[0]] {
			if k != found && strings.HasPrefix(k, found+" ") {
				return "", nil
			}
		}
	}
	return found, m.keys[found]
}

// recall scores a merchant's history (newest first): each categorization
// weighs MemoryDecay times the next newer one; the shares, times the
// user's consistency, are the confidences.
func recall(events []Learned, consistency float64) Recall {
	w, total := 1.0, 0.0
	share := map[string]float64{}
	for _, e := range events {
		share[e.Category] += w
		total += w
		w *= MemoryDecay
	}
	r := Recall{Count: len(events)}
	for c, s := range share {
		r.Scores = append(r.Scores, Scored{Category: c, P: consistency * s / total})
	}
	sortScored(r.Scores)
	// The newest choice wins (its weight outweighs all older ones).
	top := events[0].Category
	if r.Scores[0].Category != top {
		for i := range r.Scores {
			if r.Scores[i].Category == top {
				r.Scores[0], r.Scores[i] = r.Scores[i], r.Scores[0]
			}
		}
	}
	r.Confidence = r.Scores[0].P
	r.From = events[0]
	for _, e := range events {
		if e.Category == top {
			r.Agree++
		}
	}
	return r
}

// History is one merchant's categorizations, newest first.
type History struct {
	Key    string
	Events []Learned
}

// Merchants returns every merchant's history, by key.
func (m *Memory) Merchants() []History {
	if m == nil {
		return nil
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]History, 0, len(m.keys))
	for k, mc := range m.keys {
		out = append(out, History{Key: k, Events: slices.Clone(mc.events)})
	}
	slices.SortFunc(out, func(a, b History) int { return strings.Compare(a.Key, b.Key) })
	return out
}
