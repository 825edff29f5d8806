package export

// Type is how a column is checked and written in a file.
type Type int

// The column types.
const (
	ID      Type = iota // ASCII identifier, not empty, at most Max bytes
	Text                // UTF-8 text of at most Max characters (0: any)
	Int                 // whole number
	Bool                // true or false
	Real                // floating point (only rate limits, which are not money)
	Blob                // bytes, base64 in the file
	Instant             // an instant as trx stores it (TimeLayout)
	Money               // integer minor units; a decimal string in the currency of column Currency
	Scaled              // integer of 10^-Scale units; a decimal string
)

// TimeLayout is how trx stores instants (sqldb.TimeFormat): UTC,
// microseconds, fixed width. Export writes them as stored; Import refuses
// any other form, so that they sort and compare as the stores expect.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Column is one column of a table and its member in a record.
type Column struct {
	Name     string // in SQL
	Member   string // in the file ("" for Name)
	Type     Type
	Null     bool
	Max      int
	Currency string // of a Money column: the column with its currency code
	Scale    int    // of a Scaled column
}

// Key returns the column's member name in a record.
func (c *Column) Key() string {
	if c.Member != "" {
		return c.Member
	}
	return c.Name
}

// Kind is a kind of record: a table, whose rows a user owns unless Global.
type Kind struct {
	Name  string // the line's member: "transaction"
	Table string
	// User is the column naming the owning user ("id" for users).
	User string
	// Global kinds belong to no user: only in an export of everyone.
	Global bool
	// Order is the ORDER BY of an export: the same on both engines, so
	// that exports of the same data are the same bytes.
	Order   string
	Columns []*Column
}

