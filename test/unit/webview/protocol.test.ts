import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHostMessage, parseWebviewMessage, type RequestMethod } from '../../../src/protocol/review';
import { file, hunk, totals } from './fixtures';

const pending = new Map<number, RequestMethod>([
  [1, 'ready'],
  [2, 'requestDiff'],
  [3, 'approveAll'],
  [4, 'apply'],
]);
const methodOf = (id: number) => pending.get(id);

const validState = {
  protocolVersion: 1,
  generation: 3,
  files: [file('a.ts'), file('b.bin', { binary: true, risks: [{ code: 'exec', reason: 'became executable' }] })],
  totals: totals({ files: 2, pending: 2 }),
  policy: { title: 'default', items: [{ label: 'Network', value: 'off' }] },
};

describe('parseWebviewMessage', () => {
  it('accepts every request shape the webview sends', () => {
    const messages = [
      { kind: 'request', id: 1, method: 'ready', params: { protocolVersion: 1 } },
      { kind: 'request', id: 2, method: 'requestDiff', params: { path: 'a.ts' } },
      { kind: 'request', id: 3, method: 'setHunkDecision', params: { path: 'a.ts', hunk: 2, decision: 'rejected', reason: 'no' } },
      { kind: 'request', id: 4, method: 'setFileDecision', params: { path: 'a.ts', decision: 'approved' } },
      { kind: 'request', id: 5, method: 'resolveConflict', params: { path: 'a.ts', choice: 'write-markers' } },
      { kind: 'request', id: 6, method: 'approveAll', params: {} },
    ];
    for (const message of messages) assert.deepEqual(parseWebviewMessage(message), { ok: true, value: message });
  });

  it('names the offending field', () => {
    const cases: [unknown, RegExp][] = [
      [null, /^message: expected an object, got null/],
      [{ kind: 'reply', id: 1 }, /message\.kind: expected "request"/],
      [{ kind: 'request', id: -1, method: 'ready', params: {} }, /message\.id: expected a non-negative integer/],
      [{ kind: 'request', id: 1, method: 'rm -rf', params: {} }, /message\.method: expected one of ready, refresh/],
      [
        { kind: 'request', id: 1, method: 'setHunkDecision', params: { path: 'a', hunk: 0, decision: 'approved' } },
        /message\.params\.hunk: expected an integer ≥ 1, got number/,
      ],
      [
        { kind: 'request', id: 1, method: 'setFileDecision', params: { path: 'a', decision: 'partial' } },
        /message\.params\.decision: expected one of pending, approved, rejected/,
      ],
      [{ kind: 'request', id: 1, method: 'resolveConflict', params: { path: 'a', choice: 'ours' } }, /message\.params\.choice/],
      [
        { kind: 'request', id: 1, method: 'requestDiff', params: { path: ['a'] } },
        /message\.params\.path: expected a string, got an array/,
      ],
    ];
    for (const [message, pattern] of cases) {
      const parsed = parseWebviewMessage(message);
      assert.equal(parsed.ok, false, JSON.stringify(message));
      if (!parsed.ok) assert.match(parsed.error, pattern);
    }
  });
});

describe('parseHostMessage', () => {
  it('checks a reply against the method of its pending request', () => {
    const reply = { kind: 'reply', id: 1, ok: true, result: validState };
    assert.equal(parseHostMessage(reply, methodOf).ok, true);
    // The same state is not a valid FileDiff, the reply for request 2.
    const wrong = parseHostMessage({ ...reply, id: 2 }, methodOf);
    assert.equal(wrong.ok, false);
    if (!wrong.ok) assert.match(wrong.error, /message\.result \(requestDiff\)\.path: expected a string/);
  });

  it('rejects a reply to no pending request', () => {
    const parsed = parseHostMessage({ kind: 'reply', id: 99, ok: true, result: {} }, methodOf);
    assert.deepEqual(parsed, { ok: false, error: 'message.id: no pending request has id 99' });
  });

  it('checks nested diff lines and names the index', () => {
    const diff = { path: 'a.ts', generation: 3, kind: 'modified', hunks: [hunk(1, 3)] };
    assert.equal(parseHostMessage({ kind: 'reply', id: 2, ok: true, result: diff }, methodOf).ok, true);
    const broken = structuredClone(diff) as unknown as { hunks: { lines: { type: string }[] }[] };
    broken.hunks[0].lines[2].type = 'mystery';
    const parsed = parseHostMessage({ kind: 'reply', id: 2, ok: true, result: broken }, methodOf);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.error, /hunks\[0\]\.lines\[2\]\.type: expected one of context, add, del/);
  });

  it('accepts error replies with a message and an optional hint', () => {
    const error = { kind: 'reply', id: 4, ok: false, error: { message: 'sandbox stopped', hint: 'Start it again' } };
    assert.equal(parseHostMessage(error, methodOf).ok, true);
    assert.equal(parseHostMessage({ ...error, error: { hint: 'x' } }, methodOf).ok, false);
  });

  it('checks approve-all results include the skipped counts', () => {
    const update = { files: [], totals: totals() };
    assert.equal(parseHostMessage({ kind: 'reply', id: 3, ok: true, result: update }, methodOf).ok, false);
    assert.equal(
      parseHostMessage({ kind: 'reply', id: 3, ok: true, result: { ...update, skippedRisky: 2, skippedNeverApply: 1 } }, methodOf).ok,
      true,
    );
  });

  it('checks notifications', () => {
    assert.equal(
      parseHostMessage({ kind: 'notification', method: 'progress', params: { busy: true, done: 1, total: 4 } }, methodOf).ok,
      true,
    );
    assert.equal(parseHostMessage({ kind: 'notification', method: 'state', params: { state: validState } }, methodOf).ok, true);
    const bad = parseHostMessage({ kind: 'notification', method: 'applyResult', params: { result: { applied: [] } } }, methodOf);
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.error, /message\.params\.result\.merged: expected an array, got undefined/);
    assert.equal(parseHostMessage({ kind: 'notification', method: 'eval', params: {} }, methodOf).ok, false);
  });
});
