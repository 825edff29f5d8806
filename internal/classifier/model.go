package classifier

// DefaultThreshold is the confidence below which an automatic result is not
// applied: the transaction stays uncategorized with suggestions instead.
// trx classify eval prints coverage and accuracy at it.
const DefaultThreshold = 0.6
