/**
 * The host's handler map is typed per request: each handler gets its request's params and
 * must answer with its request's result type. The `@ts-expect-error` lines are the proof
 * that a wrong answer does not compile: `npm run typecheck` fails if any of them stops
 * being an error. The runtime tests check that a checked request reaches its own handler.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  handleRequest,
  parseWebviewMessage,
  REVIEW_PROTOCOL_VERSION,
  type ApplyResult,
  type RequestHandlers,
  type ReviewState,
} from '../../../src/protocol/review';
import { file, totals } from './fixtures';

const state: ReviewState = {
  protocolVersion: REVIEW_PROTOCOL_VERSION,
  generation: 1,
  files: [file('a.ts')],
  totals: totals({ files: 1, pending: 1 }),
  policy: { title: 'test', items: [] },
};
const applied: ApplyResult = { applied: ['a.ts'], merged: [], conflicts: [], refused: [] };
const update = { files: [file('a.ts', { decision: 'approved' })], totals: totals({ files: 1, approved: 1 }) };

/** Every handler answers with a value tagged by its method, so the test can see which one ran. */
const handlers: RequestHandlers = {
  ready: () => state,
  refresh: async () => ({ ...state, generation: 2 }),
  requestDiff: ({ path }) => ({ path, generation: 1, kind: 'modified', hunks: [] }),
  setFileDecision: ({ decision }) => ({ ...update, files: [file('a.ts', { decision })] }),
  setHunkDecision: ({ path, hunk, decision }) => ({ ...update, hunks: { path, decisions: [{ index: hunk, decision }] } }),
  approveAll: () => ({ ...update, skippedRisky: 1, skippedNeverApply: 0 }),
  rejectAll: () => update,
  apply: () => applied,
  discard: () => ({ discarded: 3 }),
  openNativeDiff: ({ path }) => ({ opened: path === 'a.ts' }),
  resolveConflict: ({ path }) => ({ ...applied, applied: [path] }),
  mergeInEditor: ({ path }) => (path === 'a.ts' ? { opened: 'mergeEditor' } : { opened: 'markers', result: applied }),
};

describe('request handlers', () => {
  it('a wrong result type, wrong params or a missing handler does not compile', () => {
    const wrong: RequestHandlers = {
      ...handlers,
      // @ts-expect-error discard answers { discarded: number }, not openNativeDiff's { opened: boolean }
      discard: () => ({ opened: true }),
      // @ts-expect-error approveAll must report the skipped counts: a plain DecisionUpdate is not enough
      approveAll: async () => update,
      // @ts-expect-error requestDiff's params have a path, not a hunk
      requestDiff: ({ hunk }) => ({ path: String(hunk), generation: 1, kind: 'modified', hunks: [] }),
    };
    // @ts-expect-error every request needs its handler: a map without `apply` is not a RequestHandlers
    const missing: RequestHandlers = { ...handlers, apply: undefined };
    // The wrong maps exist only to be compiled; at run time they still dispatch.
    assert.equal(typeof wrong.discard, 'function');
    assert.equal(missing.apply, undefined);
  });

  it('a checked request reaches its own handler with its params', async () => {
    const request = (method: string, params: unknown) => {
      const parsed = parseWebviewMessage({ kind: 'request', id: 7, method, params });
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
      return parsed.value;
    };
    assert.deepEqual(await handleRequest(handlers, request('discard', {})), { discarded: 3 });
    assert.deepEqual(await handleRequest(handlers, request('refresh', {})), { ...state, generation: 2 });
    assert.deepEqual(await handleRequest(handlers, request('openNativeDiff', { path: 'b.ts' })), { opened: false });
    assert.deepEqual(await handleRequest(handlers, request('setHunkDecision', { path: 'a.ts', hunk: 2, decision: 'rejected' })), {
      ...update,
      hunks: { path: 'a.ts', decisions: [{ index: 2, decision: 'rejected' }] },
    });
  });
});
