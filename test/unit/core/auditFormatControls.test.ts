/**
 * File names in the audit log come from the sandbox. The readable table is printed by the
 * CLI to a terminal and shown in the editor: no character of a name may act on the terminal
 * (C1 controls such as U+009B, the one-character CSI) or reorder the row as it is shown
 * (bidirectional overrides and isolates).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditRecord } from '../../../src/core/audit';
import { auditJsonLine, auditRow, formatAuditLog } from '../../../src/core/auditFormat';
import { visible } from '../../../src/core/terminalText';

const C1_AND_BIDI = /[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('sandbox-chosen names in the readable audit log', () => {
  it('shows C1 controls visibly: U+009B is a CSI to xterm.js and other terminals', () => {
    // "\u009b2J" clears the screen; "\u009d8;;https://example.invalid\u009c" starts a hyperlink.
    const name = 'src/\u009b2J\u009b1;1Hok.ts';
    assert.ok(!C1_AND_BIDI.test(visible(name)), visible(name));
  });

  it('shows bidirectional overrides visibly, so a name reads as it is', () => {
    const name = 'invoice\u202Egpj.sh';
    assert.ok(!C1_AND_BIDI.test(visible(name)), visible(name));
  });

  it('prints no such character in the table the CLI writes', () => {
    const records: AuditRecord[] = [
      {
        time: '2026-12-02T15:00:00.000Z',
        session: 's',
        event: 'apply',
        files: ['a\u009d8;;https://example.invalid\u009cclick\u009d8;;\u009c.ts', 'b\u202Ets.exe'],
        journal: 'j1',
      },
      { time: '2026-12-02T15:01:00.000Z', session: 's', event: 'reject', files: ['c\u009b1A.ts'], reason: 'no\u009b2K' },
    ];
    const table = formatAuditLog(records, { rawFile: '/tmp/audit.jsonl' });
    assert.ok(!C1_AND_BIDI.test(table), JSON.stringify(table));
    for (const r of records) {
      assert.ok(!C1_AND_BIDI.test(JSON.stringify(auditRow(r))));
      // The CLI's --json lines too, and they still read back as the same record.
      assert.ok(!C1_AND_BIDI.test(auditJsonLine(r)), auditJsonLine(r));
      assert.deepEqual(JSON.parse(auditJsonLine(r)), r);
    }
  });
});
