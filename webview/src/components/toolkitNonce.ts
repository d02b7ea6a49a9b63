/**
 * The toolkit makes one `<style>` probe (focus-visible support) when its module is first
 * evaluated, and gives it the nonce it finds in `<meta property="csp-nonce">`; without that
 * the page's CSP (no 'unsafe-inline' styles) reports a violation. The page does not know
 * about the toolkit, so this module publishes the nonce of the script that is loading the
 * panel. register.ts imports it before the toolkit, so it runs first.
 */

/** The `<meta>` property under which the toolkit looks for the page's CSP nonce. */
const TOOLKIT_NONCE_META = 'csp-nonce';

function publishNonceForToolkit(): void {
  if (document.querySelector(`meta[property="${TOOLKIT_NONCE_META}"]`) !== null) return;
  // `currentScript` is the panel's own script while it runs; the fallback covers a page
  // that loads it some other way (every script of the page carries the same nonce).
  const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : document.querySelector('script[nonce]');
  const nonce = script instanceof HTMLScriptElement ? script.nonce : undefined;
  if (nonce === undefined || nonce === '') return;
  const meta = document.createElement('meta');
  meta.setAttribute('property', TOOLKIT_NONCE_META);
  meta.content = nonce;
  document.head.append(meta);
}

publishNonceForToolkit();
