/**
 * Every word the review panel shows goes through `t()` (webview/src/l10n.ts), so a bundle can
 * translate it. This scans the panel's sources for string literals in the places that reach
 * the screen or a screen reader (text, titles, aria-labels, placeholders, button and checkbox
 * labels, status messages) and fails on any literal that holds words but is not inside `t(`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const WEBVIEW = path.resolve(__dirname, '..', '..', '..', 'webview', 'src');

/** Key names ("j / ↓") are not words to translate; l10n.ts is the translator itself. */
const SKIP = new Set(['l10n.ts', path.join('model', 'keyHelp.ts')]);

function sources(): string[] {
  const files: string[] = [];
  for (const dir of ['', 'views', 'model']) {
    for (const name of readdirSync(path.join(WEBVIEW, dir))) {
      const relative = path.join(dir, name);
      if (name.endsWith('.ts') && !SKIP.has(relative)) files.push(relative);
    }
  }
  return files;
}

/** Where a literal lands on screen: the text right before the literal's opening quote. */
const SINKS: readonly RegExp[] = [
  /\b(?:text|title|ariaLabel|placeholder|label|note)\s*:\s*$/,
  /'aria-label'\s*(?::|,)\s*$/,
  /\b(?:createButton|createCheckbox|createProgressRing|createBadge|setButtonLabel\([^,()]*,|setText\([^,()]*,|tag|say|error|open)\(\s*$/,
  /\.(?:textContent|title)\s*=\s*$/,
  /\?\s*$/,
  /^\s*:\s*$/,
];

/** A literal "holds words" when it has a letter outside its `${…}` placeholders. */
function holdsWords(literal: string): boolean {
  return /\p{L}{2,}/u.test(literal.replace(/\$\{[^}]*\}/g, ''));
}

export function untranslated(source: string): string[] {
  const found: string[] = [];
  const literal = /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g;
  // Comments may quote words; they never reach the screen.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/^\s*\/\/.*$/gm, '');
  for (const match of code.matchAll(literal)) {
    const before = code.slice(Math.max(0, (match.index ?? 0) - 80), match.index);
    const line = before.slice(before.lastIndexOf('\n') + 1);
    if (!holdsWords(match[0].slice(1, -1))) continue;
    if (/\bt\(\s*$/.test(before)) continue;
    const sink =
      SINKS.slice(0, 4).some((re) => re.test(before)) ||
      SINKS.slice(4).some((re) => re.test(line) && /\b(?:text|title|label|say|textContent)\b/.test(line));
    if (sink) found.push(`${match[0]} (after "${line.trim()}")`);
  }
  return found;
}

describe('review panel strings go through t()', () => {
  it('finds an untranslated literal in each kind of place (the check can fail)', () => {
    assert.equal(untranslated(`createButton('Approve all', {})`).length, 1);
    assert.equal(untranslated(`el('h1', { text: 'Review sandbox changes' })`).length, 1);
    assert.equal(untranslated('this.status.say(`Discarded ${n} changes.`)').length, 1);
    assert.equal(untranslated(`attrs: { 'aria-label': 'Changed files' }`).length, 1);
    assert.equal(untranslated(`placeholder: 'Filter by path',`).length, 1);
    assert.equal(untranslated(`this.meta.textContent = 'Select a file';`).length, 1);
    assert.equal(untranslated(`createButton(t('Approve all'), { title: t('Write it') })`).length, 0);
    assert.equal(untranslated(`el('span', { className: 'file-name', text: file.path })`).length, 0);
  });

  for (const file of sources()) {
    it(`webview/src/${file}`, () => {
      assert.deepEqual(untranslated(readFileSync(path.join(WEBVIEW, file), 'utf8')), []);
    });
  }
});
