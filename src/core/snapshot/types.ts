/**
 * The contract between the snapshot (what the sandbox started from and what it has now)
 * and the airlock (change sets, review and apply). Paths are relative to the workspace root,
 * with `/` separators. File names are bytes until proven otherwise: `rawPath` keeps the
 * exact bytes, `path` is their UTF-8 decoding (lossy when `validUtf8` is false).
 */
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

/**
 * What the airlock needs from a session's snapshot. The host paths it returns are for
 * reading only; nothing writes the base or the sandbox copy except through these methods.
 */
export interface SnapshotView {
  /** The real workspace root (the only tree apply writes). */
  readonly workspaceRoot: string;
  /** Lists every path whose sandbox side differs from the base. Cost follows the changes, where the strategy allows. */
  scan(signal?: AbortSignal): Promise<RawChange[]>;
  /** Host path of the base side of `rel` (may not exist). Read-only. */
  basePath(rel: string): string;
  /** Host path of the sandbox side of `rel` (may not exist). Read-only. */
  sandboxPath(rel: string): string;
  /**
   * Records that the real tree now holds `rel` as the sandbox has it (after an apply), so
   * that it leaves the pending set. `content` is what was written to the real tree when it
   * differs from the sandbox side (a partial apply); `null` records a deletion.
   */
  acceptIntoBase(rel: string, content?: Buffer | null): Promise<void>;
  /** Brings the sandbox side of `rel` back to its base side (a discard or a rejection). */
  revertInSandbox(rel: string): Promise<void>;
}
