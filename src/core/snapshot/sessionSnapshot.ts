/**
 * A session's snapshot: the frozen base copy of the workspace (minus excluded paths) and the
 * sandbox side. Two strategies:
 *
 * - `overlay`: the container sees an overlay of an upper directory on the base, mounted by
 *   the engine as a local volume. Nothing is copied twice and a change scan walks only the
 *   upper layer. Needs a Linux engine on this machine.
 * - `copy`: the container gets a second full copy bind-mounted. Works with any engine that
 *   can bind-mount local paths; a change scan compares whole trees.
 * - `remote`: the engine is on another machine. The base is shipped into a volume there and
 *   the sandbox side here is a mirror, brought up to date from the container before each scan
 *   and after each command (see remoteSide.ts); it is then read like the copy strategy's.
 *
 * Invariant for `acceptIntoBase`: the base is changed only at paths the sandbox side
 * shadows (they are in the upper layer; checked before each change), so the overlay's view
 * never changes under the container.
 */
import * as fs from 'node:fs';
import { saveManifest, takeKeptBase } from './baseCache';
import { changedPathsFor, type BaseChanges, type RefreshKind } from './baseChanges';
import type { FileHandle } from 'node:fs/promises';
import { SandboxError } from '../errors';
import { ChangedUnderfoot, Dir, namesOf, openParent } from '../fs/beneath';
import { copyEntry, createDirectory, createFileFrom, removeEntry } from '../fs/beneathTree';
import { copyTree } from './copy';
import { mountCappedFs } from './diskCap';
import type { SnapshotLayout } from './layout';
import { scanFull, scanOverlay, touchedSince, type MergedLister } from './scan';
import type { RemoteMirror } from './remoteSide';
import { ScanMemo } from './scanMemo';
import { assertPlainRelative, hostPath, infoAt, openFileAt } from './tree';
import type { BaseEntry, EntryInfo, RawChange, SnapshotSide, SnapshotView } from './types';

export type SnapshotStrategy = 'overlay' | 'copy' | 'remote';

// The session's code and tests name the layout with the snapshot; it lives in layout.ts so that
// baseCache.ts can use it without importing the snapshot.
export { layoutOf, type SnapshotLayout } from './layout';

/** Runs fixed helper scripts inside the sandbox, as its user (for overlay-safe changes). */
export interface SandboxHelpers {
  readonly listMerged: MergedLister;
  /** Makes the sandbox side of `rel` equal to its base side, from inside the container. */
  revert(rel: string): Promise<void>;
  /** The remote strategy's mirror of the container (see remoteSide.ts). */
  mirror(): RemoteMirror;
}

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

export class SessionSnapshot implements SnapshotView {
  /** What earlier scans learned that still holds (see ScanMemo). */
  private readonly scanMemo = new ScanMemo();

  constructor(
    readonly workspaceRoot: string,
    readonly layout: SnapshotLayout,
    readonly strategy: SnapshotStrategy,
    private readonly helpers: () => SandboxHelpers,
    private readonly owner?: Owner,
  ) {}

  /**
   * The host path of the sandbox side of `rel`, for naming it (mounts, messages, tests).
   * Never read or write through it: a folder on the way may be the agent's symlink to a host
   * path by now. The airlock only sees the SnapshotView methods.
   */
  sandboxPath(rel: string): string {
    return hostPath(this.layout.sandbox, rel);
  }

  private rootOf(side: SnapshotSide): string {
    return side === 'base' ? this.layout.base : this.layout.sandbox;
  }

  entryOf(side: SnapshotSide, rel: string): Promise<EntryInfo | undefined> {
    return infoAt(this.rootOf(side), rel);
  }

  openFile(side: SnapshotSide, rel: string): Promise<FileHandle> {
    return openFileAt(this.rootOf(side), rel);
  }

