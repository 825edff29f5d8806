package cli

import "testing"

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain label":       "plain label",
		"Zoë ☕":             "Zoë ☕",
		"red\x1b[31mtext":   `red\x1b[31mtext`,
		"title\x1b]0;pwn\a": `title\x1b]0;pwn\a`,
		"rtl\u202eevil":     `rtl\u202eevil`,
		"tab\there":         `tab\there`,
		`back\slash`:        `back\\slash`,
		"bad\xffutf8":       `bad\xffutf8`,
		"real \uFFFD stays": "real \uFFFD stays",
		"c1\u0085next-line": `c1\u0085next-line`,
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}
