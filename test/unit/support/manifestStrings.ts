/**
 * package.json with its `%key%` placeholders resolved from package.nls.json, as VS Code reads
 * it, for tests that look at titles and descriptions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..', '..');

export const manifestText = readFileSync(join(repoRoot, 'package.json'), 'utf8');
export const nls: Record<string, string> = JSON.parse(readFileSync(join(repoRoot, 'package.nls.json'), 'utf8'));

/** Every `%key%` a string value of the manifest is, in document order. */
export function placeholdersIn(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') {
    const m = /^%([^%\s]+)%$/.exec(value);
    if (m) found.push(m[1]!);
  } else if (Array.isArray(value)) value.forEach((v) => placeholdersIn(v, found));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => placeholdersIn(v, found));
  return found;
}

function resolve(value: unknown): unknown {
  if (typeof value === 'string') {
    const m = /^%([^%\s]+)%$/.exec(value);
    if (!m) return value;
    const text = nls[m[1]!];
    if (text === undefined) throw new Error(`package.json names %${m[1]}%, which package.nls.json lacks`);
    return text;
  }
  if (Array.isArray(value)) return value.map(resolve);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  return value;
}

/** The manifest as VS Code shows it in English. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read by tests that know its shape
export const resolvedManifest = resolve(JSON.parse(manifestText)) as Record<string, any>;

/** The settings of every `contributes.configuration` section, by key. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export function settingProperties(manifest: Record<string, any>): Record<string, any> {
  const config = manifest.contributes.configuration;
  const sections = Array.isArray(config) ? config : [config];
  return Object.assign({}, ...sections.map((s: { properties: Record<string, unknown> }) => s.properties));
}
