package admincli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trx-platform/trx/internal/cli"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
)

const keysSynopsis = `keys create --user NAME [--scopes read,write] [--label TEXT] [--rate-limit N --rate-burst N]
       trx keys list --user NAME
       trx keys revoke KEY_ID

'create' prints the new key alone on stdout (KEY=$(trx keys create --user alice)); it is
stored hashed and shown only this once. 'list' shows a user's keys (never their secrets),
revoked ones too. 'revoke' stops a key at once on every replica. The same operations are
in the API under /api/v1/keys. All work while trx serve runs on the same database.`

// keysArgs is what `trx keys` was asked to do.
type keysArgs struct {
	verb, user, scopes, label string
	rate                      float64
	burst                     int
	keyID                     string // of revoke
}

// Keys is `trx keys create|list|revoke`.
func Keys(ctx context.Context, e cli.Env, args []string) error {
	var cfg cli.DBConfig
	ka, err := parseKeysArgs(e, &cfg, args)
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
	switch ka.verb {
	case "create":
		return createKey(ctx, e, svc, ka)
	case "list":
		return listKeys(ctx, e, svc, ka.user)
	default: // revoke
		if err := svc.RevokeKey(ctx, ka.keyID); err != nil {
			return fmt.Errorf("keys revoke %s: %w", ka.keyID, err)
		}
		fmt.Fprintln(e.Stderr, "revoked", ka.keyID)
		return nil
	}
}

func parseKeysArgs(e cli.Env, cfg *cli.DBConfig, args []string) (keysArgs, error) {
	var ka keysArgs
	fs := cli.NewFlagSet("keys", keysSynopsis, e)
	cli.DBFlags(fs, cfg)
	fs.StringVar(&ka.user, "user", "", "the user whose keys to create or list")
	fs.StringVar(&ka.scopes, "scopes", "read,write", "comma-separated scopes of a new key: read, write, admin")
	fs.StringVar(&ka.label, "label", "", "a note to tell the new key apart (at most 100 characters)")
	fs.FloatVar(&ka.rate, "rate-limit", 0, "requests per second for the new key on each gateway replica (0: the gateway's --rate-limit)")
	fs.IntVar(&ka.burst, "rate-burst", 0, "bucket size for the new key (0: the gateway's --rate-burst)")
	if len(args) == 0 {
		fs.Usage()
		return ka, errors.New("keys: want create, list or revoke")
	}
	ka.verb = args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return ka, err
	}
	switch verb := ka.verb; {
	case verb == "revoke" && fs.NArg() != 1, verb != "revoke" && fs.NArg() != 0:
		fs.Usage()
		return ka, fmt.Errorf("keys %s: unexpected arguments %q", verb, fs.Args())
	case (verb == "create" || verb == "list") && ka.user == "":
		return ka, fmt.Errorf("keys %s: name the user with --user", verb)
	case verb != "create" && verb != "list" && verb != "revoke":
		fs.Usage()
		return ka, fmt.Errorf("keys: unknown action %q; want create, list or revoke", verb)
	}
	ka.keyID = fs.Arg(0)
	return ka, nil
}

func createKey(ctx context.Context, e cli.Env, svc *auth.Service, ka keysArgs) error {
	sc, err := parseScopes(ka.scopes)
	if err != nil {
		return err
	}
	u, err := svc.UserByName(ctx, ka.user)
	if err != nil {
		return fmt.Errorf("keys create: %q: %w", ka.user, err)
	}
	_, secret, err := svc.CreateKey(ctx, u.ID, auth.KeyOptions{Scopes: sc, Label: ka.label, RateLimit: ka.rate, RateBurst: ka.burst})
	if err != nil {
		return fmt.Errorf("keys create: %w", err)
	}
	fmt.Fprintln(e.Stdout, secret)
	return nil
}

func listKeys(ctx context.Context, e cli.Env, svc *auth.Service, user string) error {
	u, err := svc.UserByName(ctx, user)
	if err != nil {
		return fmt.Errorf("keys list: %q: %w", user, err)
	}
	keys, err := svc.Keys(ctx, u.ID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPREFIX\tSCOPES\tLABEL\tRATE\tCREATED\tLAST USED\tEXPIRES\tREVOKED")
	for _, k := range keys {
		rl := "-"
		if k.RateLimit > 0 || k.RateBurst > 0 {
			rl = strconv.FormatFloat(k.RateLimit, 'g', -1, 64) + "/s burst " + strconv.Itoa(k.RateBurst)
		}
		// Stored before labels refused control characters, a label could
		// hold a terminal escape: every cell is printed escaped.
		fmt.Fprintln(tw, strings.Join(cli.PrintableRow([]string{k.ID, k.Prefix + "…", strings.Join(k.Scopes, ","), dash(k.Label), rl,
			stamp(k.CreatedAt), stamp(k.LastUsedAt), stamp(k.ExpiresAt), stamp(k.RevokedAt)}), "\t"))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
