import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Airlock } from '../../../src/core/airlock';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import { JournalStore } from '../../../src/core/airlock/journal';
import { makeWorkspace, treeListing, type Workspace } from './dirSnapshot';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-crash-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

test('a process SIGKILLed in the middle of an apply leaves every file fully old or fully new, and recover rolls back', () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 20; i++) files[`src/f${String(i).padStart(2, '0')}.txt`] = `old ${i}\n`.repeat(100);
  const ws = makeWorkspace(files, tmpRoot);
  const newContent = (i: number) => `new ${i}\n`.repeat(120);
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(ws.sandbox, `src/f${String(i).padStart(2, '0')}.txt`), newContent(i));
  const before = treeListing(ws.real);

  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'fixtures', 'applyAndDie.ts'), ws.real, ws.base, ws.sandbox, ws.state, 'ops', '7'],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
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

/** A workspace of `count` files in one folder, each changed in the sandbox. */
function manyChangedFiles(count: number): { ws: Workspace; name: (i: number) => string; newContent: (i: number) => string } {
  const name = (i: number) => `src/f${String(i).padStart(4, '0')}.txt`;
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) files[name(i)] = `old ${i}\n`.repeat(40);
  const ws = makeWorkspace(files, tmpRoot);
  const newContent = (i: number) => `new ${i}\n`.repeat(50);
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(ws.sandbox, name(i)), newContent(i));
  return { ws, name, newContent };
}

async function journalStates(ws: Workspace): Promise<string[]> {
  const store = new JournalStore(path.join(ws.state, 'journal'));
  return Promise.all((await store.list()).map((id) => store.state(id)));
}

test('a SIGKILL from outside while the batch of temporary files is written: no file of the tree changed, and recover leaves it exactly as before', async () => {
  const count = 600;
  const { ws } = manyChangedFiles(count);
  const before = treeListing(ws.real);

  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'fixtures', 'applyAndDie.ts'), ws.real, ws.base, ws.sandbox, ws.state, 'none', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  // The kill comes from this process the moment the first temporary file appears in the real tree.
  let tempsSeen = 0;
  const watcher = fs.watch(path.join(ws.real, 'src'), (_event, file) => {
    if (file && String(file).startsWith('.agent-sandbox-') && tempsSeen++ === 0) child.kill('SIGKILL');
  });
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  watcher.close();
  assert.equal(exit.signal, 'SIGKILL', `the child was killed from outside (output: ${output})`);
  assert.ok(tempsSeen > 0, 'the kill came while temporary files were being written');
  assert.deepEqual(await journalStates(ws), ['prepared'], 'the journal was written and never committed');

  const left = treeListing(ws.real);
  for (const [rel, what] of Object.entries(before))
    assert.equal(left[rel], what, `${rel} is untouched: nothing is renamed before the batch is flushed`);

  const recovery = await new Airlock({ view: ws.view, policy: DEFAULT_POLICY, stateDir: ws.state }).recover();
  assert.equal(recovery.rolledBack.length, 1);
  assert.deepEqual(recovery.problems, []);
  assert.deepEqual(treeListing(ws.real), before, 'the tree is exactly as before, without a temporary file');
});

test('a SIGKILL after every temporary file of the batch is written, before the flush and the renames: recover leaves the tree exactly as before', async () => {
  const count = 200;
  const { ws, name, newContent } = manyChangedFiles(count);
  const before = treeListing(ws.real);

  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'fixtures', 'applyAndDie.ts'), ws.real, ws.base, ws.sandbox, ws.state, 'temps', String(count)],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(child.signal, 'SIGKILL', `the child was killed by its fault hook (stdout: ${child.stdout}, stderr: ${child.stderr})`);
  const temps = fs.readdirSync(path.join(ws.real, 'src')).filter((n) => n.startsWith('.agent-sandbox-'));
  assert.equal(temps.length, count, 'every temporary file of the batch was there when the process died');
  for (let i = 0; i < count; i++)
    assert.notEqual(fs.readFileSync(path.join(ws.real, name(i)), 'utf8'), newContent(i), `${name(i)} was not renamed yet`);
  assert.deepEqual(await journalStates(ws), ['prepared']);

  const recovery = await new Airlock({ view: ws.view, policy: DEFAULT_POLICY, stateDir: ws.state }).recover();
  assert.equal(recovery.rolledBack.length, 1);
  assert.deepEqual(recovery.problems, []);
  assert.deepEqual(treeListing(ws.real), before, 'the tree is exactly as before, without a temporary file');
});
