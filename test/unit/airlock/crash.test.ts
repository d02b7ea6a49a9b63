import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Airlock } from '../../../src/core/airlock';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import { makeWorkspace, treeListing } from './dirSnapshot';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-crash-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

test('a process SIGKILLed in the middle of an apply leaves every file fully old or fully new, and recover rolls back', () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 20; i++) files[`src/f${String(i).padStart(2, '0')}.txt`] = `old ${i}\n`.repeat(100);
  const ws = makeWorkspace(files, tmpRoot);
  const newContent = (i: number) => `new ${i}\n`.repeat(120);
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(ws.sandbox, `src/f${String(i).padStart(2, '0')}.txt`), newContent(i));
  const before = treeListing(ws.real);

  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'applyAndDie.ts'), ws.real, ws.base, ws.sandbox, ws.state, '7'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(child.signal, 'SIGKILL', `the child was killed by its fault hook (stdout: ${child.stdout}, stderr: ${child.stderr})`);

  let newCount = 0;
  for (let i = 0; i < 20; i++) {
    const content = fs.readFileSync(path.join(ws.real, `src/f${String(i).padStart(2, '0')}.txt`), 'utf8');
    const isOld = content === files[`src/f${String(i).padStart(2, '0')}.txt`];
    assert.ok(isOld || content === newContent(i), `f${i} is fully old or fully new`);
    if (!isOld) newCount++;
  }
  assert.ok(newCount >= 7 && newCount < 20, `the kill came in the middle (${newCount} of 20 files new)`);

  return new Airlock({ view: ws.view, policy: DEFAULT_POLICY, stateDir: ws.state }).recover().then((recovery) => {
    assert.equal(recovery.rolledBack.length, 1);
    assert.deepEqual(recovery.problems, []);
    assert.deepEqual(treeListing(ws.real), before, 'every file is back to old and no temporary file is left');
  });
});
