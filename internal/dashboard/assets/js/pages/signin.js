// Sign in. People use their name and password (POST /api/v1/sessions): the
// server answers with an HttpOnly session cookie and a CSRF token that goes
// with every change. Machines and scripts have API keys, and the key form
// is still here as the secondary way in: the key is checked against the
// API, then kept in sessionStorage (for this tab only, forgotten when it
// closes).
import { Api, ApiError, isAdmin } from '../api.js';
import { h, append, field } from '../dom.js';
import { problemArea, showProblem, clearProblem } from '../problem.js';

// waitText says how long a wait of seconds is, for people.
export function waitText(seconds) {
  const s = Math.max(1, Math.ceil(Number(seconds) || 0));
  if (s < 90) return s === 1 ? '1 second' : `${s} seconds`;
  const m = Math.ceil(s / 60);
  return `${m} minutes`;
}

// explainSignIn turns a failed password sign-in into {message, fields,
// retryAfter, noPasswords}: the words for the form, the field errors, how
// long to wait (429) and whether the server has no password sign-in (404).
export function explainSignIn(err) {
  if (!err || err.name !== 'ApiError') return { message: '', fields: [], retryAfter: null, noPasswords: false };
  const out = { message: '', fields: [], retryAfter: null, noPasswords: false };
  switch (err.status) {
    case 401:
      out.message = 'Sign-in failed: the name or the password is wrong. Check both (the password is case-sensitive) and try again.';
      break;
    case 429: {
      const wait = err.retryAfter ?? 60;
      out.retryAfter = wait;
      out.message = `Too many failed sign-ins. For your account\u2019s safety, wait ${waitText(wait)} before you try again.`;
      break;
    }
    case 404:
    case 405:
      out.noPasswords = true;
      out.message = 'This server does not offer sign-in with a password (it may be an older version). Use an API key instead.';
      break;
    default:
      return null; // the usual explanation fits
  }
  return out;
}

// mount shows the sign-in page; onSignedIn({session} | {key}, admin) is
// called once signed in. passwords false (the server answered 404 to
// /api/v1/sessions/current: it has no password sign-in) shows only the key
// form.
export function mount(root, { message, onSignedIn, passwords = true }) {
  const timers = new Set();
  const later = (fn, ms) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const pw = passwordForm(onSignedIn, later);
  const key = keyForm(onSignedIn);
  // One form at a time is in the page (the other keeps what was typed).
  const slot = h('div', { id: 'signin-form' });
  const toggle = h('button', { type: 'button', class: 'link-button', 'aria-controls': slot.id });
  const useKey = (on) => {
    slot.replaceChildren(on ? key.form : pw.form);
    toggle.textContent = on ? 'Use your name and password instead' : 'Use an API key instead';
    toggle.setAttribute('aria-expanded', String(on));
  };
  toggle.addEventListener('click', () => {
    const on = pw.form.isConnected;
    useKey(on);
    (on ? key.input : pw.name).focus();
  });
  pw.onNoPasswords = () => useKey(true);
  useKey(!passwords);
  const sw = h('p', { class: 'signin-switch', hidden: !passwords }, toggle, h('span', { class: 'hint' }, ' API keys are for scripts and machines.'));
  append(root, [
    h('h1', {}, 'Sign in'),
    message ? h('p', { class: 'notice', role: 'status' }, message) : null,
    h('p', { class: 'lead' }, 'trx: your accounts and their transactions, imports of bank statements, categories, reports, live stock prices and the system\u2019s own metrics.'),
    slot,
    sw,
  ]);
  (passwords ? pw.name : key.input).focus();
  return () => {
    for (const t of timers) clearTimeout(t);
  };
}

// passwordForm is the name + password form.
function passwordForm(onSignedIn, later) {
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'username', autocapitalize: 'off', spellcheck: 'false', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const area = problemArea();
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card signin', id: 'signin-password', novalidate: true },
    field('Name', name, { name: 'name' }),
    field('Password', password, { name: 'password' }),
    area,
    h('div', { class: 'actions' }, button));
  const self = { form, name, onNoPasswords: () => {} };
  let waitUntil = 0;
  const countdown = (text) => {
    const left = Math.ceil((waitUntil - Date.now()) / 1000);
    if (left <= 0) {
      button.disabled = false;
      button.textContent = 'Sign in';
      return;
    }
    button.disabled = true;
    button.textContent = `Sign in (wait ${waitText(left)})`;
    later(() => countdown(text), 1000);
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearProblem(area, form);
    const missing = [];
    if (!name.value.trim()) missing.push({ field: 'name', detail: 'enter your name' });
    if (!password.value) missing.push({ field: 'password', detail: 'enter your password' });
    if (missing.length) {
      showProblem(area, new ApiError(400, { detail: missing[0].detail, errors: missing }), { form });
      return;
    }
    button.disabled = true;
    try {
      const s = await new Api('').post('/api/v1/sessions', { name: name.value.trim(), password: password.value });
      password.value = '';
      onSignedIn({ session: s }, (s.scopes || []).includes('admin'));
      return;
    } catch (err) {
      const ex = explainSignIn(err);
      if (!ex) {
        showProblem(area, err, { form });
      } else {
        area.replaceChildren(h('p', {}, ex.message));
        area.hidden = false;
        if (err.status === 401) {
          password.value = '';
          password.focus();
        }
        if (ex.noPasswords) self.onNoPasswords();
        if (ex.retryAfter != null) {
          waitUntil = Date.now() + ex.retryAfter * 1000;
          countdown();
          return;
        }
      }
    }
    button.disabled = false;
  });
  return self;
}

// keyForm is the API key form (the secondary way in).
function keyForm(onSignedIn) {
  const input = h('input', { type: 'password', name: 'key', autocomplete: 'off', spellcheck: 'false', required: true, autocapitalize: 'off' });
  const area = problemArea();
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card signin', id: 'signin-key', novalidate: true },
    field('API key', input, {
      name: 'key',
      hint: 'The key trx serve wrote on its first start, or one from "trx users key NAME". It is kept only in this tab.',
    }),
    area,
    h('div', { class: 'actions' }, button),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearProblem(area, form);
    const k = input.value.trim();
    if (!k) {
      showProblem(area, new ApiError(400, { detail: 'enter an API key', errors: [{ field: 'key', detail: 'enter an API key' }] }), { form });
      return;
    }
    button.disabled = true;
    const api = new Api(k);
    try {
      await api.get('/api/v1/transactions', { limit: 1 });
      onSignedIn({ key: k }, await isAdmin(api));
    } catch (err) {
      if (err.status === 401) {
        // The server's words are for API clients ("send Authorization: …").
        err = new ApiError(401, { ...err.problem, detail: 'this server does not know that key',
          errors: [{ field: 'key', detail: 'this server does not know that key: check that it was copied whole' }] });
      }
      showProblem(area, err, { form });
    } finally {
      button.disabled = false;
    }
  });
  return { form, input };
}
