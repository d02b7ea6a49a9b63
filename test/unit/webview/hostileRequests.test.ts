/**
 * The review panel renders text the sandbox controls (file names, diff lines), so the host
 * treats whatever the webview posts as hostile. These are the requests such a page could
 * forge: method names that exist on every object, params of the wrong shape, fields the
 * protocol does not define smuggled next to the real ones, numbers at the edges, and
 * nesting deep enough to break a recursive reader. Each is refused with an error (never a
 * throw that would take the host's message loop down), and what passes reaches its own
 * handler with only the fields its schema names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handleRequest, parseWebviewMessage, type RequestHandlers, type RequestMethod } from '../../../src/protocol/review';
import { file, totals } from './fixtures';

const request = (method: string, params?: unknown, extra: Record<string, unknown> = {}) => ({
  kind: 'request',
  id: 1,
  method,
  ...(params === undefined ? {} : { params }),
  ...extra,
});

/** A short label of a message for a failure, safe on any input. */
function label(message: unknown): string {
  try {
    return JSON.stringify(message)?.slice(0, 200) ?? String(message);
  } catch {
    return '(a message too deep to print)';
  }
}

function refused(message: unknown): string {
  let parsed: ReturnType<typeof parseWebviewMessage>;
  assert.doesNotThrow(
    () => {
      parsed = parseWebviewMessage(message);
    },
    `threw on ${label(message)}`,
  );
  assert.equal(parsed!.ok, false, `accepted ${label(message)}`);
  return parsed!.ok ? '' : parsed!.error;
}

describe('forged review requests', () => {
  it('refuses method names every object has', () => {
    for (const method of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype']) {
      assert.match(refused(request(method, {})), /message\.method: expected one of/);
    }
  });

  it('refuses requests whose params are missing or not an object', () => {
    for (const params of [undefined, null, [], 'apply', 1, true]) {
      assert.match(refused(request('apply', params)), /message\.params: expected an object/);
      assert.match(refused(request('approveAll', params)), /message\.params: expected an object/);
    }
  });

  it('refuses numbers at the edges: not integers, not safe, not numbers', () => {
    const hunks: unknown[] = [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, Number.NaN, Number.POSITIVE_INFINITY, '1', null];
    for (const hunk of hunks) {
      assert.match(refused(request('setHunkDecision', { path: 'a', hunk, decision: 'approved' })), /message\.params\.hunk/);
    }
    for (const id of [-1, 0.5, '1', null, Number.NaN]) {
      assert.match(refused({ ...request('refresh', {}), id }), /message\.id/);
    }
  });

  it('refuses decisions and choices that differ only in case or are not the listed words', () => {
    for (const decision of ['Approved', 'APPROVED', 'approved ', 'partial', 'apply', '']) {
      assert.match(refused(request('setFileDecision', { path: 'a', decision })), /message\.params\.decision/);
    }
    for (const choice of ['take-sandbox ', 'Take-Sandbox', 'theirs', '']) {
      assert.match(refused(request('resolveConflict', { path: 'a', choice })), /message\.params\.choice/);
    }
  });

  it('does not throw on deeply nested input, in the envelope or in params', () => {
    // As deep as a message the webview can still serialize for postMessage.
    let deep: unknown = {};
    for (let i = 0; i < 1_000; i++) deep = { a: deep };
    assert.doesNotThrow(() => JSON.stringify(deep));
    // Where the schema names no field, the nesting is dropped unread; where it names one, it is refused.
    assert.match(refused(request('requestDiff', { path: deep })), /message\.params\.path: expected a string/);
    assert.match(refused(request('setFileDecision', { path: 'a', decision: deep })), /message\.params\.decision/);
    const accepted = parseWebviewMessage(request('refresh', { nested: deep }, { more: deep }));
    assert.deepEqual(accepted, { ok: true, value: { kind: 'request', id: 1, method: 'refresh', params: {} } });
  });

  it('drops fields the protocol does not define, so a handler never sees them', async () => {
    const seen: Partial<Record<RequestMethod, unknown>> = {};
    const update = { files: [file('a.ts')], totals: totals({ files: 1, pending: 1 }) };
    const applied = { applied: [], merged: [], conflicts: [], refused: [] };
    const handlers: RequestHandlers = {
      ready: () => assert.fail('ready'),
      refresh: () => assert.fail('refresh'),
      requestDiff: () => assert.fail('requestDiff'),
      setFileDecision: (params) => ((seen.setFileDecision = params), update),
      setHunkDecision: () => assert.fail('setHunkDecision'),
      approveAll: (params) => ((seen.approveAll = params), { ...update, skippedRisky: 0, skippedNeverApply: 0 }),
      rejectAll: () => assert.fail('rejectAll'),
      apply: (params) => ((seen.apply = params), applied),
      discard: () => assert.fail('discard'),
      openNativeDiff: () => assert.fail('openNativeDiff'),
      resolveConflict: (params) => ((seen.resolveConflict = params), applied),
      mergeInEditor: () => assert.fail('mergeInEditor'),
    };
    const forged = [
      request('approveAll', { includeRisky: true, paths: ['.git/hooks/pre-commit'] }),
      request('apply', { path: '.github/workflows/ci.yml', choice: 'take-sandbox', force: true }),
      request('setFileDecision', { path: 'a.ts', decision: 'approved', hunks: [1, 2], includeRisky: true }),
      request('resolveConflict', { path: 'a.ts', choice: 'keep-theirs', paths: ['b.ts'] }),
    ];
    for (const message of forged) {
      const parsed = parseWebviewMessage(message);
      assert.ok(parsed.ok, JSON.stringify(message));
      if (parsed.ok) await handleRequest(handlers, parsed.value);
    }
    assert.deepEqual(seen, {
      approveAll: {},
      apply: {},
      setFileDecision: { path: 'a.ts', decision: 'approved' },
      resolveConflict: { path: 'a.ts', choice: 'keep-theirs' },
    });
  });
});
