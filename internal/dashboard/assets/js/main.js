// The dashboard's entry point: the session (an API key kept in
// sessionStorage, so only for this tab), the live WebSocket feed shared by
// every page, and a hash router that mounts one page at a time.
import { Api, isAdmin } from './api.js';
import { LiveFeed, wsURL, CLOSE_REASONS } from './feed.js';
import { announce } from './dom.js';
import * as signin from './pages/signin.js';
import * as transactions from './pages/transactions.js';
import * as categories from './pages/categories.js';
import * as report from './pages/report.js';
import * as stocks from './pages/stocks.js';
import * as metrics from './pages/metrics.js';

const PAGES = {
  transactions: { title: 'Transactions', page: transactions },
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

// Session is what every page gets: the API, the live feed and shared data.
class Session {
  constructor(key, admin) {
    this.key = key;
    this.admin = admin;
    this.api = new Api(key, { onUnauthorized: () => signOut('Your API key is no longer accepted (it may have been revoked). Sign in again.') });
    this.listeners = new Set();
    this.stateListeners = new Set();
    this.categoryCache = null;
    this.feed = new LiveFeed({
      url: (since) => wsURL(location, key, since),
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

async function start(key, admin) {
  app = new Session(key, admin);
  nav.hidden = false;
  session.hidden = false;
  app.feed.start();
  route();
}

function signOut(message = '') {
  if (app) app.feed.stop();
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
    unmount = signin.mount(main, { message: arg, onSignedIn });
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

function onSignedIn(key, admin) {
  sessionStorage.setItem(STORE, key);
  start(key, admin);
}

window.addEventListener('hashchange', () => {
  if (/^#\//.test(location.hash)) route();
});
document.getElementById('signout').addEventListener('click', () => signOut('You are signed out. The key was forgotten by this tab.'));
document.getElementById('skip').addEventListener('click', (ev) => {
  ev.preventDefault();
  main.focus();
});

const saved = sessionStorage.getItem(STORE);
if (saved) {
  isAdmin(new Api(saved)).then((admin) => start(saved, admin));
} else {
  mount('signin');
}
