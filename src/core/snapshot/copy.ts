/**
 * Makes the base copy of the workspace: every regular file, directory and symlink, minus the
 * excluded paths (secrets). Files are cloned (reflink) where the file system supports it and
 * copied otherwise. Symlinks are copied as links, never followed. FIFOs, sockets and devices
 * are left out and reported. Names are handled as bytes, so names that are not UTF-8 survive.
 * Git's configuration files are written without their credentials, and credential files under
 * `.git` are left out, whatever the policy says (see gitScrub.ts): the copy never holds them.
 *
 * Given the manifest of an earlier copy into the same destination, only what changed is
 * copied again (see BaseManifest): an entry is kept when neither side moved since that copy.
 * Given also the paths that changed since (a file watcher's), only those are looked at.
 *
 * The walk runs on the calling thread with synchronous calls, in slices of a few
 * milliseconds between which the event loop gets its turn (progress, cancellation, and the
 * large files copied meanwhile in the thread pool): per entry, a walk is a handful of system
 * calls of microseconds each, which a round trip through libuv's four-thread pool would cost
 * many times over (see copyEntries.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyFileInPool, copySmallFile, copySymlink, openSource, SMALL_FILE_BYTES, type OpenedSource } from './copyEntries';
import { decodeName } from './entries';
import { gitFileTreatment, scrubGitConfig, type GitFileTreatment } from './gitScrub';

export interface CopyOptions {
  /** Returns the matching pattern when a path (posix, relative) is excluded. */
  readonly isExcluded: (relPath: string, isDirectory: boolean) => string | undefined;
  /** Owner to give every copied entry (when running as root for a non-root sandbox user). */
  readonly owner?: { readonly uid: number; readonly gid: number };
  readonly signal?: AbortSignal;
  /** Called now and then with the number of entries copied so far. */
  readonly onProgress?: (entries: number) => void;
  /** The manifest of the copy already at the destination: refresh it instead of starting over. */
  readonly previous?: BaseManifest;
  /**
   * With `previous`: the only paths (relative, posix) that may have changed since that copy,
   * as a file watcher saw them; a folder stands for everything under it. Every other entry is
   * taken from the manifest without being looked at. A path whose parent is no longer a
   * folder on either side is widened to that parent.
   */
  readonly changedPaths?: readonly string[];
}

/**
 * What one copy saw of each file and symlink, on both sides: the source's identity and
 * change time when it was read, and the copy's identity and change time when it was done.
 * Change times cannot be set by users, so an entry whose both sides still show the same
 * ones has not been written since (ctime moves with every content, mode or owner change).
 */
export interface ManifestRecord {
  readonly symlink: boolean;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly mode: number;
  readonly copyIno: number;
  readonly copyCtimeMs: number;
}

export interface BaseManifest {
  /** When the copy started, before it read anything. */
  readonly startedAtMs: number;
  /** Keyed by the relative path's raw bytes as latin1. */
  readonly entries: Map<string, ManifestRecord>;
}

export interface CopyReport {
  files: number;
  directories: number;
  symlinks: number;
  bytes: number;
  excluded: string[];
  skipped: { path: string; reason: string }[];
  /** Entries copied again (all of them without a previous manifest). */
  copied: number;
  manifest: BaseManifest;
}

/** A git configuration this large is not one; it is refused rather than copied unscrubbed. */
const MAX_GIT_CONFIG_BYTES = 1024 * 1024;

/**
 * Writes the scrubbed form of a git configuration file. The source is opened without following
 * a link, and checked to be the regular file it was, so what is scrubbed is what was listed.
 */
