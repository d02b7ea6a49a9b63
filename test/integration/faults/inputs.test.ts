/**
 * Bad input and a person working alongside the agent. A malformed or loosening policy file,
 * an image that does not exist, a workspace that was deleted, an unreachable engine: each a
 * clear error that names the problem and the fix, with no partial state left behind. And the
 * person editing the same file as the agent: merged when the edits do not overlap, a reported
 * conflict (the person's version kept) when they do.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Airlock } from '../../../src/core/airlock';
import { connectEngine } from '../../../src/core/engine/connection';
import { SandboxError } from '../../../src/core/errors';
import { resolvePolicy } from '../../../src/core/policy';
import { startSession } from '../../../src/core/session/lifecycle';
import { SandboxSession } from '../../../src/core/session/session';
import { isolateState, makeWorkspace, testPolicy } from '../support/sandbox';
import { disposeStateRoot, mountsUnder, sh, startBatterySession, type BatterySession } from '../support/battery';

let stateDir: string;
const workspaces: string[] = [];

before(() => {
  stateDir = isolateState().stateDir;
});

after(() => {
  disposeStateRoot(stateDir);
  for (const w of workspaces) fs.rmSync(w, { recursive: true, force: true });
});

function workspace(files: Record<string, string> = { 'a.txt': 'a\n' }): string {
  const w = makeWorkspace(files);
  workspaces.push(w);
  return w;
}

/** Asserts that nothing of a session for `ws` exists: no record, folder, container or mount. */
async function assertNothingLeft(ws: string): Promise<void> {
  const found = SandboxSession.find(ws);
  assert.equal(found.state, undefined, 'a session record was left');
  assert.ok(!fs.existsSync(path.join(found.dir, 'session.json')), 'a session folder was left');
  assert.deepEqual(mountsUnder(found.dir), [], 'a mount was left');
  const { docker } = await connectEngine();
  const containers = await docker.listContainers({ all: true, filters: { label: [`dev.agent-sandbox.workspace=${fs.realpathSync(ws)}`] } });
  assert.deepEqual(containers, [], 'a container was left');
}

