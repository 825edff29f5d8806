// A row's action menu (the WAI-ARIA menu button pattern): a button that
// opens a list of menuitems. Enter, Space or ArrowDown open it on the first
// item, ArrowUp on the last; ArrowUp/ArrowDown/Home/End move, Escape closes
// it and gives the focus back to the button, Tab or a click elsewhere
// closes it.
import { h, uid } from './dom.js';

// rowMenu returns {el, button, open, close}: label names the button for
// screen readers (its text is "⋯"), items are [{label, onSelect, danger}].
export function rowMenu({ label, items, key }) {
  const id = uid('menu');
  const button = h('button', { type: 'button', class: 'secondary small menu-button', 'aria-haspopup': 'menu', 'aria-expanded': 'false',
    'aria-controls': id, 'aria-label': label, 'data-key': key ? `${key}:menu` : null }, h('span', { 'aria-hidden': 'true' }, '\u22ef'));
  const list = h('ul', { role: 'menu', id, class: 'menu', hidden: true, 'aria-label': label });
  const entries = items.filter(Boolean).map((it) => {
    const b = h('button', { type: 'button', role: 'menuitem', tabindex: '-1', class: it.danger ? 'danger-text' : null,
      onclick: () => {
        close(false);
        it.onSelect();
      } }, it.label);
    list.append(h('li', { role: 'none' }, b));
    return b;
  });
  const el = h('div', { class: 'menu-wrap' }, button, list);

  function onOutside(ev) {
    if (!el.contains(ev.target)) close(false);
  }
  function open(at = 0) {
    list.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    el.classList.add('open');
    document.addEventListener('pointerdown', onOutside, true);
    entries[(at + entries.length) % entries.length]?.focus();
  }
  function close(focusButton = true) {
    if (list.hidden) return;
    list.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    el.classList.remove('open');
    document.removeEventListener('pointerdown', onOutside, true);
    if (focusButton) button.focus();
  }
  button.addEventListener('click', () => (list.hidden ? open(0) : close()));
  button.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      ev.stopPropagation();
      open(ev.key === 'ArrowDown' ? 0 : -1);
    }
  });
  list.addEventListener('keydown', (ev) => {
    const i = entries.indexOf(document.activeElement);
    const moves = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: entries.length - 1 };
    if (ev.key in moves) {
      ev.preventDefault();
      entries[(moves[ev.key] + entries.length) % entries.length].focus();
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      close();
    } else if (ev.key === 'Tab') {
      close(false);
    }
    ev.stopPropagation();
  });
  return { el, button, open, close };
}
