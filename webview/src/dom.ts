/**
 * The one way the panel builds DOM. Text goes in through `textContent` only: file names,
 * diff lines and reasons are untrusted, and nothing here can parse them as HTML.
 */

export interface ElementOptions {
  readonly className?: string;
  readonly text?: string;
  readonly attrs?: Readonly<Record<string, string>>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  children: readonly Node[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.className !== undefined) element.className = options.className;
  if (options.text !== undefined) element.textContent = options.text;
  if (options.attrs !== undefined) {
    for (const [name, value] of Object.entries(options.attrs)) {
      // `style` and `on*` attributes would need 'unsafe-inline' under the panel's CSP.
      if (name === 'style' || name.startsWith('on')) throw new Error(`el(): attribute ${name} is not allowed`);
      element.setAttribute(name, value);
    }
  }
  if (children.length > 0) element.append(...children);
  return element;
}

/** Replaces the element's text, skipping the write when nothing changed (cheap re-renders). */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

export function setPx(element: HTMLElement, property: 'height' | 'top' | 'width' | 'minWidth', px: number): void {
  element.style[property] = `${px}px`;
}