// Column returns the column named name, or nil.
func (k *Kind) Column(name string) *Column {
	for _, c := range k.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func id(name string, max int) *Column    { return &Column{Name: name, Type: ID, Max: max} }
func optID(name string, max int) *Column { return &Column{Name: name, Type: ID, Max: max, Null: true} }
func text(name string, max int) *Column  { return &Column{Name: name, Type: Text, Max: max} }
func optText(name string, max int) *Column {
	return &Column{Name: name, Type: Text, Max: max, Null: true}
}
func integer(name string) *Column    { return &Column{Name: name, Type: Int} }
func boolean(name string) *Column    { return &Column{Name: name, Type: Bool} }
func instant(name string) *Column    { return &Column{Name: name, Type: Instant} }
func optInstant(name string) *Column { return &Column{Name: name, Type: Instant, Null: true} }
func amount(name, member, cur string) *Column {
	return &Column{Name: name, Member: member, Type: Money, Currency: cur}
}

// Spec is every kind of record, in file order: a kind comes after the
// kinds it refers to (users first; accounts before the transactions and
// imports in them). The columns are those of the latest schema; an older
// database exports the ones it has, and an import leaves a column the
// file lacks to its default.
var Spec = []*Kind{
	{Name: "user", Table: "users", User: "id", Order: "id", Columns: []*Column{
		id("id", 36), text("name", 200), instant("created_at"),
		// The JWT identity bound to the user (both null: none yet).
		optText("jwt_issuer", 1024), optText("jwt_subject", 1024),
		// The password's argon2id hash (null: none), like a key's digest:
		// an imported installation accepts the same password. scopes are
		// what the user's sessions get.
		optID("password_hash", 255), id("scopes", 64),
	}},
	{Name: "api_key", Table: "api_keys", User: "user_id", Order: "user_id, id", Columns: []*Column{
		// digest is the key's SHA-256 (the key itself is stored nowhere):
		// an imported installation accepts the same keys.
		id("id", 36), id("user_id", 36), id("digest", 64), id("prefix", 16), id("scopes", 64),
		text("label", 100), {Name: "rate_limit", Type: Real, Null: true}, {Name: "rate_burst", Type: Int, Null: true},
		instant("created_at"), optInstant("last_used_at"), optInstant("revoked_at"), optInstant("expires_at"),
	}},
	{Name: "account", Table: "accounts", User: "user_id", Order: "user_id, id", Columns: []*Column{
		id("id", 36), id("user_id", 36), text("name", 100), text("name_key", 100), id("kind", 16), id("currency", 3),
		amount("opening_minor", "opening_balance", "currency"), optID("opening_date", 10),
		optText("institution", 100), optText("number", 64), boolean("closed"),
		instant("created_at"), instant("updated_at"), integer("version"),
	}},
	{Name: "category", Table: "categories", User: "user_id", Order: "user_id, id", Columns: []*Column{
		id("user_id", 36), id("id", 64), text("name", 100), text("name_key", 100), optID("parent_id", 64),
		instant("created_at"), instant("updated_at"),
	}},
	{Name: "rule", Table: "category_rules", User: "user_id", Order: "user_id, position, id", Columns: []*Column{
		id("user_id", 36), id("id", 36), integer("position"), text("name", 100), text("conditions", 0),
		id("category_id", 64), boolean("enabled"), instant("created_at"), instant("updated_at"), integer("version"),
	}},
	{Name: "classifier_settings", Table: "classifier_settings", User: "user_id", Order: "user_id", Columns: []*Column{
		id("user_id", 36), boolean("auto_on_create"), integer("threshold_bp"), instant("updated_at"),
	}},
	{Name: "classifier_model", Table: "classifier_models", User: "user_id", Order: "user_id", Columns: []*Column{
		id("user_id", 36), integer("version"), integer("examples"), {Name: "model", Type: Blob}, instant("updated_at"),
	}},
	{Name: "classifier_example", Table: "classifier_examples", User: "user_id", Order: "user_id, tx_id", Columns: []*Column{
		id("user_id", 36), id("tx_id", 36), id("category_id", 64), text("description", 1000), text("counterparty", 200),
		amount("amount", "", "currency"), id("currency", 3), instant("learned_at"),
	}},
	{Name: "import_preset", Table: "import_presets", User: "user_id", Order: "user_id, name_key", Columns: []*Column{
		id("user_id", 36), text("name", 100), text("name_key", 100), text("mapping", 0),
		instant("created_at"), instant("updated_at"), integer("version"),
	}},
	{Name: "import", Table: "imports", User: "user_id", Order: "user_id, id", Columns: []*Column{
		id("id", 36), id("user_id", 36), id("account_id", 36), id("state", 16), id("format", 8),
		optText("preset", 100), optText("filename", 255), integer("rows_read"), integer("created"),
		integer("duplicates"), integer("rejected"), integer("skipped"), integer("removed"), text("problems", 0), optText("error", 0),
		instant("created_at"), instant("updated_at"), instant("heartbeat_at"),
	}},
	{Name: "transaction", Table: "transactions", User: "user_id", Order: "user_id, booked_at, id", Columns: []*Column{
		id("id", 36), id("user_id", 36), amount("amount_minor", "amount", "currency"), id("currency", 3),
		text("description", 1000), optText("counterparty", 200), instant("booked_at"), optID("category_id", 64),
		optID("category_source", 8), {Name: "category_confidence", Type: Int, Null: true}, optID("category_rule_id", 36),
		optID("account_id", 36), optID("import_id", 36), optID("import_key", 160), optID("transfer_id", 36),
		instant("created_at"), instant("updated_at"), integer("version"),
	}},
	{Name: "stock", Table: "stocks", Global: true, Order: "symbol", Columns: []*Column{
		id("symbol", 16), text("name", 200), {Name: "price_micros", Member: "price", Type: Scaled, Scale: 6},
		id("currency", 3), instant("updated_at"),
	}},
}

// LeftOut are the tables an export leaves out, and why; every other table
// of the schema must be in Spec (a test checks both engines' schemas).
// Tables of a schema newer than a database's are simply not there.
var LeftOut = map[string]string{
	"idempotency_keys":    "a 24-hour cache of answers to retried requests, not data",
	"classifier_jobs":     "a record of background categorization runs, not data",
	"classifier_versions": "cache versions each process compares; rebuilt on use",
	"stock_changes":       "the event stream's outbox, kept only for its retention; an imported stock is captured as a new listing",
	"user_events":         "the per-user events' outbox, kept only for the stream's retention",
	"health":              "the one row the readiness probe rewrites",
	"connections":         "the WebSocket connections of running processes",
	"ws_tickets":          "single-use WebSocket tickets that live for seconds",
	"sessions":            "password sign-ins of browsers; people sign in again on the imported installation",
	"leases":              "which running process holds which role",
	"schema_migrations":   "the schema's own record; the importing trx migrates its database itself",
	// The search index of the transactions list (migration 0011): its
	// triggers rebuild it from the imported transactions.
	"transaction_search":             "the search index of the descriptions, rebuilt as transactions are imported",
	"transaction_search_fts":         "the search index of the descriptions (FTS5), rebuilt as transactions are imported",
	"transaction_search_fts_config":  "the FTS5 search index's own table",
	"transaction_search_fts_data":    "the FTS5 search index's own table",
	"transaction_search_fts_docsize": "the FTS5 search index's own table",
	"transaction_search_fts_idx":     "the FTS5 search index's own table",
	"transaction_trigrams":           "the search index of the descriptions, rebuilt as transactions are imported",
	"trigram_positions":              "constant numbers 1..998 the search index's triggers read",
}

// KindNamed returns the kind of that name, or nil.
func KindNamed(name string) *Kind {
	for _, k := range Spec {
		if k.Name == name {
			return k
		}
	}
	return nil
}

func kindIndex(k *Kind) int {
	for i, s := range Spec {
		if s == k {
			return i
		}
	}
	return -1
}
