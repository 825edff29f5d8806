// Sign in with an API key. The key is checked against the API, then kept
// in sessionStorage: for this tab only, forgotten when it closes.
import { Api, ApiError, isAdmin } from '../api.js';
import { h, append, field } from '../dom.js';
import { problemArea, showProblem, clearProblem } from '../problem.js';

export function mount(root, { message, onSignedIn }) {
  const key = h('input', { type: 'password', name: 'key', autocomplete: 'off', spellcheck: 'false', required: true, autocapitalize: 'off' });
  const area = problemArea();
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card signin', novalidate: true },
    field('API key', key, {
      name: 'key',
      hint: 'The key trx serve printed on its first start, or one from "trx users key NAME". It is kept only in this tab.',
    }),
    area,
    h('div', { class: 'actions' }, button),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearProblem(area, form);
    const k = key.value.trim();
    if (!k) {
      showProblem(area, new ApiError(400, { detail: 'enter an API key', errors: [{ field: 'key', detail: 'enter an API key' }] }), { form });
      return;
    }
    button.disabled = true;
    const api = new Api(k);
    try {
      await api.get('/api/v1/transactions', { limit: 1 });
      onSignedIn(k, await isAdmin(api));
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
  append(root, [
    h('h1', {}, 'Sign in'),
    message ? h('p', { class: 'notice', role: 'status' }, message) : null,
    h('p', { class: 'lead' }, 'trx: transactions, their categories, reports, live stock prices and the system\u2019s own metrics.'),
    form]);
  key.focus();
}
