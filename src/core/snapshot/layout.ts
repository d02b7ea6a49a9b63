/**
 * Where a session's snapshot lives inside its session folder. Its own file because both the
 * snapshot (sessionSnapshot.ts) and the kept base copy (baseCache.ts) need it, and the
 * snapshot itself uses the base cache.
 */
import * as path from 'node:path';
import { cappedMountPoint } from './diskCap';

export interface SnapshotLayout {
  readonly root: string;
  readonly base: string;
  /** The overlay's upper directory, or the full working copy for the copy strategy. */
  readonly sandbox: string;
  /** The overlay's work directory (unused by the copy strategy). */
  readonly work: string;
}

export function layoutOf(sessionDir: string): SnapshotLayout {
  return {
    root: sessionDir,
    base: path.join(sessionDir, 'base'),
    // Both on the capped file system when the session has a hard disk cap (see diskCap.ts);
    // the overlay needs its upper and work directories on one file system.
    sandbox: path.join(cappedMountPoint(sessionDir), 'upper'),
    work: path.join(cappedMountPoint(sessionDir), 'work'),
  };
}
