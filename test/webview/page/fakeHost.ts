/**
 * Runs in the test page before the panel's bundle: provides `acquireVsCodeApi` (state kept
 * in sessionStorage, as VS Code keeps it across a webview reload) and answers the panel's
 * messages with `FakeReviewHost`, asynchronously and through structured clones, as the
 * real postMessage does. Records CSP violations and first-paint timings for the tests.
 * Only the few page globals it needs are typed here, so it type-checks without DOM types.
 */
import type { NotificationMessage, ReplyMessage, RequestMessage } from '../../../src/protocol/review';
import { DEFAULT_CONFIG, FakeReviewHost, type FakeHostConfig, type FakeHostMemory } from './fakeReviewHost';

interface Violation {
  readonly directive: string;
  readonly blocked: string;
  readonly sample: string;
}

interface Probe {
  readonly host: FakeReviewHost;
  readonly violations: Violation[];
  /** performance.now() when the first file row was painted (the list's first paint). */
  listPaintedAt?: number;
  /** performance.now() when a diff reply was posted to the panel, and when its first line was painted. */
  diffPostedAt?: number;
  diffPaintedAt?: number;
  /** How long the fake host took to generate the last diff (not the panel's cost). */
  diffGeneratedMs?: number;
  stateWrites: number;
  /** Pushes a notification as the host would (e.g. `reveal` from "Open in Review Panel"). */
  notify?: (message: NotificationMessage) => void;
}

interface PageGlobals {
  location: { search: string };
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  MessageEvent: new (type: string, init: { data: unknown }) => unknown;
  dispatchEvent(event: unknown): boolean;
  requestAnimationFrame(callback: () => void): number;
  performance: { now(): number };
  document: {
    addEventListener(type: string, listener: (event: Record<string, unknown>) => void): void;
    querySelector(selector: string): unknown;
  };
  MutationObserver: new (callback: () => void) => {
    observe(target: unknown, options: { childList: boolean; subtree: boolean }): void;
    disconnect(): void;
  };
  acquireVsCodeApi?: () => unknown;
  __reviewProbe?: Probe;
}

const page = globalThis as unknown as PageGlobals;
const MEMORY_KEY = 'fake-host-memory';
const STATE_KEY = 'webview-state';

function numberParam(params: URLSearchParams, name: string): number | undefined {
  const value = params.get(name);
  return value === null ? undefined : Number(value);
}

const params = new URLSearchParams(page.location.search);
const config: FakeHostConfig = {
  files: numberParam(params, 'files') ?? DEFAULT_CONFIG.files,
  totalLines: numberParam(params, 'lines') ?? DEFAULT_CONFIG.totalLines,
  linesPerHunk: numberParam(params, 'perHunk') ?? DEFAULT_CONFIG.linesPerHunk,
  hugeDiffLines: numberParam(params, 'huge'),
};
const savedMemory = page.sessionStorage.getItem(MEMORY_KEY);
const host = new FakeReviewHost(config, savedMemory === null ? undefined : (JSON.parse(savedMemory) as FakeHostMemory));
const probe: Probe = { host, violations: [], stateWrites: 0 };
page.__reviewProbe = probe;

page.document.addEventListener('securitypolicyviolation', (event) => {
  probe.violations.push({
    directive: String(event.violatedDirective),
    blocked: String(event.blockedURI),
    sample: String(event.sample),
  });
});

function deliver(message: ReplyMessage | NotificationMessage): void {
  page.dispatchEvent(new page.MessageEvent('message', { data: structuredClone(message) }));
}

/** Resolves after the next frame has been produced (rAF, then a task after paint). */
function afterPaint(record: (time: number) => void): void {
  page.requestAnimationFrame(() => setTimeout(() => record(page.performance.now()), 0));
}

function whenPresent(selector: string, record: (time: number) => void): void {
  if (page.document.querySelector(selector) !== null) {
    afterPaint(record);
    return;
  }
  const observer = new page.MutationObserver(() => {
    if (page.document.querySelector(selector) === null) return;
    observer.disconnect();
    afterPaint(record);
  });
  observer.observe(page.document, { childList: true, subtree: true });
}

probe.notify = (message) => setTimeout(() => deliver(message), 0);

whenPresent('.file-row', (time) => {
  probe.listPaintedAt = time;
});

let apiHandedOut = false;
page.acquireVsCodeApi = () => {
  if (apiHandedOut) throw new Error('acquireVsCodeApi may be called only once');
  apiHandedOut = true;
  return {
    postMessage(message: unknown) {
      const request = structuredClone(message) as RequestMessage;
      setTimeout(() => {
        const started = page.performance.now();
        const notifications: NotificationMessage[] = [];
        const reply = host.handle(request, (n) => notifications.push(n));
        page.sessionStorage.setItem(MEMORY_KEY, JSON.stringify(host.memory()));
        notifications.forEach(deliver);
        if (request.method === 'requestDiff') {
          probe.diffGeneratedMs = page.performance.now() - started;
          probe.diffPaintedAt = undefined;
          probe.diffPostedAt = page.performance.now();
        }
        deliver(reply);
        if (request.method === 'requestDiff') {
          whenPresent('.line-row', (time) => {
            probe.diffPaintedAt = time;
          });
        }
      }, 0);
    },
    getState() {
      const saved = page.sessionStorage.getItem(STATE_KEY);
      return saved === null ? undefined : JSON.parse(saved);
    },
    setState(state: unknown) {
      probe.stateWrites++;
      page.sessionStorage.setItem(STATE_KEY, JSON.stringify(state));
    },
  };
};
