/**
 * Splits a text change into hunks and rebuilds a file from any subset of them.
 *
 * Lines keep their own endings (`\n`, `\r\n`, or none on a last line), so rebuilding a file
 * from approved hunks reproduces every untouched byte of the base exactly.
 */
import { createHash } from 'node:crypto';
import { diffArrays } from 'diff';
import type { Hunk } from './types';

export const DEFAULT_CONTEXT_LINES = 3;

export function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    lines.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** One run of changed lines: base[baseStart, baseEnd) became sandbox[newStart, newEnd). */
interface ChangeRun {
  baseStart: number;
  baseEnd: number;
  newStart: number;
  newEnd: number;
}

function changeRuns(baseLines: string[], newLines: string[]): ChangeRun[] {
  const runs: ChangeRun[] = [];
  let b = 0;
  let n = 0;
  let open: ChangeRun | undefined;
  for (const part of diffArrays(baseLines, newLines)) {
    const count = part.value.length;
    if (!part.added && !part.removed) {
      if (open) runs.push(open);
      open = undefined;
      b += count;
      n += count;
      continue;
    }
    open ??= { baseStart: b, baseEnd: b, newStart: n, newEnd: n };
    if (part.removed) {
      b += count;
      open.baseEnd = b;
    } else {
      n += count;
      open.newEnd = n;
    }
  }
  if (open) runs.push(open);
  return runs;
}

function showLine(prefix: string, line: string): string[] {
  // A line without a final newline is marked the way unified diffs do.
  if (line.endsWith('\n')) return [prefix + line.slice(0, -1).replace(/\r$/, '')];
  return [prefix + line, '\\ No newline at end of file'];
}

/** Splits base -> sandbox into hunks, runs closer than 2 x context lines share one hunk. */
export function computeHunks(baseText: string, newText: string, context = DEFAULT_CONTEXT_LINES): Hunk[] {
  const baseLines = splitLines(baseText);
  const newLines = splitLines(newText);
  const runs = changeRuns(baseLines, newLines);
  const groups: ChangeRun[][] = [];
  for (const run of runs) {
    const last = groups.at(-1);
    const prev = last?.at(-1);
    if (last && prev && run.baseStart - prev.baseEnd <= 2 * context) last.push(run);
    else groups.push([run]);
  }

  const seen = new Map<string, number>();
  return groups.map((group, i) => {
    const first = group[0]!;
    const lastRun = group.at(-1)!;
    const ctxStart = Math.max(0, first.baseStart - context);
    const ctxEnd = Math.min(baseLines.length, lastRun.baseEnd + context);
    const lines: string[] = [];
    let cursor = ctxStart;
    for (const run of group) {
      for (; cursor < run.baseStart; cursor++) lines.push(...showLine(' ', baseLines[cursor]!));
      for (let k = run.baseStart; k < run.baseEnd; k++) lines.push(...showLine('-', baseLines[k]!));
      for (let k = run.newStart; k < run.newEnd; k++) lines.push(...showLine('+', newLines[k]!));
      cursor = run.baseEnd;
    }
    for (; cursor < ctxEnd; cursor++) lines.push(...showLine(' ', baseLines[cursor]!));

    const oldCount = ctxEnd - ctxStart;
    const newCtxStart = first.newStart - (first.baseStart - ctxStart);
    const newCount = oldCount + group.reduce((sum, r) => sum + (r.newEnd - r.newStart) - (r.baseEnd - r.baseStart), 0);
    const header = `@@ -${rangeLabel(ctxStart, oldCount)} +${rangeLabel(newCtxStart, newCount)} @@`;

    // The id follows the hunk's text, not its position, so an edit elsewhere in the file
    // keeps a decision; identical hunks are told apart by their rank.
    const digest = createHash('sha256');
    for (const line of lines) digest.update(line).update('\0');
    const textHash = digest.digest('hex');
    const rank = seen.get(textHash) ?? 0;
    seen.set(textHash, rank + 1);
    const id = rank === 0 ? textHash : createHash('sha256').update(`${textHash}#${rank}`).digest('hex');

    return {
      index: i + 1,
      id,
      baseStart: first.baseStart,
      baseEnd: lastRun.baseEnd,
      newLines: newLines.slice(first.newStart, lastRun.newEnd),
      header,
      lines,
    };
  });
}

function rangeLabel(start0: number, count: number): string {
  // Unified diff convention: an empty range names the line before it.
  const start = count === 0 ? start0 : start0 + 1;
  return count === 1 ? `${start}` : `${start},${count}`;
}

/** Rebuilds the file: the chosen hunks take the sandbox's lines, every other line stays base. */
export function applyHunks(baseText: string, hunks: readonly Hunk[], chosen: (h: Hunk) => boolean): string {
  const baseLines = splitLines(baseText);
  const out: string[] = [];
  let cursor = 0;
  for (const hunk of hunks) {
    if (!chosen(hunk)) continue;
    for (; cursor < hunk.baseStart; cursor++) out.push(baseLines[cursor]!);
    out.push(...hunk.newLines);
    cursor = hunk.baseEnd;
  }
  for (; cursor < baseLines.length; cursor++) out.push(baseLines[cursor]!);
  return out.join('');
}

/** A unified diff of the whole text, for `diff` output. */
export function formatUnifiedDiff(path: string, hunks: readonly Hunk[], oldLabel = `a/${path}`, newLabel = `b/${path}`): string {
  if (!hunks.length) return '';
  const out = [`--- ${oldLabel}`, `+++ ${newLabel}`];
  for (const h of hunks) out.push(h.header, ...h.lines);
  return out.join('\n') + '\n';
}
