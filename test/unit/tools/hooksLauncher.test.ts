/**
 * The stable launcher and the configured hook line fail closed: when the CLI is gone, when
 * the launcher itself is gone, when the runtime crashes, the agent sees exit code 2 (the only
 * code that blocks) in every shell an agent may run the hook line with.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureLauncher, hookCommandLine } from '../../../src/core/tools/hookConfig';
import { launcherPath, UnsafeStatePathError } from '../../../src/core/tools/launcher';

const SHELLS = ['bash', 'dash', 'zsh', 'fish'].filter((s) => spawnSync('sh', ['-c', `command -v ${s}`]).status === 0);

function runIn(shell: string, line: string, input = '{}'): { status: number | null; stdout: string; stderr: string } {
  // No start-up files: the line must work on its own, and a slow profile only costs time.
  const quiet: Record<string, string[]> = { bash: ['--norc', '--noprofile'], zsh: ['-f'], fish: ['--no-config'] };
  const args = [...(quiet[shell] ?? []), '-c', line];
  const r = spawnSync(shell, args, { input, encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the stable launcher', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-launcher-'));
  const env = { AGENT_SANDBOX_STATE_DIR: path.join(base, 'state') };
  const script = path.join(base, 'cli.js');
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  const writeCli = (body: string) => fs.writeFileSync(script, body);

  it('refuses a state folder below a folder other users may write, where the launcher could be swapped', () => {
    writeCli('');
    const shared = path.join(base, 'shared');
    fs.mkdirSync(shared, { mode: 0o777 });
    fs.chmodSync(shared, 0o777);
    assert.throws(
      () => ensureLauncher([process.execPath, script], { AGENT_SANDBOX_STATE_DIR: path.join(shared, 'state') }),
      (err: unknown) => /other users may write/.test((err as Error).message) && /AGENT_SANDBOX_STATE_DIR/.test((err as Error).message),
    );
    assert.equal(fs.existsSync(path.join(shared, 'state', 'bin', 'agent-sandbox')), false, 'no launcher is left there');
    // A sticky folder of root's (as /tmp) is fine: nobody else can rename what is ours in it.
    if (process.getuid?.() === 0) {
      fs.chmodSync(shared, 0o1777);
      assert.doesNotThrow(() => ensureLauncher([process.execPath, script], { AGENT_SANDBOX_STATE_DIR: path.join(shared, 'state') }));
    }
  });

  it('is written once into the state folder, private, and replaced only when the CLI changes', () => {
    writeCli('');
    const launcher = ensureLauncher([process.execPath, script], env);
    assert.equal(launcher, launcherPath(env));
    assert.equal(launcher, path.join(env.AGENT_SANDBOX_STATE_DIR, 'bin', 'agent-sandbox'));
    assert.equal(fs.statSync(launcher).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.dirname(launcher)).mode & 0o777, 0o700);
    const inode = fs.statSync(launcher).ino;
    ensureLauncher([process.execPath, script], env);
    assert.equal(fs.statSync(launcher).ino, inode, 'an unchanged launcher is left alone');
    ensureLauncher(['env', 'ELECTRON_RUN_AS_NODE=1', process.execPath, script], env);
    assert.notEqual(fs.statSync(launcher).ino, inode, 'a changed one is replaced by rename');
    assert.match(fs.readFileSync(launcher, 'utf8'), /ELECTRON_RUN_AS_NODE=1/);
  });

  it('starts the CLI with every argument and the state folder it belongs to', () => {
    writeCli('process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), state: process.env.AGENT_SANDBOX_STATE_DIR }))');
    const launcher = ensureLauncher([process.execPath, script], env);
    const r = spawnSync(launcher, ['run-pending', "a b'c"], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { argv: ['run-pending', "a b'c"], state: env.AGENT_SANDBOX_STATE_DIR });
  });

  it('blocks (deny, exit 2) when the CLI it points to is gone, and runs nothing', () => {
    const gone = path.join(base, 'old-version', 'cli.js');
    const launcher = ensureLauncher([process.execPath, gone], env);
    const hook = spawnSync(launcher, ['hook', 'claude'], { input: '{}', encoding: 'utf8' });
    assert.equal(hook.status, 2);
    const answer = JSON.parse(hook.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } };
    assert.equal(answer.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(answer.hookSpecificOutput.permissionDecisionReason, /is gone/);
    assert.match(hook.stderr, /old-version\/cli\.js no longer exists/);
    const run = spawnSync(launcher, ['run-pending', '0'.repeat(32)], { encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
  });

  it('turns a crashing hook into a block', () => {
    writeCli('process.exit(1)');
    const launcher = ensureLauncher([process.execPath, script], env);
    const r = spawnSync(launcher, ['hook', 'vscode'], { input: '{}', encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /the call is blocked/);
  });

  it('refuses a state folder whose path some shell would read specially, naming the fix', () => {
    for (const dir of ['/tmp/my state', "/tmp/o'neil", '/tmp/$HOME', '/tmp/a;b', '/tmp/é', '/tmp/a~b', '/tmp/{a}']) {
      assert.throws(
        () => ensureLauncher([process.execPath, script], { AGENT_SANDBOX_STATE_DIR: dir }),
        (err: unknown) => err instanceof UnsafeStatePathError && /AGENT_SANDBOX_STATE_DIR/.test(err.message),
      );
    }
  });

  for (const shell of SHELLS) {
    it(`the configured hook line blocks in ${shell} when the launcher is missing or the CLI crashes`, () => {
      const missing = hookCommandLine(path.join(base, 'nowhere', 'bin', 'agent-sandbox'), 'claude');
      assert.equal(runIn(shell, missing).status, 2, `${shell}: missing launcher`);
      writeCli('process.kill(process.pid, "SIGKILL")');
      const launcher = ensureLauncher([process.execPath, script], env);
      // Without the launcher's own guard too: the CLI dies directly under the configured line.
      fs.writeFileSync(path.join(base, 'direct'), `#!/bin/sh\nexec ${process.execPath} ${script} "$@"\n`, { mode: 0o700 });
      assert.equal(runIn(shell, hookCommandLine(path.join(base, 'direct'), 'claude')).status, 2, `${shell}: crash`);
      assert.equal(runIn(shell, hookCommandLine(launcher, 'claude')).status, 2, `${shell}: crash under the launcher`);
      writeCli('process.stdout.write("{}")');
      const ok = runIn(shell, hookCommandLine(launcher, 'claude'));
      assert.equal(ok.status, 0, `${shell}: a normal answer keeps exit code 0`);
      assert.equal(ok.stdout, '{}');
    });
  }
});