  async scan(signal?: AbortSignal): Promise<RawChange[]> {
    signal?.throwIfAborted();
    if (this.strategy === 'overlay') {
      return scanOverlay(this.layout.base, this.layout.sandbox, (dirs) => this.helpers().listMerged(dirs), this.scanMemo);
    }
    if (this.strategy === 'remote') await this.refreshMirror();
    return scanFull(this.layout.base, this.layout.sandbox);
  }

  /**
   * Brings the remote strategy's mirror up to date. A stopped container changes nothing, so
   * its mirror is read as the last refresh left it.
   */
  private async refreshMirror(): Promise<void> {
    let mirror: RemoteMirror;
    try {
      mirror = this.helpers().mirror();
    } catch (err) {
      if (err instanceof SandboxError && err.code === 'SESSION_NOT_RUNNING') return;
      throw err;
    }
    await mirror.refresh();
  }

  /** What one command touched (from change times) and the bytes the sandbox side holds. */
  touchedSince(sinceMs: number): Promise<{ touched: string[]; bytes: number }> {
    return touchedSince(this.layout.sandbox, sinceMs);
  }

  /**
   * Writes exactly `entry` into the base, walked one name at a time without following
   * symlinks. Nothing is read from the sandbox side: what it holds now may be newer than what
   * was applied, and must stay pending.
   */
  async acceptIntoBase(rel: string, entry: BaseEntry): Promise<void> {
    assertPlainRelative(rel);
    const names = namesOf(rel);
    const name = names[names.length - 1]!;
    if (this.strategy === 'overlay' && !(await this.shadowedInSandbox(names))) {
      throw new Error(
        `${rel} is no longer in the sandbox's own layer, so the base is left as it was there (the running sandbox would see the change)`,
      );
    }
    const baseRoot = await Dir.openRoot(this.layout.base);
    try {
      const target = await openParent(baseRoot, names, { mode: 0o755 });
      if (!target) throw new Error(`cannot make the folders of ${rel} in the base`);
      try {
        await removeEntry(target, name);
        if (entry.type === 'absent') return;
        if (entry.type === 'symlink') await target.symlink(Buffer.from(entry.target), name);
        else if (entry.type === 'directory') await createDirectory(target, name, entry.mode & 0o777);
        else await createFileFrom(target, name, entry.source, entry.mode & 0o777);
        if (this.owner) await target.lchown(name, this.owner.uid, this.owner.gid);
      } finally {
        if (target !== baseRoot) await target.close();
      }
    } finally {
      await baseRoot.close();
    }
  }

  /**
   * Whether the sandbox side hides the base at this path (an entry of its own there, or a
   * parent that is not a folder), read by name without following anything.
   */
  private async shadowedInSandbox(names: readonly Buffer[]): Promise<boolean> {
    const root = await Dir.openRoot(this.layout.sandbox);
    try {
      let parent: Dir | undefined;
      try {
        parent = await openParent(root, names);
      } catch (err) {
        if (err instanceof ChangedUnderfoot) return true;
        throw err;
      }
      if (!parent) return false;
      try {
        return (await parent.lstat(names[names.length - 1]!)) !== undefined;
      } finally {
        if (parent !== root) await parent.close();
      }
    } finally {
      await root.close();
    }
  }

