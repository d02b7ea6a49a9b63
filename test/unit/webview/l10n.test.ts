import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setBundle, t } from '../../../webview/src/l10n';

describe('webview t()', () => {
  afterEach(() => setBundle(undefined));

  it('fills {0}, {1} in English when there is no bundle', () => {
    assert.equal(t('Approved {0} of {1}.', 2, 'a.ts'), 'Approved 2 of a.ts.');
    assert.equal(t('Keep my version'), 'Keep my version');
  });

  it('uses the bundle entry keyed by the English message, then fills the arguments', () => {
    setBundle({ 'Approved {0} of {1}.': '{1}: {0} genehmigt.', 'Keep my version': 'Meine Version behalten' });
    assert.equal(t('Approved {0} of {1}.', 2, 'a.ts'), 'a.ts: 2 genehmigt.');
    assert.equal(t('Keep my version'), 'Meine Version behalten');
    assert.equal(t('Not translated'), 'Not translated');
  });

  it('leaves placeholders without an argument as they are, and does not re-expand arguments', () => {
    assert.equal(t('{0} and {1}', 'x'), 'x and {1}');
    assert.equal(t('{0}', '{0}{0}'), '{0}{0}');
  });

  it('ignores a malformed bundle and entries that are not strings', () => {
    setBundle('nonsense');
    assert.equal(t('Keep my version'), 'Keep my version');
    setBundle({ 'Keep my version': 42, toString: 'x' });
    assert.equal(t('Keep my version'), 'Keep my version');
    setBundle(undefined);
    assert.equal(t('toString'), 'toString', 'no prototype lookups');
  });
});
