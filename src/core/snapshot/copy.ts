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
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeName, Limiter } from './entries';
import { gitFileTreatment, scrubGitConfig } from './gitScrub';

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
   * With `previous`: the only paths (relative, posix) that may have changed since that copy
   * started; a directory covers its whole subtree. The refresh then looks only at those and
   * keeps the rest as the manifest records it. Given by a file watcher that saw every change
   * since then; absent, the whole tree is looked at.
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

const CLONE = fs.constants.COPYFILE_FICLONE;

/** A git configuration this large is not one; it is refused rather than copied unscrubbed. */
const MAX_GIT_CONFIG_BYTES = 1024 * 1024;

/**
 * Writes the scrubbed form of a git configuration file. The source is opened without following
 * a link, and checked to be the regular file it was, so what is scrubbed is what was listed.
 */
async function copyScrubbedGitConfig(src: Buffer, dst: Buffer, rel: string, st: fs.Stats): Promise<void> {
  const handle = await fs.promises.open(src, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  let content: Buffer;
  try {
    const now = await handle.stat();
    if (!now.isFile()) throw new Error(`${rel} is no longer a regular file`);
    if (now.size > MAX_GIT_CONFIG_BYTES) throw new Error(`the git configuration ${rel} is larger than 1 MiB, too large to be a configuration`);
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

/**
 * Synchronous on purpose: a refresh is mostly lstat calls on cached inodes, which take
 * microseconds; a trip through the thread pool for each costs many times that. The event
 * loop still gets a turn at every directory (readdir stays asynchronous).
 */
function lstatOrUndefined(p: Buffer): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
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

export async function copyTree(srcRoot: string, dstRoot: string, options: CopyOptions): Promise<CopyReport> {
  const startedAtMs = Date.now();
  const manifest: BaseManifest = { startedAtMs, entries: new Map() };
  const report: CopyReport = { files: 0, directories: 0, symlinks: 0, bytes: 0, excluded: [], skipped: [], copied: 0, manifest };
  const limiter = new Limiter(32);
  const previous = options.previous;
  let lastProgress = 0;

  await fs.promises.mkdir(dstRoot, { recursive: true });
  if (options.owner) await fs.promises.lchown(dstRoot, options.owner.uid, options.owner.gid);

  const chown = async (p: Buffer | string) => {
    if (options.owner) await fs.promises.lchown(p, options.owner.uid, options.owner.gid);
  };

  /** `dstDir` existed before (a refresh); it is made writable only once something in it must change. */
  const copyDir = async (srcDir: Buffer, dstDir: Buffer, relDir: string, rawRel: Buffer, dstExisted: boolean): Promise<void> => {
    options.signal?.throwIfAborted();
    const entries = await fs.promises.readdir(srcDir, { withFileTypes: true, encoding: 'buffer' });
    const subdirs: Promise<void>[] = [];
    const kept = new Set<string>();
    let opened: Promise<void> | undefined;
    // Refreshed directories start out with their final mode, which may not let us write.
    // The root is never given the source's mode, so it stays writable.
    const openForWrite = () => (opened ??= dstExisted && rawRel.length > 0 ? fs.promises.chmod(dstDir, 0o700) : Promise.resolve());
    await Promise.all(
      entries.map((entry) =>
        limiter.run(async () => {
          const rawName = entry.name as unknown as Buffer;
          const { name } = decodeName(rawName);
          const rel = relDir ? `${relDir}/${name}` : name;
          const rawChild = rawRel.length ? Buffer.concat([rawRel, Buffer.from('/'), rawName]) : rawName;
          const src = Buffer.concat([srcDir, Buffer.from('/'), rawName]);
          const dst = Buffer.concat([dstDir, Buffer.from('/'), rawName]);
          const excludedBy = options.isExcluded(rel, entry.isDirectory());
          const gitTreatment = gitFileTreatment(rel);
          if (excludedBy || gitTreatment === 'leaveOut') {
            report.excluded.push(rel);
            return;
          }
          const copy = dstExisted ? lstatOrUndefined(dst) : undefined;
          if (entry.isDirectory()) {
            kept.add(rawName.toString('latin1'));
            const st = fs.lstatSync(src);
            const reuse = !!copy?.isDirectory();
            if (!reuse) {
              await openForWrite();
              if (copy) await fs.promises.rm(dst, { recursive: true, force: true });
              // Created writable for the copy; its own mode is set once its children are in.
              await fs.promises.mkdir(dst, { mode: 0o700 });
              await chown(dst);
            }
            report.directories++;
            subdirs.push(
              copyDir(src, dst, rel, rawChild, reuse).then(async () => {
                const now = reuse ? fs.lstatSync(dst) : undefined;
                if (!now || (now.mode & 0o7777) !== (st.mode & 0o7777) || now.mtimeMs !== st.mtimeMs) {
                  await fs.promises.chmod(dst, st.mode & 0o7777);
                  await fs.promises.utimes(dst, st.atime, st.mtime);
                }
              }),
            );
          } else if (gitTreatment === 'scrubConfig' && !entry.isFile()) {
            // A link would hand git a file that was never scrubbed (its target, copied as it is).
            report.skipped.push({ path: rel, reason: 'a git configuration that is not a regular file is not copied: it could not be scrubbed of credentials' });
          } else if (entry.isFile() || entry.isSymbolicLink()) {
            kept.add(rawName.toString('latin1'));
            const scrub = gitTreatment === 'scrubConfig';
            // Read the source's identity before its content, so a later write always shows.
            const st = fs.lstatSync(src);
            const key = rawChild.toString('latin1');
            const prev = previous?.entries.get(key);
            let done = copy;
            // A scrubbed file is always made again: it is small, and no record of a copy made
            // under other rules (or before there were any) can then keep a raw one.
            if (!previous || scrub || !unchangedSince(prev, st, copy, previous.startedAtMs)) {
              await openForWrite();
              if (copy) await fs.promises.rm(dst, { recursive: true, force: true });
              if (scrub) {
                await copyScrubbedGitConfig(src, dst, rel, st);
              } else if (st.isFile()) {
                await fs.promises.copyFile(src, dst, CLONE);
                await fs.promises.chmod(dst, st.mode & 0o7777);
                await fs.promises.utimes(dst, st.atime, st.mtime);
              } else {
                await fs.promises.symlink(await fs.promises.readlink(src, { encoding: 'buffer' }), dst);
              }
              await chown(dst);
              done = await fs.promises.lstat(dst);
              report.copied++;
            }
            manifest.entries.set(key, {
              symlink: st.isSymbolicLink(),
              ino: st.ino,
              size: st.size,
              mtimeMs: st.mtimeMs,
              ctimeMs: st.ctimeMs,
              mode: st.mode & 0o7777,
              copyIno: done!.ino,
              copyCtimeMs: done!.ctimeMs,
            });
            if (st.isFile()) {
              report.files++;
              report.bytes += st.size;
            } else report.symlinks++;
          } else {
            report.skipped.push({ path: rel, reason: 'not a regular file, directory or symlink' });
          }
          const count = report.files + report.directories + report.symlinks;
          if (options.onProgress && count - lastProgress >= 1000) {
            lastProgress = count;
            options.onProgress(count);
          }
        }),
      ),
    );
    if (dstExisted) {
      // What the source no longer has (or now excludes) leaves the copy.
      for (const name of (await fs.promises.readdir(dstDir, { encoding: 'buffer' })) as Buffer[]) {
        if (kept.has(name.toString('latin1'))) continue;
        await openForWrite();
        await fs.promises.rm(Buffer.concat([dstDir, Buffer.from('/'), name]), { recursive: true, force: true });
      }
    }
    await Promise.all(subdirs);
  };

  const dstRootExisted = !!previous && !!lstatOrUndefined(Buffer.from(path.resolve(dstRoot)))?.isDirectory();
  await copyDir(Buffer.from(path.resolve(srcRoot)), Buffer.from(path.resolve(dstRoot)), '', Buffer.alloc(0), dstRootExisted);
  return report;
}
