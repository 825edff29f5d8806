package deploy_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var dockerfile = filepath.Join(root, "deploy", "Dockerfile")

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line  int
	cmd   string // upper case
	args  string
	stage int // index of the FROM it follows; -1 before the first
}

func parseDockerfile(t *testing.T) []instruction {
	t.Helper()
	var out []instruction
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, dockerfile)))
	stage, n, start := -1, 0, 0
	var cur strings.Builder
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		out = append(out, instruction{start, cmd, strings.TrimSpace(args), stage})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// execForm decodes a JSON-array (exec form) argument.
func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var v []string
	if err := json.Unmarshal([]byte(in.args), &v); err != nil {
		t.Errorf("Dockerfile:%d: %s %s: want the exec (JSON array) form, so that signals reach trx: %v", in.line, in.cmd, in.args, err)
	}
	return v
}

func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t)
	serve := trxFlags(t, "serve")
	var froms []instruction
	args := map[string]string{}
	for _, in := range ins {
		switch {
		case in.cmd == "FROM":
			froms = append(froms, in)
		case in.cmd == "ARG" && in.stage == -1:
			k, v, _ := strings.Cut(in.args, "=")
			args[k] = v
		}
	}
	if len(froms) < 2 {
		t.Fatalf("Dockerfile: %d stages, want a build stage and a runtime stage", len(froms))
	}

	// Build stage: the Go of go.mod.
	goVersion := goModVersion(t)
	build := strings.Fields(froms[0].args)
	img := os.Expand(build[0], func(k string) string { return args[k] })
	if want := "golang:" + goVersion; img != want {
		t.Errorf("Dockerfile:%d: builds with %s, want %s (go.mod's go %s)", froms[0].line, img, want, goVersion)
	}
	if len(build) != 3 || !strings.EqualFold(build[1], "AS") {
		t.Fatalf("Dockerfile:%d: name the build stage (FROM … AS build)", froms[0].line)
	}
	stageName := build[2]

	var goBuild *instruction
	for i, in := range ins {
		if in.cmd == "RUN" && in.stage == 0 && strings.Contains(in.args, "go build") {
			goBuild = &ins[i]
		}
	}
	if goBuild == nil {
		t.Fatal("Dockerfile: no RUN go build in the build stage")
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", `-ldflags "-s -w -X main.version=${VERSION}"`, "./cmd/trx"} {
		if !strings.Contains(goBuild.args, want) {
			t.Errorf("Dockerfile:%d: go build lacks %s", goBuild.line, want)
		}
	}
	checkVersionVar(t)

	// Runtime stage: distroless, non-root, the binary as entrypoint.
	last := froms[len(froms)-1]
	if !strings.HasPrefix(last.args, "gcr.io/distroless/static") || !strings.Contains(last.args, "nonroot") {
		t.Errorf("Dockerfile:%d: runtime image %s, want gcr.io/distroless/static…:nonroot", last.line, last.args)
	}
	final := last.stage
	var entrypoint, cmd []string
	var user, expose string
	copiedTrx := false
	for _, in := range ins {
		if in.stage != final {
			continue
		}
		switch in.cmd {
		case "ENTRYPOINT":
			entrypoint = execForm(t, in)
		case "CMD":
			cmd = execForm(t, in)
		case "USER":
			user = in.args
		case "EXPOSE":
			expose = in.args
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				k, _, _ := strings.Cut(kv, "=")
				serve.checkEnv(t, "Dockerfile ENV", []string{k})
			}
		case "COPY":
			f := strings.Fields(in.args)
			if strings.Contains(in.args, "--from="+stageName) && f[len(f)-1] == "/trx" {
				copiedTrx = true
			}
		}
	}
	if !copiedTrx {
		t.Errorf("Dockerfile: the runtime stage does not COPY --from=%s … /trx", stageName)
	}
	if len(entrypoint) != 1 || entrypoint[0] != "/trx" {
		t.Errorf(`Dockerfile: ENTRYPOINT %q, want ["/trx"]`, entrypoint)
	}
	if len(cmd) == 0 || cmd[0] != "serve" {
		t.Errorf("Dockerfile: CMD %q, want serve …", cmd)
	} else {
		serve.checkArgs(t, "Dockerfile CMD", cmd[1:])
	}
	addr := ""
	for i, a := range cmd {
		if a == "--addr" && i+1 < len(cmd) {
			addr = cmd[i+1]
		}
	}
	host, port, err := net.SplitHostPort(addr)
	switch {
	case err != nil:
		t.Errorf("Dockerfile: CMD has no --addr host:port (%q): trx's default 127.0.0.1 is unreachable from outside the container", addr)
	case host != "0.0.0.0":
		t.Errorf("Dockerfile: CMD listens on %s; want 0.0.0.0", addr)
	case expose != port:
		t.Errorf("Dockerfile: EXPOSE %q but CMD listens on port %s", expose, port)
	}
	uid, _, _ := strings.Cut(user, ":")
	n, err := strconv.ParseInt(uid, 10, 64)
	if err != nil || n == 0 {
		t.Errorf("Dockerfile: USER %q: want a numeric non-root uid, which Kubernetes can check against runAsNonRoot", user)
	}
	// The Kubernetes pods run as that user.
	for _, s := range loadKustomizations(t) {
		for _, w := range workloads(s) {
			for _, c := range w.template.Spec.Containers {
				if !isTrx(c) {
					continue
				}
				if sc := w.template.Spec.SecurityContext; sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != n {
					t.Errorf("%s: runAsUser is not the image's user %d", w.where, n)
				}
			}
		}
	}
}

