/**
 * Registers the toolkit's custom elements the panel uses, and only those. This folder is
 * the only place that knows about @vscode/webview-ui-toolkit (archived upstream): its tag
 * names, the class names review.css styles (see classes.ts), the selectors the tests use
 * and the toolkit's CSP needs. Moving to @vscode-elements/elements means rewriting this
 * folder and nothing else.
 */
// Before the toolkit: it reads the page's nonce when its module is evaluated.
import './toolkitNonce';
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeProgressRing, vsCodeTextField } from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerComponents(): void {
  if (registered) return;
  registered = true;
  // No vsCodeBadge: FAST's badge template carries a `style` attribute binding, which the
  // panel's CSP (no 'unsafe-inline' styles) reports as a violation. Badges are plain
  // elements styled by review.css instead (see createBadge).
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeProgressRing(), vsCodeTextField());
}
