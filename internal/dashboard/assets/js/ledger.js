// An account's ledger in exact decimals: the running balance of its
// transactions as the API lists them (newest booked first), and totals
// per currency. Amounts stay decimal strings (money.js), never floats.
import { add, sub } from './money.js';

// counts tells whether a transaction is in the account's balance: the
// balance counts those booked from the opening date (the server compares
// booked_at with opening_date as text, and so does this).
export function counts(tx, openingDate) {
  return !openingDate || String(tx.booked_at) >= openingDate;
}

// runningBalances gives each transaction of a page (newest first) the
// balance right after it: start is the balance after the newest one (the
// account's balance for the first page, next of the page before for the
// others). A transaction booked before the opening date is not in the
// balance: its balance is null. next is the balance before the page's
// oldest transaction, where the next page starts; once every page is read
// it is the opening balance.
export function runningBalances(items, start, openingDate = null) {
  let cur = start;
  const rows = [];
  for (const tx of items) {
    if (!counts(tx, openingDate)) {
      rows.push({ tx, balance: null });
      continue;
    }
    rows.push({ tx, balance: cur });
    cur = sub(cur, tx.amount);
  }
  return { rows, next: cur };
}

// totals sums the balances of accounts per currency: [{currency, total,
// accounts}] by currency code (balances in different currencies are never
// added together).
export function totals(accounts) {
  const by = new Map();
  for (const a of accounts) {
    const t = by.get(a.currency) || { currency: a.currency, total: '0', accounts: 0 };
    t.total = add(t.total, a.balance);
    t.accounts++;
    by.set(a.currency, t);
  }
  return [...by.values()].sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}
