/**
 * The process that owns a session (the extension host or the CLI) is SIGKILLed, then a new
 * one starts. A session killed while it was being made is collected (container, volume,
 * capped file system and copy), and the new start says so; a session killed in the middle of
 * a command is reattached, says so, and keeps what the command wrote.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { connectEngine } from '../../../src/core/engine/connection';
import { startSession } from '../../../src/core/session/lifecycle';
import { SandboxSession } from '../../../src/core/session/session';
import { isolateState, makeWorkspace, testPolicy } from '../support/sandbox';
import { disposeStateRoot, mountsUnder, spawnOwner } from '../support/battery';

let stateDir: string;
const workspaces: string[] = [];

before(() => {
  stateDir = isolateState().stateDir;
});

after(() => {
  disposeStateRoot(stateDir);
  for (const w of workspaces) fs.rmSync(w, { recursive: true, force: true });
});

describe('the owning process dies', () => {
  test('killed while the session was being made: the next start collects the leftovers and says so', async () => {
    // Enough files that the copy is still under way when the kill lands.
    const files = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`pkg/m${i % 30}/f${i}.txt`, `${i}\n`]));
    const workspace = makeWorkspace(files);
    workspaces.push(workspace);
    const policy = testPolicy();
    const owner = spawnOwner(['start', workspace, JSON.stringify(policy)]);
    await owner.waitFor(/^progress Preparing the sandbox image/);
    await owner.killOwner();
    const left = SandboxSession.find(workspace);
    assert.equal(left.state?.status, 'starting', 'the kill came too late to leave a half-made session');

    const { session, outcome, collected } = await startSession({ workspaceRoot: workspace, policy });
    assert.equal(outcome, 'created');
    assert.ok(
      collected.some((c) => c.startsWith('copy ') && c.includes(left.dir)),
      `the person was not told: ${JSON.stringify(collected)}`,
    );
    assert.notEqual(session.id, left.state!.id);
    assert.equal((await session.run(['/bin/sh', '-c', 'ls /workspace/pkg | wc -l'])).stdout.toString().trim(), '30');
    // Exactly one container and at most one capped file system for this workspace.
    const containers = await (
      await connectEngine()
    ).docker.listContainers({ all: true, filters: { label: [`dev.agent-sandbox.workspace=${fs.realpathSync(workspace)}`] } });
    assert.deepEqual(
      containers.map((c) => c.Id),
      [session.containerId],
    );
    assert.ok(mountsUnder(left.dir).filter((m) => m.endsWith('/capped')).length <= 1);
    await session.destroy();
    assert.deepEqual(mountsUnder(left.dir), [], 'destroy left a mount behind');
  });

  test('killed in the middle of a command: the next start reattaches, says so, and nothing is lost', async () => {
    const workspace = makeWorkspace({ 'a.txt': 'a\n' });
    workspaces.push(workspace);
    const policy = testPolicy();
    const owner = spawnOwner(['start-and-run', workspace, JSON.stringify(policy)]);
    const started = await owner.waitFor(/^started /);
    await owner.waitFor(/^running$/);
    await owner.killOwner();
    const containerId = started.split(' ')[2];

    const { session, outcome } = await startSession({ workspaceRoot: workspace, policy });
    assert.equal(outcome, 'reused', 'the person is told the running session was reattached');
    assert.equal(session.containerId, containerId);
    const changes = await session.snapshot.scan();
    assert.ok(
      changes.some((c) => c.path === 'written-before-kill.txt'),
      'what the command wrote before the kill was lost',
    );
    assert.ok(!fs.existsSync(`${workspace}/written-before-kill.txt`), 'a command wrote the real tree');
    const r = await session.run(['/bin/sh', '-c', 'cat /workspace/written-before-kill.txt']);
    assert.equal(r.stdout.toString(), 'partial\n');
    await session.destroy();
  });
});
