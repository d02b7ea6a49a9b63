/** Small builders for the webview's view-model types, used by the unit tests. */
import { emptyTotals, type FileItem, type HunkView, type Totals } from '../../../src/protocol/review';

export function file(path: string, overrides: Partial<FileItem> = {}): FileItem {
  return { path, kind: 'modified', size: 100, risks: [], decision: 'pending', hunkCount: 1, ...overrides };
}

export function hunk(index: number, lines: number, overrides: Partial<HunkView> = {}): HunkView {
  return {
    index,
    header: `@@ -${index * 10},${lines} +${index * 10},${lines} @@`,
    lines: Array.from({ length: lines }, (_, i) => ({
      type: i % 3 === 0 ? 'add' : i % 3 === 1 ? 'del' : 'context',
      text: `line ${i}`,
      ...(i % 3 !== 0 ? { oldNo: index * 10 + i } : {}),
      ...(i % 3 !== 1 ? { newNo: index * 10 + i } : {}),
    })),
    decision: 'pending',
    ...overrides,
  } as HunkView;
}

export function totals(overrides: Partial<Totals> = {}): Totals {
  return { ...emptyTotals(), ...overrides };
}
