// Command nsi generates trx's merchant dictionary (internal/classifier/data/
// nsi.tsv) from OpenStreetMap's name-suggestion-index: the brands of its
// dist/json/nsi.json present in the US, Canada or Europe, each with the trx
// category its OSM tag has in tags.csv. Run it through go generate:
//
//	npm install --prefix /tmp/nsi name-suggestion-index@8.0.20260918
//	NSI_JSON=/tmp/nsi/node_modules/name-suggestion-index/dist/json/nsi.json go generate ./internal/classifier
//
// The output is the same bytes for the same nsi.json and tags.csv; the
// tests check that it is what is shipped.
package main

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode"
)

// Version is the name-suggestion-index release the shipped dictionary is
// generated from (input.txt pins the SHA-256 of its nsi.json).
const Version = "8.0.20260918"

// licence is the name-suggestion-index's licence, reproduced in the
// generated file (BSD-3-Clause asks that it go with redistributions).
const licence = `name-suggestion-index, BSD 3-Clause License
Copyright 2026, name-suggestion-index contributors

Redistribution and use in source and binary forms, with or without modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice, this list of conditions and the following disclaimer in the documentation and/or other materials provided with the distribution.

3. Neither the name of the copyright holder nor the names of its contributors may be used to endorse or promote products derived from this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.`

func main() {
	in := flag.String("in", os.Getenv("NSI_JSON"), "name-suggestion-index's dist/json/nsi.json (env NSI_JSON)")
	tags := flag.String("tags", "gen/nsi/tags.csv", "the OSM tag to trx category table")
	out := flag.String("out", "data/nsi.tsv", "where to write the dictionary")
	flag.Parse()
	if err := run(*in, *tags, *out); err != nil {
		fmt.Fprintln(os.Stderr, "nsi:", err)
		os.Exit(1)
	}
}

func run(in, tagsPath, out string) error {
	if in == "" {
		return errors.New("no nsi.json: set NSI_JSON or -in (npm install name-suggestion-index@" + Version + ")")
	}
	src, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	tags, err := os.ReadFile(tagsPath)
	if err != nil {
		return err
	}
	b, err := Generate(src, tags)
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

// ReadTags reads tags.csv: tag (key=value), category, note.
func ReadTags(b []byte) (map[string]string, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("tags.csv: %w", err)
	}
	if len(rows) == 0 || len(rows[0]) < 2 || rows[0][0] != "tag" || rows[0][1] != "category" {
		return nil, errors.New("tags.csv: the header must be tag,category,note")
	}
	out := map[string]string{}
	for _, row := range rows[1:] {
		if !strings.Contains(row[0], "=") || row[1] == "" {
			return nil, fmt.Errorf("tags.csv: %q: want key=value,category", strings.Join(row, ","))
		}
		if _, dup := out[row[0]]; dup {
			return nil, fmt.Errorf("tags.csv: %s listed twice", row[0])
		}
		out[row[0]] = row[1]
	}
	return out, nil
}

// regions are where a brand must be to be kept: the US, Canada, the UK,
// the EU/EEA and Switzerland, or the world (001), Europe (150), Northern
// America (021).
var regions = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range strings.Fields("001 150 021 us ca gb ie fr fx de nl be lu at ch li it es pt ad mc sm dk se no fi is pl cz sk hu si hr ro bg gr cy mt ee lv lt") {
		m[r] = true
	}
	return m
}()

type nsiFile struct {
	Meta struct {
		Version string `json:"version"`
	} `json:"_meta"`
	NSI map[string]struct {
		Items []struct {
			DisplayName string            `json:"displayName"`
			LocationSet json.RawMessage   `json:"locationSet"`
			MatchNames  []string          `json:"matchNames"`
			Tags        map[string]string `json:"tags"`
		} `json:"items"`
	} `json:"nsi"`
}

type entry struct {
	name, category, wikidata, tag string
}