function isSandboxError(code: string, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof SandboxError, `not a SandboxError: ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    assert.ok((err.hint ?? '').length > 0, 'no hint on how to fix it');
    return true;
  };
}

describe('bad input', () => {
  test('a malformed workspace policy file is refused, naming the file', () => {
    const ws = workspace({ '.vscode/agent-sandbox.json': '{ "memoryMb": 512, ' });
    assert.throws(() => resolvePolicy({ workspaceRoot: ws }), isSandboxError('POLICY_INVALID', /agent-sandbox\.json.*not valid JSON/));
  });

  test('a workspace policy that tries to loosen the sandbox is refused, naming the field', () => {
    const ws = workspace({ '.vscode/agent-sandbox.json': JSON.stringify({ network: { mode: 'allowlist' }, memoryMb: 999999 }) });
    assert.throws(() => resolvePolicy({ workspaceRoot: ws }), isSandboxError('POLICY_INVALID', /memoryMb|network\.mode/));
    const typo = workspace({ '.vscode/agent-sandbox.json': JSON.stringify({ memoryMB: 512 }) });
    assert.throws(() => resolvePolicy({ workspaceRoot: typo }), isSandboxError('POLICY_INVALID', /memoryMB/));
  });

  test('an image that does not exist: a clear error and nothing left behind', async () => {
    const ws = workspace();
    await assert.rejects(
      startSession({ workspaceRoot: ws, policy: testPolicy({ image: 'agent-sandbox-missing:nope' }) }),
      isSandboxError('IMAGE_MISSING', /agent-sandbox-missing:nope/),
    );
    await assertNothingLeft(ws);
    await assert.rejects(
      startSession({ workspaceRoot: ws, policy: testPolicy({ baseImage: 'agent-sandbox-missing-base:nope' }) }),
      isSandboxError('IMAGE_MISSING', /agent-sandbox-missing-base:nope/),
    );
    await assertNothingLeft(ws);
  });

  test('a workspace folder that was deleted: a clear error, and apply does not recreate it', async () => {
    const gone = workspace();
    fs.rmSync(gone, { recursive: true });
    await assert.rejects(
      startSession({ workspaceRoot: gone, policy: testPolicy() }),
      isSandboxError('WORKSPACE_INVALID', /does not exist/),
    );

    const ws = workspace({ 'a.txt': 'a\n' });
    const policy = testPolicy();
    const { session } = await startSession({ workspaceRoot: ws, policy });
    await sh(session, 'echo changed > /workspace/a.txt && mkdir -p /workspace/new && echo n > /workspace/new/file.txt');
    const airlock = session.airlock();
    await airlock.approveAll({ includeRisky: true });
    fs.rmSync(ws, { recursive: true });
    const outcome = await airlock.apply().then(
      (report) => report,
      (err: unknown) => err as Error,
    );
    if (!(outcome instanceof Error))
      assert.equal(outcome.applied.length, 0, `applied into a deleted workspace: ${JSON.stringify(outcome.applied)}`);
    assert.ok(!fs.existsSync(ws), 'apply recreated the deleted workspace');
    await session.destroy();
  });

  test('an unreachable engine: a clear error within seconds, nothing created', async () => {
    const ws = workspace();
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      await assert.rejects(
        startSession({ workspaceRoot: ws, policy: testPolicy() }),
        isSandboxError('ENGINE_UNREACHABLE', /not reachable/),
      );
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
    await assertNothingLeft(ws);
  });
});

describe('the person edits the same file as the agent', () => {
  let battery: BatterySession;
  let airlock: Airlock;
  const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}\n`).join('');

  before(async () => {
    battery = await startBatterySession({ 'merge.txt': lines, 'clash.txt': lines, 'gone.txt': lines });
    airlock = battery.session.airlock();
  });

  after(() => battery?.dispose());

  test('edits on different lines are merged', async () => {
    await sh(battery.session, 'sed -i "s/^line 2$/line 2 (agent)/" /workspace/merge.txt');
    const real = path.join(battery.workspace, 'merge.txt');
    fs.writeFileSync(real, lines.replace('line 28\n', 'line 28 (person)\n'));
    await airlock.decide('merge.txt', 'approved');
    const report = await airlock.apply({ paths: ['merge.txt'] });
    assert.deepEqual(
      report.applied.map((a) => [a.path, a.status]),
      [['merge.txt', 'merged']],
    );
    const text = fs.readFileSync(real, 'utf8');
    assert.match(text, /line 2 \(agent\)/);
    assert.match(text, /line 28 \(person\)/);
  });

  test("edits on the same lines are a reported conflict and the person's version stays", async () => {
    await sh(battery.session, 'sed -i "s/^line 5$/line 5 (agent)/" /workspace/clash.txt');
    const real = path.join(battery.workspace, 'clash.txt');
    const mine = lines.replace('line 5\n', 'line 5 (person)\n');
    fs.writeFileSync(real, mine);
    await airlock.decide('clash.txt', 'approved');
    const report = await airlock.apply({ paths: ['clash.txt'] });
    assert.deepEqual(report.applied, []);
    assert.equal(report.conflicts.length, 1);
    assert.match(report.conflicts[0]!.reason, /same lines/);
    assert.equal(fs.readFileSync(real, 'utf8'), mine);
    const kept = await airlock.apply({ paths: ['clash.txt'], onConflict: 'keep-theirs' });
    assert.deepEqual(kept.keptTheirs, ['clash.txt']);
    assert.equal(fs.readFileSync(real, 'utf8'), mine);
  });

  test('a file the person deleted while the agent changed it is a conflict, not a resurrection', async () => {
    await sh(battery.session, 'echo "agent line" >> /workspace/gone.txt');
    fs.rmSync(path.join(battery.workspace, 'gone.txt'));
    await airlock.decide('gone.txt', 'approved');
    const report = await airlock.apply({ paths: ['gone.txt'] });
    assert.deepEqual(report.applied, []);
    assert.ok(report.conflicts.some((c) => c.path === 'gone.txt' && /deleted in your tree/.test(c.reason)));
    assert.ok(!fs.existsSync(path.join(battery.workspace, 'gone.txt')));
  });
});
