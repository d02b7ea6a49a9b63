import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { withFileLock } from '../../../src/core/airlock/lock';
import { SandboxError } from '../../../src/core/errors';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-lock-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

let counter = 0;
function lockPath(): string {
  const dir = path.join(tmpRoot, String(counter++));
  fs.mkdirSync(dir);
  return path.join(dir, 'lock');
}

/** The pid a lock file names (its first line). */
const pidIn = (lock: string) => fs.readFileSync(lock, 'utf8').split('\n')[0];

const isBusy = (pattern: RegExp) => (err: unknown) =>
  err instanceof SandboxError && err.code === 'SESSION_BUSY' && pattern.test(err.message);

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

test('a contender that finds the lock created but its pid not yet written does not take it', async () => {
  const lock = lockPath();
  // The first contender has created the file and not written its pid yet.
  fs.writeFileSync(lock, '');
  let ran = false;
  await assert.rejects(
    withFileLock(lock, async () => (ran = true)),
    isBusy(/being written/),
  );
  assert.equal(ran, false);
  assert.ok(fs.existsSync(lock), "the other contender's lock was removed");
  // The first contender, a live process, finishes writing: still held by it.
  fs.writeFileSync(lock, String(process.ppid));
  await assert.rejects(
    withFileLock(lock, async () => (ran = true)),
    isBusy(new RegExp(`process ${process.ppid}`)),
  );
  assert.equal(ran, false);
  // It releases; now the second contender gets the lock.
  fs.rmSync(lock);
  assert.equal(await withFileLock(lock, async () => pidIn(lock)), String(process.pid));
  assert.ok(!fs.existsSync(lock));
});

test('the lock file never exists without its pid: it is put in place whole', async () => {
  const lock = lockPath();
  const seen: string[] = [];
  const watcher = fs.watch(path.dirname(lock), () => {
    try {
      seen.push(pidIn(lock)!);
    } catch {
      // Gone again, or not there yet.
    }
  });
  try {
    for (let i = 0; i < 50; i++) await withFileLock(lock, async () => seen.push(pidIn(lock)!));
  } finally {
    watcher.close();
  }
  assert.ok(seen.length >= 50);
  assert.deepEqual([...new Set(seen)], [String(process.pid)]);
  assert.deepEqual(fs.readdirSync(path.dirname(lock)), [], 'a temporary file was left behind');
});

test('an empty lock left long ago by a crashed writer is taken over', async () => {
  const lock = lockPath();
  fs.writeFileSync(lock, '');
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(lock, old, old);
  assert.equal(await withFileLock(lock, async () => 'ran'), 'ran');
});

test("a dead process's lock is taken over; a live one's is respected", async () => {
  const lock = lockPath();
  fs.writeFileSync(lock, String(deadPid()));
  assert.equal(await withFileLock(lock, async () => pidIn(lock)), String(process.pid));
  fs.writeFileSync(lock, String(process.ppid));
  await assert.rejects(
    withFileLock(lock, async () => 'ran'),
    isBusy(/process \d+/),
  );
  assert.equal(fs.readFileSync(lock, 'utf8'), String(process.ppid));
});

test('two operations of the same process do not both hold the lock; a leftover with its own pid is taken over', async () => {
  const lock = lockPath();
  let release!: () => void;
  const first = withFileLock(lock, () => new Promise<void>((resolve) => (release = resolve)));
  await new Promise((resolve) => setTimeout(resolve, 50));
  await assert.rejects(
    withFileLock(lock, async () => 'ran'),
    isBusy(new RegExp(`process ${process.pid}`)),
  );
  release();
  await first;
  // A lock with this pid that this process does not hold is from an earlier process that had the same pid.
  fs.writeFileSync(lock, String(process.pid));
  assert.equal(await withFileLock(lock, async () => 'ran'), 'ran');
});

test('releasing never removes a lock that replaced this one', async () => {
  const lock = lockPath();
  await withFileLock(lock, async () => {
    fs.rmSync(lock);
    fs.writeFileSync(lock, String(process.ppid));
  });
  assert.equal(fs.readFileSync(lock, 'utf8'), String(process.ppid));
});

test('contending processes never hold the lock at the same time', async () => {
  const lock = lockPath();
  const marker = path.join(path.dirname(lock), 'holder');
  const fixture = path.join(__dirname, 'fixtures', 'lockContender.ts');
  const go = path.join(path.dirname(lock), 'go');
  const ready: Promise<void>[] = [];
  const runs = Array.from({ length: 4 }, () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, lock, marker, '100', go], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    ready.push(new Promise((resolve) => child.stdout.on('data', () => out.startsWith('ready\n') && resolve())));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    return new Promise<{ held: number; busy: number; overlaps: number }>((resolve, reject) =>
      child.on('exit', (code) =>
        code === 0 ? resolve(JSON.parse(out.slice('ready\n'.length))) : reject(new Error(`contender failed: ${err}`)),
      ),
    );
  });
  // All start at once, once each has loaded.
  await Promise.race([Promise.all(ready), Promise.all(runs)]);
  fs.writeFileSync(go, '');
  const results = await Promise.all(runs);
  const total = results.reduce((a, r) => ({ held: a.held + r.held, busy: a.busy + r.busy, overlaps: a.overlaps + r.overlaps }), {
    held: 0,
    busy: 0,
    overlaps: 0,
  });
  assert.equal(total.overlaps, 0, `two holders at once ${total.overlaps} times (${JSON.stringify(results)})`);
  assert.ok(total.held > 0 && total.busy > 0, `the contenders did not contend: ${JSON.stringify(results)}`);
  assert.ok(!fs.existsSync(lock));
});
