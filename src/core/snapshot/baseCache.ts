/**
 * Keeps a session's base copy for the workspace's next session, so that only the first
 * start ever pays for a full copy of the workspace: the next one refreshes the kept copy,
 * copying only what changed (see copyTree's manifest).
 *
 * The kept copy lives under `<state root>/base-cache/<workspace key>`, next to `sessions/`
 * on the same file system, so handing it over is a rename. It is kept only with the
 * manifest of a finished copy, and only reused when the exclusions and owner it was made
 * with are the same (the reuse key). Both hand-overs are single renames of the whole
 * folder, so a crash leaves either a complete cache or none.
 *
 * A prepare (prepareBase.ts) refreshes the kept copy where it lies, under the session lock.
 * While it does, the folder holds a mark: a copy with the mark is still a valid starting
 * point for a refresh that looks at every entry (each copy is checked against the manifest
 * by its identity and change time), but not for one that trusts a file watcher's list of
 * changed paths, since an interrupted refresh may have left other paths half done.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BaseManifest, ManifestRecord } from './copy';
import type { SnapshotLayout } from './layout';

const MANIFEST_VERSION = 1;

type RecordRow = [
  key: string,
  symlink: 0 | 1,
  ino: number,
  size: number,
  mtimeMs: number,
  ctimeMs: number,
  mode: number,
  copyIno: number,
  copyCtimeMs: number,
];

interface ManifestFile {
  readonly version: number;
  readonly reuseKey: string;
  readonly startedAtMs: number;
  readonly rows: RecordRow[];
}

/** `<state root>/base-cache/<key>` for the session folder `<state root>/sessions/<key>`. */
export function baseCacheDirFor(sessionDir: string): string {
  return path.join(path.dirname(path.dirname(sessionDir)), 'base-cache', path.basename(sessionDir));
}

const MANIFEST_NAME = 'base-manifest.json';
/** In a kept copy's folder while a prepare refreshes it in place (see the file comment). */
const REFRESHING_MARK = 'refresh-incomplete';

function manifestFile(layout: SnapshotLayout): string {
  return path.join(layout.root, MANIFEST_NAME);
}

/** A kept base copy and what is known of it. */
export interface KeptBase {
  readonly manifest: BaseManifest;
  /**
   * False when a refresh of it was cut short: only a refresh that looks at every entry may
   * start from it, not one limited to a watcher's changed paths.
   */
  readonly complete: boolean;
}

async function writeManifest(dir: string, reuseKey: string, manifest: BaseManifest): Promise<void> {
  const rows: RecordRow[] = [];
  for (const [key, r] of manifest.entries)
    rows.push([key, r.symlink ? 1 : 0, r.ino, r.size, r.mtimeMs, r.ctimeMs, r.mode, r.copyIno, r.copyCtimeMs]);
  const file: ManifestFile = { version: MANIFEST_VERSION, reuseKey, startedAtMs: manifest.startedAtMs, rows };
  const target = path.join(dir, MANIFEST_NAME);
  const tmp = `${target}.${crypto.randomBytes(4).toString('hex')}`;
  await fs.promises.writeFile(tmp, JSON.stringify(file), { mode: 0o600 });
  await fs.promises.rename(tmp, target);
}

/** Records the finished base copy, so that it may be kept when the session ends. */
export async function saveManifest(layout: SnapshotLayout, reuseKey: string, manifest: BaseManifest): Promise<void> {
  await writeManifest(layout.root, reuseKey, manifest);
}

/** The manifest of the copy kept in `dir`, when it was made with `reuseKey`. */
async function readKeptManifest(dir: string, reuseKey: string): Promise<KeptBase | undefined> {
  let manifest: BaseManifest | undefined;
  try {
    manifest = parseManifest(await fs.promises.readFile(path.join(dir, MANIFEST_NAME), 'utf8'), reuseKey);
  } catch {
    return undefined;
  }
  if (!manifest || !fs.existsSync(path.join(dir, 'base'))) return undefined;
  return { manifest, complete: !fs.existsSync(path.join(dir, REFRESHING_MARK)) };
}

