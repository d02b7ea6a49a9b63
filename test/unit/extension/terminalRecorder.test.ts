/**
 * Lines entered in a sandbox terminal, rebuilt for the audit log from the keys sent and the
 * echo that came back; a line that was not echoed (a password) is not recorded.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  echoed,
  EDITED_NOTE,
  NOT_ECHOED_NOTE,
  TerminalLineRecorder,
  type RecordedLine,
} from '../../../src/extension/audit/terminalRecorder';

function recorder(waitMs = 20): { r: TerminalLineRecorder; lines: RecordedLine[] } {
  const lines: RecordedLine[] = [];
  return { r: new TerminalLineRecorder((l) => lines.push(l), waitMs), lines };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('terminal line recorder', () => {
  it('records a typed line once its echo and the newline came back', () => {
    const { r, lines } = recorder(10_000);
    for (const ch of 'ls -la') {
      r.input(ch);
      r.output(ch);
    }
    r.input('\r');
    assert.deepEqual(lines, []);
    r.output('\r\n');
    assert.deepEqual(lines, [{ input: 'ls -la' }]);
  });

  it('follows backspace, Ctrl+U and Ctrl+W, and drops a line ended with Ctrl+C', () => {
    const { r, lines } = recorder(10_000);
    r.input('lx\x7fs\r');
    r.output('lx\b \bs\r\n');
    r.input('rm -rf /\x15echo ok\r');
    r.output('rm -rf /\r\x1b[Kecho ok\r\n');
    r.input('git push origin\x17main\r');
    r.output('git push origin\b\b\b\b\b\b      \b\b\b\b\b\bmain\r\n');
    r.input('sleep 100\x03');
    r.output('sleep 100^C\r\n');
    assert.deepEqual(lines, [{ input: 'ls' }, { input: 'echo ok' }, { input: 'git push main' }]);
  });

  it('marks a line edited with cursor, history or completion keys', () => {
    const { r, lines } = recorder(10_000);
    r.input('\x1b[A\x1b[D!\r');
    r.output('previous command!\r\n');
    r.input('cat RE\t\r');
    r.output('cat README.md\r\n');
    assert.deepEqual(lines, [
      { input: '!', note: EDITED_NOTE },
      { input: 'cat RE', note: EDITED_NOTE },
    ]);
  });

  it('does not record a line typed without echo', () => {
    const { r, lines } = recorder(10_000);
    r.output('[sudo] password for sandbox: ');
    r.input('hunter2\r');
    r.output('\r\nSorry, try again.\r\n');
    assert.deepEqual(lines, [{ note: NOT_ECHOED_NOTE }]);
    assert.ok(!JSON.stringify(lines).includes('hunter2'));
  });

  it('decides after a while when no newline comes back, and on close', async () => {
    const { r, lines } = recorder(20);
    r.input('secret\r');
    await tick(60);
    assert.deepEqual(lines, [{ note: NOT_ECHOED_NOTE }]);
    const other = recorder(10_000);
    other.r.input('pwd\r');
    other.r.output('pwd');
    other.r.close();
    assert.deepEqual(other.lines, [{ input: 'pwd' }]);
  });

  it('records pasted lines one by one, and nothing for an empty Enter', () => {
    const { r, lines } = recorder(10_000);
    r.input('\r');
    r.output('\r\n$ ');
    r.input('echo a\recho b\r');
    r.output('echo a\r\na\r\n$ echo b\r\nb\r\n');
    assert.deepEqual(lines, [{ input: 'echo a' }, { input: 'echo b' }]);
  });

  it('finds the echo among what the shell draws around it', () => {
    assert.equal(echoed('abc', '\x1b[32ma\x1b[0mb\x1b]0;title\x07c'), true);
    assert.equal(echoed('abc', 'acb'), false);
  });
});
