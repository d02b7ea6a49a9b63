/**
 * Entry point of the review panel's webview. The host's HTML only needs to load this
 * script (with the CSP nonce) and `review.css`; the panel builds its own DOM.
 */
import { registerComponents } from './components';
import { ReviewApp } from './app';
import { loadBundleFrom } from './l10n';
import { connectToHost } from './vscodeApi';

function rootElement(): HTMLElement {
  const existing = document.getElementById('review-root');
  if (existing !== null) return existing;
  const root = document.createElement('main');
  root.id = 'review-root';
  document.body.append(root);
  return root;
}

loadBundleFrom(document.body);
registerComponents();
const app = new ReviewApp(connectToHost(), rootElement());
window.addEventListener('message', (event: MessageEvent) => app.receive(event.data));
void app.start();
