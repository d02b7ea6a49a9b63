/**
 * A first start creates the container while the workspace is copied. When either half fails,
 * nothing of the session is left: no container, no volume, no session folder, and no half
 * copy kept for the next start to reuse.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SandboxError } from '../../src/core/errors';
import { startSession } from '../../src/core/session/lifecycle';
import { sessionDirFor } from '../../src/core/session/workspace';
import { baseCacheDirFor } from '../../src/core/snapshot/baseCache';
import { disposeStateRoot, engineObjectsOf } from './support/battery';
import { isolateState, makeWorkspace, testPolicy } from './support/sandbox';

/** A workspace large enough that its copy is still running when the engine answers. */
function largeWorkspace(extra: Record<string, string> = {}): string {
  const files: Record<string, string> = { ...extra };
  for (let i = 0; i < 8000; i++) files[`src/m${i % 40}/f${i}.txt`] = `file ${i}\n`;
  return makeWorkspace(files);
}

describe('creating the container while the workspace is copied', () => {
  let stateDir: string;
  const workspaces: string[] = [];

  before(() => {
    ({ stateDir } = isolateState());
  });

  after(() => {
    disposeStateRoot(stateDir);
    for (const ws of workspaces) fs.rmSync(ws, { recursive: true, force: true });
  });

  function assertNothingLeft(ws: string): void {
    assert.deepEqual(engineObjectsOf(stateDir), { containers: [], volumes: [] }, 'no container or volume is left');
    const dir = sessionDirFor(ws);
    assert.deepEqual(fs.existsSync(dir) ? fs.readdirSync(dir) : [], [], `the session folder ${dir} holds nothing`);
  }

  it('a copy that fails removes the container made meanwhile, and keeps no copy', async () => {
    // A git configuration too large to be one: the copy refuses it rather than copy it unscrubbed.
    const ws = largeWorkspace({ '.git/config': `[core]\n${'\t# padding\n'.repeat(120_000)}` });
    workspaces.push(ws);
    await assert.rejects(
      startSession({ workspaceRoot: ws, policy: testPolicy(), progress: () => undefined }),
      (err: unknown) => err instanceof SandboxError && err.code === 'SNAPSHOT_FAILED' && /larger than 1 MiB/.test(err.message),
    );
    assertNothingLeft(ws);
    assert.ok(!fs.existsSync(baseCacheDirFor(sessionDirFor(ws))), 'a failed copy is not kept for reuse');
  });

  it('a container that cannot be made cancels the copy, and nothing is left', async () => {
    const ws = largeWorkspace();
    workspaces.push(ws);
    const missing = path.join(path.dirname(stateDir), 'no-such-folder');
    await assert.rejects(
      startSession({
        workspaceRoot: ws,
        policy: testPolicy(),
        progress: () => undefined,
        strategy: 'copy',
        extraMounts: [{ hostPath: missing, target: '/mnt/missing' }],
      }),
      (err: unknown) => err instanceof Error && err.message.includes(missing),
    );
    assertNothingLeft(ws);
    // If the copy won the race it is whole (it has a manifest that lists every file); a copy
    // cut short is never kept.
    const kept = baseCacheDirFor(sessionDirFor(ws));
    if (fs.existsSync(kept)) {
      const manifest = JSON.parse(fs.readFileSync(path.join(kept, 'base-manifest.json'), 'utf8')) as { rows: unknown[] };
      assert.equal(manifest.rows.length, 8000, 'a kept copy is a whole copy');
    }
  });

  for (const strategy of ['overlay', 'copy'] as const) {
    it(`a start that succeeds sees the whole copy in the container (${strategy})`, async () => {
      const ws = largeWorkspace();
      workspaces.push(ws);
      const { session } = await startSession({ workspaceRoot: ws, policy: testPolicy(), progress: () => undefined, strategy });
      try {
        const r = await session.run(['sh', '-c', 'find src -type f | wc -l; cat src/m39/f7999.txt; stat -c %a .']);
        assert.equal(r.exitCode, 0, r.message);
        assert.equal(r.stdout.toString(), '8000\nfile 7999\n755\n');
      } finally {
        await session.destroy();
      }
    });
  }
});
