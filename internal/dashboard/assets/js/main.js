// The dashboard's entry point: the session (a password sign-in's HttpOnly
// cookie with its CSRF token, or an API key kept in sessionStorage, so only
// for this tab), the live WebSocket feed shared by every page, and a hash
// router that mounts one page at a time.
import { Api, isAdmin } from './api.js';
import { LiveFeed, wsURL, CLOSE_REASONS } from './feed.js';
import { ticketSocket, sessionWsURL } from './ticketsocket.js';
import { announce } from './dom.js';
import * as signin from './pages/signin.js';
import * as transactions from './pages/transactions.js';
import * as categories from './pages/categories.js';
import * as report from './pages/report.js';
import * as stocks from './pages/stocks.js';
import * as metrics from './pages/metrics.js';
import * as accounts from './pages/accounts.js';
import * as importPage from './pages/import.js';
import * as sessions from './pages/sessions.js';

const PAGES = {
  transactions: { title: 'Transactions', page: transactions },
  accounts: { title: 'Accounts', page: accounts },
  import: { title: 'Import', page: importPage },
  sessions: { title: 'Your sessions', page: sessions }, // from "Signed in as …" in the header
  categories: { title: 'Categories & rules', page: categories },
  report: { title: 'Report', page: report },
  stocks: { title: 'Stocks', page: stocks },
  metrics: { title: 'Metrics', page: metrics },
};
const DEFAULT = 'transactions';
const STORE = 'trx.apiKey';
const STATE_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', stopped: 'Offline' };

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const session = document.getElementById('session');
const live = document.getElementById('live');

let app = null; // the signed-in session
let unmount = null;
let current = '';
let passwords = true; // whether the server offers sign-in with a password

// Session is what every page gets: the API, the live feed and shared data.
// cred is {key} for an API key, or {session} (the JSON of
// /api/v1/sessions/current) for a password sign-in's cookie.
class Session {
  constructor(cred, admin) {
    const key = cred.key || '';
    this.key = key;
    this.user = cred.session ? cred.session.user : '';
    this.admin = admin;
    const ended = key
      ? 'Your API key is no longer accepted (it may have been revoked). Sign in again.'
      : 'Your session has ended (it expired, or it was signed out elsewhere). Sign in again.';
    this.api = new Api(key, { csrf: cred.session?.csrf_token || '', onUnauthorized: () => signOut(ended) });
    this.listeners = new Set();
    this.stateListeners = new Set();
    this.categoryCache = null;
    const socket = key ? {} : { WebSocket: ticketSocket(() => this.api.post('/api/v1/ws-ticket').then((d) => d.ticket)) };
    this.feed = new LiveFeed({
      ...socket,
      url: (since) => (key ? wsURL(location, key, since) : sessionWsURL(location, since)),
      onMessage: (msg) => {
        for (const l of this.listeners) if (l.type === '*' || l.type === msg.type) l.fn(msg);
      },
      onState: (state, detail) => {
        showState(state, detail);
        for (const fn of this.stateListeners) fn(state, detail);
      },
    });
  }

  // on calls fn for each feed message of type ('*': all); it returns the
  // function that stops it.
  on(type, fn) {
    const l = { type, fn };
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  onState(fn) {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  // categories returns the built-in and own categories, loaded once.
  async categories(reload = false) {
    if (!this.categoryCache || reload) {
      this.categoryCache = this.api.get('/api/v1/categories').then((d) => {
        const items = d.items || [];
        return { items, builtin: items.filter((c) => c.builtin), own: items.filter((c) => !c.builtin), byId: new Map(items.map((c) => [c.id, c])) };
      });
      this.categoryCache.catch(() => (this.categoryCache = null));
    }
    return this.categoryCache;
  }

  forgetCategories() {
    this.categoryCache = null;
  }
}

function showState(state, detail) {
  live.dataset.state = state;
  let text = STATE_TEXT[state] || state;
  live.textContent = text;
  const why = detail && (detail.reason || CLOSE_REASONS[detail.code]);
  live.title = why ? `Live updates: ${text} (${why})` : `Live updates: ${text}`;
}

async function start(cred, admin) {
  app = new Session(cred, admin);
  const who = document.getElementById('who');
  who.replaceChildren(); // "Signed in as" is for screen readers only on a phone
  if (app.user) who.append(Object.assign(document.createElement('span'), { className: 'who-prefix', textContent: 'Signed in as ' }), app.user);
  who.hidden = !app.user;
  nav.hidden = false;
  session.hidden = false;
  app.feed.start();
  route();
}

function signOut(message = '') {
  if (app) app.feed.stop();
  if (app && !app.key) {
    // End the session on the server too (its cookie is HttpOnly); a 401
    // means it had ended already.
    app.api.onUnauthorized = () => {};
    app.api.del('/api/v1/sessions/current').catch(() => {});
  }
  app = null;
  sessionStorage.removeItem(STORE);
  nav.hidden = true;
  session.hidden = true;
  mount('signin', message);
  if (message) announce(message);
}

function mount(name, arg) {
  if (unmount) {
    try {
      unmount();
    } catch (err) {
      console.error(err);
    }
  }
  unmount = null;
  current = name;
  main.replaceChildren();
  main.dataset.page = name;
  if (name === 'signin') {
    document.title = 'Sign in · trx';
    unmount = signin.mount(main, { message: arg, onSignedIn, passwords });
    return;
  }
  const p = PAGES[name];
  document.title = `${p.title} · trx`;
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === `#/${name}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  unmount = p.page.mount(main, app) || null;
  const h1 = main.querySelector('h1');
  if (h1 && document.activeElement !== document.body && !main.contains(document.activeElement)) {
    h1.setAttribute('tabindex', '-1');
    h1.focus();
  }
}

function route() {
  if (!app) return;
  const m = /^#\/(\w+)/.exec(location.hash);
  const name = m && PAGES[m[1]] ? m[1] : DEFAULT;
  if (!m || !PAGES[m[1]]) {
    history.replaceState(null, '', `#/${name}`);
  }
  if (name !== current) mount(name);
}

// onSignedIn starts the session the sign-in page made: cred is {key} or
// {session}.
function onSignedIn(cred, admin) {
  if (cred.key) sessionStorage.setItem(STORE, cred.key);
  start(cred, admin);
}

window.addEventListener('hashchange', () => {
  if (/^#\//.test(location.hash)) route();
});
document.getElementById('signout').addEventListener('click', () =>
  signOut(app && !app.key ? 'You are signed out. The session has ended on the server.' : 'You are signed out. The key was forgotten by this tab.'));
document.getElementById('skip').addEventListener('click', (ev) => {
  ev.preventDefault();
  main.focus();
});

// resume signs in again after a reload: the tab's key, else the session
// cookie if it is still good (GET /api/v1/sessions/current).
async function resume() {
  const saved = sessionStorage.getItem(STORE);
  if (saved) {
    start({ key: saved }, await isAdmin(new Api(saved)));
    return;
  }
  try {
    const s = await new Api('').get('/api/v1/sessions/current');
    start({ session: s }, (s.scopes || []).includes('admin'));
  } catch (err) {
    passwords = err.status !== 404; // 401: not signed in; 404: this server has no password sign-in
    mount('signin');
  }
}

resume();
