import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { LABELS } from '../../../src/core/engine/hardening';
import { machineOrigin, madeHere, originOfSessionDir, sessionDirFor } from '../../../src/core/session/workspace';

describe('which engine objects this machine made (madeHere)', () => {
  const env = { AGENT_SANDBOX_STATE_DIR: path.join(path.sep, 'state', 'one') };
  const mine = machineOrigin(env);

  it("reads a session folder's origin as the origin of its state folder", () => {
    assert.equal(originOfSessionDir(sessionDirFor('/some/workspace', env)), mine);
    assert.notEqual(originOfSessionDir(sessionDirFor('/some/workspace', { AGENT_SANDBOX_STATE_DIR: '/state/two' })), mine);
  });

  it('takes an object without an origin as ours on a local engine only', () => {
    assert.equal(madeHere({ [LABELS.managed]: '1' }, true, mine), true);
    assert.equal(madeHere({ [LABELS.managed]: '1' }, false, mine), false);
    assert.equal(madeHere(undefined, false, mine), false);
  });

  it('takes an object with an origin as ours only when it names this machine, on any engine', () => {
    for (const local of [true, false]) {
      assert.equal(madeHere({ [LABELS.origin]: mine }, local, mine), true);
      assert.equal(madeHere({ [LABELS.origin]: 'another-machine' }, local, mine), false);
      assert.equal(madeHere({ [LABELS.origin]: '' }, local, mine), false);
    }
  });
});
