// "Keep my version" on a conflict promises that the person's file stays as it is. It must
// write nothing into the real tree even when, by the time the person chooses it, the file no
// longer conflicts: after a merge in VS Code's merge editor that declined some of the
// sandbox's changes, or after the person put their file back.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Airlock } from '../../../src/core/airlock';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import { reconcileRejections } from '../../../src/core/tools/feedback';
import { ReviewService } from '../../../src/extension/review/reviewService';
import { makeWorkspace } from '../airlock/dirSnapshot';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'keep-my-version-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}\n`).join('');
const write = (root: string, rel: string, content: string) => fs.writeFileSync(path.join(root, rel), content);
const read = (root: string, rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');

function setup(files: Record<string, string>) {
  const ws = makeWorkspace(files, tmpRoot);
  const airlock = new Airlock({ view: ws.view, policy: DEFAULT_POLICY, stateDir: ws.state });
  const service = new ReviewService({
    airlock: () => airlock,
    policy: () => DEFAULT_POLICY,
    dirtyPaths: () => new Set(),
    running: () => true,
    afterTreeChange: async () => {},
    reconcileRejections: async () => {
      await reconcileRejections(airlock, async (rel, content) => fs.writeFileSync(path.join(ws.sandbox, rel), content));
    },
  });
  return { ...ws, service };
}

async function conflictOn(file: string) {
  const base = lines(40);
  const ws = setup({ [file]: base });
  write(ws.sandbox, file, base.replace('line 3\n', 'SANDBOX 3\n').replace('line 30\n', 'SANDBOX 30\n'));
  write(ws.real, file, base.replace('line 3\n', 'MINE 3\n'));
  await ws.service.state();
  await ws.service.setFileDecision(file, 'approved');
  assert.equal((await ws.service.apply()).conflicts.length, 1, 'the file conflicts');
  return { ws, base };
}

test('after a merge that declined one of the sandbox changes, Keep my version writes nothing', async () => {
  const { ws, base } = await conflictOn('a.txt');
  // The person's merge: the sandbox's line 3, and line 30 left as it was (the sandbox's
  // change there declined in the merge editor). Saved into their file.
  const merged = base.replace('line 3\n', 'SANDBOX 3\n');
  write(ws.real, 'a.txt', merged);
  const kept = await ws.service.apply({ path: 'a.txt', choice: 'keep-theirs' });
  assert.deepEqual(kept.applied, []);
  assert.deepEqual(kept.merged, []);
  assert.equal(read(ws.real, 'a.txt'), merged, 'the person kept their merge, without the declined sandbox change');
});

test('after the person put their file back, Keep my version writes nothing', async () => {
  const { ws, base } = await conflictOn('b.txt');
  write(ws.real, 'b.txt', base);
  const kept = await ws.service.apply({ path: 'b.txt', choice: 'keep-theirs' });
  assert.deepEqual(kept.applied, []);
  assert.equal(read(ws.real, 'b.txt'), base, 'the person kept their version');
  const state = await ws.service.state();
  const item = state.files.find((f) => f.path === 'b.txt');
  assert.ok(item === undefined || item.decision === 'rejected', `the sandbox change is set aside (${item?.decision})`);
});
