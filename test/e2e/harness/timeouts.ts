// One place for the waits of the e2e helpers. The first render of the workbench in a fresh
// profile is slow on a 2-core machine; everything after that is quick. E2E_TIMEOUT_SCALE
// stretches all of them on slower machines.
const scale = Number(process.env.E2E_TIMEOUT_SCALE ?? '1') || 1;

export const timeouts = {
  /** code-server answering on its port after spawn. */
  serverStart: 60_000 * scale,
  /** The workbench shell rendering in the browser. */
  workbenchLoad: 90_000 * scale,
  /** An extension to activate and contribute its UI. */
  extensionReady: 30_000 * scale,
  /** A UI element (palette row, notification, status bar text) to appear or change. */
  ui: 15_000 * scale,
  /** Installing a .vsix with `code-server --install-extension`. */
  installExtension: 120_000 * scale,
} as const;
