/**
 * The contract between the snapshot (what the sandbox started from and what it has now)
 * and the airlock (change sets, review and apply). Paths are relative to the workspace root,
 * with `/` separators. File names are bytes until proven otherwise: `rawPath` keeps the
 * exact bytes, `path` is their UTF-8 decoding (lossy when `validUtf8` is false).
 */
import type { FileHandle } from 'node:fs/promises';

export type EntryType = 'file' | 'directory' | 'symlink' | 'fifo' | 'socket' | 'device' | 'other';

export interface EntryInfo {
  readonly type: EntryType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  readonly mode: number;
  readonly size: number;
  readonly mtimeMs: number;
  /** For symlinks: the target as stored, never followed. */
  readonly linkTarget?: string;
}

export type RawChangeKind = 'added' | 'modified' | 'deleted';

/**
 * One path whose sandbox side differs from its base side, before any classification.
 * `modified` covers content, mode and type changes; the airlock tells them apart from
 * `base` and `sandbox`.
 */
export interface RawChange {
  readonly path: string;
  readonly rawPath: Buffer;
  readonly validUtf8: boolean;
  readonly kind: RawChangeKind;
  readonly base?: EntryInfo;
  readonly sandbox?: EntryInfo;
}

/** One of a snapshot's two trees: the frozen base, or the sandbox side the agent writes. */
export type SnapshotSide = 'base' | 'sandbox';

/**
 * An entry the base records at one path. A file's bytes come in memory, or as a file to
 * open (a private copy the airlock made, for files too large to hold in memory); the mode is
 * the permission bits to give it.
 */
export type BaseEntry =
  | { readonly type: 'absent' }
  | {
      readonly type: 'file';
      readonly mode: number;
      readonly source: { readonly data: Buffer } | { readonly open: () => Promise<FileHandle> };
    }
  | { readonly type: 'symlink'; readonly target: string }
  | { readonly type: 'directory'; readonly mode: number };

/**
 * What the airlock needs from a session's snapshot. Both sides are read only through these
 * methods, which never follow a symlink in any path component and never block on a FIFO
 * (the sandbox side is written by the agent, which can swap anything between two calls);
 * nothing writes the base or the sandbox copy except through them either.
 */
export interface SnapshotView {
  /** The real workspace root (the only tree apply writes). */
  readonly workspaceRoot: string;
  /** Lists every path whose sandbox side differs from the base. Cost follows the changes, where the strategy allows. */
  scan(signal?: AbortSignal): Promise<RawChange[]>;
  /** The entry at `rel` on one side, never followed; undefined when absent. A parent that became a symlink is refused. */
  entryOf(side: SnapshotSide, rel: string): Promise<EntryInfo | undefined>;
  /** Opens the regular file at `rel` on one side for reading (refuses anything else). The caller closes it. */
  openFile(side: SnapshotSide, rel: string): Promise<FileHandle>;
  /**
   * Records `entry` as the base side of `rel` (after an apply, what the real tree received),
   * so that the sandbox side leaves the pending set only where it still is what was applied.
   * The sandbox side is never read: it may have changed since it was reviewed.
   */
  acceptIntoBase(rel: string, entry: BaseEntry): Promise<void>;
  /** Brings the sandbox side of `rel` back to its base side (a discard or a rejection). */
  revertInSandbox(rel: string): Promise<void>;
}
