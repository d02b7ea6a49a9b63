/**
 * The names the rest of the panel may know about the components: the class each factory in
 * this folder puts on what it makes (review.css styles these, never a toolkit tag name),
 * and the selectors the browser and end-to-end tests use to find them. Plain strings with
 * no DOM types, so test code compiled without the DOM library can import them too.
 */
export const COMPONENT_CLASS = {
  button: 'ui-button',
  textField: 'ui-text-field',
  checkbox: 'ui-checkbox',
  progressRing: 'ui-progress-ring',
  badge: 'count-badge',
} as const;

export const COMPONENT_SELECTOR = {
  button: `.${COMPONENT_CLASS.button}`,
  textField: `.${COMPONENT_CLASS.textField}`,
  /** The native input a person types into; it lies inside the text field's shadow root. */
  textFieldInput: `.${COMPONENT_CLASS.textField} input`,
  checkbox: `.${COMPONENT_CLASS.checkbox}`,
  progressRing: `.${COMPONENT_CLASS.progressRing}`,
  badge: `.${COMPONENT_CLASS.badge}`,
} as const;
