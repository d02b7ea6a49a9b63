/** Announces outcomes to screen readers (and shows them): a polite status and an alert for errors. */
import { el } from '../dom';

export class StatusRegion {
  readonly element: HTMLElement;
  private readonly status: HTMLElement;
  private readonly alert: HTMLElement;

  constructor() {
    this.status = el('div', { className: 'status', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.alert = el('div', { className: 'alert', attrs: { role: 'alert', hidden: '' } });
    this.element = el('footer', { className: 'status-bar' }, [this.alert, this.status]);
  }

  say(message: string): void {
    this.status.textContent = message;
  }

  error(message: string): void {
    this.alert.textContent = message;
    this.alert.hidden = false;
  }

  clearError(): void {
    this.alert.hidden = true;
    this.alert.textContent = '';
  }
}
