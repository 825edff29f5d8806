// Turning API errors into plain words, shown next to what caused them.
import { h, replace } from './dom.js';

// What each status means to the person who clicked, before the server's
// own detail.
const LEADS = {
  400: 'That was not accepted:',
  401: 'Your API key was not accepted:',
  403: 'This API key is not allowed to do that:',
  404: 'Not found:',
  405: 'That action is not supported here:',
  409: 'That conflicts with what is stored:',
  412: 'Someone changed this since you loaded it, so nothing was saved. Reload and try again.',
  413: 'That is too large:',
  415: 'That kind of content is not accepted:',
  422: 'That could not be processed:',
  429: 'Too many requests for now; wait a moment and try again.',
  500: 'The server failed to do that. It is not your fault; if it keeps happening, quote the request ID below.',
  502: 'The server is unavailable right now:',
  503: 'The server cannot do that right now:',
  504: 'The server took too long:',
};

// Field names the API uses, as people know them.
const FIELD_NAMES = {
  amount: 'Amount',
  amount_min: 'Smallest amount',
  amount_max: 'Largest amount',
  currency: 'Currency',
  description: 'Description',
  counterparty: 'Counterparty',
  booked_at: 'Date',
  category_id: 'Category',
  from: 'From',
  to: 'To',
  q: 'Search',
  name: 'Name',
  parent_id: 'Parent',
  symbol: 'Symbol',
  price: 'Price',
  threshold: 'Threshold',
  conditions: 'Conditions',
  limit: 'Page size',
  cursor: 'Page',
};

// fieldLabel names an API field for people ("items[2].amount" → "Amount").
export function fieldLabel(field) {
  const last = String(field).replace(/^items\[\d+\]\./, '').replace(/\[\d+\]/g, '');
  return FIELD_NAMES[last] || last.replace(/[_.]/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

// explain turns an error into {message, fields: [{field, text}], requestId}:
// message is a sentence for the place where the action was started; each
// field error is for the control named by its field.
export function explain(err) {
  if (!err || err.name !== 'ApiError') {
    return { message: `Something went wrong in the dashboard: ${err && err.message ? err.message : String(err)}`, fields: [], requestId: '' };
  }
  if (err.network) {
    return {
      message: 'Could not reach the trx server. Check that it is running and that you are online, then try again.',
      fields: [],
      requestId: '',
    };
  }
  const p = err.problem || {};
  const lead = LEADS[err.status] || `The request failed (HTTP ${err.status}):`;
  const fields = (Array.isArray(p.errors) ? p.errors : []).map((e) => ({
    field: e.field || '',
    index: e.index,
    text: sentence(e.detail || e.rule || 'is not valid'),
  }));
  let detail = p.detail ? sentence(p.detail) : '';
  if (err.status === 500) detail = ''; // the lead says it all
  let message = lead.endsWith(':') ? `${lead.slice(0, -1)}${detail ? `: ${detail}` : '.'}` : lead;
  if (err.status === 412 || err.status === 429) message = lead;
  return { message, fields, requestId: p.request_id || '' };
}

// sentence capitalizes and ends a detail with a full stop.
function sentence(s) {
  s = String(s).trim();
  if (!s) return s;
  s = s[0].toUpperCase() + s.slice(1);
  return /[.!?)]$/.test(s) ? s : `${s}.`;
}

// clearProblem empties a message area and the field errors of form.
export function clearProblem(area, form) {
  if (area) {
    area.hidden = true;
    area.replaceChildren();
  }
  if (form) {
    for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
    for (const el of form.querySelectorAll('.field-error')) {
      el.hidden = true;
      el.textContent = '';
    }
  }
}

// showProblem puts err into area (a role=alert element next to the
// control or form that caused it) and, when form is given, each field
// error under its control (data-field or name), marking it invalid.
// mapField renames API fields to the form's (e.g. drop an items[] prefix).
// It returns the explanation.
export function showProblem(area, err, { form, mapField = (f) => f } = {}) {
  clearProblem(area, form);
  const ex = explain(err);
  const unplaced = [];
  let first = null;
  for (const f of ex.fields) {
    const name = mapField(f.field);
    const control = form && name ? form.querySelector(`[data-field="${cssEscape(name)}"], [name="${cssEscape(name)}"]`) : null;
    const line = control && document.getElementById(`${control.id}-err`);
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      first ||= control;
    }
    if (line) {
      line.textContent = f.text;
      line.hidden = false;
    } else if (ex.fields.length > 1) {
      unplaced.push(f); // one field error is the detail already
    }
  }
  if (ex.fields.length > 1) {
    // The server's detail only counts them ("see errors"): say where they are.
    const marked = ex.fields.length - unplaced.length;
    ex.message = `That was not accepted: ${ex.fields.length} things need correcting${marked ? `; ${marked === ex.fields.length ? 'they are' : `${marked} are`} marked below their fields` : ''}.`;
  }
  if (area) {
    const extra = unplaced.length
      ? h('ul', {}, unplaced.map((f) => h('li', {}, f.field ? `${fieldLabel(f.field)}${f.index != null ? ` (item ${f.index + 1})` : ''}: ` : '', f.text)))
      : null;
    replace(area, h('p', {}, ex.message), extra, ex.requestId ? h('p', { class: 'request-id' }, `Request ID: ${ex.requestId}`) : null);
    area.hidden = false;
  }
  if (first) first.focus();
  return ex;
}

function cssEscape(s) {
  return globalThis.CSS?.escape ? CSS.escape(s) : String(s).replace(/["\\\]]/g, '\\$&');
}

// problemArea makes the element a problem is shown in: an alert, empty
// and hidden until something fails.
export function problemArea(className = '') {
  return h('div', { class: `problem ${className}`.trim(), role: 'alert', hidden: true });
}
