/**
 * The keyboard help: a line at the bottom of the panel with the common keys, and the full
 * list (opened with ? or the "Keys" button, closed with ? or Escape).
 */
import { createButton } from '../components';
import { el } from '../dom';
import { t } from '../l10n';
import { HELP_KEY, keyHelp, keyHelpLine, type KeyScope } from '../model/keyHelp';

const SCOPE_TITLES: Readonly<Record<KeyScope, () => string>> = {
  list: () => t('In the file list'),
  diff: () => t('In the diff'),
  panel: () => t('Anywhere in the panel'),
};

/** Keys typed into a text field are text, not commands. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.closest('input, textarea, vscode-text-field, [contenteditable="true"]') !== null;
}

export class KeysHelp {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly toggle: HTMLElement;
  private returnFocus: HTMLElement | undefined;

  constructor() {
    this.toggle = createButton(t('Keys (?)'), {
      appearance: 'secondary',
      title: t('Show the keyboard keys of this panel'),
      onClick: () => this.setOpen(this.list.hidden),
    });
    this.toggle.setAttribute('aria-expanded', 'false');
    this.toggle.setAttribute('aria-controls', 'keys-help-list');
    this.list = el('section', {
      className: 'keys-help-list',
      attrs: { id: 'keys-help-list', 'aria-label': t('Keyboard keys'), hidden: '', tabindex: '-1' },
    });
    for (const scope of ['list', 'diff', 'panel'] as const) {
      const entries = keyHelp().filter((entry) => entry.scope === scope);
      const dl = el('dl', { className: 'keys-help-entries' });
      for (const entry of entries) dl.append(el('dt', {}, [el('kbd', { text: entry.label })]), el('dd', { text: entry.what }));
      this.list.append(el('h2', { className: 'keys-help-scope', text: SCOPE_TITLES[scope]() }), dl);
    }
    this.element = el('div', { className: 'keys-help' }, [
      el('div', { className: 'keys-help-line' }, [el('span', { className: 'keys-help-summary', text: keyHelpLine() }), this.toggle]),
      this.list,
    ]);
    document.addEventListener('keydown', (event) => this.onKeyDown(event));
  }

  isOpen(): boolean {
    return !this.list.hidden;
  }

  setOpen(open: boolean): void {
    if (open === this.isOpen()) return;
    this.list.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    if (open) {
      this.returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
      this.list.focus({ preventScroll: false });
    } else {
      this.returnFocus?.focus();
      this.returnFocus = undefined;
    }
  }

  private onKeyDown(event: KeyboardEvent): void {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    if (event.key === HELP_KEY) {
      event.preventDefault();
      this.setOpen(!this.isOpen());
    } else if (event.key === 'Escape' && this.isOpen()) {
      event.preventDefault();
      event.stopPropagation();
      this.setOpen(false);
    }
  }
}