  async revertInSandbox(rel: string): Promise<void> {
    assertPlainRelative(rel);
    if (this.strategy === 'overlay') {
      // The upper layer must not be changed behind the mounted overlay's back.
      await this.helpers().revert(rel);
      return;
    }
    if (this.strategy === 'remote') {
      // The container first; the mirror then gets the base's entry as the copy strategy's side does.
      await this.helpers()
        .mirror()
        .putBack(this.layout.base, rel, (await infoAt(this.layout.base, rel)) !== undefined);
    }
    const names = namesOf(rel);
    const name = names[names.length - 1]!;
    await withRoots(this.layout.base, this.layout.sandbox, async (baseRoot, sandboxRoot) => {
      let target: Dir | undefined;
      try {
        target = await openParent(sandboxRoot, names, { mode: 0o755, ...(this.owner ? { owner: this.owner } : {}) });
      } catch (err) {
        if (!(err instanceof ChangedUnderfoot)) throw err;
        throw new SandboxError(
          'UNSAFE_PATH',
          `Cannot bring "${rel}" back in the sandbox copy: a folder above it is not a folder there any more (${err.message}); nothing was changed through it.`,
          'Discard that folder itself first (it is listed among the changes), then try again.',
        );
      }
      if (!target) throw new Error(`cannot make the folders of ${rel} in the sandbox copy`);
      try {
        await removeEntry(target, name);
        const source = await openParent(baseRoot, names);
        try {
          if (!source) return;
          await copyEntry(source, name, target, name, { preserveTimestamps: true, ...(this.owner ? { owner: this.owner } : {}) });
        } finally {
          if (source && source !== baseRoot) await source.close();
        }
      } finally {
        if (target !== sandboxRoot) await target.close();
      }
    });
  }
}

/** Opens the base and sandbox roots for `work`, and closes them. */
async function withRoots<T>(base: string, sandbox: string, work: (baseRoot: Dir, sandboxRoot: Dir) => Promise<T>): Promise<T> {
  const baseRoot = await Dir.openRoot(base);
  try {
    const sandboxRoot = await Dir.openRoot(sandbox);
    try {
      return await work(baseRoot, sandboxRoot);
    } finally {
      await sandboxRoot.close();
    }
  } finally {
    await baseRoot.close();
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
  /** What a file watcher saw change since the kept base was made: the refresh may look only there. */
  readonly changes?: BaseChanges;
  /**
   * Settles once a container that names the snapshot's folders as its mounts has been created
   * (the engine checks that they exist then): until then the capped file system is not mounted
   * over them. See prepareSnapshotFolders.
   */
  readonly mountPointsNamed?: Promise<unknown>;
}

/**
 * Makes the base, the sandbox side and the overlay's work folder empty folders, so that a
 * container naming them as mounts can be created while the copy fills them: from here on each
 * of them always exists (a kept base replaces the empty one in one rename).
 */
export async function prepareSnapshotFolders(layout: SnapshotLayout): Promise<void> {
  // The modes a fresh copy's root and an overlay's work folder get.
  for (const [folder, mode] of [
    [layout.base, 0o755],
    [layout.sandbox, 0o755],
    [layout.work, 0o700],
  ] as const) {
    const st = await fs.promises.lstat(folder).catch(() => undefined);
    if (st?.isDirectory() && (await fs.promises.readdir(folder)).length === 0) continue;
    await fs.promises.rm(folder, { recursive: true, force: true });
    await fs.promises.mkdir(folder, { recursive: true, mode });
  }
}

/** Creates the base copy and the empty sandbox side. */
export async function createSnapshotFiles(options: CreateSnapshotOptions) {
  const { layout } = options;
  await prepareSnapshotFolders(layout);
  const kept = options.reuseKey !== undefined ? await takeKeptBase(layout, options.reuseKey) : undefined;
  const changedPaths = changedPathsFor(kept, options.changes);
  const { mountPointsNamed: _named, changes: _changes, ...copyOptions } = options;
  const copied = await copyTree(options.workspaceRoot, layout.base, {
    ...copyOptions,
    ...(kept ? { previous: kept.manifest } : {}),
    ...(changedPaths ? { changedPaths } : {}),
  });
  const refresh: RefreshKind = !kept ? 'fresh' : changedPaths ? 'changed' : 'full';
  const report = { ...copied, refresh, ...(changedPaths ? { changedPaths: changedPaths.length } : {}) };
  if (options.reuseKey !== undefined) await saveManifest(layout, options.reuseKey, report.manifest);
  if (options.hardCapBytes !== undefined) {
    await options.mountPointsNamed?.catch(() => undefined);
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
