/**
 * A person's decisions on a change set, per file and per hunk, kept as JSON in the session's
 * state directory. A file decision holds while the file's change is the same (its
 * fingerprint); a hunk decision holds while the hunk's text is the same (its id), so it
 * survives edits elsewhere in the file. Rejections with their reasons are also kept as
 * feedback, which outlives discards and applies until it is cleared.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './realTree';
import type { ChangeEntry, DecisionState, Hunk } from './types';

interface StoredDecision {
  readonly state: 'approved' | 'rejected';
  readonly reason?: string;
  readonly at: string;
}

interface FileRecord {
  fingerprint?: string;
  file?: StoredDecision;
  hunks: Record<string, StoredDecision & { readonly index: number }>;
}

export interface FeedbackItem {
  readonly path: string;
  /** Present when a single hunk was rejected. */
  readonly hunk?: { readonly index: number; readonly id: string; readonly text: string };
  readonly reason?: string;
  readonly at: string;
}

interface ReviewFile {
  version: 1;
  files: Record<string, FileRecord>;
  feedback: FeedbackItem[];
}

/** A rejection made on a Review object, reported once it is saved (for the audit log). */
export interface Rejection {
  readonly path: string;
  /** The hunk's 1-based index, absent for the whole file. */
  readonly hunk?: number;
  readonly reason?: string;
}

export class Review {
  /** Rejections made since the last save. */
  private rejections: Rejection[] = [];

  private constructor(
    private readonly file: string,
    private data: ReviewFile,
    private readonly onRejected?: (rejections: readonly Rejection[]) => void,
  ) {}

  static async load(stateDir: string, onRejected?: (rejections: readonly Rejection[]) => void): Promise<Review> {
    const file = path.join(stateDir, 'review.json');
    try {
      const parsed = JSON.parse(await fs.promises.readFile(file, 'utf8')) as ReviewFile;
      if (parsed.version !== 1 || typeof parsed.files !== 'object') throw new Error('unknown format');
      parsed.feedback ??= [];
      return new Review(file, parsed, onRejected);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        // Keep the unreadable file for inspection instead of overwriting it silently.
        await fs.promises.rename(file, `${file}.unreadable-${Date.now()}`).catch(() => undefined);
      }
      return new Review(file, { version: 1, files: {}, feedback: [] }, onRejected);
    }
  }

  async save(): Promise<void> {
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify(this.data));
    const saved = this.rejections;
    this.rejections = [];
    if (saved.length) this.onRejected?.(saved);
  }

  private record(p: string): FileRecord {
    let rec = this.data.files[p];
    if (!rec) this.data.files[p] = rec = { hunks: {} };
    return rec;
  }

  /** A whole-file decision; it replaces any hunk decisions of the file. */
  decideFile(entry: ChangeEntry, state: DecisionState, reason?: string): void {
    if (state === 'pending') {
      delete this.data.files[entry.path];
      return;
    }
    const at = new Date().toISOString();
    this.data.files[entry.path] = { fingerprint: entry.fingerprint, file: { state, reason, at }, hunks: {} };
    if (state === 'rejected') {
      this.addFeedback({ path: entry.path, reason, at });
      this.rejections.push({ path: entry.path, ...(reason ? { reason } : {}) });
    }
  }

  decideHunk(entry: ChangeEntry, hunk: Hunk, state: DecisionState, reason?: string): void {
    const rec = this.record(entry.path);
    if (state === 'pending') {
      delete rec.hunks[hunk.id];
      return;
    }
    const at = new Date().toISOString();
    rec.hunks[hunk.id] = { state, reason, at, index: hunk.index };
    if (state === 'rejected') {
      this.addFeedback({
        path: entry.path,
        hunk: { index: hunk.index, id: hunk.id, text: [hunk.header, ...hunk.lines].join('\n') },
        reason,
        at,
      });
      this.rejections.push({ path: entry.path, hunk: hunk.index, ...(reason ? { reason } : {}) });
    }
  }

  private addFeedback(item: FeedbackItem): void {
    // The latest rejection of the same thing replaces the earlier one.
    this.data.feedback = this.data.feedback.filter((f) => !(f.path === item.path && f.hunk?.id === item.hunk?.id));
    this.data.feedback.push(item);
  }

  fileDecision(entry: ChangeEntry): { state: DecisionState; reason?: string } {
    const rec = this.data.files[entry.path];
    if (!rec?.file || rec.fingerprint !== entry.fingerprint) return { state: 'pending' };
    return { state: rec.file.state, reason: rec.file.reason };
  }

  hunkDecision(entry: ChangeEntry, hunk: Hunk): { state: DecisionState; reason?: string } {
    const own = this.data.files[entry.path]?.hunks[hunk.id];
    if (own) return { state: own.state, reason: own.reason };
    return this.fileDecision(entry);
  }

  /** True when some hunk of the file has its own decision. */
  hasHunkDecisions(p: string): boolean {
    return Object.keys(this.data.files[p]?.hunks ?? {}).length > 0;
  }

  clear(p: string): void {
    delete this.data.files[p];
  }

  clearAll(): void {
    this.data.files = {};
  }

  feedback(): readonly FeedbackItem[] {
    return this.data.feedback;
  }

  clearFeedback(): void {
    this.data.feedback = [];
  }
}
