/**
 * Asks for an optional reason before a rejection. Enter confirms, Escape cancels; the
 * reason travels to the host as plain text and comes back shown as text.
 */
import { createButton, createTextField, type TextField } from '../components';
import { el } from '../dom';
import { t } from '../l10n';

export const MAX_REASON_LENGTH = 500;

export class ReasonPrompt {
  readonly element: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly field: TextField;
  private onConfirm: ((reason: string | undefined) => void) | undefined;
  private returnFocus: HTMLElement | undefined;

  constructor() {
    this.heading = el('span', { className: 'reason-heading', attrs: { id: 'reason-heading' } });
    this.field = createTextField({
      label: t('Reason (optional)'),
      placeholder: t('Why is this rejected? (optional)'),
      maxLength: MAX_REASON_LENGTH,
    });
    this.field.element.classList.add('reason-field');
    this.element = el('div', { className: 'reason-prompt', attrs: { role: 'group', 'aria-labelledby': 'reason-heading', hidden: '' } }, [
      this.heading,
      this.field.element,
      createButton(t('Reject'), { onClick: () => this.confirm() }),
      createButton(t('Cancel'), { appearance: 'secondary', onClick: () => this.close() }),
    ]);
    this.element.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        this.confirm();
      } else if (event.key === 'Escape') {
        event.preventDefault();
        this.close();
      }
      // Keys typed into the reason must not reach the list or diff shortcuts.
      event.stopPropagation();
    });
  }

  isOpen(): boolean {
    return !this.element.hidden;
  }

  /** `heading` is the whole, translated heading (e.g. "Reject file a.ts"). */
  open(heading: string, onConfirm: (reason: string | undefined) => void): void {
    this.returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    this.heading.textContent = heading;
    this.field.setValue('');
    this.onConfirm = onConfirm;
    this.element.hidden = false;
    // Focus at once, so keys typed right after the shortcut land in the field and not in
    // the list or diff behind it. On the first open the toolkit may not have upgraded the
    // element yet; then try again on the next frame.
    this.field.focus();
    if (!this.element.contains(document.activeElement)) requestAnimationFrame(() => this.field.focus());
  }

  close(): void {
    this.element.hidden = true;
    this.onConfirm = undefined;
    const target = this.returnFocus;
    this.returnFocus = undefined;
    if (target?.isConnected) target.focus();
  }

  private confirm(): void {
    const reason = this.field.value().trim().slice(0, MAX_REASON_LENGTH);
    const onConfirm = this.onConfirm;
    this.close();
    onConfirm?.(reason === '' ? undefined : reason);
  }
}
