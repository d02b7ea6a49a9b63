/**
 * The sandbox engine and the CLI against the real Docker engine: the done-when
 * flows, exit codes, timeouts, the hardening as the container really has it, crash clean-up
 * and failing closed without an engine.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readAudit } from '../../src/core/audit';
import { connectEngine } from '../../src/core/engine/connection';
import { LABELS } from '../../src/core/engine/hardening';
import { collectGarbage } from '../../src/core/session/gc';
import { attachSession, startSession } from '../../src/core/session/lifecycle';
import { SandboxSession } from '../../src/core/session/session';
import { readState, writeState } from '../../src/core/session/state';
import { disposeStateRoot } from './support/battery';
import { cli, containersOf, isolateState, makeWorkspace, testPolicy, testUnderGvisor, treeListing } from './support/sandbox';

const { stateDir } = isolateState();

after(() => disposeStateRoot(stateDir));

describe('the agent-sandbox CLI on a real engine', () => {
  let ws: string;
  before(async () => {
    ws = makeWorkspace({ 'old.txt': 'old\n', 'keep.txt': 'a\nb\nc\n', '.env': 'TOKEN=secret\n' });
    const started = await cli(['--workspace', ws, 'start']);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout.trim(), /^[\w.-]+$/, 'start prints the session id');
  });

  it('a command changes the copy, never the real tree, and apply --all makes the real tree match', async () => {
    const before = treeListing(ws);
    const run = await cli(['--workspace', ws, 'run', '--', 'sh', '-c', 'echo hi > new.txt; rm old.txt']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(treeListing(ws), before, 'the real tree is unchanged after the command');

    const changes = await cli(['--workspace', ws, 'changes', '--json']);
    assert.equal(changes.code, 0, changes.stderr);
    const listed = (JSON.parse(changes.stdout) as { path: string; kind: string }[]).map((c) => `${c.kind} ${c.path}`).sort();
    assert.deepEqual(listed, ['added new.txt', 'deleted old.txt']);

    const apply = await cli(['--workspace', ws, 'apply', '--all']);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    assert.equal(fs.readFileSync(path.join(ws, 'new.txt'), 'utf8'), 'hi\n');
    assert.ok(!fs.existsSync(path.join(ws, 'old.txt')));
    assert.equal(fs.readFileSync(path.join(ws, '.env'), 'utf8'), 'TOKEN=secret\n', 'the excluded secret on the host is untouched');

    const after = await cli(['--workspace', ws, 'changes', '--json']);
    assert.deepEqual(JSON.parse(after.stdout), [], 'applied changes leave the pending set');
  });

  it('exit codes 0 and 42 come back exactly, every time', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal((await cli(['--workspace', ws, 'run', '--', 'true'])).code, 0);
      assert.equal((await cli(['--workspace', ws, 'run', '--', 'sh', '-c', 'exit 42'])).code, 42);
    }
  });

  it('streams the command output and keeps argv elements intact (no shell joins them)', async () => {
    const run = await cli(['--workspace', ws, 'run', '--', 'printf', '%s|', 'two words', '$(id)', '; rm -rf /']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'two words|$(id)|; rm -rf /|');
  });

  it('a timeout kills the command and everything it started, with exit code 124', async () => {
    const run = await cli(['--workspace', ws, 'run', '--timeout', '1', '--', 'sh', '-c', 'sleep 300 & sleep 301 & yes > /dev/null']);
    assert.equal(run.code, 124);
    assert.match(run.stderr, /Timed out after 1 s/);
    const ps = await cli(['--workspace', ws, 'run', '--', 'ps', '-eo', 'args']);
    assert.doesNotMatch(ps.stdout, /sleep 30[01]|yes/, `nothing is left running:\n${ps.stdout}`);
  });

  it('the audit log records every command with its exit code, duration and changed files', async () => {
    await cli(['--workspace', ws, 'run', '--', 'sh', '-c', 'echo audit > audited.txt; exit 3']);
    const records = readAudit(path.join(SandboxSession.find(ws).dir, 'audit.jsonl')).filter((r) => r.event === 'command');
    const last = records.at(-1)!;
    assert.deepEqual(last.argv, ['sh', '-c', 'echo audit > audited.txt; exit 3']);
    assert.equal(last.exitCode, 3);
    assert.ok(typeof last.durationMs === 'number' && last.durationMs >= 0);
    assert.deepEqual(last.changedFiles, ['audited.txt']);
  });

  it('usage errors say what to do and exit 2', async () => {
    const run = await cli(['--workspace', ws, 'run', 'echo', 'hi']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /after "--"/);
  });
});

describe('the container as the engine really runs it', () => {
  let session: SandboxSession;
  before(async () => {
    const ws = makeWorkspace({ 'a.txt': 'a\n' });
    ({ session } = await startSession({ workspaceRoot: ws, policy: testPolicy() }));
  });

  const sh = async (script: string) => session.run(['sh', '-c', script], { timeoutSec: 20 });

  it('has no capabilities and no new privileges', async () => {
    const r = await sh('grep -E "^(CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)" /proc/self/status');
    assert.match(r.stdout.toString(), /CapPrm:\s+0{16}/);
    assert.match(r.stdout.toString(), /CapEff:\s+0{16}/);
    assert.match(r.stdout.toString(), /CapBnd:\s+0{16}/);
    // gVisor's status file has no NoNewPrivs line; prctl asks the kernel on every runtime.
    const nnp = await session.run(['python3', '-c', 'import ctypes\nprint(ctypes.CDLL(None).prctl(39, 0, 0, 0, 0))']);
    assert.equal(nnp.stdout.toString(), '1\n');
    if (!testUnderGvisor()) assert.match(r.stdout.toString(), /NoNewPrivs:\s+1/);
  });

  it('has no network interface but loopback', async () => {
    const r = await sh('cat /proc/net/dev');
    const interfaces = r.stdout
      .toString()
      .split('\n')
      .slice(2)
      .map((l) => l.split(':')[0]!.trim())
      .filter(Boolean);
    assert.deepEqual(interfaces, ['lo']);
  });

  it('has a read-only root and a writable workspace and /tmp', async () => {
    const r = await sh(
      'touch /probe 2>&1; echo "root=$?"; touch /usr/probe 2>&1; echo "usr=$?"; touch /tmp/ok && echo tmp=ok; touch /workspace/ok && echo ws=ok',
    );
    const out = r.stdout.toString();
    if (testUnderGvisor()) {
      // gVisor checks the user's permission before the mount's read-only flag (EACCES), so
      // the mount itself is read as gVisor's kernel has it.
      const root = (await sh('grep "^[^ ]* / " /proc/mounts')).stdout.toString();
      assert.match(root, /^\S+ \/ \S+ ro[, ]/, root);
    } else assert.match(out, /Read-only file system/);
    assert.match(out, /root=1/);
    assert.match(out, /usr=1/);
    assert.match(out, /tmp=ok/);
    assert.match(out, /ws=ok/);
  });

  it('runs as the non-root sandbox user', async () => {
    const r = await session.run(['id', '-u']);
    assert.notEqual(r.stdout.toString().trim(), '0');
  });

  it('keeps a bounded amount of a flood of output and counts the rest', async () => {
    const r = await sh('head -c 5000000 /dev/zero | tr "\\0" x');
    assert.equal(r.exitCode, 0);
    assert.ok(r.stdout.length < session.policy.outputCapBytes + 200, `kept ${r.stdout.length} bytes`);
    assert.equal(r.droppedBytes, 5_000_000 - session.policy.outputCapBytes);
  });
});

describe('crash clean-up', () => {
  it('collects a container whose session record is gone, and a copy stuck in "starting" by a dead process', async () => {
    const ws = makeWorkspace({ 'a.txt': 'a\n' });
    const { session } = await startSession({ workspaceRoot: ws, policy: testPolicy() });
    const orphanId = session.containerId;
    // A crash after the container was created but before the record was written.
    fs.rmSync(path.join(session.dir, 'session.json'));

    const ws2 = makeWorkspace({ 'b.txt': 'b\n' });
    const { session: s2 } = await startSession({ workspaceRoot: ws2, policy: testPolicy() });
    const stuck = readState(s2.dir)!;
    // A process that died while starting: a pid that cannot be alive.
    writeState(s2.dir, { ...stuck, status: 'starting', ownerPid: 2 ** 22 + 1 });

    const { docker } = await connectEngine();
    const collected = await collectGarbage(docker);
    assert.ok(
      collected.some((c) => c.startsWith('container')),
      collected.join('\n'),
    );
    assert.ok(
      collected.some((c) => c.startsWith('copy')),
      collected.join('\n'),
    );
    const left = containersOf(stateDir);
    assert.ok(!left.some((id) => orphanId.startsWith(id)), 'the orphaned container is gone');
    assert.ok(!left.some((id) => s2.containerId.startsWith(id)), 'the half-started container is gone');
    assert.ok(!fs.existsSync(s2.dir), 'the half-started copy is gone');
    const labelled = spawnSync('docker', ['ps', '-aq', '--filter', `label=${LABELS.session}=${stuck.id}`], { encoding: 'utf8' });
    assert.equal(labelled.stdout.trim(), '');
  });

  it('drops kept base copies unused for two weeks, and keeps recent ones', async () => {
    const cacheRoot = path.join(stateDir, 'base-cache');
    const stale = path.join(cacheRoot, 'gone-workspace-0123456789ab');
    const recent = path.join(cacheRoot, 'live-workspace-ba9876543210');
    for (const dir of [stale, recent]) fs.mkdirSync(path.join(dir, 'base'), { recursive: true });
    const monthAgo = new Date(Date.now() - 30 * 86_400_000);
    fs.utimesSync(stale, monthAgo, monthAgo);
    const { docker } = await connectEngine();
    const collected = await collectGarbage(docker);
    assert.ok(!fs.existsSync(stale), 'the stale kept copy is removed');
    assert.ok(fs.existsSync(recent), 'the recent kept copy stays');
    assert.ok(
      collected.some((c) => c.includes(stale) && /unused for 30 days/.test(c)),
      collected.join('\n'),
    );
  });

  it('neither attaches to nor reuses a running container whose record never became ready: start checks it again', async () => {
    // As a start leaves it when the check inside the container failed and its kill failed too.
    const ws = makeWorkspace({ 'a.txt': 'a\n' });
    const { session } = await startSession({ workspaceRoot: ws, policy: testPolicy() });
    await session.run(['/bin/sh', '-c', 'echo left > /workspace/left.txt; sleep 600 >/dev/null 2>&1 &']);
    writeState(session.dir, { ...readState(session.dir)!, status: 'stopped' });
    const { docker } = await connectEngine();
    const startedAt = (await docker.getContainer(session.containerId).inspect()).State.StartedAt;

    await assert.rejects(attachSession({ workspaceRoot: ws, policy: testPolicy() }), /has not finished starting/);
    const again = await startSession({ workspaceRoot: ws, policy: testPolicy() });
    assert.equal(again.outcome, 'restarted');
    assert.equal(again.session.containerId, session.containerId);
    const now = await docker.getContainer(session.containerId).inspect();
    assert.notEqual(now.State.StartedAt, startedAt, 'the running container was reused without its checks');
    assert.equal(readState(session.dir)!.status, 'ready');
    const r = await again.session.run(['/bin/sh', '-c', 'cat /workspace/left.txt; pgrep -f "sleep 60[0]" || echo none']);
    assert.equal(r.stdout.toString(), 'left\nnone\n', 'the copy is kept, the old processes are gone');
    await attachSession({ workspaceRoot: ws, policy: testPolicy() });
    await again.session.destroy();
  });

  it('reattaches to a running session after the process that started it is gone', async () => {
    const ws = makeWorkspace({ 'a.txt': 'a\n' });
    const first = await cli(['--workspace', ws, 'start']);
    assert.equal(first.code, 0, first.stderr);
    const second = await cli(['--workspace', ws, 'start']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout, 'the same session');
    assert.match(second.stderr, /Reattached/);
  });
});

describe('failing closed without an engine', () => {
  const ws = makeWorkspace({ 'a.txt': 'a\n' });
  // A session that was running before the engine went away.
  before(async () => {
    const started = await cli(['--workspace', ws, 'start']);
    assert.equal(started.code, 0, started.stderr);
  });

  async function expectUnreachable(dockerHost: string, expectedReason?: RegExp) {
    for (const args of [['start'], ['run', '--', 'touch', 'new'], ['changes'], ['apply', '--all'], ['stop']]) {
      const r = await cli(['--workspace', ws, ...args], { env: { DOCKER_HOST: dockerHost } });
      assert.equal(r.code, 1, `${args.join(' ')} fails`);
      assert.match(r.stderr, /Docker engine is not reachable/, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /Start the Docker engine/);
      // "Within seconds" is bounded by construction (an immediate refusal, or the engine
      // check's own 5 s limit, named in the message), not by a wall-clock assertion.
      if (expectedReason) assert.match(r.stderr, expectedReason);
    }
    assert.deepEqual(fs.readdirSync(ws), ['a.txt'], 'nothing ran on the host');
  }

  it('when the socket does not exist', () =>
    expectUnreachable(`unix://${path.join(os.tmpdir(), 'no-such-engine.sock')}`, /does not exist/));

  it('when the socket exists but nobody answers', async () => {
    const sock = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dead-engine-')), 'docker.sock');
    // A listener that accepts and never answers: the check must time out, not hang.
    const server = net.createServer(() => undefined).listen(sock);
    try {
      await expectUnreachable(`unix://${sock}`, /no answer within 5 s/);
    } finally {
      server.close();
    }
  });
});
