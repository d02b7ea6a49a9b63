/**
 * A session's snapshot: the frozen base copy of the workspace (minus excluded paths) and the
 * sandbox side. Two strategies:
 *
 * - `overlay`: the container sees an overlay of an upper directory on the base, mounted by
 *   the engine as a local volume. Nothing is copied twice and a change scan walks only the
 *   upper layer. Needs a Linux engine on this machine.
 * - `copy`: the container gets a second full copy bind-mounted. Works with any engine that
 *   can bind-mount local paths; a change scan compares whole trees.
 *
 * Invariant for `acceptIntoBase`: the base is changed only at paths the sandbox side
 * shadows (they are in the upper layer), so the overlay's view never changes under the
 * container.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { saveManifest, takeKeptBase } from './baseCache';
import { lstatOrUndefined } from '../fsx';
import { copyTree } from './copy';
import { cappedMountPoint, mountCappedFs } from './diskCap';
import { scanFull, scanOverlay, touchedSince, type MergedLister } from './scan';
import { assertPlainRelative, hostPath } from './tree';
import type { RawChange, SnapshotView } from './types';

export type SnapshotStrategy = 'overlay' | 'copy';

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

/** Runs fixed helper scripts inside the sandbox, as its user (for overlay-safe changes). */
export interface SandboxHelpers {
  readonly listMerged: MergedLister;
  /** Makes the sandbox side of `rel` equal to its base side, from inside the container. */
  revert(rel: string): Promise<void>;
}

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

export class SessionSnapshot implements SnapshotView {
  constructor(
    readonly workspaceRoot: string,
    readonly layout: SnapshotLayout,
    readonly strategy: SnapshotStrategy,
    private readonly helpers: () => SandboxHelpers,
    private readonly owner?: Owner,
  ) {}

  basePath(rel: string): string {
    return hostPath(this.layout.base, rel);
  }

  sandboxPath(rel: string): string {
    return hostPath(this.layout.sandbox, rel);
  }

  scan(signal?: AbortSignal): Promise<RawChange[]> {
    signal?.throwIfAborted();
    return this.strategy === 'overlay'
      ? scanOverlay(this.layout.base, this.layout.sandbox, (dirs) => this.helpers().listMerged(dirs))
      : scanFull(this.layout.base, this.layout.sandbox);
  }

  /** What one command touched (from change times) and the bytes the sandbox side holds. */
  touchedSince(sinceMs: number): Promise<{ touched: string[]; bytes: number }> {
    return touchedSince(this.layout.sandbox, sinceMs);
  }

  async acceptIntoBase(rel: string, content?: Buffer | null): Promise<void> {
    assertPlainRelative(rel);
    const target = this.basePath(rel);
    await fs.promises.rm(target, { recursive: true, force: true });
    if (content === null) return;
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    if (content !== undefined) {
      const st = await fs.promises.lstat(this.sandboxPath(rel)).catch(() => undefined);
      await fs.promises.writeFile(target, content, { mode: (st?.mode ?? 0o644) & 0o777 });
    } else {
      const source = this.sandboxPath(rel);
      const st = await fs.promises.lstat(source);
      if (st.isSymbolicLink()) await fs.promises.symlink(await fs.promises.readlink(source), target);
      else if (st.isDirectory()) await fs.promises.mkdir(target, { mode: st.mode & 0o777 });
      else {
        await fs.promises.copyFile(source, target);
        await fs.promises.chmod(target, st.mode & 0o777);
      }
    }
    if (this.owner) await fs.promises.lchown(target, this.owner.uid, this.owner.gid);
  }

  async revertInSandbox(rel: string): Promise<void> {
    assertPlainRelative(rel);
    if (this.strategy === 'overlay') {
      // The upper layer must not be changed behind the mounted overlay's back.
      await this.helpers().revert(rel);
      return;
    }
    const target = this.sandboxPath(rel);
    await fs.promises.rm(target, { recursive: true, force: true });
    const source = this.basePath(rel);
    if (!(await lstatOrUndefined(source))) return;
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    await fs.promises.cp(source, target, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    if (this.owner) await fs.promises.lchown(target, this.owner.uid, this.owner.gid);
  }
}

export interface CreateSnapshotOptions {
  readonly workspaceRoot: string;
  readonly layout: SnapshotLayout;
  readonly strategy: SnapshotStrategy;
  readonly isExcluded: (relPath: string, isDirectory: boolean) => string | undefined;
  readonly owner?: Owner;
  readonly signal?: AbortSignal;
  readonly onProgress?: (entries: number) => void;
  /** Puts the sandbox side on a file system that holds at most this many bytes more than the base. */
  readonly hardCapBytes?: number;
  /**
   * Names what the base copy depends on besides the workspace (exclusions, owner). When set,
   * a base kept from the workspace's previous session with the same key is refreshed
   * instead of copied anew, and this one is recorded so that it can be kept in turn.
   */
  readonly reuseKey?: string;
}

/** Creates the base copy and the empty sandbox side. */
export async function createSnapshotFiles(options: CreateSnapshotOptions) {
  const { layout } = options;
  await fs.promises.rm(layout.base, { recursive: true, force: true });
  await fs.promises.rm(layout.sandbox, { recursive: true, force: true });
  await fs.promises.rm(layout.work, { recursive: true, force: true });
  const previous = options.reuseKey !== undefined ? await takeKeptBase(layout, options.reuseKey) : undefined;
  const report = await copyTree(options.workspaceRoot, layout.base, { ...options, ...(previous ? { previous } : {}) });
  if (options.reuseKey !== undefined) await saveManifest(layout, options.reuseKey, report.manifest);
  if (options.hardCapBytes !== undefined) {
    // The copy strategy holds a full copy on the capped side; each file takes at least a block.
    const held = options.strategy === 'copy' ? report.bytes + (report.files + report.directories + report.symlinks) * 4096 : 0;
    await mountCappedFs(layout.root, held + options.hardCapBytes);
  }
  if (options.strategy === 'overlay') {
    await fs.promises.mkdir(layout.sandbox, { recursive: true, mode: 0o755 });
    await fs.promises.mkdir(layout.work, { recursive: true, mode: 0o700 });
    // The merged root takes the upper root's owner and mode: the sandbox user must own it.
    const baseStat = await fs.promises.stat(layout.base);
    await fs.promises.chmod(layout.sandbox, baseStat.mode & 0o7777);
    if (options.owner) await fs.promises.chown(layout.sandbox, options.owner.uid, options.owner.gid);
  } else {
    await copyTree(layout.base, layout.sandbox, { isExcluded: () => undefined, ...(options.owner ? { owner: options.owner } : {}) });
  }
  return report;
}
