import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffCommandFor, listCommandFor } from '../../../webview/src/model/keyboard';
import { HELP_KEY, keyHelp, keyHelpLine } from '../../../webview/src/model/keyHelp';

describe('keyHelp', () => {
  it('every documented key of the list and the diff does what the help says', () => {
    const entries = keyHelp().filter((e) => e.scope !== 'panel');
    assert.ok(entries.length >= 10);
    for (const entry of entries) {
      const commandFor = entry.scope === 'list' ? listCommandFor : diffCommandFor;
      for (const key of entry.keys) {
        const command = commandFor({ key });
        assert.ok(command, `${entry.scope}: "${key}" (${entry.what}) does nothing`);
        if (entry.command !== undefined) assert.equal(command.type, entry.command, `${entry.scope}: "${key}"`);
      }
    }
  });

  it('documents every key the list and the diff answer to', () => {
    const documented = (scope: 'list' | 'diff') => new Set(keyHelp().flatMap((e) => (e.scope === scope ? e.keys : [])));
    const candidates = ['a', 'r', 'o', 'j', 'k', 'n', 'p', 'Enter', 'Escape', 'Home', 'End', 'PageUp', 'PageDown'];
    const arrows = ['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'];
    for (const key of [...candidates, ...arrows, ...'bcdefghilmqstuvwxyz']) {
      if (listCommandFor({ key })) assert.ok(documented('list').has(key), `list key "${key}" is not in the help`);
      if (diffCommandFor({ key })) assert.ok(documented('diff').has(key), `diff key "${key}" is not in the help`);
    }
  });

  it('names the help key and Tab in the panel scope, and the line mentions the help key', () => {
    const panel = keyHelp().filter((e) => e.scope === 'panel');
    assert.ok(panel.some((e) => e.keys.includes(HELP_KEY)));
    assert.ok(panel.some((e) => e.keys.includes('Tab')));
    assert.match(keyHelpLine(), /\? all keys/);
    // The help key must not mean anything else.
    assert.equal(listCommandFor({ key: HELP_KEY }), undefined);
    assert.equal(diffCommandFor({ key: HELP_KEY }), undefined);
  });
});
