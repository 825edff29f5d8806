// Category pickers shared by the pages.
import { h } from './dom.js';

// categoryOptions lists the categories for a <select>: first the extra
// options given, then the user's own, then the built-in ones.
export function categoryOptions(cats, first = []) {
  const out = [...first];
  if (cats.own.length) out.push({ group: 'Your categories', options: cats.own.map((c) => ({ value: c.id, label: c.name })) });
  out.push({ group: 'Built-in', options: cats.builtin.map((c) => ({ value: c.id, label: c.name })) });
  return out;
}

// categoryName names a category id for people ("" is uncategorized).
export function categoryName(cats, id) {
  if (!id) return 'Uncategorized';
  const c = cats && cats.byId.get(id);
  return c ? c.name : id;
}

// SOURCE_LABELS name each decision source in plain words.
export const SOURCE_LABELS = Object.freeze({
  manual: 'Chosen by you',
  rule: 'One of your rules',
  merchant: 'Same merchant as before',
  model: 'Learned from your choices',
  builtin: 'Built-in model',
});

// sourceBadge says who categorized a transaction, with the confidence of
// an automatic decision.
export function sourceBadge(t) {
  if (!t.category_source) return null;
  const names = { manual: 'manual', rule: 'rule', merchant: 'same merchant', model: 'learned', builtin: 'built-in' };
  const conf = t.category_confidence != null && t.category_source !== 'manual' ? ` ${Math.round(t.category_confidence * 100)}%` : '';
  return h('span', { class: `badge src-${t.category_source}`, title: sourceTitle(t.category_source) }, `${names[t.category_source] || t.category_source}${conf}`);
}

function sourceTitle(src) {
  return {
    manual: 'Chosen by a person',
    rule: 'Set by one of your rules',
    merchant: 'The category you gave this merchant before',
    model: 'Suggested by what trx learned from your own choices',
    builtin: 'Suggested by the built-in model',
  }[src] || src;
}

// reason explains an automatic decision ({source, rule_id}) in words.
export function reason(result, rules) {
  switch (result.source) {
    case 'rule': {
      const r = rules && rules.get(result.rule_id);
      return r ? `your rule \u201c${r.name}\u201d matched` : 'one of your rules matched';
    }
    case 'merchant':
      return result.reason ? `you categorized this merchant this way before (${result.reason})` : 'you categorized this merchant this way before';
    case 'model':
      return 'learned from the categories you chose before';
    case 'builtin':
      return 'the built-in model, from the description and amount';
    default:
      return 'no source was confident enough';
  }
}
