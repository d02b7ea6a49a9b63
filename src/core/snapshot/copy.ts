/**
 * Makes the base copy of the workspace: every regular file, directory and symlink, minus the
 * excluded paths (secrets). Files are cloned (reflink) where the file system supports it and
 * copied otherwise. Symlinks are copied as links, never followed. FIFOs, sockets and devices
 * are left out and reported. Names are handled as bytes, so names that are not UTF-8 survive.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeName, Limiter } from './entries';

export interface CopyOptions {
  /** Returns the matching pattern when a path (posix, relative) is excluded. */
  readonly isExcluded: (relPath: string, isDirectory: boolean) => string | undefined;
  /** Owner to give every copied entry (when running as root for a non-root sandbox user). */
  readonly owner?: { readonly uid: number; readonly gid: number };
  readonly signal?: AbortSignal;
  /** Called now and then with the number of entries copied so far. */
  readonly onProgress?: (entries: number) => void;
}

export interface CopyReport {
  files: number;
  directories: number;
  symlinks: number;
  bytes: number;
  excluded: string[];
  skipped: { path: string; reason: string }[];
}

const CLONE = fs.constants.COPYFILE_FICLONE;

export async function copyTree(srcRoot: string, dstRoot: string, options: CopyOptions): Promise<CopyReport> {
  const report: CopyReport = { files: 0, directories: 0, symlinks: 0, bytes: 0, excluded: [], skipped: [] };
  const limiter = new Limiter(32);
  let lastProgress = 0;

  await fs.promises.mkdir(dstRoot, { recursive: true });
  if (options.owner) await fs.promises.lchown(dstRoot, options.owner.uid, options.owner.gid);

  const chown = async (p: Buffer | string) => {
    if (options.owner) await fs.promises.lchown(p, options.owner.uid, options.owner.gid);
  };

  const copyDir = async (srcDir: Buffer, dstDir: Buffer, relDir: string): Promise<void> => {
    options.signal?.throwIfAborted();
    const entries = await fs.promises.readdir(srcDir, { withFileTypes: true, encoding: 'buffer' });
    const subdirs: Promise<void>[] = [];
    await Promise.all(
      entries.map((entry) =>
        limiter.run(async () => {
          const rawName = entry.name as unknown as Buffer;
          const { name } = decodeName(rawName);
          const rel = relDir ? `${relDir}/${name}` : name;
          const src = Buffer.concat([srcDir, Buffer.from('/'), rawName]);
          const dst = Buffer.concat([dstDir, Buffer.from('/'), rawName]);
          const excludedBy = options.isExcluded(rel, entry.isDirectory());
          if (excludedBy) {
            report.excluded.push(rel);
            return;
          }
          if (entry.isDirectory()) {
            const st = await fs.promises.lstat(src);
            // Created writable for the copy; its own mode is set once its children are in.
            await fs.promises.mkdir(dst, { mode: 0o700 });
            await chown(dst);
            report.directories++;
            subdirs.push(
              copyDir(src, dst, rel).then(async () => {
                await fs.promises.chmod(dst, st.mode & 0o7777);
                await fs.promises.utimes(dst, st.atime, st.mtime);
              }),
            );
          } else if (entry.isFile()) {
            await fs.promises.copyFile(src, dst, CLONE);
            const st = await fs.promises.lstat(src);
            await fs.promises.chmod(dst, st.mode & 0o7777);
            await fs.promises.utimes(dst, st.atime, st.mtime);
            await chown(dst);
            report.files++;
            report.bytes += st.size;
          } else if (entry.isSymbolicLink()) {
            const target = await fs.promises.readlink(src, { encoding: 'buffer' });
            await fs.promises.symlink(target, dst);
            await chown(dst);
            report.symlinks++;
          } else {
            report.skipped.push({ path: rel, reason: 'not a regular file, directory or symlink' });
          }
          const done = report.files + report.directories + report.symlinks;
          if (options.onProgress && done - lastProgress >= 1000) {
            lastProgress = done;
            options.onProgress(done);
          }
        }),
      ),
    );
    await Promise.all(subdirs);
  };

  await copyDir(Buffer.from(path.resolve(srcRoot)), Buffer.from(path.resolve(dstRoot)), '');
  return report;
}
