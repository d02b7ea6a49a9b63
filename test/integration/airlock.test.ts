/**
 * The airlock over a real session: a command in the hardened container edits the sandbox
 * copy (text hunks, a new folder, a deletion, an executable bit, a setuid request, a symlink
 * out of the workspace, a git hook, a FIFO), the person edits the real tree meanwhile, and
 * apply writes exactly the approved part, merged with the person's edit, and nothing unsafe;
 * undo brings the real tree back byte for byte.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Airlock } from '../../src/core/airlock';
import { startSession } from '../../src/core/session/lifecycle';
import { SandboxSession } from '../../src/core/session/session';
import { disposeStateRoot } from './support/battery';
import { isolateState, makeWorkspace, testPolicy, treeListing } from './support/sandbox';

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

describe('airlock over a real session', () => {
  let stateDir: string;
  let workspace: string;
  let session: SandboxSession;
  let airlock: Airlock;

  before(async () => {
    ({ stateDir } = isolateState());
    workspace = makeWorkspace({
      'a.txt': lines(60),
      'del.txt': 'delete me\n',
      'tool.sh': '#!/bin/sh\necho hi\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
    });
    ({ session } = await startSession({ workspaceRoot: workspace, policy: testPolicy(), progress: () => undefined }));
    airlock = new Airlock({ view: session.snapshot, policy: session.policy, stateDir: session.airlockDir });
    await airlock.recover();
  });

  after(async () => {
    await session?.stop().catch(() => undefined);
    disposeStateRoot(stateDir);
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('classifies what a command in the container changed', async () => {
    const script = [
      "sed -i -e 's/^line 3$/agent 3/' -e 's/^line 30$/agent 30/' -e 's/^line 57$/agent 57/' a.txt",
      'rm del.txt',
      'chmod +x tool.sh',
      'mkdir -p new/dir && printf "new\\n" > new/dir/x.txt',
      'printf "x" > suid && chmod 4755 suid',
      'ln -s /etc/passwd escape',
      'mkdir -p .git/hooks && printf "#!/bin/sh\\n" > .git/hooks/pre-commit',
      'mkfifo pipe',
    ].join(' && ');
    const result = await session.run(['sh', '-c', script]);
    assert.equal(result.exitCode, 0, result.message);

    const set = await airlock.changes();
    const kinds = Object.fromEntries(set.entries.map((e) => [e.path, e.kind]));
    assert.equal(kinds['a.txt'], 'modified');
    assert.equal(kinds['del.txt'], 'deleted');
    assert.equal(kinds['tool.sh'], 'modeChanged');
    assert.equal(kinds['new/dir/x.txt'], 'added');
    const never = (p: string) => set.get(p)?.neverApply.map((r) => r.code);
    assert.deepEqual(never('escape'), ['symlinkEscapes']);
    assert.deepEqual(never('.git/hooks/pre-commit'), ['gitDirectory']);
    assert.deepEqual(never('pipe'), ['specialFile']);
    assert.deepEqual(
      set.get('suid')?.risks.map((r) => r.code),
      ['newExecutable', 'setuid'],
    );
    assert.equal((await airlock.hunks('a.txt'))?.length, 3);
  });

  it("applies exactly the approved hunks merged with the person's edit, nothing unsafe, and undo restores", async () => {
    fs.writeFileSync(path.join(workspace, 'a.txt'), lines(60).replace('line 15\n', 'person 15\n'));
    const beforeApply = treeListing(workspace);

    await airlock.decide('a.txt', 'approved', { hunks: [1, 3] });
    await airlock.decide('a.txt', 'rejected', { hunks: [2], reason: 'not this one' });
    const approval = await airlock.approveAll({ includeRisky: true });
    assert.ok(approval.skipped.some((s) => s.path === 'escape'));
    for (const p of ['escape', 'pipe', '.git/hooks/pre-commit']) await airlock.decide(p, 'approved');
    const report = await airlock.apply();

    assert.deepEqual(report.conflicts, []);
    const status = Object.fromEntries(report.applied.map((a) => [a.path, a.status]));
    assert.equal(status['a.txt'], 'merged');
    assert.equal(status['del.txt'], 'deleted');
    assert.equal(status['new/dir/x.txt'], 'created');
    for (const p of ['escape', 'pipe', '.git/hooks/pre-commit'])
      assert.ok(
        report.refused.some((r) => r.path === p),
        `${p} refused`,
      );

    assert.equal(
      fs.readFileSync(path.join(workspace, 'a.txt'), 'utf8'),
      lines(60).replace('line 3\n', 'agent 3\n').replace('line 15\n', 'person 15\n').replace('line 57\n', 'agent 57\n'),
    );
    assert.equal(fs.existsSync(path.join(workspace, 'del.txt')), false);
    assert.equal(fs.statSync(path.join(workspace, 'tool.sh')).mode & 0o111, 0o111);
    assert.equal(fs.statSync(path.join(workspace, 'suid')).mode & 0o7000, 0);
    assert.equal(fs.readFileSync(path.join(workspace, 'new/dir/x.txt'), 'utf8'), 'new\n');
    for (const p of ['escape', 'pipe', '.git/hooks'])
      assert.equal(fs.existsSync(path.join(workspace, p)), false, `${p} is not in the real tree`);

    // Only the rejected hunk (and the refused entries) are still pending.
    const pending = await airlock.changes();
    assert.deepEqual(
      (await airlock.hunks('a.txt'))?.map((h) => h.lines.filter((l) => l.startsWith('+'))),
      [['+agent 30']],
    );
    assert.equal(pending.get('del.txt'), undefined);
    assert.deepEqual(
      (await airlock.feedback()).map((f) => f.reason),
      ['not this one'],
    );

    const undo = await airlock.undo();
    assert.equal(undo.undone, true, undo.message);
    assert.deepEqual(treeListing(workspace), beforeApply);
  });
});
