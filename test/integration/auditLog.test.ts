/**
 * The audit log over a real session: a command in the container, a rejection with its
 * reason, an apply, an undo and a discard each leave a record with their details, in the
 * session folder on the host, where the container cannot reach it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readAudit, type AuditRecord } from '../../src/core/audit';
import { formatAuditLog } from '../../src/core/auditFormat';
import { startSession } from '../../src/core/session/lifecycle';
import type { SandboxSession } from '../../src/core/session/session';
import { disposeStateRoot } from './support/battery';
import { isolateState, makeWorkspace, testPolicy } from './support/sandbox';

describe('audit log over a real session', () => {
  let stateDir: string;
  let workspace: string;
  let session: SandboxSession;

  before(async () => {
    ({ stateDir } = isolateState());
    workspace = makeWorkspace({ 'a.txt': 'one\n', 'b.txt': 'two\n' });
    ({ session } = await startSession({ workspaceRoot: workspace, policy: testPolicy(), progress: () => undefined }));
  });

  after(async () => {
    await session?.stop().catch(() => undefined);
    disposeStateRoot(stateDir);
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  const since = (n: number): AuditRecord[] => readAudit(session.auditFile).slice(n);

  it('records commands, a rejection, an apply, an undo and a discard with their details', async () => {
    const start = readAudit(session.auditFile).length;
    const run = await session.run(['sh', '-c', 'echo ONE > a.txt && echo TWO > b.txt && echo THREE > c.txt && exit 3']);
    assert.equal(run.exitCode, 3);

    const airlock = session.airlock();
    await airlock.decide('b.txt', 'rejected', { reason: 'keep two as it is' });
    await airlock.decide('a.txt', 'approved');
    const applied = await airlock.apply();
    assert.deepEqual(applied.applied.map((a) => a.path).sort(), ['a.txt']);
    assert.equal(fs.readFileSync(path.join(workspace, 'a.txt'), 'utf8'), 'ONE\n');
    const undone = await airlock.undo();
    assert.equal(undone.undone, true);
    assert.equal(fs.readFileSync(path.join(workspace, 'a.txt'), 'utf8'), 'one\n');
    const discarded = await airlock.discard(['c.txt']);
    assert.deepEqual(discarded.discarded, ['c.txt']);

    const records = since(start);
    assert.deepEqual(
      records.map((r) => r.event),
      ['command', 'reject', 'apply', 'undo', 'discard'],
    );
    const [command, reject, apply, undo, discard] = records as [AuditRecord, AuditRecord, AuditRecord, AuditRecord, AuditRecord];
    assert.equal(command.exitCode, 3);
    assert.deepEqual(command.argv?.slice(0, 2), ['sh', '-c']);
    assert.deepEqual([...(command.changedFiles ?? [])].sort(), ['a.txt', 'b.txt', 'c.txt']);
    assert.deepEqual(reject.files, ['b.txt']);
    assert.equal(reject.reason, 'keep two as it is');
    assert.deepEqual(apply.files, ['a.txt']);
    assert.equal(apply.outcome, 'applied');
    assert.equal(apply.journal, applied.journalId);
    assert.deepEqual(undo.files, ['a.txt']);
    assert.equal(undo.outcome, 'undone');
    assert.equal(undo.journal, applied.journalId);
    assert.deepEqual(discard.files, ['c.txt']);
    for (const r of records) assert.equal(r.session, session.id);

    // Undo again: nothing left to undo, and that is recorded too.
    await airlock.undo();
    assert.equal(since(start).at(-1)?.outcome, 'nothing to undo');

    const text = formatAuditLog(readAudit(session.auditFile), { rawFile: session.auditFile });
    assert.match(text, /reject\s+rejected\s+b\.txt; reason: keep two as it is/);
    assert.match(text, /apply\s+applied\s+applied 1 file: a\.txt/);
  });

  it('keeps the log in the host session folder, private, and out of the container', async () => {
    assert.equal(path.dirname(session.auditFile), session.dir);
    assert.equal(fs.statSync(session.auditFile).mode & 0o777, 0o600);
    assert.ok(!session.auditFile.startsWith(session.snapshot.layout.sandbox + path.sep), 'the log is not inside the sandbox copy');
    const found = await session.run(
      ['sh', '-c', 'find / \\( -path /proc -o -path /sys \\) -prune -o \\( -name audit.jsonl -o -name b.txt \\) -print 2>/dev/null; true'],
      {
        timeoutSec: 60,
      },
    );
    const seen = found.stdout.toString().trim().split('\n');
    // The search does reach the workspace copy (b.txt), and finds no audit log anywhere.
    assert.ok(
      seen.some((p) => p.endsWith('/b.txt')),
      `the search saw the workspace: ${seen.join(', ')}`,
    );
    assert.deepEqual(
      seen.filter((p) => p.endsWith('audit.jsonl')),
      [],
    );
  });
});
