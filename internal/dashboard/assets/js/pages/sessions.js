// Your sessions (#/sessions): where you are signed in with your password,
// and a button to end any of them (GET /api/v1/sessions,
// DELETE /api/v1/sessions/{id}). Ending this one signs you out here.
import { h, append, replace, formatTime, announce } from '../dom.js';
import { problemArea, showProblem, clearProblem } from '../problem.js';

export function mount(root, app) {
  let alive = true;
  const tbody = h('tbody');
  const problem = problemArea();
  const empty = h('p', { class: 'empty', hidden: true }, 'No sessions: you are signed in with an API key, which has none.');
  append(root, [
    h('h1', {}, 'Your sessions'),
    h('p', { class: 'lead' }, 'Each place you signed in with your password. End one you do not recognise; changing your password ends them all.'),
    problem,
    h('div', { class: 'table-wrap' }, h('table', { class: 'imports-table sessions-table' },
      h('caption', { class: 'visually-hidden' }, 'Your sessions'),
      h('thead', {}, h('tr', {}, ['Browser', 'Signed in', 'Last seen', 'Expires', 'End'].map((t) => h('th', { scope: 'col' }, t)))),
      tbody)),
    empty,
  ]);

  async function load() {
    clearProblem(problem);
    try {
      const d = await app.api.get('/api/v1/sessions');
      if (alive) render(d.items || []);
    } catch (err) {
      if (alive) showProblem(problem, err);
    }
  }

  function render(items) {
    empty.hidden = items.length > 0;
    replace(tbody, items.map((s) => {
      const area = problemArea('inline');
      const end = h('button', { type: 'button', class: s.current ? 'secondary' : 'danger',
        'aria-label': s.current ? 'End this session, the one you are using' : `End the session signed in ${formatTime(s.created_at)}` },
      'End');
      end.addEventListener('click', async () => {
        end.disabled = true;
        try {
          await app.api.del(`/api/v1/sessions/${encodeURIComponent(s.id)}`);
          if (s.current) {
            document.getElementById('signout').click();
            return;
          }
          announce('The session was ended.');
          load();
        } catch (err) {
          end.disabled = false;
          showProblem(area, err);
        }
      });
      return h('tr', { 'data-id': s.id, 'data-current': s.current ? 'true' : null },
        h('td', { 'data-label': 'Browser' }, s.user_agent || 'unknown', s.current ? h('span', { class: 'badge' }, 'this one') : null),
        h('td', { 'data-label': 'Signed in' }, formatTime(s.created_at)),
        h('td', { 'data-label': 'Last seen' }, s.last_seen_at ? formatTime(s.last_seen_at) : '\u2014'),
        h('td', { 'data-label': 'Expires' }, formatTime(s.expires_at)),
        h('td', { 'data-label': 'End' }, end, area));
    }));
  }

  load();
  return () => {
    alive = false;
  };
}