// Generate returns the dictionary of nsi.json under the tag table.
func Generate(nsiJSON, tagsCSV []byte) ([]byte, error) {
	tags, err := ReadTags(tagsCSV)
	if err != nil {
		return nil, err
	}
	var f nsiFile
	if err := json.Unmarshal(nsiJSON, &f); err != nil {
		return nil, fmt.Errorf("nsi.json: %w", err)
	}
	if f.Meta.Version != Version {
		return nil, fmt.Errorf("nsi.json is version %q; the generator is pinned to %s (update Version and input.txt together)", f.Meta.Version, Version)
	}
	// Every name of every kept brand, with the category of its tag.
	byName := map[string][]entry{}
	paths := make([]string, 0, len(f.NSI))
	for p := range f.NSI {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		parts := strings.Split(p, "/")
		if len(parts) != 3 || parts[0] != "brands" {
			continue
		}
		tag := parts[1] + "=" + parts[2]
		cat, ok := tags[tag]
		if !ok {
			continue
		}
		for _, it := range f.NSI[p].Items {
			if !inRegions(it.LocationSet) {
				continue
			}
			names := append([]string{it.DisplayName, it.Tags["brand"], it.Tags["name"], it.Tags["name:en"], it.Tags["brand:en"]}, it.MatchNames...)
			seen := map[string]bool{}
			for _, n := range names {
				n = strings.Join(strings.Fields(n), " ")
				k := strings.ToLower(n)
				if seen[k] || !usable(n) {
					continue
				}
				seen[k] = true
				byName[k] = append(byName[k], entry{name: n, category: cat, wikidata: it.Tags["brand:wikidata"], tag: tag})
			}
		}
	}
	// A name used by brands of several categories keeps the category of
	// at least two thirds of them, or is left out.
	var out []entry
	for _, es := range byName {
		count := map[string]int{}
		for _, e := range es {
			count[e.category]++
		}
		best, n := "", 0
		for c, k := range count {
			if k > n || k == n && c < best {
				best, n = c, k
			}
		}
		if 3*n < 2*len(es) {
			continue
		}
		for _, e := range es {
			if e.category == best {
				out = append(out, e)
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b entry) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.name), strings.ToLower(b.name)), cmp.Compare(a.name, b.name))
	})
	var buf bytes.Buffer
	sum := sha256.Sum256(nsiJSON)
	tsum := sha256.Sum256(tagsCSV)
	fmt.Fprintf(&buf, "# trx merchant dictionary, generated by internal/classifier/gen/nsi; do not edit (go generate ./internal/classifier).\n")
	fmt.Fprintf(&buf, "# source: name-suggestion-index %s (https://github.com/osmlab/name-suggestion-index), dist/json/nsi.json sha256 %s\n", f.Meta.Version, hex.EncodeToString(sum[:]))
	fmt.Fprintf(&buf, "# tags: internal/classifier/gen/nsi/tags.csv sha256 %s\n", hex.EncodeToString(tsum[:]))
	fmt.Fprintf(&buf, "# brands of the US, Canada and Europe; %d names\n#\n", len(out))
	for _, l := range strings.Split(licence, "\n") {
		fmt.Fprintf(&buf, "# %s\n", l)
	}
	buf.WriteString("#\nname\tcategory\twikidata\ttag\n")
	for _, e := range out {
		fmt.Fprintf(&buf, "%s\t%s\t%s\t%s\n", e.name, e.category, e.wikidata, e.tag)
	}
	return bytes.ReplaceAll(buf.Bytes(), []byte("# \n"), []byte("#\n")), nil
}

// usable reports whether a name can be matched on a descriptor: at least
// two Latin letters, no tab or newline.
func usable(n string) bool {
	letters := 0
	for _, r := range n {
		if r < 0x250 && unicode.IsLetter(r) {
			letters++
		}
		if r == '\t' || r == '\n' || r == '\r' {
			return false
		}
		if r >= 0x250 && unicode.IsLetter(r) {
			return false // another script: never on a Latin descriptor
		}
	}
	return letters >= 2
}

// inRegions reports whether a locationSet includes one of regions (a
// custom area counts by the country code it starts with: us-ca.geojson).
func inRegions(raw json.RawMessage) bool {
	var ls struct {
		Include []json.RawMessage `json:"include"`
	}
	if json.Unmarshal(raw, &ls) != nil {
		return false
	}
	for _, inc := range ls.Include {
		var s string
		if json.Unmarshal(inc, &s) != nil {
			continue // a point with a radius: not a region
		}
		s = strings.ToLower(s)
		if i := strings.IndexAny(s, "-."); i > 0 {
			s = s[:i]
		}
		if regions[s] {
			return true
		}
	}
	return false
}
