/**
 * The overlay scan over a real session remembers which upper directories the container said
 * were opaque, and must notice when the sandbox makes a directory again: a folder first only
 * edited (its base files stay), then removed and made again (its base files are gone).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startSession } from '../../src/core/session/lifecycle';
import { SandboxSession } from '../../src/core/session/session';
import { disposeStateRoot } from './support/battery';
import { isolateState, makeWorkspace, testPolicy } from './support/sandbox';

describe('overlay scan over a real session', () => {
  let stateDir: string;
  let workspace: string;
  let session: SandboxSession;

  before(async () => {
    ({ stateDir } = isolateState());
    workspace = makeWorkspace({ 'lib/one.txt': 'one\n', 'lib/two.txt': 'two\n', 'lib/deep/three.txt': 'three\n' });
    ({ session } = await startSession({ workspaceRoot: workspace, policy: testPolicy(), progress: () => undefined }));
  });

  after(async () => {
    await session?.stop().catch(() => undefined);
    disposeStateRoot(stateDir);
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  const listing = async () => (await session.snapshot.scan()).map((c) => `${c.kind} ${c.path}`).sort();

  it('sees a folder made again after an earlier scan found it merely edited', async () => {
    assert.equal(session.snapshot.strategy, 'overlay');
    assert.equal((await session.run(['sh', '-c', 'echo edited >> lib/one.txt'])).exitCode, 0);
    assert.deepEqual(await listing(), ['modified lib/one.txt']);
    assert.deepEqual(await listing(), ['modified lib/one.txt'], 'a second scan of the same state');

    assert.equal((await session.run(['sh', '-c', 'rm -rf lib && mkdir lib && echo new > lib/one.txt'])).exitCode, 0);
    assert.deepEqual(await listing(), ['deleted lib/deep', 'deleted lib/deep/three.txt', 'deleted lib/two.txt', 'modified lib/one.txt']);
    assert.deepEqual(
      await listing(),
      ['deleted lib/deep', 'deleted lib/deep/three.txt', 'deleted lib/two.txt', 'modified lib/one.txt'],
      'remembered as opaque',
    );

    // Made again once more with a base name back: that one is modified or equal, the rest still gone.
    assert.equal((await session.run(['sh', '-c', 'rm -rf lib && mkdir -p lib && printf "two\\n" > lib/two.txt'])).exitCode, 0);
    assert.deepEqual(await listing(), ['deleted lib/deep', 'deleted lib/deep/three.txt', 'deleted lib/one.txt']);
  });
});
