package classifier

// DefaultThreshold is the confidence below which an automatic result is not
// applied: the transaction stays uncategorized with suggestions instead.
const DefaultThreshold = 0.6

// UserModel is a user's own learned model: naive Bayes over Features,
// trained from the user's manual categorizations and updated on each one.
type UserModel struct {
	nb *NB
}

// NewUserModel returns an empty user model.
func NewUserModel() *UserModel { return &UserModel{nb: NewNB(0.1)} }

// Learn adds an example.
func (m *UserModel) Learn(category string, it Item) { m.nb.Learn(category, Features(it)) }

// Unlearn removes an example that Learn added.
func (m *UserModel) Unlearn(category string, it Item) { m.nb.Unlearn(category, Features(it)) }

// Examples returns how many examples the model holds.
func (m *UserModel) Examples() int64 { return m.nb.Examples() }

// Predict returns the categories for it, most probable first.
func (m *UserModel) Predict(it Item) []Scored { return m.nb.Predict(Features(it)) }