// goModVersion is go.mod's go version as major.minor, the tag of the
// golang image.
func goModVersion(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(readFile(t, filepath.Join(root, "go.mod")))
	if m == nil {
		t.Fatal("go.mod: no go directive")
	}
	return string(m[1])
}

// checkVersionVar checks that -X main.version has a target: a package-level
// string variable named version in cmd/trx.
func checkVersionVar(t *testing.T) {
	t.Helper()
	fset := token.NewFileSet()
	files, _ := filepath.Glob(filepath.Join(root, "cmd", "trx", "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, s := range gd.Specs {
				for _, name := range s.(*ast.ValueSpec).Names {
					if name.Name == "version" {
						return
					}
				}
			}
		}
	}
	t.Errorf("cmd/trx: no package-level var version for -ldflags -X main.version")
}

// ignorePattern is one line of .dockerignore.
type ignorePattern struct {
	negate bool
	re     *regexp.Regexp
}

// readDockerignore reads the repository's .dockerignore with Docker's
// pattern syntax: path.Match globs, ** for any number of directories, !
// to re-include; the last matching pattern wins, and a pattern that matches
// a directory matches everything in it.
func readDockerignore(t *testing.T) []ignorePattern {
	t.Helper()
	var out []ignorePattern
	for _, line := range strings.Split(string(readFile(t, filepath.Join(root, ".dockerignore"))), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := ignorePattern{}
		if rest, ok := strings.CutPrefix(line, "!"); ok {
			p.negate, line = true, strings.TrimSpace(rest)
		}
		line = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(line)), "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(line); i++ {
			switch c := line[i]; {
			case strings.HasPrefix(line[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(line[i:], "**"):
				re.WriteString(".*")
				i++
			case c == '*':
				re.WriteString("[^/]*")
			case c == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		re.WriteString("$")
		p.re = regexp.MustCompile(re.String())
		out = append(out, p)
	}
	return out
}

func dockerignored(patterns []ignorePattern, path string) bool {
	excluded := false
	parts := strings.Split(path, "/")
	for _, p := range patterns {
		for i := len(parts); i > 0; i-- {
			if p.re.MatchString(strings.Join(parts[:i], "/")) {
				excluded = !p.negate
				break
			}
		}
	}
	return excluded
}

func TestDockerignoreMatcher(t *testing.T) {
	ps := []ignorePattern{}
	for _, l := range []struct {
		neg bool
		re  string
	}{{false, `^[^/]*$`}, {true, `^cmd$`}, {false, `^(.*/)?[^/]*_test\.go$`}} {
		ps = append(ps, ignorePattern{l.neg, regexp.MustCompile(l.re)})
	}
	for path, want := range map[string]bool{
		"README.md": true, "cmd/trx/main.go": false, "cmd/trx/main_test.go": true, ".git/config": true,
	} {
		if got := dockerignored(ps, path); got != want {
			t.Errorf("%s: ignored %v, want %v", path, got, want)
		}
	}
}

// TestDockerBuildContext checks that the build context that .dockerignore
// leaves, and the COPY lines of the build stage, hold every file the binary
// is built from: the Go files and embedded files of every package of
// ./cmd/trx in this module (go list, with cgo off as in the image, which
// also proves the build needs no C toolchain); and that secrets and local
// state stay out.
func TestDockerBuildContext(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	patterns := readDockerignore(t)
	var copied []string
	for _, in := range parseDockerfile(t) {
		if in.cmd != "COPY" || in.stage != 0 || strings.Contains(in.args, "--from") {
			continue
		}
		f := strings.Fields(in.args)
		for _, src := range f[:len(f)-1] {
			if strings.HasPrefix(src, "--") {
				continue
			}
			copied = append(copied, filepath.ToSlash(filepath.Clean(src)))
			if _, err := os.Stat(filepath.Join(root, src)); err != nil {
				t.Errorf("Dockerfile:%d: COPY %s: %v", in.line, src, err)
			}
		}
	}

	cmd := exec.Command(goTool, "list", "-deps", "-json=Dir,Module,GoFiles,EmbedFiles,CgoFiles,Error,DepsErrors", "./cmd/trx")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	abs, _ := filepath.Abs(root)
	need := []string{"go.mod", "go.sum"}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			Dir                           string
			Module                        *struct{ Main bool }
			GoFiles, EmbedFiles, CgoFiles []string
			Error                         *struct{ Err string }
			DepsErrors                    []struct{ Err string }
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if p.Error != nil || len(p.DepsErrors) > 0 || len(p.CgoFiles) > 0 {
			t.Errorf("%s: does not build with CGO_ENABLED=0: %+v %+v %v", p.Dir, p.Error, p.DepsErrors, p.CgoFiles)
		}
		if p.Module == nil || !p.Module.Main {
			continue
		}
		rel, err := filepath.Rel(abs, p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range append(p.GoFiles, p.EmbedFiles...) {
			need = append(need, filepath.ToSlash(filepath.Join(rel, f)))
		}
	}
	if len(need) < 10 {
		t.Fatalf("go list found only %v", need)
	}
	for _, f := range need {
		if dockerignored(patterns, f) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", f)
		}
		inCopy := false
		for _, c := range copied {
			if f == c || strings.HasPrefix(f, c+"/") {
				inCopy = true
			}
		}
		if !inCopy {
			t.Errorf("Dockerfile: no COPY brings %s into the build stage", f)
		}
	}
	for _, f := range []string{".git/config", "deploy/compose/.env", "trx", "trx-data/trx.db", "README.md", "internal/x/y_test.go",
		"internal/dashboard/node_modules/a/index.js"} {
		if !dockerignored(patterns, f) {
			t.Errorf(".dockerignore lets %s into the build context", f)
		}
	}
}
