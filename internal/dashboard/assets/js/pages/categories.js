// Categories and rules: create, rename and delete categories; rules
// edited in place with the dry run of the saved rule beside the editor,
// reordered with move up/down, previewed, applied; rules the classifier
// suggests, accepted with one click; classifier settings.
import { h, append, field, select, options, replace, announce, formatDate, uid } from '../dom.js';
import { ApiError, ifMatch } from '../api.js';
import { problemArea, showProblem, clearProblem } from '../problem.js';
import * as money from '../money.js';
import { categoryOptions, categoryName } from '../categories.js';

const FIELDS = [
  { value: 'description', label: 'Description' },
  { value: 'counterparty', label: 'Counterparty' },
  { value: 'amount', label: 'Amount (size)' },
  { value: 'direction', label: 'Direction' },
  { value: 'currency', label: 'Currency' },
];
const TEXT_OPS = [
  { value: 'contains', label: 'contains' },
  { value: 'starts_with', label: 'starts with' },
  { value: 'equals', label: 'equals' },
  { value: 'regex', label: 'matches (regex)' },
];

export function mount(root, app) {
  let alive = true;
  let cats = { own: [], builtin: [], byId: new Map(), items: [] };
  let rules = [];
  let suggestions = null; // the last list of rule suggestions

  const catList = h('ul', { class: 'cat-list' });
  const builtinList = h('p', { class: 'chips' });
  const catProblem = problemArea();
  const ruleList = h('div', { class: 'rules' });
  const ruleProblem = problemArea();
  const preview = h('section', { class: 'card preview', hidden: true, 'aria-live': 'polite' });
  const sugList = h('div', { class: 'suggestions' });
  const sugProblem = problemArea();

  // ---- categories ----
  const newName = h('input', { type: 'text', name: 'name', required: true, maxlength: 100 });
  const newParent = select([{ value: '', label: 'None' }], '', { name: 'parent_id' });
  const newCatProblem = problemArea();
  const newCatForm = h('form', { class: 'inline-form', novalidate: true },
    field('New category name', newName, { name: 'name' }),
    field('Parent (optional)', newParent, { name: 'parent_id' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create category')),
    newCatProblem);
  newCatForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearProblem(newCatProblem, newCatForm);
    try {
      const body = { name: newName.value.trim() };
      if (newParent.value) body.parent_id = newParent.value;
      const c = await app.api.post('/api/v1/categories', body);
      newName.value = '';
      announce(`Created ${c.name}.`);
      await loadCategories();
    } catch (err) {
      showProblem(newCatProblem, err, { form: newCatForm });
    }
  });

  function renderCategories() {
    replace(newParent, ...options([{ value: '', label: 'None' }, ...cats.items.map((c) => ({ value: c.id, label: c.name }))], newParent.value));
    replace(catList, ...(cats.own.length ? cats.own.map(catRow) : [h('li', { class: 'empty' }, 'No categories of your own yet: the built-in ones below are always there.')]));
    replace(builtinList, ...cats.builtin.map((c) => h('span', { class: 'chip' }, c.name)));
  }

  function catRow(c) {
    const name = h('input', { type: 'text', value: c.name, name: 'name', 'aria-label': `Name of ${c.name}` });
    const area = problemArea();
    const moveTo = select(categoryOptions({ ...cats, own: cats.own.filter((x) => x.id !== c.id) }, [{ value: '', label: 'Uncategorized' }]), '', { 'aria-label': `Move what uses ${c.name} to` });
    const del = h('div', { class: 'delete-box', hidden: true },
      h('span', {}, 'Its transactions and rules go to '), moveTo,
      h('button', { type: 'button', class: 'danger', onclick: async () => {
        clearProblem(area);
        try {
          await app.api.del(`/api/v1/categories/${encodeURIComponent(c.id)}?reassign_to=${encodeURIComponent(moveTo.value)}`);
          announce(`Deleted ${c.name}.`);
          await loadCategories();
        } catch (err) {
          showProblem(area, err);
        }
      } }, 'Delete'),
      h('button', { type: 'button', class: 'secondary', onclick: () => { del.hidden = true; } }, 'Keep'));
    const form = h('form', { class: 'cat-row', novalidate: true },
      name,
      h('button', { type: 'submit', class: 'secondary small' }, 'Rename'),
      h('button', { type: 'button', class: 'secondary small', onclick: () => { del.hidden = false; moveTo.focus(); } }, 'Delete\u2026'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblem(area, form);
      try {
        await app.api.patch(`/api/v1/categories/${encodeURIComponent(c.id)}`, { name: name.value.trim() });
        announce(`Renamed to ${name.value.trim()}.`);
        await loadCategories();
      } catch (err) {
        showProblem(area, err, { form });
      }
    });
    return h('li', {}, form, del, area);
  }

  async function loadCategories() {
    try {
      cats = await app.categories(true);
      if (!alive) return;
      renderCategories();
      renderRules();
      if (suggestions) renderSuggestions(suggestions); // they name categories
      renderRuleForm();
    } catch (err) {
      showProblem(catProblem, err);
    }
  }

  // ---- rules ----
  function describeCondition(c) {
    const f = (FIELDS.find((x) => x.value === c.field) || { label: c.field }).label.replace(' (size)', '');
    if (c.field === 'amount') {
      const parts = [];
      if (c.min) parts.push(`at least ${money.format(c.min)}`);
      if (c.max) parts.push(`at most ${money.format(c.max)}`);
      return `amount is ${parts.join(' and ') || 'any'}`;
    }
    if (c.field === 'direction') return c.value === 'debit' ? 'money spent' : 'money received';
    const op = (TEXT_OPS.find((x) => x.value === c.op) || { label: c.op }).label;
    return `${f.toLowerCase()} ${op} \u201c${c.value}\u201d`;
  }

  function renderRules() {
    if (!rules.length) {
      replace(ruleList, h('p', { class: 'empty' }, 'No rules yet. A rule sets a category on every transaction it matches; the first matching rule wins.'));
      return;
    }
    const focusKey = ruleList.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    replace(ruleList, h('ol', { class: 'rule-list' }, rules.map((r, i) => (editing === r.id ? ruleEditor(r) : ruleCard(r, i)))));
    if (focusKey) {
      // The same control of the same rule; a move button that is now
      // disabled (the rule reached an end) hands over to the other one.
      const [id, what] = focusKey.split(':');
      const other = { up: 'down', down: 'up' }[what];
      const pick = [what, other, 'edit'].filter(Boolean).map((k) => ruleList.querySelector(`[data-key="${CSS.escape(`${id}:${k}`)}"]`));
      pick.find((el) => el && !el.disabled)?.focus();
    }
  }

  function ruleCard(r, i) {
    const area = problemArea();
    const enabled = h('input', { type: 'checkbox', checked: r.enabled, 'aria-label': `Rule \u201c${r.name}\u201d enabled`, onchange: async (ev) => {
      clearProblem(area);
      try {
        await app.api.patch(`/api/v1/rules/${encodeURIComponent(r.id)}`, { enabled: ev.target.checked }, { headers: ifMatch(r.version) });
        await loadRules();
      } catch (err) {
        ev.target.checked = !ev.target.checked;
        showProblem(area, err);
      }
    } });
    const move = (to, label, text, key) => h('button', { type: 'button', class: 'secondary small', 'aria-label': `Move \u201c${r.name}\u201d ${label}`,
      'data-key': `${r.id}:${key}`, disabled: to < 1 || to > rules.length, onclick: () => moveRule(r, to, area) }, text);
    return h('li', { class: 'rule card', 'data-rule': r.id, draggable: 'true',
      ondragstart: (ev) => { ev.dataTransfer.setData('text/x-trx-rule', r.id); ev.dataTransfer.effectAllowed = 'move'; },
      ondragover: (ev) => { if ([...ev.dataTransfer.types].includes('text/x-trx-rule')) ev.preventDefault(); },
      ondrop: (ev) => {
        const id = ev.dataTransfer.getData('text/x-trx-rule');
        const from = rules.find((x) => x.id === id);
        ev.preventDefault();
        if (from && from.id !== r.id) moveRule(from, r.position, area);
      } },
      h('div', { class: 'rule-head' },
        h('span', { class: 'rule-pos', 'aria-label': `position ${r.position}` }, String(r.position)),
        h('strong', { class: 'rule-name' }, r.name),
        h('label', { class: 'check' }, enabled, ' enabled'),
        h('span', { class: 'rule-move' }, move(i, 'up', '\u2191 Up', 'up'), move(i + 2, 'down', '\u2193 Down', 'down'))),
      h('p', {}, 'If ', r.conditions.map(describeCondition).join(' and '), ' \u2192 ', h('strong', {}, categoryName(cats, r.category_id))),
      h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-key': `${r.id}:edit`, onclick: () => { editing = r.id; renderRules(); focusEditor(r.id); } }, 'Edit'),
        h('button', { type: 'button', class: 'secondary', onclick: () => runRule(r, 'dry-run', area) }, 'Preview changes'),
        h('button', { type: 'button', class: 'secondary', onclick: async () => {
          clearProblem(area);
          try {
            await app.api.del(`/api/v1/rules/${encodeURIComponent(r.id)}`);
            announce(`Deleted rule ${r.name}.`);
            preview.hidden = true;
            await loadRules();
          } catch (err) {
            showProblem(area, err);
          }
        } }, 'Delete rule')),
      area);
  }

  // moveRule gives r the position to (1-based); the others shift.
  async function moveRule(r, to, area) {
    clearProblem(area);
    try {
      await app.api.patch(`/api/v1/rules/${encodeURIComponent(r.id)}`, { position: to }, { headers: ifMatch(r.version) });
      announce(`Rule \u201c${r.name}\u201d is now number ${to}.`);
      await loadRules();
    } catch (err) {
      showProblem(area, err);
    }
  }

  function focusEditor(id) {
    queueMicrotask(() => ruleList.querySelector(`[data-rule="${CSS.escape(id)}"] input[name="name"]`)?.focus());
  }

  // ruleEditor edits r in place; saving it runs its dry run, shown beside
  // the form, with the button that applies it.
  function ruleEditor(r) {
    const side = h('section', { class: 'rule-dry-run', 'aria-live': 'polite', 'aria-label': `Dry run of \u201c${r.name}\u201d` },
      h('h4', {}, 'Dry run'), h('p', { class: 'muted' }, 'Save to see what the rule would change in your transactions.'));
    const form = ruleForm({
      rule: r,
      submitLabel: 'Save and preview',
      onSubmit: async (body, area) => {
        const saved = await app.api.patch(`/api/v1/rules/${encodeURIComponent(r.id)}`, body, { headers: ifMatch(r.version) });
        const i = rules.findIndex((x) => x.id === r.id);
        if (i >= 0) rules[i] = saved;
        Object.assign(r, saved);
        announce(`Saved rule ${saved.name}.`);
        await dryRunInto(side, saved, area);
      },
      onCancel: () => { editing = null; loadRules(); },
    });
    if (r.dryRun) showDryRun(side, r, r.dryRun);
    return h('li', { class: 'rule card editing', 'data-rule': r.id }, h('div', { class: 'rule-edit' }, form, side));
  }

  async function dryRunInto(side, r, area) {
    try {
      const run = await app.api.post(`/api/v1/rules/${encodeURIComponent(r.id)}/dry-run`);
      if (alive) showDryRun(side, r, run);
    } catch (err) {
      showProblem(area, err);
    }
  }

  function showDryRun(side, r, run, applied = false) {
    const n = run.total;
    replace(side,
      h('h4', {}, applied ? 'Applied' : 'Dry run'),
      h('p', { class: 'dry-run-total' }, applied
        ? `${n} transaction${n === 1 ? ' was' : 's were'} changed.`
        : n ? `Applying it would change ${n} transaction${n === 1 ? '' : 's'}.` : 'Applying it would change nothing.'),
      run.items.length ? h('ul', { class: 'dry-run-items' }, run.items.map((it) => h('li', {},
        h('span', {}, it.transaction.description), ' ',
        h('span', { class: 'muted' }, `${formatDate(it.transaction.booked_at)} \u00b7 ${money.formatMoney(it.transaction.amount, it.transaction.currency)} \u00b7 ${categoryName(cats, it.from_category_id)} \u2192 ${categoryName(cats, it.to_category_id)}`)))) : null,
      !applied && n ? h('button', { type: 'button', onclick: async () => {
        try {
          const done = await app.api.post(`/api/v1/rules/${encodeURIComponent(r.id)}/apply`);
          if (alive) showDryRun(side, r, done, true);
        } catch (err) {
          side.append(h('p', { class: 'field-error' }, err.message));
        }
      } }, `Apply to ${n} transaction${n === 1 ? '' : 's'}`) : null);
  }

  // ---- suggestions ----
  async function loadSuggestions() {
    clearProblem(sugProblem);
    try {
      const d = await app.api.get('/api/v1/rules/suggestions');
      suggestions = d.items || [];
      if (alive) renderSuggestions(suggestions);
    } catch (err) {
      showProblem(sugProblem, err);
    }
  }

  function renderSuggestions(items) {
    if (!items.length) {
      replace(sugList, h('p', { class: 'empty' }, 'No suggestions now. When you put a merchant in the same category 3 times out of 5, trx proposes a rule for it here.'));
      return;
    }
    replace(sugList, h('ul', { class: 'suggestion-list' }, items.map((sg) => {
      const area = problemArea();
      const cat = categoryName(cats, sg.category_id);
      const n = sg.dry_run.total;
      const accept = h('button', { type: 'button', onclick: async () => {
        clearProblem(area);
        accept.disabled = true;
        try {
          const res = await app.api.post(`/api/v1/rules/suggestions/${encodeURIComponent(sg.id)}/accept`, { apply: true });
          const changed = res.applied ? res.applied.total : 0;
          announce(`Created rule ${res.rule.name}${changed ? `; ${changed} transaction${changed === 1 ? '' : 's'} changed` : ''}.`);
          await Promise.all([loadRules(), loadSuggestions()]);
        } catch (err) {
          accept.disabled = false;
          showProblem(area, err);
        }
      } }, n ? `Accept: create the rule and apply it to ${n}` : 'Accept: create the rule');
      return h('li', { class: 'card rule-suggestion', 'data-suggestion': sg.id },
        h('p', {}, h('strong', {}, sg.name), h('span', { class: 'muted' }, ` \u00b7 you chose ${cat} for this merchant ${sg.count} of the last ${sg.of} times`)),
        h('p', {}, 'If ', sg.conditions.map(describeCondition).join(' and '), ' \u2192 ', h('strong', {}, cat)),
        h('p', { class: 'muted' }, n ? `It would change ${n} existing transaction${n === 1 ? '' : 's'}${sg.dry_run.items.length < n ? ` (first ${sg.dry_run.items.length}: ` : ': '}${sg.dry_run.items.map((it) => it.transaction.description).join(', ')}${sg.dry_run.items.length < n ? ')' : ''}. Your own choices are never changed.` : 'It would change no existing transaction; it categorizes the next ones.'),
        h('div', { class: 'actions' }, accept),
        area);
    })));
  }

  async function runRule(r, what, area) {
    clearProblem(area);
    try {
      const run = await app.api.post(`/api/v1/rules/${encodeURIComponent(r.id)}/${what}`);
      if (!alive) return;
      showRun(r, run, what === 'apply', area);
    } catch (err) {
      showProblem(area, err);
    }
  }

  function showRun(r, run, applied, area) {
    const n = run.total;
    const shown = run.items.length;
    replace(preview,
      h('h3', { tabindex: '-1' }, applied ? `Rule \u201c${r.name}\u201d applied` : `Preview of rule \u201c${r.name}\u201d`),
      h('p', {}, applied
        ? `${n} transaction${n === 1 ? ' was' : 's were'} changed.`
        : n ? `Applying it would change ${n} transaction${n === 1 ? '' : 's'}${shown < n ? ` (the first ${shown} are listed)` : ''}. Manual choices are never changed.` : 'Applying it would change nothing.'),
      shown ? h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, ['Date', 'Description', 'Amount', 'From', 'To'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, run.items.map((it) => h('tr', {},
          h('td', { 'data-label': 'Date' }, formatDate(it.transaction.booked_at)),
          h('td', { 'data-label': 'Description' }, it.transaction.description),
          h('td', { 'data-label': 'Amount', class: 'num' }, money.formatMoney(it.transaction.amount, it.transaction.currency)),
          h('td', { 'data-label': 'From' }, categoryName(cats, it.from_category_id)),
          h('td', { 'data-label': 'To' }, categoryName(cats, it.to_category_id))))))) : null,
      !applied && n ? h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => runRule(r, 'apply', area) }, `Apply to ${n} transaction${n === 1 ? '' : 's'}`),
        h('button', { type: 'button', class: 'secondary', onclick: () => { preview.hidden = true; } }, 'Close')) : null);
    preview.hidden = false;
    preview.querySelector('h3').focus();
  }

  async function loadRules() {
    try {
      const d = await app.api.get('/api/v1/rules');
      rules = d.items || [];
      if (alive) renderRules();
    } catch (err) {
      showProblem(ruleProblem, err);
    }
  }

  // ---- rule form (new and edit) ----
  const ruleFormBox = h('div');
  let editing = null; // id of the rule being edited

  function renderRuleForm() {
    replace(ruleFormBox, ruleForm({
      submitLabel: 'Create rule',
      title: 'New rule',
      onSubmit: async (body) => {
        const r = await app.api.post('/api/v1/rules', body);
        announce(`Created rule ${r.name}. Preview it to see what it would change.`);
        await loadRules();
        renderRuleForm();
      },
    }));
  }

  function toConditions(list) {
    return list.map((c) => (c.field === 'amount' ? { field: 'amount', op: 'between', min: c.min || '', max: c.max || '' } : { ...c }));
  }

  // ruleForm builds the form of a rule (empty, or rule's values); onSubmit
  // gets the request body and throws what the API said.
  function ruleForm({ rule, title, submitLabel, onSubmit, onCancel }) {
    let conditions = rule ? toConditions(rule.conditions) : [{ field: 'description', op: 'contains', value: '' }];
    const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 100, value: rule ? rule.name : '' });
    const category = select(categoryOptions(cats, [{ value: '', label: 'Choose\u2026' }]), rule ? rule.category_id : '', { name: 'category_id' });
    const area = problemArea();
    const condBox = h('fieldset', { class: 'conditions' }, h('legend', {}, 'When all of these hold'));
    const drawConditions = () => {
      replace(condBox, h('legend', {}, 'When all of these hold'), conditions.map((c, i) => conditionRow(c, i, drawConditions, conditions)),
        h('button', { type: 'button', class: 'secondary small', onclick: () => { conditions.push({ field: 'description', op: 'contains', value: '' }); drawConditions(); } }, '+ Add condition'));
    };
    drawConditions();
    const form = h('form', { class: rule ? 'rule-form' : 'card rule-form', novalidate: true },
      h('h3', {}, title || `Edit rule \u201c${rule.name}\u201d`),
      h('div', { class: 'grid two' }, field('Rule name', name, { name: 'name' }), field('Set category to', category, { name: 'category_id' })),
      condBox,
      area,
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, submitLabel),
        onCancel ? h('button', { type: 'button', class: 'secondary', onclick: onCancel }, 'Done') : null));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblem(area, form);
      const body = {
        name: name.value.trim(),
        category_id: category.value,
        conditions: conditions.map((c) => {
          const out = { field: c.field, op: c.field === 'amount' ? 'between' : c.op };
          if (c.field === 'amount') {
            if (c.min) out.min = money.normalizeInput(c.min);
            if (c.max) out.max = money.normalizeInput(c.max);
          } else {
            out.value = c.field === 'currency' ? c.value.trim().toUpperCase() : c.value;
          }
          return out;
        }),
      };
      try {
        await onSubmit(body, area);
        if (!rule) conditions = [{ field: 'description', op: 'contains', value: '' }];
      } catch (err) {
        showProblem(area, err, { form, mapField: (f) => f.replace(/\.(op|min|max)$/, '.value') });
        if (err.status === 412) {
          area.append(h('button', { type: 'button', class: 'secondary small', onclick: () => { editing = rule.id; loadRules(); } }, 'Load the current version'));
        }
      }
    });
    return form;
  }

  function conditionRow(c, i, redraw, conditions) {
    const f = select(FIELDS, c.field, { 'aria-label': `Condition ${i + 1}: field`, onchange: (ev) => {
      c.field = ev.target.value;
      c.op = c.field === 'amount' ? 'between' : c.field === 'direction' || c.field === 'currency' ? 'equals' : 'contains';
      c.value = c.field === 'direction' ? 'debit' : '';
      redraw();
    } });
    const parts = [f];
    const name = `conditions[${i}].value`;
    if (c.field === 'amount') {
      parts.push(
        h('input', { type: 'text', inputmode: 'decimal', value: c.min || '', 'aria-label': `Condition ${i + 1}: at least`, placeholder: 'at least', 'data-field': name, oninput: (ev) => { c.min = ev.target.value; } }),
        h('input', { type: 'text', inputmode: 'decimal', value: c.max || '', 'aria-label': `Condition ${i + 1}: at most`, placeholder: 'at most', oninput: (ev) => { c.max = ev.target.value; } }));
    } else if (c.field === 'direction') {
      parts.push(select([{ value: 'debit', label: 'money spent' }, { value: 'credit', label: 'money received' }], c.value, {
        'aria-label': `Condition ${i + 1}: direction`, 'data-field': name, onchange: (ev) => { c.value = ev.target.value; } }));
    } else {
      if (c.field !== 'currency') {
        parts.push(select(TEXT_OPS, c.op, { 'aria-label': `Condition ${i + 1}: test`, onchange: (ev) => { c.op = ev.target.value; } }));
      }
      parts.push(h('input', { type: 'text', value: c.value, 'aria-label': `Condition ${i + 1}: value`, 'data-field': name,
        placeholder: c.field === 'currency' ? 'EUR' : 'text', oninput: (ev) => { c.value = ev.target.value; } }));
    }
    const id = uid('cond');
    const err = h('p', { class: 'field-error', id: `${id}-err`, hidden: true });
    for (const p of parts) {
      if (!p.dataset.field) continue;
      p.id = id;
      p.setAttribute('aria-describedby', err.id);
    }
    return h('div', { class: 'condition' }, ...parts,
      conditions.length > 1 ? h('button', { type: 'button', class: 'secondary small', 'aria-label': `Remove condition ${i + 1}`, onclick: () => { conditions.splice(i, 1); redraw(); } }, 'Remove') : null,
      err);
  }

  // ---- settings ----
  const auto = h('input', { type: 'checkbox', name: 'auto_on_create' });
  const threshold = h('input', { type: 'number', name: 'threshold', min: 0, max: 100, step: 1, class: 'short' });
  const setProblem = problemArea();
  const setForm = h('form', { class: 'card settings', novalidate: true },
    h('h2', {}, 'Automatic categorization'),
    h('label', { class: 'check' }, auto, ' Categorize new transactions automatically when they are added'),
    field('Only when at least this confident (%)', threshold, { name: 'threshold' }),
    setProblem,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save settings')));
  setForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearProblem(setProblem, setForm);
    const pct = Number(threshold.value);
    if (threshold.value === '' || !(pct >= 0 && pct <= 100)) {
      showProblem(setProblem, new ApiError(400, { detail: 'the threshold is a percentage between 0 and 100',
        errors: [{ field: 'threshold', detail: 'must be a percentage between 0 and 100' }] }), { form: setForm });
      return;
    }
    try {
      const s = await app.api.patch('/api/v1/classifier/settings', { auto_on_create: auto.checked, threshold: Number(threshold.value) / 100 });
      showSettings(s);
      announce('Settings saved.');
    } catch (err) {
      showProblem(setProblem, err, { form: setForm });
    }
  });
  function showSettings(s) {
    auto.checked = s.auto_on_create;
    threshold.value = String(Math.round(s.threshold * 100));
  }

  append(root, [
    h('h1', {}, 'Categories & rules'),
    h('section', { class: 'card' },
      h('h2', {}, 'Your categories'),
      catProblem,
      catList,
      newCatForm,
      h('h3', {}, 'Built-in categories'),
      builtinList),
    h('section', {},
      h('h2', {}, 'Rules'),
      h('p', { class: 'muted' }, 'Rules run in order; the first that matches a transaction sets its category, unless a person chose one.'),
      ruleProblem,
      ruleList,
      preview,
      ruleFormBox),
    h('section', {},
      h('h2', {}, 'Suggested rules'),
      h('p', { class: 'muted' }, 'From the categories you chose by hand: one click creates the rule and applies it.'),
      sugProblem,
      sugList),
    setForm]);

  loadCategories();
  loadRules();
  loadSuggestions();
  app.api.get('/api/v1/classifier/settings').then(showSettings).catch((err) => showProblem(setProblem, err));
  return () => {
    alive = false;
  };
}
