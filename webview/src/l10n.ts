/**
 * The panel's strings, translated with the extension's l10n bundle (the host passes
 * `vscode.l10n.bundle` in the page; undefined in English). The bundle's keys are the English
 * messages, as `vscode.l10n.t` uses them; `{0}`, `{1}`… are filled from the arguments.
 */
let bundle: Readonly<Record<string, string>> = {};

/** Takes a bundle as received; anything but an object of strings is ignored (English stays). */
export function setBundle(value: unknown): void {
  const next: Record<string, string> = {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, text] of Object.entries(value)) if (typeof text === 'string') next[key] = text;
  }
  bundle = next;
}

/** Reads the bundle the host put on `<body data-l10n="…">`, if any. */
export function loadBundleFrom(body: { readonly dataset: { readonly l10n?: string } }): void {
  const raw = body.dataset.l10n;
  if (raw === undefined) return;
  try {
    setBundle(JSON.parse(raw));
  } catch {
    setBundle(undefined);
  }
}

export function t(message: string, ...args: readonly (string | number)[]): string {
  const template = Object.prototype.hasOwnProperty.call(bundle, message) ? bundle[message] : message;
  return template.replace(/\{(\d+)\}/g, (match, index: string) => {
    const i = Number(index);
    return i < args.length ? String(args[i]) : match;
  });
}
