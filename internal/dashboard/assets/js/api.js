// The API client: JSON in and out, the key in the Authorization header,
// and every failure turned into an ApiError carrying the problem+json.

// ApiError is a failed call: status (0 when the server could not be
// reached) and the RFC 9457 problem the server sent (or one made up).
export class ApiError extends Error {
  constructor(status, problem, { network = false, method = '', path = '', retryAfter = null } = {}) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.network = network;
    this.method = method;
    this.path = path;
    // retryAfter is the Retry-After of a 429 or 503 in seconds (null: none).
    this.retryAfter = retryAfter;
  }
}

// SAFE are the methods that need no CSRF token with a session cookie.
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export class Api {
  // key: the API key, or '' for the session cookie of a password sign-in
  // (then csrf, the session's token, goes with every state-changing call);
  // options: fetch (for tests), base (default ''), onUnauthorized(err)
  // called on any 401.
  constructor(key, { fetch = globalThis.fetch.bind(globalThis), base = '', onUnauthorized = () => {}, csrf = '' } = {}) {
    this.key = key;
    this.csrf = csrf;
    this.fetch = fetch;
    this.base = base;
    this.onUnauthorized = onUnauthorized;
  }

  // request calls the API: query is an object of parameters (empty ones
  // left out), body is sent as JSON, headers are added. It resolves to
  // {status, data, etag} and rejects with an ApiError. raw is a body sent
  // as it is (a FormData or a Blob: the browser sets its Content-Type).
  async request(method, path, { query, body, raw, headers = {}, signal } = {}) {
    let url = this.base + path;
    if (query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== '' && v != null) q.set(k, String(v));
      const s = q.toString();
      if (s) url += `?${s}`;
    }
    const h = { Accept: 'application/json', ...headers };
    if (this.key) h.Authorization = `Bearer ${this.key}`;
    else if (this.csrf && !SAFE.has(method)) h['X-CSRF-Token'] = this.csrf;
    const init = { method, headers: h, signal, credentials: 'same-origin' };
    if (raw !== undefined) {
      init.body = raw;
    } else if (body !== undefined) {
      h['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await this.fetch(url, init);
    } catch (err) {
      if (err && err.name === 'AbortError') throw err;
      throw new ApiError(0, { title: 'Network error', detail: 'the server could not be reached' }, { network: true, method, path });
    }
    const ct = res.headers.get('Content-Type') || '';
    let data = null;
    if (res.status !== 204 && res.status !== 304) {
      const text = await res.text();
      if (ct.includes('json') && text) {
        try {
          data = JSON.parse(text);
        } catch {
          data = null;
        }
      } else if (text) {
        data = { detail: text.trim().slice(0, 500) };
      }
    }
    if (!res.ok) {
      const problem = data && typeof data === 'object' ? data : {};
      const wait = Number.parseInt(res.headers.get('Retry-After') || '', 10);
      const err = new ApiError(res.status, { status: res.status, title: res.statusText, ...problem },
        { method, path, retryAfter: Number.isFinite(wait) && wait >= 0 ? wait : null });
      if (res.status === 401) this.onUnauthorized(err);
      throw err;
    }
    return { status: res.status, data, etag: res.headers.get('ETag') };
  }

  get(path, query, opts = {}) {
    return this.request('GET', path, { ...opts, query }).then((r) => r.data);
  }
  post(path, body, opts = {}) {
    return this.request('POST', path, { ...opts, body }).then((r) => r.data);
  }
  put(path, body, opts = {}) {
    return this.request('PUT', path, { ...opts, body }).then((r) => r.data);
  }
  patch(path, body, opts = {}) {
    return this.request('PATCH', path, { ...opts, body }).then((r) => r.data);
  }
  del(path, opts = {}) {
    return this.request('DELETE', path, opts).then((r) => r.data);
  }
}

// ifMatch is the If-Match header for a resource's version.
export function ifMatch(version) {
  return { 'If-Match': `"${version}"` };
}

// newIdempotencyKey returns a fresh Idempotency-Key for a create: a form
// keeps the same one across retries of the same submission.
export function newIdempotencyKey() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  return `k${Date.now()}${Math.random().toString(16).slice(2)}`;
}

// isAdmin tells whether the key has the admin scope, by asking an
// admin-only route (a 403 means it has not).
export async function isAdmin(api) {
  try {
    await api.get('/api/v1/connections', { limit: 1 });
    return true;
  } catch {
    return false;
  }
}
