// Dates for people, in the browser's locale (Intl.DateTimeFormat). A
// transaction's booked_at is a calendar date carried as midnight UTC, so
// it is shown in UTC: the day never shifts with the viewer's time zone.

const formatters = new Map();

function dateFormat(locale, opts) {
  const key = `${locale ?? ''}|${JSON.stringify(opts)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, opts);
    formatters.set(key, f);
  }
  return f;
}

function toDate(s) {
  const d = s instanceof Date ? s : new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

// isoDate is the YYYY-MM-DD of an RFC 3339 time (for <input type=date>).
export function isoDate(s) {
  return String(s || '').slice(0, 10);
}

// formatDate renders the UTC calendar date of s in the locale: "Nov 20,
// 2026" in en-US, "20.11.2026" in de-DE ({style: 'short'}: "11/20/26").
export function formatDate(s, { locale, style = 'medium' } = {}) {
  const d = toDate(s);
  return d ? dateFormat(locale, { dateStyle: style, timeZone: 'UTC' }).format(d) : '';
}

// formatTime renders an instant in the viewer's zone, date and time.
export function formatTime(s, { locale } = {}) {
  const d = toDate(s);
  return d ? dateFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(d) : '';
}

// formatClock renders an instant's time of day in the viewer's zone.
export function formatClock(s, { locale, seconds = true } = {}) {
  const d = toDate(s);
  return d ? dateFormat(locale, { hour: 'numeric', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) }).format(d) : '';
}

// formatMonth names a month ("2026-11" or a date) in the locale: "Nov
// 2026", "Nov. 2026".
export function formatMonth(s, { locale, month = 'short' } = {}) {
  const d = toDate(/^\d{4}-\d{2}$/.test(String(s)) ? `${s}-01T00:00:00Z` : s);
  return d ? dateFormat(locale, { year: 'numeric', month, timeZone: 'UTC' }).format(d) : String(s);
}

// formatAxisDay is a short day label for a chart axis ("Nov 20", "20.11.").
export function formatAxisDay(s, { locale, utc = true } = {}) {
  const d = toDate(s);
  return d ? dateFormat(locale, { month: 'short', day: 'numeric', ...(utc ? { timeZone: 'UTC' } : {}) }).format(d) : '';
}
