package cli

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestExitCode(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{errors.New("plain"), ExitFailed},
		{Exit(ExitNoServer, errors.New("down")), ExitNoServer},
		{fmt.Errorf("wrapped: %w", Exit(ExitPartial, errors.New("some lines"))), ExitPartial},
		{UsageError("bad %s", "flag"), ExitUsage},
	} {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
	if err := UsageError("bad %s", "flag"); err.Error() != "bad flag" {
		t.Errorf("UsageError says %q", err)
	}
}

func TestHasAll(t *testing.T) {
	for args, want := range map[string]bool{
		"--all x": true, "x -all": true, "--all=true": true, "x": false, "-- --all": false, "--all=false": false,
	} {
		if got := HasAll(strings.Fields(args)); got != want {
			t.Errorf("HasAll(%q) = %v, want %v", args, got, want)
		}
	}
}
