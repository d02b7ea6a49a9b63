/**
 * Feedback from review, for the agent: what a person rejected and why, and a sandbox copy
 * that agrees with it. A rejected file is brought back to its base in the copy; rejected
 * hunks are taken out of the file while the other hunks stay. Then the agent reads the
 * truth when it looks at the copy, and the rejection is not applied by accident later.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Airlock, FeedbackItem } from '../airlock';
import { applyHunks } from '../airlock/hunks';
import { hunksOf } from '../airlock/plan';
import { listPaths } from './results';

export interface ReconcileReport {
  /** Whole files brought back to their base in the sandbox copy. */
  readonly revertedFiles: readonly string[];
  /** Files from which rejected hunks were taken out, with the hunks' 1-based indices. */
  readonly revertedHunks: readonly { readonly path: string; readonly hunks: readonly number[] }[];
  readonly failed: readonly { readonly path: string; readonly reason: string }[];
}

/** Writes a file of the sandbox copy (through the container). */
export type SandboxWriter = (rel: string, content: Buffer) => Promise<void>;

/** Undoes every rejected change in the sandbox copy. Idempotent; cheap when nothing is rejected. */
export async function reconcileRejections(airlock: Airlock, write: SandboxWriter): Promise<ReconcileReport> {
  const review = await airlock.review();
  if (!review.feedback().length) return { revertedFiles: [], revertedHunks: [], failed: [] };
  const changeSet = await airlock.changes();
  const wholeFiles: string[] = [];
  const revertedHunks: { path: string; hunks: number[] }[] = [];
  const failed: { path: string; reason: string }[] = [];
  let reviewChanged = false;
  for (const entry of changeSet.entries) {
    if (review.fileDecision(entry).state === 'rejected' && !review.hasHunkDecisions(entry.path)) {
      wholeFiles.push(entry.path);
      continue;
    }
    if (!review.hasHunkDecisions(entry.path)) continue;
    const split = await hunksOf(airlock.view, entry);
    if (!split) continue;
    const rejected = split.hunks.filter((h) => review.hunkDecision(entry, h).state === 'rejected');
    if (!rejected.length) continue;
    if (rejected.length === split.hunks.length) {
      wholeFiles.push(entry.path);
      continue;
    }
    try {
      await write(
        entry.path,
        Buffer.from(
          applyHunks(split.baseText, split.hunks, (h) => !rejected.includes(h)),
          'utf8',
        ),
      );
      // The hunk is gone from the copy; its decision would only catch a later, deliberate retry.
      for (const h of rejected) review.decideHunk(entry, h, 'pending');
      reviewChanged = true;
      revertedHunks.push({ path: entry.path, hunks: rejected.map((h) => h.index) });
    } catch (err) {
      failed.push({ path: entry.path, reason: (err as Error).message });
    }
  }
  if (reviewChanged) await review.save();
  let revertedFiles: string[] = [];
  if (wholeFiles.length) {
    const result = await airlock.discard(wholeFiles);
    revertedFiles = result.discarded;
    failed.push(...result.failed);
  }
  return { revertedFiles, revertedHunks, failed };
}

/** Which feedback items an agent has already been told about, kept next to the session. */
export class FeedbackDelivery {
  constructor(private readonly file: string) {}

  static forSessionDir(sessionDir: string): FeedbackDelivery {
    return new FeedbackDelivery(path.join(sessionDir, 'agent-feedback-delivered.json'));
  }

  private read(): Set<string> {
    try {
      const keys = JSON.parse(fs.readFileSync(this.file, 'utf8')) as unknown;
      return new Set(Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : []);
    } catch {
      return new Set();
    }
  }

  /** The items not delivered yet; all of `items` count as delivered afterwards. */
  takeNew(items: readonly FeedbackItem[]): FeedbackItem[] {
    const delivered = this.read();
    const fresh = items.filter((i) => !delivered.has(feedbackKey(i)));
    // Keep only keys of items that still exist, so the file does not grow forever.
    const keys = items.map(feedbackKey);
    if (fresh.length || keys.length !== delivered.size) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(this.file, JSON.stringify(keys));
    }
    return fresh;
  }
}

export function feedbackKey(item: FeedbackItem): string {
  return JSON.stringify([item.path, item.hunk?.id ?? null, item.at]);
}

/** Longest hunk text shown per feedback item. */
const HUNK_TEXT_CAP = 2000;

/** Feedback as a model reads it. */
export function describeFeedback(items: readonly FeedbackItem[], report?: ReconcileReport): string {
  if (!items.length) return 'No feedback from review: nothing has been rejected.';
  const lines = ['A person reviewed your changes and rejected the following:'];
  for (const item of items) {
    const what = item.hunk ? `${item.path}, hunk ${item.hunk.index}` : `${item.path} (the whole change to this file)`;
    lines.push(`- ${what}: ${item.reason ? `reason: ${JSON.stringify(item.reason)}` : 'no reason given'}`);
    if (item.hunk) {
      const text = item.hunk.text.length > HUNK_TEXT_CAP ? `${item.hunk.text.slice(0, HUNK_TEXT_CAP)}\n[... hunk cut ...]` : item.hunk.text;
      lines.push(...text.split('\n').map((l) => `    ${l}`));
    }
  }
  if (report) {
    const undone = [
      ...report.revertedFiles,
      ...report.revertedHunks.map((h) => `${h.path} (hunk${h.hunks.length > 1 ? 's' : ''} ${h.hunks.join(', ')})`),
    ];
    if (undone.length) lines.push(`Undone in the sandbox copy just now: ${listPaths(undone)}.`);
    for (const f of report.failed) lines.push(`Could not undo ${f.path} in the sandbox copy: ${f.reason}`);
  }
  lines.push('Rejected changes are no longer in the sandbox copy. Do not redo them unchanged; address the reasons instead.');
  return lines.join('\n');
}
