// A small DOM builder: elements are made with createElement and text nodes,
// never from HTML strings, so data from the API cannot become markup.

// h builds an element: h('button', {class: 'x', onclick: fn, disabled: true}, 'Save').
// Attributes: class, text, for, aria-* and data-* are set as attributes;
// on* functions become listeners; value, checked, selected, disabled,
// hidden, open and required are set as properties; null/false are skipped.
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'text') {
      el.textContent = v;
    } else if (['value', 'checked', 'selected', 'disabled', 'hidden', 'open', 'required', 'indeterminate'].includes(k)) {
      el[k] = v;
    } else {
      el.setAttribute(k === 'className' ? 'class' : k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

// append adds children (strings, nodes, arrays, null) to el.
export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// replace empties el and fills it with children.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let seq = 0;
// uid returns an id unique in the page, for label/for and aria-describedby.
export function uid(prefix = 'id') {
  return `${prefix}-${++seq}`;
}

// field builds a labelled control: a wrapper with a label, the control, an
// optional hint and an (empty) error line tied to it by aria-describedby.
// name is the API field it maps to (data-field), so that a problem's
// errors[].field lands under the right control.
export function field(labelText, control, { hint, name, className } = {}) {
  const id = control.id || uid('f');
  control.id = id;
  if (name) control.dataset.field = name;
  const err = h('p', { class: 'field-error', id: `${id}-err`, hidden: true });
  const described = [`${id}-err`];
  let hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: `${id}-hint` }, hint);
    described.unshift(`${id}-hint`);
  }
  control.setAttribute('aria-describedby', described.join(' '));
  return h('div', { class: `field ${className || ''}`.trim() }, h('label', { for: id }, labelText), control, hintEl, err);
}

// options builds <option>s (and <optgroup>s: {group, options}) from
// [{value, label}], with value selected.
export function options(list, value) {
  return list.map((o) =>
    o.group
      ? h('optgroup', { label: o.group }, options(o.options, value))
      : h('option', { value: o.value, selected: o.value === value }, o.label),
  );
}

// select builds a <select> from options(list, value).
export function select(list, value, attrs = {}) {
  return h('select', attrs, options(list, value));
}

// announce tells screen readers about something that happened elsewhere.
export function announce(message) {
  const live = document.getElementById('announcer');
  if (!live) return;
  live.textContent = '';
  setTimeout(() => {
    live.textContent = message;
  }, 50);
}

// formatDate renders an RFC 3339 time's UTC date in the browser's locale
// ("Nov 20, 2026"); isoDate gives YYYY-MM-DD for inputs.
export { formatDate, formatTime, isoDate } from './dates.js';

// percent renders a confidence between 0 and 1: "92%", "<1%".
export function percent(p) {
  if (p == null) return '';
  if (p > 0 && p < 0.005) return '<1%';
  if (p < 1 && p > 0.995) return '>99%';
  return `${Math.round(p * 100)}%`;
}
