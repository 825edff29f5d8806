package statement

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/trx-platform/trx/internal/fault"
)

// Preset is a named CSV Mapping: one of the built-in ones, or one a user
// saved (names are unique per user, whatever the case, and none may take
// a built-in name).
type Preset struct {
	UserID    string // "" for a built-in preset
	Name      string
	Mapping   Mapping
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Builtin reports whether p ships with trx (read-only).
func (p Preset) Builtin() bool { return p.UserID == "" }

// MaxPresetName is the longest preset name, in characters.
const MaxPresetName = 64

// ErrPresetNotFound means no preset of that name, built-in or the user's.
var ErrPresetNotFound = fault.New(fault.NotFound, "no import preset of that name (GET /api/v1/import-presets lists them)")

func yes() *bool { b := true; return &b }

// builtinPresets are the presets every user has:
//   - za-bank-statements and birmingham-pcard read the two labelled data
//     files of the project (description,amount,category,date). The first
//     signs its amounts (negative spent); the second is a purchase-card
//     list whose amounts are what was spent, so positive means spent. Their
//     category columns are labels of another taxonomy, not trx categories,
//     so they are left to the classifier.
//   - trx-csv reads what GET /api/v1/transactions/export?format=csv
//     writes, with the categories as they were and the transaction ids as
//     references, so that an export imports back as the same transactions.
var builtinPresets = []Preset{
	{Name: "za-bank-statements", Mapping: Mapping{Header: yes(), Date: "date", DateFormat: "YYYY-MM-DD", Amount: "amount",
		Description: []string{"description"}, Delimiter: ","}},
	{Name: "birmingham-pcard", Mapping: Mapping{Header: yes(), Date: "date", DateFormat: "YYYY-MM-DD", Amount: "amount",
		Description: []string{"description"}, Delimiter: ",", Number: Number{PositiveSpent: true}}},
	{Name: "trx-csv", Mapping: Mapping{Header: yes(), Date: "booked_at", DateFormat: DateISO, Amount: "amount",
		Description: []string{"description"}, Counterparty: "counterparty", Category: "category_id", Reference: "id",
		Currency: "currency", Delimiter: ","}},
}

// BuiltinPresets returns the built-in presets, by name.
func BuiltinPresets() []Preset {
	out := make([]Preset, len(builtinPresets))
	copy(out, builtinPresets)
	return out
}

func builtinPreset(name string) (Preset, bool) {
	for _, p := range builtinPresets {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Preset{}, false
}

// checkPresetName checks the name of a user's preset.
func checkPresetName(v *fault.Validation, name string) {
	switch {
	case name == "":
		v.Add("name", "required", "is required")
	case utf8.RuneCountInString(name) > MaxPresetName:
		v.Addf("name", "max_length", "is %d characters long; the limit is %d", utf8.RuneCountInString(name), MaxPresetName)
	case strings.ContainsFunc(name, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_. ", r))
	}):
		v.Add("name", "format", "may hold only letters, digits, spaces and - _ .")
	default:
		if _, ok := builtinPreset(name); ok {
			v.Addf("name", "builtin", "%q is the name of a built-in preset; choose another", name)
		}
	}
}
