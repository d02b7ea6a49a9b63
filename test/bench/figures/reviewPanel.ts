/**
 * Review panel: first paint of the file list with 2,000 changed files and 100,000 diff lines,
 * and frame times while scrolling, measured in Chromium by the webview harness
 * (test/webview/measure.ts) under the panel's real CSP with a generated host.
 */
import { measureReviewPanel } from '../../webview/measure';
import type { BenchContext } from '../context';
import { figure, type Figure } from '../measure';

export async function measureReviewPanelFigures(
  ctx: BenchContext,
  options: { files: number; lines: number; runs: number },
): Promise<Figure[]> {
  ctx.log(`review panel: ${options.runs} runs with ${options.files} files and ${options.lines} diff lines`);
  const result = await measureReviewPanel({
    files: options.files,
    lines: options.lines,
    hugeDiffLines: options.lines,
    runs: options.runs,
    scrollFrames: 60,
  });
  const notes = [
    `Chromium ${result.chromium}, webview harness with a generated host (no VS Code around it)`,
    `DOM rows while scrolling the list: ${result.runs.map((r) => r.listScroll.domRows).join(', ')}; frames with no row under the pointer: ${result.runs.map((r) => r.listScroll.blankFrames).join(', ')}`,
  ];
  return [
    figure({
      name: 'reviewPanel.firstPaint',
      what: `first paint of the review list with ${options.files} changed files and ${options.lines} diff lines`,
      samples: result.runs.map((r) => r.listFirstPaintMs),
      target: { kind: 'absolute', max: 1000 },
      notes,
    }),
    figure({
      name: 'reviewPanel.listScrollP95Frame',
      what: '95th percentile frame time while scrolling the file list one screen per frame',
      samples: result.runs.map((r) => Math.max(0.01, r.listScroll.p95FrameMs)),
      target: { kind: 'absolute', max: 50 },
      notes: ['target here is ours: "stays responsive" read as p95 frame under 50 ms'],
    }),
    figure({
      name: 'reviewPanel.hugeDiffOpen',
      what: `opening one diff of ${options.lines} lines (request to first painted line)`,
      samples: result.runs.map((r) => Math.max(0.01, r.hugeDiffOpenMs)),
      target: { kind: 'absolute', max: 1000 },
      notes: ['target here is ours: diffs load on demand within a second'],
    }),
  ];
}
