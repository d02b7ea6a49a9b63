/**
 * The audit log's file (appended with mode 0600, a failed write reported and never thrown)
 * and its readable form (one row per record, newest first, local time).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { appendAudit, readAudit, setAuditFailureSink, type AuditRecord } from '../../../src/core/audit';
import { auditRow, formatAuditLog, localTime, quoteArgv } from '../../../src/core/auditFormat';
import { visible } from '../../../src/core/terminalText';

const T = '2026-12-02T14:03:04.000Z';
const rec = (r: Omit<AuditRecord, 'time' | 'session'>): AuditRecord => ({ time: T, session: 's-1', ...r });

describe('the audit log file', () => {
  let restore: ((m: string) => void) | undefined;
  afterEach(() => {
    if (restore) setAuditFailureSink(restore);
    restore = undefined;
  });

  it('is appended one JSON line per record, with mode 0600', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-'));
    const file = path.join(dir, 'audit.jsonl');
    assert.equal(appendAudit(file, { session: 's', event: 'stop' }), true);
    assert.equal(appendAudit(file, { session: 's', event: 'reject', files: ['a.txt'], reason: 'no' }), true);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const records = readAudit(file);
    assert.deepEqual(
      records.map((r) => [r.event, r.files, r.reason]),
      [
        ['stop', undefined, undefined],
        ['reject', ['a.txt'], 'no'],
      ],
    );
    assert.ok(!Number.isNaN(Date.parse(records[0]!.time)));
  });

  it('reports a failed write to the sink and returns false instead of throwing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-'));
    const seen: string[] = [];
    restore = setAuditFailureSink((m) => seen.push(m));
    const missing = path.join(dir, 'gone', 'audit.jsonl');
    assert.equal(appendAudit(missing, { session: 's', event: 'apply' }), false);
    assert.equal(seen.length, 1);
    assert.match(seen[0]!, /could not be written \(apply\)/);
    assert.ok(seen[0]!.includes(missing));
  });

  it('never follows a symlink at the log path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-'));
    const target = path.join(dir, 'elsewhere');
    fs.writeFileSync(target, '');
    fs.symlinkSync(target, path.join(dir, 'audit.jsonl'));
    restore = setAuditFailureSink(() => undefined);
    assert.equal(appendAudit(path.join(dir, 'audit.jsonl'), { session: 's', event: 'stop' }), false);
    assert.equal(fs.readFileSync(target, 'utf8'), '');
  });
});

describe('the audit log for people', () => {
  it('shows time in the local time zone', () => {
    const d = new Date(T);
    const p = (n: number) => String(n).padStart(2, '0');
    assert.equal(
      localTime(T),
      `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`,
    );
    assert.equal(localTime('not a date'), 'not a date');
  });

  it('quotes arguments a shell would split, and shows control characters', () => {
    assert.equal(quoteArgv(['npm', 'run', 'a b', "it's", '']), `npm run 'a b' 'it'\\''s' ''`);
    assert.equal(visible('a\tb\x1b[31mc\n'), 'a\\tb\\x1b[31mc\\n');
  });

  it('describes a command with its argv, changed files and exit code', () => {
    const row = auditRow(
      rec({ event: 'command', argv: ['sh', '-c', 'echo hi > x'], exitCode: 2, outcome: 'exited', durationMs: 1500, changedFiles: ['x'] }),
    );
    assert.equal(row.event, 'command');
    assert.equal(row.outcome, 'exit 2');
    assert.equal(row.details, `$ sh -c 'echo hi > x'; 1 file changed; x; 1.5 s`);
    assert.equal(auditRow(rec({ event: 'command', argv: ['sleep', '9'], exitCode: 137, outcome: 'timeout' })).outcome, 'timeout, exit 137');
  });

  it('describes an apply with its files, conflicts and refusals', () => {
    const row = auditRow(
      rec({
        event: 'apply',
        outcome: 'partly applied',
        files: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
        conflicts: ['h'],
        refused: ['.git/config'],
        journal: 'j1',
      }),
    );
    assert.equal(row.outcome, 'partly applied');
    assert.equal(row.details, 'applied 7 files: a, b, c, d, e and 2 more; 1 conflict: h; 1 refused: .git/config; apply j1');
    assert.equal(auditRow(rec({ event: 'apply', outcome: 'nothing applied', files: [] })).details, 'nothing applied');
  });

  it('describes an undo, a rejection and a discard', () => {
    assert.equal(
      auditRow(rec({ event: 'undo', outcome: 'undone', journal: 'j1', files: ['a'] })).details,
      'undid apply j1; restored 1 file: a',
    );
    assert.equal(
      auditRow(rec({ event: 'reject', files: ['src/x.ts'], hunks: [2], reason: 'keep the old API' })).details,
      'src/x.ts, hunk 2; reason: keep the old API',
    );
    assert.equal(auditRow(rec({ event: 'reject', files: ['y'] })).details, 'y; no reason given');
    assert.equal(auditRow(rec({ event: 'discard', files: ['a', 'b'] })).details, 'reverted 2 files in the sandbox copy: a, b');
  });

  it('describes terminal records, and keeps a typed line on one row', () => {
    assert.equal(auditRow(rec({ event: 'terminal-open', terminal: 'ab12cd', outcome: 'opened' })).details, 'terminal ab12cd');
    assert.equal(auditRow(rec({ event: 'terminal-input', terminal: 'ab12cd', input: 'ls\x1b[A' })).details, 'ab12cd$ ls\\x1b[A');
    assert.equal(
      auditRow(rec({ event: 'terminal-input', terminal: 'ab12cd', detail: 'typed while the terminal did not echo' })).details,
      'terminal ab12cd; typed while the terminal did not echo',
    );
    const close = auditRow(rec({ event: 'terminal-close', terminal: 'ab12cd', exitCode: 0, outcome: 'exited' }));
    assert.equal(close.outcome, 'exit 0');
    assert.equal(close.event, 'terminal close');
  });

  it('lays out a table newest first under a header that names the raw log', () => {
    const records = [
      rec({ event: 'start', detail: 'created' }),
      { ...rec({ event: 'command', argv: ['true'], exitCode: 0, outcome: 'exited' }), time: '2026-12-02T14:05:00.000Z' },
    ];
    const text = formatAuditLog(records, { rawFile: 'file:///state/audit.jsonl', workspace: '/w' });
    const lines = text.split('\n');
    assert.equal(lines[0], 'Agent Sandbox audit log of /w');
    assert.equal(lines[1], 'Raw log (one JSON record per line): file:///state/audit.jsonl');
    assert.equal(lines[2], '2 records, newest first.');
    assert.match(formatAuditLog(records, { rawFile: 'f', live: true }).split('\n')[2]!, /it follows the log as it grows/);
    assert.match(lines[4]!, /^Time \(local\)\s+Event\s+Outcome\s+Details$/);
    assert.match(lines[6]!, /command\s+exit 0\s+\$ true$/);
    assert.match(lines[7]!, /start\s+created$/);
    assert.equal(lines[6]!.indexOf('command'), lines[7]!.indexOf('start'));
  });

  it('passes every word through the translation function', () => {
    const seen: string[] = [];
    const t = (m: string, ...args: (string | number | boolean)[]) => {
      seen.push(m);
      return `«${m.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]))}»`;
    };
    const text = formatAuditLog([rec({ event: 'reject', files: ['a'], reason: 'r' })], { rawFile: 'f', t });
    assert.ok(seen.includes('reason: {0}'));
    assert.ok(seen.includes('Time (local)'));
    assert.match(text, /«reject»/);
  });
});
