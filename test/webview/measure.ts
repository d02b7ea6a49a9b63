/**
 * Measures the review panel in Chromium under its real CSP, for the benchmark:
 * - first paint of the file list with 2,000 changed files / 100,000 diff lines (time from
 *   navigation start until the first file row has been painted, which includes loading the
 *   bundle, the `ready` round trip to the fake host and validating the state),
 * - scroll responsiveness of the file list and of a single 100,000-line diff (frame
 *   intervals while scrolling one viewport per frame, long tasks, frames that showed no row),
 * - time to open that 100,000-line diff: from the host posting the reply to the first
 *   painted line (structured clone, validation, row model, render); the fake host's own
 *   time to generate the diff is reported apart, as it is not the panel's cost.
 *
 * `npx tsx test/webview/measure.ts [--files N] [--lines M] [--huge H] [--runs R]` prints JSON.
 * Numbers are measurements, never assertions (see the house rules).
 */
import os from 'node:os';
import type { Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { startHarness } from './harness';

export interface MeasureOptions {
  readonly files: number;
  readonly lines: number;
  /** Lines of the one huge diff whose opening and scrolling are measured. */
  readonly hugeDiffLines: number;
  readonly runs: number;
  readonly scrollFrames: number;
}

export const DEFAULT_MEASURE: MeasureOptions = { files: 2000, lines: 100_000, hugeDiffLines: 100_000, runs: 3, scrollFrames: 120 };

export interface ScrollStats {
  readonly frames: number;
  readonly p50FrameMs: number;
  readonly p95FrameMs: number;
  readonly maxFrameMs: number;
  readonly longTasks: number;
  readonly longestTaskMs: number;
  /** Frames after which the middle of the viewport showed no rendered row. */
  readonly blankFrames: number;
  /** Rows in the DOM at the end (bounded by the viewport, not by the list length). */
  readonly domRows: number;
}

export interface RunResult {
  readonly listFirstPaintMs: number;
  readonly firstContentfulPaintMs: number | null;
  readonly listScroll: ScrollStats;
  readonly hugeDiffOpenMs: number;
  readonly hugeDiffGeneratedByFakeHostMs: number;
  readonly hugeDiffScroll: ScrollStats;
}

export interface MeasureResult {
  readonly options: MeasureOptions;
  readonly chromium: string;
  /** Machine load while measuring: numbers from a busy machine are upper bounds. */
  readonly machine: { readonly cpus: number; readonly loadAverageBefore: readonly number[]; readonly loadAverageAfter: readonly number[] };
  readonly runs: readonly RunResult[];
  readonly median: {
    readonly listFirstPaintMs: number;
    readonly hugeDiffOpenMs: number;
    readonly listScrollP95FrameMs: number;
    readonly diffScrollP95FrameMs: number;
  };
}

interface ScrollPage {
  document: {
    querySelector(selector: string): ScrollElement | null;
    querySelectorAll(selector: string): { length: number };
    elementFromPoint(x: number, y: number): { closest(selector: string): unknown } | null;
  };
  requestAnimationFrame(callback: (time: number) => void): number;
  performance: { now(): number };
  PerformanceObserver: new (callback: (list: { getEntries(): { duration: number }[] }) => void) => {
    observe(options: { type: string; buffered?: boolean }): void;
    disconnect(): void;
  };
}

interface ScrollElement {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  getBoundingClientRect(): { left: number; top: number; height: number };
}

/**
 * Runs in the page: scrolls `selector` one viewport per frame and records each frame.
 * No named local functions: tsx's keepNames would wrap them in a helper the page lacks.
 */
async function scrollInPage(arg: { selector: string; frames: number }) {
  const page = globalThis as unknown as ScrollPage;
  const element = page.document.querySelector(arg.selector);
  if (element === null) throw new Error(`no ${arg.selector}`);
  const tasks: number[] = [];
  const observer = new page.PerformanceObserver((list) => list.getEntries().forEach((entry) => tasks.push(entry.duration)));
  observer.observe({ type: 'longtask' });
  const intervals: number[] = [];
  let blankFrames = 0;
  let last = await new Promise<number>((resolve) => page.requestAnimationFrame(() => setTimeout(() => resolve(page.performance.now()), 0)));
  for (let i = 0; i < arg.frames; i++) {
    const step = element.clientHeight;
    element.scrollTop = element.scrollTop + step >= element.scrollHeight - element.clientHeight ? 0 : element.scrollTop + step;
    const now = await new Promise<number>((resolve) =>
      page.requestAnimationFrame(() => setTimeout(() => resolve(page.performance.now()), 0)),
    );
    intervals.push(now - last);
    last = now;
    const box = element.getBoundingClientRect();
    const hit = page.document.elementFromPoint(box.left + 60, box.top + box.height / 2);
    if (hit === null || hit.closest('.virtual-row') === null) blankFrames++;
  }
  observer.disconnect();
  return { intervals, tasks, blankFrames, domRows: page.document.querySelectorAll(`${arg.selector} .virtual-row`).length };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const round = (value: number) => Math.round(value * 10) / 10;

async function measureScroll(page: Page, selector: string, frames: number): Promise<ScrollStats> {
  const raw = await page.evaluate(scrollInPage, { selector, frames });
  return {
    frames,
    p50FrameMs: round(percentile(raw.intervals, 50)),
    p95FrameMs: round(percentile(raw.intervals, 95)),
    maxFrameMs: round(Math.max(...raw.intervals)),
    longTasks: raw.tasks.length,
    longestTaskMs: round(Math.max(0, ...raw.tasks)),
    blankFrames: raw.blankFrames,
    domRows: raw.domRows,
  };
}

async function probeNumber(page: Page, expression: string): Promise<number> {
  await page.waitForFunction(
    (name) => typeof (globalThis as unknown as { __reviewProbe: Record<string, unknown> }).__reviewProbe[name] === 'number',
    expression,
  );
  return (await page.evaluate(
    (name) => (globalThis as unknown as { __reviewProbe: Record<string, number> }).__reviewProbe[name],
    expression,
  )) as number;
}

export async function measureReviewPanel(options: MeasureOptions = DEFAULT_MEASURE): Promise<MeasureResult> {
  const loadAverageBefore = os.loadavg().map(round);
  const harness = await startHarness();
  const browser = await launchBrowser();
  const chromiumVersion = browser.context.browser()?.version() ?? 'unknown';
  const runs: RunResult[] = [];
  try {
    for (let run = 0; run < options.runs; run++) {
      const { page } = await browser.newPage();
      page.setDefaultTimeout(60_000);
      await page.goto(harness.url({ files: options.files, lines: options.lines, hugeDiffLines: options.hugeDiffLines }));
      const listFirstPaintMs = await probeNumber(page, 'listPaintedAt');
      const fcp = (await page.evaluate(
        () =>
          (
            globalThis as unknown as { performance: { getEntriesByName(name: string): { startTime: number }[] } }
          ).performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
      )) as number | null;
      await page.waitForSelector('body[data-ready="true"]');
      const listScroll = await measureScroll(page, '.file-tree', options.scrollFrames);

      // The huge diff is the first ordinary file; bring it into view by filtering.
      await page.locator('.filter-field').click();
      await page.keyboard.type('src/module-4/component-4.ts');
      await page.locator('.file-row[data-path="src/module-4/component-4.ts"]').click();
      const painted = await probeNumber(page, 'diffPaintedAt');
      const posted = await probeNumber(page, 'diffPostedAt');
      const generated = await probeNumber(page, 'diffGeneratedMs');
      const hugeDiffScroll = await measureScroll(page, '.diff-body', options.scrollFrames);
      runs.push({
        listFirstPaintMs: round(listFirstPaintMs),
        firstContentfulPaintMs: fcp === null ? null : round(fcp),
        listScroll,
        hugeDiffOpenMs: round(painted - posted),
        hugeDiffGeneratedByFakeHostMs: round(generated),
        hugeDiffScroll,
      });
      await page.close();
    }
  } finally {
    await browser.close();
    await harness.close();
  }
  const median = (pick: (run: RunResult) => number) => percentile(runs.map(pick), 50);
  return {
    options,
    chromium: chromiumVersion,
    machine: { cpus: os.cpus().length, loadAverageBefore, loadAverageAfter: os.loadavg().map(round) },
    runs,
    median: {
      listFirstPaintMs: median((r) => r.listFirstPaintMs),
      hugeDiffOpenMs: median((r) => r.hugeDiffOpenMs),
      listScrollP95FrameMs: median((r) => r.listScroll.p95FrameMs),
      diffScrollP95FrameMs: median((r) => r.hugeDiffScroll.p95FrameMs),
    },
  };
}

function argValue(name: string): number | undefined {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return undefined;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} needs a positive integer, e.g. --${name} 2000`);
    process.exit(2);
  }
  return value;
}

if (require.main === module) {
  const options: MeasureOptions = {
    files: argValue('files') ?? DEFAULT_MEASURE.files,
    lines: argValue('lines') ?? DEFAULT_MEASURE.lines,
    hugeDiffLines: argValue('huge') ?? DEFAULT_MEASURE.hugeDiffLines,
    runs: argValue('runs') ?? DEFAULT_MEASURE.runs,
    scrollFrames: argValue('frames') ?? DEFAULT_MEASURE.scrollFrames,
  };
  measureReviewPanel(options).then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
