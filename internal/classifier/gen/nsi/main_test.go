package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

const shipped = "../../data/nsi.tsv"

// pin returns the SHA-256 input.txt pins for nsi.json.
func pin(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("input.txt")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) != 5 || f[0] != "name-suggestion-index" || f[1] != Version || f[3] != "sha256" {
		t.Fatalf("input.txt: %q; want \"name-suggestion-index %s dist/json/nsi.json sha256 HEX\"", b, Version)
	}
	return f[4]
}

// TestShippedIsPinned: without the network or the npm package, the shipped
// dictionary says it was generated from the pinned nsi.json and from
// tags.csv as it is now (editing the tag table without regenerating fails
// here).
func TestShippedIsPinned(t *testing.T) {
	b, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := os.ReadFile("tags.csv")
	if err != nil {
		t.Fatal(err)
	}
	tsum := sha256.Sum256(tags)
	head := string(b[:min(len(b), 2000)])
	for _, want := range []string{
		"# source: name-suggestion-index " + Version + " (https://github.com/osmlab/name-suggestion-index), dist/json/nsi.json sha256 " + pin(t) + "\n",
		"# tags: internal/classifier/gen/nsi/tags.csv sha256 " + hex.EncodeToString(tsum[:]) + "\n",
		"# name-suggestion-index, BSD 3-Clause License\n",
	} {
		if !strings.Contains(head, want) {
			t.Errorf("the shipped dictionary's header lacks %q: regenerate it (go generate ./internal/classifier, see main.go)", want)
		}
	}
	if _, err := ReadTags(tags); err != nil {
		t.Fatal(err)
	}
}

// TestRegenerates: with the npm package present (NSI_JSON names its
// dist/json/nsi.json; CI installs it), the pinned input regenerates the
// shipped bytes.
func TestRegenerates(t *testing.T) {
	in := os.Getenv("NSI_JSON")
	if in == "" {
		t.Skip("NSI_JSON not set: npm install --prefix /tmp/nsi name-suggestion-index@" + Version +
			" and NSI_JSON=/tmp/nsi/node_modules/name-suggestion-index/dist/json/nsi.json to run the full regeneration check")
	}
	src, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(src); hex.EncodeToString(sum[:]) != pin(t) {
		t.Fatalf("%s is not the pinned nsi.json of %s (sha256 %x)", in, Version, sum)
	}
	tags, err := os.ReadFile("tags.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Generate(src, tags)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("regenerating gives %d bytes unlike the shipped %d: run go generate ./internal/classifier", len(got), len(want))
	}
}

func TestInRegions(t *testing.T) {
	for _, tc := range []struct {
		ls   string
		want bool
	}{
		{`{"include":["us"]}`, true},
		{`{"include":["001"],"exclude":["pl"]}`, true},
		{`{"include":["us-ca.geojson"]}`, true},
		{`{"include":["br","ar"]}`, false},
		{`{"include":[[2.3,48.8,50]]}`, false},
	} {
		if got := inRegions([]byte(tc.ls)); got != tc.want {
			t.Errorf("%s: %v", tc.ls, got)
		}
	}
}
