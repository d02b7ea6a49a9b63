/**
 * Registers the toolkit's custom elements the panel uses, and only those. This folder is
 * the only place that knows about @vscode/webview-ui-toolkit (archived upstream): its tag
 * names, the class names review.css styles (see classes.ts), the selectors the tests use
 * and the toolkit's CSP needs. Moving to @vscode-elements/elements means rewriting this
 * folder and nothing else.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

/** The `<meta>` property under which the toolkit looks for the page's CSP nonce. */
const TOOLKIT_NONCE_META = 'csp-nonce';

let registered = false;

/**
 * The toolkit makes one `<style>` probe (focus-visible support) and gives it the nonce it
 * finds in `<meta property="csp-nonce">`; without it the page's CSP (no 'unsafe-inline'
 * styles) reports a violation. The page does not know about the toolkit, so the nonce is
 * taken from the script that loaded the panel and published here.
 */
function publishNonceForToolkit(): void {
  if (document.querySelector(`meta[property="${TOOLKIT_NONCE_META}"]`) !== null) return;
  const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : document.querySelector('script[nonce]');
  const nonce = script instanceof HTMLScriptElement ? script.nonce : undefined;
  if (nonce === undefined || nonce === '') return;
  const meta = document.createElement('meta');
  meta.setAttribute('property', TOOLKIT_NONCE_META);
  meta.content = nonce;
  document.head.append(meta);
}

/** Call once, synchronously while the panel's script is being run (it reads that script's nonce). */
export function registerComponents(): void {
  if (registered) return;
  registered = true;
  publishNonceForToolkit();
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
