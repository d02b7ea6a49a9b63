/**
 * A write through a shared mapping changes a file's bytes without moving its size,
 * modification or change time once the page is already writable. The sandbox makes the page
 * writable while the file still equals the base, lets a change scan find the file equal, then
 * writes new bytes through the same mapping: the next scan must still report the change, so
 * no scan may trust an earlier reading of a sandbox file's bytes (see scanMemo.ts).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, it } from 'node:test';
import { Airlock } from '../../../src/core/airlock';
import { startSession } from '../../../src/core/session/lifecycle';
import { disposeStateRoot } from '../support/battery';
import { isolateState, makeWorkspace, testPolicy } from '../support/sandbox';

const { stateDir } = isolateState();
const cleanUp: string[] = [];

after(() => {
  disposeStateRoot(stateDir);
  for (const p of cleanUp) fs.rmSync(p, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const MAPPER = `
import mmap, os, time
f = open('config.txt', 'r+b')
m = mmap.mmap(f.fileno(), 0)
m[0:1] = b'X'; m[0:1] = b'a'   # the write fault moves the times; the bytes are the base's again
time.sleep(4)
m[0:5] = b'EVIL!'              # no fault: no time moves
m.flush(); time.sleep(60)
`;

it('a change written through a shared mapping after a scan found the file equal is still reported', async () => {
  const ws = makeWorkspace({ 'config.txt': 'allow=no\n' });
  cleanUp.push(ws);
  const { session } = await startSession({ workspaceRoot: ws, policy: testPolicy(), progress: () => undefined });
  try {
    const airlock = new Airlock({ view: session.snapshot, policy: session.policy, stateDir: session.airlockDir });
    // config.txt is copied up to the upper layer; the mapper runs on in the background.
    const started = await session.run([
      'sh',
      '-c',
      `cat > /tmp/m.py <<'PY'\n${MAPPER}\nPY\nsetsid python3 /tmp/m.py </dev/null >/dev/null 2>&1 &\nsleep 0.5`,
    ]);
    assert.equal(started.exitCode, 0, started.stderr.toString());
    await sleep(2000);
    const before = await airlock.changes();
    assert.deepEqual(
      before.entries.map((e) => e.path),
      [],
      'equal to the base: no change yet',
    );
    await sleep(4000);
    const seen = await session.run(['cat', 'config.txt']);
    assert.equal(seen.stdout.toString(), 'EVIL!=no\n', 'the sandbox reads the new bytes');
    const later = await airlock.changes();
    assert.deepEqual(
      later.entries.map((e) => `${e.kind} ${e.path}`),
      ['modified config.txt'],
      'the change is hidden from review',
    );
  } finally {
    await session.destroy();
  }
});
