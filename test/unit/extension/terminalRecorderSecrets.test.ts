/**
 * A line typed while the terminal did not echo (a password) must never reach the audit log,
 * whatever the terminal printed around it: the echo check may only count output that came
 * back for the line itself, not what a program printed after the newline that ended it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOT_ECHOED_NOTE, TerminalLineRecorder, type RecordedLine } from '../../../src/extension/audit/terminalRecorder';

function recorder(): { r: TerminalLineRecorder; lines: RecordedLine[] } {
  const lines: RecordedLine[] = [];
  return { r: new TerminalLineRecorder((l) => lines.push(l), 10_000), lines };
}

describe('a hidden line is not recorded, whatever follows the newline', () => {
  it('a password typed at a prompt with echo off, answered by a message in the same chunk as the newline', () => {
    const { r, lines } = recorder();
    // `read -rs -p 'Token: ' T; echo; curl ...` or a failed sudo: the newline and what the
    // program prints next arrive together.
    r.output('[sudo] password for node: ');
    r.input('secret\r');
    r.output('\r\nsudo: 1 incorrect password attempt\r\n');
    assert.deepEqual(lines, [{ note: NOT_ECHOED_NOTE }]);
  });

  it('a password typed ahead of its prompt: the prompt text is no echo', () => {
    const { r, lines } = recorder();
    r.input('pass');
    r.output('[sudo] password for node: ');
    r.input('word\r');
    r.output('\r\n');
    assert.deepEqual(lines, [{ note: NOT_ECHOED_NOTE }]);
  });
});
