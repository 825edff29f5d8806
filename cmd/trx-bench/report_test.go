package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/report/reportcli"
)

// TestBenchReport runs `trx-bench report` on a small input, with this test
// binary standing in for trx as the CLI's child process.
func TestBenchReport(t *testing.T) {
	t.Setenv("TRX_BENCH_REPORT_HELPER", "1")
	out := t.TempDir() + "/in.json"
	var stdout, stderr bytes.Buffer
	e := testEnv(nil, &stdout, &stderr)
	cfg, err := parseBenchReport(e, []string{"--gen", "3000", "--runs", "2", "--out", out, "--group-by", "category,month"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.exe, cfg.exeArgs = os.Args[0], []string{"-test.run=^TestBenchReportHelper$", "--"}
	if err := benchReport(context.Background(), e, cfg); err != nil {
		t.Fatalf("bench report: %v\n%s", err, stderr.String())
	}
	got := stdout.String()
	for _, want := range []string{"3000 transactions", "group_by: category,month", "floor: encoding/json Unmarshal",
		"CLI: trx report --json", "HTTP: POST /api/v1/report", "CLI  >= 3x the floor", "HTTP >= 2x the floor", "peak RSS < 64.0 MiB"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("--out file: %v", err)
	}
}

// TestBenchReportHelper is `trx` for TestBenchReport's child processes:
// it runs the arguments after "--", `report …`, as trx report does.
func TestBenchReportHelper(t *testing.T) {
	if os.Getenv("TRX_BENCH_REPORT_HELPER") != "1" {
		t.Skip("the helper process of TestBenchReport")
	}
	args := os.Args[slices.Index(os.Args, "--")+1:]
	if len(args) == 0 || args[0] != "report" {
		fmt.Fprintf(os.Stderr, "want trx report, got %q\n", args)
		os.Exit(2)
	}
	if err := reportcli.Run(context.Background(), args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func TestBenchReportFlags(t *testing.T) {
	for _, args := range [][]string{{}, {"--gen", "0"}, {"--gen", "10", "--runs", "0"}, {"--gen", "10", "--group-by", "week"}, {"--gen", "10", "x"}} {
		var stdout, stderr bytes.Buffer
		if _, err := parseBenchReport(testEnv(nil, &stdout, &stderr), args); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// TestFindTrx checks how the CLI path finds the trx to run: --trx if given
// (an error if it is not a program), else trx on PATH (in a test there is
// no trx next to the test binary).
func TestFindTrx(t *testing.T) {
	dir := t.TempDir()
	trx := filepath.Join(dir, "trx")
	if err := os.WriteFile(trx, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := findTrx(trx); err != nil || got != trx {
		t.Errorf("findTrx(%q) = %q, %v", trx, got, err)
	}
	if _, err := findTrx(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "--trx") {
		t.Errorf("findTrx of a missing file: %v, want an error about --trx", err)
	}
	t.Setenv("PATH", dir)
	if got, err := findTrx(""); err != nil || got != trx {
		t.Errorf("findTrx on PATH = %q, %v, want %q", got, err, trx)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := findTrx(""); err == nil || !strings.Contains(err.Error(), "go build -o") {
		t.Errorf("findTrx with no trx anywhere: %v, want an error saying how to build one", err)
	}
}
