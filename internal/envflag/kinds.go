package envflag

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/trx-platform/trx/internal/web"
)

// BytesVar defines a size flag: a number of bytes, optionally with a
// binary unit (KiB, MiB, GiB; K, M, G the same).
func (fs *FlagSet) BytesVar(p *int64, name string, def int64, usage string) {
	if v, ok := fs.Env(name); ok {
		n, err := ParseBytes(v)
		if err != nil {
			fs.BadEnv(fmt.Sprintf("%s=%q: %v", EnvName(name), v, err))
		}
		def = n
	}
	*p = def
	fs.Var((*byteSize)(p), name, fs.Help(name, usage))
}

type byteSize int64

func (b *byteSize) String() string {
	if b == nil {
		return "0"
	}
	return strings.ReplaceAll(web.FormatBytes(int64(*b)), " ", "")
}

func (b *byteSize) Set(s string) error {
	n, err := ParseBytes(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

// ParseBytes reads "1048576", "512KiB", "100MiB", "1GiB", "4M".
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"bytes", 1}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n <= 0 || n*float64(mult) > 1<<50 {
		return 0, fmt.Errorf("%q: want a positive size in bytes, e.g. 1048576, 512KiB, 100MiB or 1GiB", s)
	}
	return int64(n * float64(mult)), nil
}

// NotBoolVar is BoolVar for a flag whose negation the config holds, so
// that the config's zero value means the flag's default of true.
func (fs *FlagSet) NotBoolVar(p *bool, name string, def bool, usage string) {
	if v, ok := fs.Env(name); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fs.BadEnv(fmt.Sprintf("%s=%q: not true or false", EnvName(name), v))
		}
		def = b
	}
	*p = !def
	fs.Var(notBool{p}, name, fs.Help(name, usage))
}

type notBool struct{ p *bool }

func (b notBool) String() string {
	if b.p == nil {
		return "false"
	}
	return strconv.FormatBool(!*b.p)
}

func (b notBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*b.p = !v
	return nil
}

func (b notBool) IsBoolFlag() bool { return true }

// RateVar defines a rate flag whose default is "auto" (held as -1).
func (fs *FlagSet) RateVar(p *float64, name, usage string) {
	*p = -1
	if v, ok := fs.Env(name); ok {
		if err := (rateValue{p}).Set(v); err != nil {
			fs.BadEnv(fmt.Sprintf("%s=%q: not a number or auto", EnvName(name), v))
		}
	}
	fs.Var(rateValue{p}, name, fs.Help(name, usage))
}

type rateValue struct{ p *float64 }

func (r rateValue) String() string {
	if r.p == nil || *r.p < 0 {
		return "auto"
	}
	return strconv.FormatFloat(*r.p, 'g', -1, 64)
}

func (r rateValue) Set(s string) error {
	if s == "auto" {
		*r.p = -1
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return fmt.Errorf("want a rate of 0 or more, or auto")
	}
	*r.p = f
	return nil
}
