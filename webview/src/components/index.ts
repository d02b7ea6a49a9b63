/**
 * Small factories over the toolkit's elements. Callers get plain HTMLElements and typed
 * accessors, never toolkit types or tag names: each element carries a class from
 * `COMPONENT_CLASS`, which is what styles and tests select. The toolkit can be swapped
 * inside this folder.
 */
import { COMPONENT_CLASS } from './classes';

export { registerComponents } from './register';
export { COMPONENT_CLASS, COMPONENT_SELECTOR } from './classes';

export type ButtonAppearance = 'primary' | 'secondary' | 'icon';

export interface ButtonOptions {
  readonly appearance?: ButtonAppearance;
  /** Tooltip and accessible description. */
  readonly title?: string;
  /** Accessible name when the visible label is not enough (icon buttons). */
  readonly ariaLabel?: string;
  readonly onClick: (event: MouseEvent) => void;
}

export function createButton(label: string, options: ButtonOptions): HTMLElement {
  const button = document.createElement('vscode-button');
  button.className = COMPONENT_CLASS.button;
  button.textContent = label;
  button.setAttribute('appearance', options.appearance ?? 'primary');
  if (options.title !== undefined) button.title = options.title;
  if (options.ariaLabel !== undefined) button.setAttribute('aria-label', options.ariaLabel);
  button.addEventListener('click', (event) => {
    if (button.hasAttribute('disabled')) return;
    options.onClick(event);
  });
  return button;
}

export function setButtonLabel(button: HTMLElement, label: string): void {
  if (button.textContent !== label) button.textContent = label;
}

export function setDisabled(element: HTMLElement, disabled: boolean): void {
  element.toggleAttribute('disabled', disabled);
}

export interface TextField {
  readonly element: HTMLElement;
  value(): string;
  setValue(value: string): void;
  focus(): void;
}

export interface TextFieldOptions {
  readonly label: string;
  readonly placeholder?: string;
  readonly value?: string;
  readonly maxLength?: number;
  readonly onInput?: (value: string) => void;
}

interface ValueElement extends HTMLElement {
  value: string;
}

export function createTextField(options: TextFieldOptions): TextField {
  const field = document.createElement('vscode-text-field') as ValueElement;
  field.className = COMPONENT_CLASS.textField;
  // The visible label is the slotted text; aria-label keeps the name when it is hidden by CSS.
  field.textContent = options.label;
  field.setAttribute('aria-label', options.label);
  if (options.placeholder !== undefined) field.setAttribute('placeholder', options.placeholder);
  if (options.maxLength !== undefined) field.setAttribute('maxlength', String(options.maxLength));
  if (options.value !== undefined) field.value = options.value;
  if (options.onInput !== undefined) {
    const onInput = options.onInput;
    field.addEventListener('input', () => onInput(field.value ?? ''));
  }
  return {
    element: field,
    value: () => field.value ?? '',
    setValue: (value) => {
      field.value = value;
    },
    focus: () => field.focus(),
  };
}

export interface Checkbox {
  readonly element: HTMLElement;
  checked(): boolean;
  setChecked(checked: boolean): void;
}

interface CheckedElement extends HTMLElement {
  checked: boolean;
}

export function createCheckbox(label: string, checked: boolean, onChange: (checked: boolean) => void): Checkbox {
  const box = document.createElement('vscode-checkbox') as CheckedElement;
  box.className = COMPONENT_CLASS.checkbox;
  box.textContent = label;
  box.checked = checked;
  box.addEventListener('change', () => onChange(box.checked));
  return {
    element: box,
    checked: () => box.checked,
    setChecked: (value) => {
      box.checked = value;
    },
  };
}

/**
 * A count badge (e.g. files in a group). A plain element with the toolkit badge's look
 * (review.css `.count-badge`), because the toolkit's badge violates the panel's style CSP.
 */
export function createBadge(text: string, ariaLabel?: string): HTMLElement {
  const badge = document.createElement('span');
  badge.className = COMPONENT_CLASS.badge;
  badge.textContent = text;
  if (ariaLabel !== undefined) badge.setAttribute('aria-label', ariaLabel);
  return badge;
}

export function setBadgeText(badge: HTMLElement, text: string): void {
  if (badge.textContent !== text) badge.textContent = text;
}

export function createProgressRing(label: string): HTMLElement {
  const ring = document.createElement('vscode-progress-ring');
  ring.className = COMPONENT_CLASS.progressRing;
  ring.setAttribute('aria-label', label);
  return ring;
}
