/**
 * The Docker engine restarts in the middle of a command. The result must be "interrupted",
 * never success; while the engine is away, starting a session fails with a clear reason;
 * when it is back, the next start restarts or rebuilds the session, and the copy with its
 * pending changes is intact. Nothing is applied to the real tree.
 *
 * This restarts the machine's engine (kill + .ci/ensure-docker), so it must be the last test
 * of its file and integration tests must run one file at a time (--test-concurrency=1). The
 * engine is brought back even when an assertion fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SandboxError } from '../../../src/core/errors';
import { startSession } from '../../../src/core/session/lifecycle';
import { type RunResult } from '../../../src/core/session/session';
import { isolateState, makeWorkspace, REPO_ROOT, testPolicy, treeListing } from '../support/sandbox';
import { disposeStateRoot } from '../support/battery';

const ENSURE_DOCKER = path.join(REPO_ROOT, '.ci', 'ensure-docker');
// The engine that goes away must be the one asked: without this, a start while Docker is down
// (its socket gone) would find another engine's socket, such as Podman's, and use that.
process.env.DOCKER_HOST ??= 'unix:///var/run/docker.sock';

let stateDir: string;
let workspace: string;

before(() => {
  stateDir = isolateState().stateDir;
  workspace = makeWorkspace({ 'a.txt': 'a\n' });
});

after(() => {
  bringEngineBack();
  disposeStateRoot(stateDir);
  fs.rmSync(workspace, { recursive: true, force: true });
});

function engineAnswers(): boolean {
  return spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 10_000 }).status === 0;
}

function bringEngineBack(): void {
  if (engineAnswers()) return;
  const r = spawnSync(ENSURE_DOCKER, { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `the engine did not come back: ${r.stderr}`);
}

function dockerdPid(): number {
  const pid = Number(fs.readFileSync('/var/run/docker.pid', 'utf8').trim());
  assert.ok(pid > 0, 'no dockerd pid');
  return pid;
}

async function waitGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`dockerd (pid ${pid}) did not exit within ${timeoutMs} ms`);
}

describe('the engine restarts under a command', () => {
  // Keep this the last test of the file: it takes the engine away.
  test('the command is "interrupted", the session comes back, nothing is applied or lost', async () => {
    const policy = testPolicy();
    const { session } = await startSession({ workspaceRoot: workspace, policy });
    const realBefore = treeListing(workspace);
    try {
      let sawOutput!: () => void;
      const running = new Promise<void>((resolve) => (sawOutput = resolve));
      const command = session.run(['/bin/sh', '-c', 'echo pending > /workspace/pending.txt; echo started; sleep 120; echo finished'], {
        onStdout: (chunk) => {
          if (chunk.toString().includes('started')) sawOutput();
        },
      });
      await running;
      const pid = dockerdPid();
      process.kill(pid, 'SIGTERM');
      const result = await command;
      assert.equal(result.outcome, 'interrupted', `outcome ${result.outcome}, exit ${result.exitCode}: ${result.message ?? ''}`);
      assert.notEqual(result.exitCode, 0);
      assert.match(result.message ?? '', /Interrupted/);
      assert.ok(!result.stdout.toString().includes('finished'));
      await waitGone(pid, 30_000);

      // While the engine is away: a clear refusal, never a fallback.
      let whileDown: RunResult | Error;
      try {
        whileDown = await session.run(['true']);
      } catch (err) {
        whileDown = err as Error;
      }
      if (whileDown instanceof Error) assert.match(whileDown.message, /ECONNREFUSED|ENOENT|connect|not reachable/, String(whileDown));
      else assert.equal(whileDown.outcome, 'interrupted', 'a command "ran" with no engine');
      await assert.rejects(
        startSession({ workspaceRoot: workspace, policy }),
        (err: unknown) => err instanceof SandboxError && err.code === 'ENGINE_UNREACHABLE',
      );

      bringEngineBack();
      const again = await startSession({ workspaceRoot: workspace, policy });
      assert.ok(['restarted', 'recreated'].includes(again.outcome), `outcome ${again.outcome}`);
      const r = await again.session.run(['cat', '/workspace/pending.txt']);
      assert.equal(r.outcome, 'exited');
      assert.equal(r.stdout.toString(), 'pending\n', 'the pending change was lost');
      assert.deepEqual(treeListing(workspace), realBefore, 'something reached the real tree');
      await again.session.destroy();
    } finally {
      bringEngineBack();
    }
  });
});
