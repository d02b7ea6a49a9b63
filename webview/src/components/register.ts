/**
 * Registers the toolkit's custom elements the panel uses, and only those. This folder is
 * the only place that knows about @vscode/webview-ui-toolkit (archived upstream): moving to
 * @vscode-elements/elements means rewriting this folder and nothing else.
 *
 * The toolkit reads the CSP nonce from `<meta property="csp-nonce" content="…">` for the one
 * `<style>` probe it makes (focus-visible support); the panel host must emit that meta tag.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerComponents(): void {
  if (registered) return;
  registered = true;
  // No vsCodeBadge: FAST's badge template carries a `style` attribute binding, which the
  // panel's CSP (no 'unsafe-inline' styles) reports as a violation. Badges are plain
  // elements styled by review.css instead (see createBadge).
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodeProgressRing(),
    vsCodeTextField(),
  );
}