async function copyScrubbedGitConfig(src: Buffer, dst: Buffer, rel: string, st: fs.Stats): Promise<void> {
  const handle = await fs.promises.open(src, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  let content: Buffer;
  try {
    const now = await handle.stat();
    if (!now.isFile()) throw new Error(`${rel} is no longer a regular file`);
    if (now.size > MAX_GIT_CONFIG_BYTES)
      throw new Error(`the git configuration ${rel} is larger than 1 MiB, too large to be a configuration`);
    content = await handle.readFile();
  } finally {
    await handle.close();
  }
  await fs.promises.writeFile(dst, scrubGitConfig(content), { flag: 'wx', mode: 0o600 });
  await fs.promises.chmod(dst, st.mode & 0o7777);
  await fs.promises.utimes(dst, st.atime, st.mtime);
}

/**
 * A source changed within this long before the earlier copy started may have changed again
 * within the same clock tick after it was read, with no visible change time: copy it again.
 */
const RACY_MS = 2000;

/** The entry at `p`, not followed; undefined when it (or a folder on the way) is not there. */
function lstatOrUndefined(p: Buffer): fs.Stats | undefined {
  try {
    return fs.lstatSync(p, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

function unchangedSince(prev: ManifestRecord | undefined, st: fs.Stats, copy: fs.Stats | undefined, startedAtMs: number): boolean {
  return (
    !!prev &&
    !!copy &&
    prev.symlink === st.isSymbolicLink() &&
    copy.isSymbolicLink() === st.isSymbolicLink() &&
    (st.isFile() ? copy.isFile() : true) &&
    prev.ino === st.ino &&
    prev.size === st.size &&
    prev.mtimeMs === st.mtimeMs &&
    prev.ctimeMs === st.ctimeMs &&
    prev.mode === (st.mode & 0o7777) &&
    prev.ctimeMs < startedAtMs - RACY_MS &&
    prev.copyIno === copy.ino &&
    prev.copyCtimeMs === copy.ctimeMs
  );
}

/** How long the walk runs before the event loop gets a turn. */
const SLICE_MS = 15;
/** Large files copied at once in the thread pool (each holds its source open meanwhile). */
const LARGE_AT_ONCE = 4;
const SLASH = Buffer.from('/');

/** A folder to copy or refresh: its source, its copy, and its path (decoded, and raw). */
interface Folder {
  readonly src: Buffer;
  readonly dst: Buffer;
  readonly rel: string;
  readonly rawRel: Buffer;
  /** The copy existed before (a refresh); it is made writable only once something in it must change. */
  readonly existed: boolean;
  /** Whether the copy was made writable for a change (its own mode is then set again). */
  opened: boolean;
}

/** A folder whose mode and times are set once its children are in: the source's, as read. */
interface FolderToFinish {
  readonly folder: Folder;
  readonly st: fs.Stats;
}

/** What the walk hints about an entry (from its directory listing); the entry itself decides. */
type Hint = 'file' | 'directory' | 'other';

function join(dir: Buffer, name: Buffer): Buffer {
  return dir.length ? Buffer.concat([dir, SLASH, name]) : name;
}

/** Only a path with a `.git` component can be one gitFileTreatment rewrites or leaves out. */
function gitTreatmentOf(rel: string): GitFileTreatment | undefined {
  return /\.git/i.test(rel) ? gitFileTreatment(rel) : undefined;
}

export function copyTree(srcRoot: string, dstRoot: string, options: CopyOptions): Promise<CopyReport> {
  return new TreeCopy(path.resolve(srcRoot), path.resolve(dstRoot), options).run();
}

class TreeCopy {
  private readonly manifest: BaseManifest;
  private readonly report: CopyReport;
  private readonly pending: Folder[] = [];
  private readonly toFinish: FolderToFinish[] = [];
  private readonly large = new Set<Promise<void>>();
  private readonly pendingEntries: { folder: Folder; rawName: Buffer }[] = [];
  private largeFailure: { error: unknown } | undefined;
  private sliceStart = performance.now();
  private lastProgress = 0;
  private readonly root: Folder;

  constructor(
    srcRoot: string,
    dstRoot: string,
    private readonly options: CopyOptions,
  ) {
    const existed = !!options.previous && !!lstatOrUndefined(Buffer.from(dstRoot))?.isDirectory();
    // A refresh of changed paths keeps records made before: they are trusted against the
    // earlier start, the more careful of the two (see RACY_MS).
    const startedAtMs = existed && options.changedPaths ? options.previous!.startedAtMs : Date.now();
    this.manifest = { startedAtMs, entries: new Map() };
    this.report = { files: 0, directories: 0, symlinks: 0, bytes: 0, excluded: [], skipped: [], copied: 0, manifest: this.manifest };
    // The root is never given the source's mode, so it stays writable.
    this.root = { src: Buffer.from(srcRoot), dst: Buffer.from(dstRoot), rel: '', rawRel: Buffer.alloc(0), existed, opened: true };
  }

  async run(): Promise<CopyReport> {
    fs.mkdirSync(this.root.dst, { recursive: true });
    if (this.options.owner) fs.lchownSync(this.root.dst, this.options.owner.uid, this.options.owner.gid);
    try {
      const { previous, changedPaths } = this.options;
      if (previous && changedPaths && this.root.existed) await this.refreshChangedPaths(previous, changedPaths);
      else this.pending.push(this.root);
      let folder: Folder | undefined;
      while ((folder = this.pending.pop())) await this.copyFolder(folder);
      while (this.large.size) await Promise.race(this.large);
      this.throwIfLargeFailed();
      for (let i = this.toFinish.length - 1; i >= 0; i--) {
        if (this.timeToYield()) await this.yieldToEventLoop();
        this.finishFolder(this.toFinish[i]!);
      }
    } finally {
      // Nothing writes into the copy once copyTree has returned, whatever happened.
      await Promise.allSettled([...this.large]);
    }
    if (this.options.previous && this.options.changedPaths && this.root.existed) this.countFromManifest();
    return this.report;
  }

  private timeToYield(): boolean {
    return performance.now() - this.sliceStart >= SLICE_MS;
  }

  private async yieldToEventLoop(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
    this.options.signal?.throwIfAborted();
    this.throwIfLargeFailed();
  }

  private throwIfLargeFailed(): void {
    if (this.largeFailure) throw this.largeFailure.error;
  }

  /** Copies a folder's entries (or refreshes them), and removes from the copy what the source no longer has. */
  private async copyFolder(folder: Folder): Promise<void> {
    this.options.signal?.throwIfAborted();
    const entries = fs.readdirSync(folder.src, { withFileTypes: true, encoding: 'buffer' });
    const kept = folder.existed ? new Set<string>() : undefined;
    for (const entry of entries) {
      if (this.timeToYield()) await this.yieldToEventLoop();
      const rawName = entry.name as unknown as Buffer;
      const hint: Hint = entry.isDirectory() ? 'directory' : entry.isFile() ? 'file' : 'other';
      if (await this.copyEntry(folder, rawName, hint)) kept?.add(rawName.toString('latin1'));
    }
    if (kept) {
      // What the source no longer has (or now excludes) leaves the copy.
      for (const name of fs.readdirSync(folder.dst, { encoding: 'buffer' })) {
        if (kept.has(name.toString('latin1'))) continue;
        this.openForWrite(folder);
        fs.rmSync(join(folder.dst, name), { recursive: true, force: true });
      }
    }
  }

  /** Refreshed folders start out with their final mode, which may not let us write. */
  private openForWrite(folder: Folder): void {
    if (folder.opened) return;
    fs.chmodSync(folder.dst, 0o700);
    folder.opened = true;
  }

  /**
   * Copies (or refreshes) one entry of `folder`. Returns whether the copy keeps an entry of
   * that name (false for what is excluded, skipped or gone).
   */
  private async copyEntry(folder: Folder, rawName: Buffer, hint: Hint): Promise<boolean> {
    const { name } = decodeName(rawName);
    const rel = folder.rel ? `${folder.rel}/${name}` : name;
    const src = join(folder.src, rawName);
    const dst = join(folder.dst, rawName);
    const excludedBy = this.options.isExcluded(rel, hint === 'directory');
    const gitTreatment = gitTreatmentOf(rel);
    if (excludedBy || gitTreatment === 'leaveOut') {
      this.report.excluded.push(rel);
      return false;
    }
    const rawRel = join(folder.rawRel, rawName);
    const scrub = gitTreatment === 'scrubConfig';
    const { previous } = this.options;
    const copy = folder.existed ? lstatOrUndefined(dst) : undefined;

    // A first copy of a file: its identity is read on the opened file, one call fewer.
    if (hint === 'file' && !copy && !scrub) {
      const source = openSource(src);
      if (source) {
        await this.copyOpenedFile(source, src, dst, rawRel);
        return true;
      }
    }
    // Read the source's identity before its content, so a later write always shows.
    const st = lstatOrUndefined(src);
    if (!st) return false;
    if (st.isDirectory()) {
      // Listed as something else, it became a folder since: a folder-only pattern may exclude it.
      if (hint !== 'directory' && this.options.isExcluded(rel, true)) {
        this.report.excluded.push(rel);
        return false;
      }
      const reuse = !!copy?.isDirectory();
      if (!reuse) {
        this.openForWrite(folder);
        if (copy) fs.rmSync(dst, { recursive: true, force: true });
        // Created writable for the copy; its own mode is set once its children are in.
        fs.mkdirSync(dst, { mode: 0o700 });
        if (this.options.owner) fs.lchownSync(dst, this.options.owner.uid, this.options.owner.gid);
      }
      this.report.directories++;
      const child: Folder = { src, dst, rel, rawRel, existed: reuse, opened: !reuse };
      this.pending.push(child);
      this.toFinish.push({ folder: child, st });
      this.counted();
      return true;
    }
    if (scrub && !st.isFile()) {
      // A link would hand git a file that was never scrubbed (its target, copied as it is).
      this.report.skipped.push({
        path: rel,
        reason: 'a git configuration that is not a regular file is not copied: it could not be scrubbed of credentials',
      });
      return false;
    }
    if (!st.isFile() && !st.isSymbolicLink()) {
      this.report.skipped.push({ path: rel, reason: 'not a regular file, directory or symlink' });
      return false;
    }
    const key = rawRel.toString('latin1');
    // A scrubbed file is always made again: it is small, and no record of a copy made
    // under other rules (or before there were any) can then keep a raw one.
    const prev = previous?.entries.get(key);
    if (previous && !scrub && unchangedSince(prev, st, copy, previous.startedAtMs)) {
      // Equal in every field to what would be recorded now.
      this.keep(key, prev!);
      return true;
    }
    if (copy) {
      this.openForWrite(folder);
      fs.rmSync(dst, { recursive: true, force: true });
    }
    if (scrub) {
      await copyScrubbedGitConfig(src, dst, rel, st);
      if (this.options.owner) fs.lchownSync(dst, this.options.owner.uid, this.options.owner.gid);
      this.record(key, st, fs.lstatSync(dst));
      this.report.copied++;
      return true;
    }
    if (st.isFile()) {
      const source = openSource(src);
      if (source) {
        await this.copyOpenedFile(source, src, dst, rawRel);
        return true;
      }
    } else {
      const link = copySymlink(src, dst, this.options.owner);
      if (link) {
        this.record(key, link.st, link.done);
        this.report.copied++;
        return true;
      }
    }
    this.report.skipped.push({
      path: rel,
      reason: 'it changed from one kind of entry to another while it was being copied; start the sandbox again to copy it',
    });
    return false;
  }

  private async copyOpenedFile(source: OpenedSource, src: Buffer, dst: Buffer, rawRel: Buffer): Promise<void> {
    const key = rawRel.toString('latin1');
    this.report.copied++;
    if (source.st.size <= SMALL_FILE_BYTES) {
      this.record(key, source.st, copySmallFile(source, dst, this.options.owner));
      return;
    }
    // Its folder stays writable until the copy is done: folders are finished after every large file.
    const tracked: Promise<void> = copyFileInPool(source, src, dst, this.options.owner)
      .then(
        (done) => this.record(key, source.st, done),
        (error: unknown) => {
          this.largeFailure ??= { error };
        },
      )
      .finally(() => this.large.delete(tracked));
    this.large.add(tracked);
    while (this.large.size >= LARGE_AT_ONCE) await Promise.race(this.large);
    this.throwIfLargeFailed();
  }

  /** Records a file or symlink as copied (or kept): what the source and the copy were. */
  private record(key: string, st: fs.Stats, done: fs.Stats): void {
    this.manifest.entries.set(key, {
      symlink: st.isSymbolicLink(),
      ino: st.ino,
      size: st.size,
      mtimeMs: st.mtimeMs,
      ctimeMs: st.ctimeMs,
      mode: st.mode & 0o7777,
      copyIno: done.ino,
      copyCtimeMs: done.ctimeMs,
    });
    if (st.isFile()) {
      this.report.files++;
      this.report.bytes += st.size;
    } else this.report.symlinks++;
    this.counted();
  }

  /** Records an entry that neither side changed since the earlier copy, with that copy's record. */
  private keep(key: string, record: ManifestRecord): void {
    this.manifest.entries.set(key, record);
    if (record.symlink) this.report.symlinks++;
    else {
      this.report.files++;
      this.report.bytes += record.size;
    }
    this.counted();
  }

  private counted(): void {
    const count = this.report.files + this.report.directories + this.report.symlinks;
    if (this.options.onProgress && count - this.lastProgress >= 1000) {
      this.lastProgress = count;
      this.options.onProgress(count);
    }
  }

  /** Gives a folder the source's mode and times, unless a kept one has them already. */
  private finishFolder({ folder, st }: FolderToFinish): void {
    if (!folder.opened) {
      const now = fs.lstatSync(folder.dst);
      if ((now.mode & 0o7777) === (st.mode & 0o7777) && Math.trunc(now.mtimeMs) === Math.trunc(st.mtimeMs)) return;
    }
    fs.chmodSync(folder.dst, st.mode & 0o7777);
    fs.utimesSync(folder.dst, st.atimeMs / 1000, st.mtimeMs / 1000);
  }

  /**
   * A refresh told which paths changed: the manifest's records of everything else are kept,
   * and each changed path is refreshed as an entry of its folder (a folder as a whole).
   */
  private async refreshChangedPaths(previous: BaseManifest, changedPaths: readonly string[]): Promise<void> {
    const roots = this.widen(changedPaths);
    if (roots === 'everything') {
      this.pending.push(this.root);
      return;
    }
    const covered = (key: string): boolean => {
      if (roots.has(key)) return true;
      for (let i = key.indexOf('/'); i !== -1; i = key.indexOf('/', i + 1)) if (roots.has(key.slice(0, i))) return true;
      return false;
    };
    for (const [key, record] of previous.entries) if (!covered(key)) this.manifest.entries.set(key, record);
    const parents = new Map<string, Folder>();
    // Shallower parents first, so that they are finished after the folders inside them.
    const depth = (key: string) => key.split('/').length;
    for (const key of [...roots].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0))) {
      const raw = Buffer.from(key, 'latin1');
      const cut = raw.lastIndexOf(0x2f);
      const parentKey = cut === -1 ? '' : key.slice(0, cut);
      let parent = parents.get(parentKey);
      if (!parent) {
        const rawRel = cut === -1 ? Buffer.alloc(0) : raw.subarray(0, cut);
        parent =
          parentKey === ''
            ? this.root
            : {
                src: join(this.root.src, rawRel),
                dst: join(this.root.dst, rawRel),
                rel: decodeName(rawRel).name,
                rawRel,
                existed: true,
                opened: false,
              };
        parents.set(parentKey, parent);
        // Its mode and times follow the source again once its changed entries are in.
        if (parent !== this.root) this.toFinish.push({ folder: parent, st: fs.lstatSync(parent.src) });
      }
      this.pendingEntries.push({ folder: parent, rawName: cut === -1 ? raw : raw.subarray(cut + 1) });
    }
    for (const { folder, rawName } of this.pendingEntries) {
      if (this.timeToYield()) await this.yieldToEventLoop();
      const hint: Hint = lstatOrUndefined(join(folder.src, rawName))?.isDirectory() ? 'directory' : 'other';
      if (await this.copyEntry(folder, rawName, hint)) continue;
      // Gone from the source, excluded or skipped: gone from the copy.
      const dst = join(folder.dst, rawName);
      if (!lstatOrUndefined(dst)) continue;
      this.openForWrite(folder);
      fs.rmSync(dst, { recursive: true, force: true });
    }
  }

  /**
   * The changed paths as manifest keys, each widened to its first parent that is not a folder
   * on both sides (and to the folder of a name that arrived decoded lossily), none inside
   * another. 'everything' when that is the root.
   */
  private widen(changedPaths: readonly string[]): Set<string> | 'everything' {
    const folderOnBothSides = new Map<string, boolean>();
    const isFolderOnBothSides = (rel: string): boolean => {
      let known = folderOnBothSides.get(rel);
      if (known === undefined) {
        const raw = Buffer.from(rel);
        known = !!lstatOrUndefined(join(this.root.src, raw))?.isDirectory() && !!lstatOrUndefined(join(this.root.dst, raw))?.isDirectory();
        folderOnBothSides.set(rel, known);
      }
      return known;
    };
    const widened = new Set<string>();
    for (const changed of changedPaths) {
      const parts = changed.split('/');
      if (!changed || changed.includes('\0') || parts.some((s) => s === '' || s === '.' || s === '..')) {
        throw new Error(
          `A changed path must be relative to the workspace, with "/" between names and no empty, "." or ".." name: ${JSON.stringify(changed)}`,
        );
      }
      const lossy = parts.findIndex((s) => s.includes('\uFFFD'));
      let keep = lossy === -1 ? parts.length : lossy;
      for (let k = 1; k < keep; k++) {
        if (!isFolderOnBothSides(parts.slice(0, k).join('/'))) {
          keep = k;
          break;
        }
      }
      if (keep === 0) return 'everything';
      widened.add(Buffer.from(parts.slice(0, keep).join('/')).toString('latin1'));
    }
    const insideAnother = (key: string): boolean => {
      for (let i = key.indexOf('/'); i !== -1; i = key.indexOf('/', i + 1)) if (widened.has(key.slice(0, i))) return true;
      return false;
    };
    return new Set([...widened].filter((key) => !insideAnother(key)));
  }

  /** After a refresh of changed paths only, the counts are those of the whole copy, from its manifest. */
  private countFromManifest(): void {
    const report = this.report;
    report.files = report.symlinks = report.bytes = 0;
    const folders = new Set<string>();
    for (const [key, record] of this.manifest.entries) {
      if (record.symlink) report.symlinks++;
      else {
        report.files++;
        report.bytes += record.size;
      }
      for (let i = key.indexOf('/'); i !== -1; i = key.indexOf('/', i + 1)) folders.add(key.slice(0, i));
    }
    // Folders that hold no file or symlink are not in the manifest, and not counted.
    report.directories = folders.size;
  }
}