/**
 * Opens the workspace's kept copy for a refresh in place: returns its base folder and, when
 * it was made with `reuseKey`, what is known of it; a copy made under other rules is dropped
 * first. The folder is marked as being refreshed until finishRefreshInPlace. The caller
 * holds the session lock, so no start takes the copy meanwhile.
 */
export async function beginRefreshInPlace(cacheDir: string, reuseKey: string): Promise<{ base: string; kept: KeptBase | undefined }> {
  const kept = await readKeptManifest(cacheDir, reuseKey);
  if (!kept) await fs.promises.rm(cacheDir, { recursive: true, force: true });
  await fs.promises.mkdir(cacheDir, { recursive: true, mode: 0o700 });
  await fs.promises.writeFile(path.join(cacheDir, REFRESHING_MARK), `${process.pid}\n`, { mode: 0o600 });
  return { base: path.join(cacheDir, 'base'), kept };
}

/** Records the finished refresh: the new manifest first, then the mark goes. */
export async function finishRefreshInPlace(cacheDir: string, reuseKey: string, manifest: BaseManifest): Promise<void> {
  await writeManifest(cacheDir, reuseKey, manifest);
  await fs.promises.rm(path.join(cacheDir, REFRESHING_MARK), { force: true });
}

function parseManifest(text: string, reuseKey: string): BaseManifest | undefined {
  let file: ManifestFile;
  try {
    file = JSON.parse(text) as ManifestFile;
  } catch {
    return undefined;
  }
  if (file.version !== MANIFEST_VERSION || file.reuseKey !== reuseKey || !Array.isArray(file.rows)) return undefined;
  const entries = new Map<string, ManifestRecord>();
  for (const [key, symlink, ino, size, mtimeMs, ctimeMs, mode, copyIno, copyCtimeMs] of file.rows) {
    entries.set(key, { symlink: symlink === 1, ino, size, mtimeMs, ctimeMs, mode, copyIno, copyCtimeMs });
  }
  return { startedAtMs: file.startedAtMs, entries };
}

/**
 * Moves a finished base copy (one with a manifest) out of a session folder that is about to
 * be removed. The base must no longer be mounted. Returns whether it was kept.
 */
export async function keepBaseForReuse(layout: SnapshotLayout): Promise<boolean> {
  if (!fs.existsSync(manifestFile(layout)) || !fs.existsSync(layout.base)) return false;
  const cacheDir = baseCacheDirFor(layout.root);
  const staging = `${cacheDir}.staging-${crypto.randomBytes(4).toString('hex')}`;
  await fs.promises.mkdir(staging, { recursive: true, mode: 0o700 });
  await fs.promises.rename(layout.base, path.join(staging, 'base'));
  await fs.promises.rename(manifestFile(layout), path.join(staging, 'base-manifest.json'));
  await fs.promises.rm(cacheDir, { recursive: true, force: true });
  await fs.promises.rename(staging, cacheDir);
  return true;
}

/**
 * Puts the workspace's kept base copy at `layout.base` and returns what is known of it, or
 * returns undefined (and drops a kept copy made with other exclusions or another owner).
 */
export async function takeKeptBase(layout: SnapshotLayout, reuseKey: string): Promise<KeptBase | undefined> {
  const cacheDir = baseCacheDirFor(layout.root);
  const taken = path.join(layout.root, 'base-taken');
  await fs.promises.rm(taken, { recursive: true, force: true });
  try {
    await fs.promises.rename(cacheDir, taken);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const kept = await readKeptManifest(taken, reuseKey);
  if (kept) {
    try {
      // Over an empty folder in one step, so that the base's path never goes missing (a
      // container naming it may be created meanwhile, see prepareSnapshotFolders).
      await fs.promises.rename(path.join(taken, 'base'), layout.base);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw err;
      await fs.promises.rm(layout.base, { recursive: true, force: true });
      await fs.promises.rename(path.join(taken, 'base'), layout.base);
    }
  }
  await fs.promises.rm(taken, { recursive: true, force: true });
  return kept;
}
