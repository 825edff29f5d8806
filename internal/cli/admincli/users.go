package admincli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/trx-platform/trx/internal/cli"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
)

// Users is `trx users add NAME`, `trx users key NAME` and `trx users passwd NAME`.
func Users(ctx context.Context, e cli.Env, args []string) error {
	var (
		cfg    cli.DBConfig
		scopes string
	)
	fs := cli.NewFlagSet("users", "users add NAME [flags] | users key NAME [flags] | users passwd NAME [flags]\n\n"+
		"'add' creates a user and prints its new API key, alone on stdout (capture it: KEY=$(trx users add alice)).\n"+
		"'key' prints a new, additional API key for an existing user. Keys are stored hashed and shown only once.\n"+
		"'passwd' sets the user's password, for signing in to the dashboard (POST /api/v1/sessions): asked twice on a\n"+
		"terminal, otherwise read from the first line of standard input (printf '%s\\n' \"$PW\" | trx users passwd alice).\n"+
		"It ends every session of the user. Passwords are stored as argon2id hashes.\n"+
		"All work while trx serve runs on the same data directory or database.", e)
	cli.DBFlags(fs, &cfg)
	fs.StringVar(&scopes, "scopes", "read,write", "comma-separated scopes of the key: read, write, admin")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 || (fs.Arg(0) != "add" && fs.Arg(0) != "key" && fs.Arg(0) != "passwd") {
		fs.Usage()
		return errors.New("users: want 'add NAME', 'key NAME' or 'passwd NAME'")
	}
	sc, err := parseScopes(scopes)
	if err != nil {
		return err
	}
	log, _ := cli.NewLogger(e.Stderr, "warn", "text")
	db, err := cli.OpenDB(ctx, cfg, true, log)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := auth.NewService(authsql.New(db))
	if fs.Arg(0) == "passwd" {
		return setPassword(ctx, e, svc, fs.Arg(1))
	}
	var key string
	if fs.Arg(0) == "add" {
		_, key, err = svc.AddUser(ctx, fs.Arg(1), sc)
	} else {
		key, err = svc.AddKey(ctx, fs.Arg(1), sc)
	}
	if err != nil {
		return fmt.Errorf("users %s %q: %w", fs.Arg(0), fs.Arg(1), err)
	}
	fmt.Fprintln(e.Stdout, key)
	return nil
}

func parseScopes(s string) ([]string, error) {
	var out []string
	for _, sc := range strings.Split(s, ",") {
		sc = strings.TrimSpace(sc)
		switch sc {
		case auth.ScopeRead, auth.ScopeWrite, auth.ScopeAdmin:
			out = append(out, sc)
		case "":
		default:
			return nil, fmt.Errorf("--scopes: unknown scope %q; want read, write or admin", sc)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("--scopes: name at least one scope")
	}
	return out, nil
}

// setPassword reads a password (asked twice on a terminal, otherwise the
// first line of stdin) and sets it for the user called name.
func setPassword(ctx context.Context, e cli.Env, svc *auth.Service, name string) error {
	u, err := svc.UserByName(ctx, name)
	if err != nil {
		return fmt.Errorf("users passwd %q: %w", name, err)
	}
	pw, err := readPassword(e, u.Name)
	if err != nil {
		return fmt.Errorf("users passwd %q: %w", name, err)
	}
	if err := svc.SetPassword(ctx, u.Name, pw); err != nil {
		return fmt.Errorf("users passwd %q: %w", name, err)
	}
	fmt.Fprintf(e.Stderr, "Set the password of %s; every session of the user has ended.\n", cli.Printable(u.Name))
	return nil
}

// readPassword reads the new password: from the terminal without echo,
// twice, when stdin is one; otherwise the first line of stdin (its line
// ending removed, nothing else).
func readPassword(e cli.Env, name string) (string, error) {
	if f, ok := e.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(e.Stderr, "New password for %s: ", cli.Printable(name))
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(e.Stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.Stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ; nothing changed")
		}
		return string(a), auth.CheckPassword(string(a))
	}
	line, err := bufio.NewReader(io.LimitReader(e.Stdin, auth.MaxPassword+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading standard input: %w", err)
	}
	if !strings.HasSuffix(line, "\n") && len(line) > auth.MaxPassword {
		return "", auth.ErrWeakPassword
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("no password on standard input (give it as its first line)")
	}
	return line, auth.CheckPassword(line)
}
