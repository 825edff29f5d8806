package classifier

import (
	"bufio"
	"bytes"
	_ "embed" // the merchant dictionary
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

//go:generate go run ./gen/nsi -in $NSI_JSON -tags gen/nsi/tags.csv -out data/nsi.tsv

// nsiDictionary is the merchant dictionary generated from OpenStreetMap's
// name-suggestion-index (gen/nsi; BSD-3-Clause, notice in the file and in
// NOTICE).
//
//go:embed data/nsi.tsv
var nsiDictionary []byte

//go:embed data/merchants.csv
var merchantsCSV []byte

// DefaultDictionaryPrecision is how often a dictionary match is right when
// the built-in model carries no measure of it (BuildBuiltin measures it on
// the labelled training files).
const DefaultDictionaryPrecision = 0.9

// Dictionary is the merchant dictionary: brand names and the category
// their business is in, from the name-suggestion-index (brands with an
// OpenStreetMap tag and a Wikidata id, in the US, Canada and Europe) and
// merchants.csv (what OSM lacks: online services, billers, descriptor
// words, each sourced by a Wikipedia article). A name matches the start of
// an item's merchant key on whole words, so CAR never matches CARTE, nor
// SHELL a SHELLFISH SHACK.
type Dictionary struct {
	names map[string]DictEntry // normalized name, and its words run together
	most  int                  // the most words of a name
}

// DictEntry is one name of the dictionary.
type DictEntry struct {
	Name     string // as the source writes it
	Category string
	Source   string // nsi or merchants.csv
	Wikidata string // nsi: the brand's Wikidata id
	Tag      string // nsi: its OpenStreetMap tag
}

// BuiltinDictionary returns the shipped dictionary.
func BuiltinDictionary() (*Dictionary, error) { return NewDictionary(nsiDictionary, merchantsCSV) }

// NewDictionary builds a dictionary from the generated nsi.tsv and
// merchants.csv. A name that normalizes like another name of another
// category is left out (neither is certain); merchants.csv decides where
// it disagrees with the index, as it is written for trx.
func NewDictionary(nsiTSV, merchants []byte) (*Dictionary, error) {
	d := &Dictionary{names: map[string]DictEntry{}}
	conflict := map[string]bool{}
	add := func(e DictEntry, override bool) {
		words := Words(e.Name)
		if len(words) == 0 {
			return
		}
		d.most = max(d.most, len(words))
		for _, k := range []string{strings.Join(words, " "), strings.Join(words, "")} {
			if len(k) < 2 {
				continue
			}
			old, ok := d.names[k]
			switch {
			case !ok, override && old.Category != e.Category:
				d.names[k] = e
			case old.Category != e.Category && old.Source == e.Source:
				conflict[k] = true
			}
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(nsiTSV))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	header := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if !header {
			if len(f) != 4 || f[0] != "name" || f[1] != "category" {
				return nil, fmt.Errorf("classifier: nsi.tsv: header %q", line)
			}
			header = true
			continue
		}
		if len(f) != 4 || !IsBuiltin(f[1]) {
			return nil, fmt.Errorf("classifier: nsi.tsv: bad line %q", line)
		}
		if lossy(f[0]) {
			continue
		}
		add(DictEntry{Name: f[0], Category: f[1], Source: "nsi", Wikidata: f[2], Tag: f[3]}, false)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("classifier: nsi.tsv: %w", err)
	}
	// A one-word name that starts a longer name of another category is a
	// common word before it is a brand (NATIONAL car rental, NATIONAL
	// LOTTERY): left out.
	for k, e := range d.names {
		if strings.Contains(k, " ") {
			first, _, _ := strings.Cut(k, " ")
			if o, ok := d.names[first]; ok && o.Category != e.Category {
				conflict[first] = true
			}
		}
	}
	for k := range conflict {
		delete(d.names, k)
	}
	rows, err := parseCSV("merchants.csv", merchants, "name", "category")
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if !IsBuiltin(r[1]) {
			return nil, fmt.Errorf("classifier: merchants.csv: %q is not a built-in category", r[1])
		}
		add(DictEntry{Name: r[0], Category: r[1], Source: "merchants.csv"}, true)
	}
	return d, nil
}

// lossy reports whether normalizing a name (Words) would lose what tells
// it apart: digits (99RENT would be RENT) or one-letter words (CAR-X would
// be CAR).
func lossy(name string) bool {
	if strings.ContainsFunc(name, unicode.IsDigit) {
		return true
	}
	for _, tok := range strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && r != '&' && r != '\'' && r != '’' }) {
		if utf8.RuneCountInString(tok) == 1 {
			return true
		}
	}
	return false
}

// Len returns the number of names.
func (d *Dictionary) Len() int { return len(d.names) }

// Lookup returns the entry whose name is the longest run of whole words
// at the start of it's merchant key (the words, or the words run together:
// WAL MART is Walmart).
func (d *Dictionary) Lookup(it Item) (DictEntry, bool) {
	if d == nil {
		return DictEntry{}, false
	}
	src := it.Description
	if strings.TrimSpace(it.Counterparty) != "" {
		src = it.Counterparty
	}
	words := merchantWords(src)
	var stack [128]byte
	for n := min(len(words), d.most); n >= 1; n-- {
		for _, sep := range []string{" ", ""} {
			// The key is joined in a buffer: the map is looked up with
			// string(k), which does not allocate.
			k := stack[:0]
			for i, w := range words[:n] {
				if i > 0 {
					k = append(k, sep...)
				}
				k = append(k, w...)
			}
			if e, ok := d.names[string(k)]; ok {
				return e, true
			}
		}
	}
	return DictEntry{}, false
}

// Reason explains a match in words.
func (e DictEntry) Reason() string {
	if e.Source == "nsi" {
		return fmt.Sprintf("the merchant dictionary: %s (Wikidata %s, OpenStreetMap %s, from the name-suggestion-index)", e.Name, e.Wikidata, e.Tag)
	}
	return fmt.Sprintf("the merchant dictionary: %s (merchants.csv)", e.Name)
}
