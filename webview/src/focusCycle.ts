/**
 * Keeps Tab inside the panel: Tab on the last control goes to the first, Shift+Tab on the
 * first goes to the last. What counts as a control is what the browser would stop on:
 * enabled, shown, and not taken out of the tab order (roving rows with tabindex -1 are not).
 */
const CANDIDATES = [
  'a[href]',
  'button',
  'input',
  'select',
  'textarea',
  'summary',
  '[tabindex]',
  'vscode-button',
  'vscode-text-field',
  'vscode-checkbox',
].join(', ');

function isShown(element: HTMLElement): boolean {
  if (element.closest('[hidden]') !== null) return false;
  return element.getClientRects().length > 0;
}

function isTabbable(element: HTMLElement): boolean {
  if (element.hasAttribute('disabled')) return false;
  const tabindex = element.getAttribute('tabindex');
  if (tabindex !== null && Number(tabindex) < 0) return false;
  // A summary is a stop only as the first summary of its details.
  if (element.tagName === 'SUMMARY' && element.parentElement?.tagName !== 'DETAILS') return false;
  // Toolkit controls are one stop each: skip what lies inside them.
  if (element.parentElement?.closest('vscode-button, vscode-text-field, vscode-checkbox') != null) return false;
  return isShown(element);
}

/** The panel's tab stops in document order. */
export function tabStops(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(CANDIDATES)].filter(isTabbable);
}

function holds(stop: HTMLElement, active: Element | null): boolean {
  return active !== null && (stop === active || stop.contains(active));
}

/** Installs the wrap-around on `root`; returns a function that removes it. */
export function keepTabInside(root: HTMLElement): () => void {
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Tab' || event.ctrlKey || event.metaKey || event.altKey) return;
    const stops = tabStops(root);
    if (stops.length === 0) return;
    const first = stops[0];
    const last = stops[stops.length - 1];
    const active = document.activeElement;
    const outside = active === null || active === document.body || !root.contains(active);
    if (!event.shiftKey && (holds(last, active) || outside)) {
      event.preventDefault();
      first.focus();
    } else if (event.shiftKey && (holds(first, active) || outside)) {
      event.preventDefault();
      last.focus();
    }
  };
  // On the document, so Tab from the page itself (nothing focused yet) also lands inside.
  document.addEventListener('keydown', onKeyDown);
  return () => document.removeEventListener('keydown', onKeyDown);
}
