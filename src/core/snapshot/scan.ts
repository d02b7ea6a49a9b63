/**
 * Change scans. The overlay scan walks only the sandbox's upper layer, so its cost follows
 * what changed, not the size of the workspace. The full scan compares two whole trees; it is
 * the fallback for a sandbox that works on a plain copy.
 *
 * Both sides are walked through open directories, one name at a time (../fs/beneath.ts):
 * the agent can swap a folder for a symlink to a host path, or a file for a FIFO, between
 * any two calls, and the walk must never follow or wait on either. A swap seen mid-walk
 * makes the scan start again, a bounded number of times.
 */
import { SandboxError } from '../errors';
import { ChangedUnderfoot, Dir, MAX_DEPTH, namesOf, tooDeep } from '../fs/beneath';
import { decodeName, entryInfo, isWhiteout } from './entries';
import { sameEntry } from './compare';
import { ScanMemo } from './scanMemo';
import type { EntryInfo, RawChange } from './types';

/** Whole-scan attempts when the sandbox changes what is being walked. */
const SCAN_ATTEMPTS = 3;

const SLASH = Buffer.from('/');

interface Rel {
  readonly raw: Buffer;
  readonly text: string;
  readonly valid: boolean;
  readonly depth: number;
}

const ROOT: Rel = { raw: Buffer.alloc(0), text: '', valid: true, depth: 0 };

function child(parent: Rel, rawName: Buffer): Rel {
  const { name, valid } = decodeName(rawName);
  if (parent.raw.length === 0) return { raw: rawName, text: name, valid, depth: 1 };
  return {
    raw: Buffer.concat([parent.raw, SLASH, rawName]),
    text: `${parent.text}/${name}`,
    valid: parent.valid && valid,
    depth: parent.depth + 1,
  };
}

async function infoIn(dir: Dir | undefined, name: Buffer): Promise<EntryInfo | undefined> {
  const st = await dir?.lstat(name);
  if (!dir || !st) return undefined;
  return entryInfo(st, st.isSymbolicLink() ? (await dir.readlink(name)).toString() : undefined);
}

async function listIn(dir: Dir | undefined): Promise<Buffer[]> {
  return dir ? dir.list() : [];
}

/**
 * Runs `work` with the subdirectory `name` of `dir` open (undefined when it is gone). One
 * descriptor per level is held, so the depth is capped.
 */
async function inDir<T>(dir: Dir | undefined, name: Buffer, rel: Rel, work: (sub: Dir | undefined) => Promise<T>): Promise<T> {
  if (rel.depth > MAX_DEPTH) throw tooDeep(namesOf(rel.raw));
  const sub = await dir?.openDir(name);
  try {
    return await work(sub);
  } finally {
    await sub?.close();
  }
}

/** Opens the directory at `raw` below `root` (undefined when it is not there). */
async function openBelow(root: Dir, raw: Buffer): Promise<Dir | undefined> {
  let dir: Dir | undefined = root;
  for (const name of namesOf(raw)) {
    const next: Dir | undefined = await dir.openDir(name);
    if (dir !== root) await dir.close();
    dir = next;
    if (!dir) return undefined;
  }
  return dir === root ? undefined : dir;
}

function change(rel: Rel, kind: RawChange['kind'], base?: EntryInfo, sandbox?: EntryInfo): RawChange {
  return { path: rel.text, rawPath: rel.raw, validUtf8: rel.valid, kind, ...(base ? { base } : {}), ...(sandbox ? { sandbox } : {}) };
}

/** Reports `rel` (the entry `name` in the base directory `dir`) and everything below it as deleted (children first). */
async function deletedSubtree(dir: Dir, name: Buffer, rel: Rel, info: EntryInfo, out: RawChange[]): Promise<void> {
  if (info.type === 'directory') await deletedBelow(dir, name, rel, out);
  out.push(change(rel, 'deleted', info));
}

/** Reports everything below the base directory `name` in `dir` as deleted. */
async function deletedBelow(dir: Dir, name: Buffer, rel: Rel, out: RawChange[]): Promise<void> {
  await inDir(dir, name, rel, async (sub) => {
    for (const n of await listIn(sub)) {
      const info = await infoIn(sub, n);
      if (info) await deletedSubtree(sub!, n, child(rel, n), info, out);
    }
  });
}

/** Reports everything below an open sandbox directory as added (used when the base has none of it). */
async function addedSubtree(dir: Dir | undefined, rel: Rel, out: RawChange[], skipWhiteouts: boolean): Promise<void> {
  for (const name of await listIn(dir)) {
    const c = child(rel, name);
    const st = await dir!.lstat(name);
    if (!st) continue;
    if (skipWhiteouts && isWhiteout(st)) continue;
    const info = entryInfo(st, st.isSymbolicLink() ? (await dir!.readlink(name)).toString() : undefined);
    out.push(change(c, 'added', undefined, info));
    if (st.isDirectory()) await inDir(dir, name, c, (sub) => addedSubtree(sub, c, out, skipWhiteouts));
  }
}

/** Errors that mean the sandbox changed what was being walked (a swap, a removal mid-walk). */
function isRace(err: unknown): boolean {
  if (err instanceof ChangedUnderfoot) return true;
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'ESTALE';
}

/** Runs one whole walk again when the sandbox changes it underfoot; gives up with a clear error. */
async function retrying<T>(walk: () => Promise<T>, attempts = SCAN_ATTEMPTS): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await walk();
    } catch (err) {
      if (!isRace(err)) throw err;
      last = err;
    }
  }
  throw new SandboxError(
    'SNAPSHOT_FAILED',
    `The sandbox copy kept changing while it was being scanned (${attempts} attempts; last: ${(last as Error).message}).`,
    'Let the commands running in the sandbox finish (or stop them), then look at the changes again.',
    { cause: last },
  );
}

/** Opens both roots, runs `work`, closes them. */
async function withRoots<T>(roots: readonly string[], work: (dirs: Dir[]) => Promise<T>): Promise<T> {
  const dirs: Dir[] = [];
  try {
    for (const r of roots) dirs.push(await Dir.openRoot(r));
    return await work(dirs);
  } finally {
    await Promise.all(dirs.map((d) => d.close()));
  }
}

/**
 * Lists what the sandbox really shows in some directories (names as bytes). Needed because
 * a directory the agent removed and made again is "opaque" in the upper layer, which the
 * host cannot see without privileges; the merged view inside the container tells.
 */
export type MergedLister = (dirs: readonly string[]) => Promise<Map<string, Set<string>>>;

export function scanOverlay(baseDir: string, upperDir: string, listMerged: MergedLister, memo = new ScanMemo()): Promise<RawChange[]> {
  return retrying(() =>
    withRoots([baseDir, upperDir], ([baseRoot, upperRoot]) => scanOverlayOnce(baseRoot!, upperRoot!, listMerged, memo)),
  );
}

async function scanOverlayOnce(baseRoot: Dir, upperRoot: Dir, listMerged: MergedLister, memo: ScanMemo): Promise<RawChange[]> {
  const out: RawChange[] = [];
  /** Directories whose hidden base entries only the merged view can tell, with the upper directory's identity. */
  const ambiguous: { rel: Rel; missing: Buffer[]; identity: string | undefined }[] = [];
  /** Directories the memo knows to be opaque: every base entry they do not mention is gone. */
  const knownOpaque: { rel: Rel; missing: Buffer[] }[] = [];

  const walk = async (rel: Rel, upper: Dir, base: Dir | undefined): Promise<void> => {
    // Taken before the listing: a change after it gives a new identity, so the next scan asks again.
    const identity = rel.raw.length > 0 ? memo.identityOf(await upper.stat()) : undefined;
    const names = await upper.list();
    const present = new Set(names.map((n) => n.toString('latin1')));
    for (const name of names) {
      const c = child(rel, name);
      const st = await upper.lstat(name);
      if (!st) continue;
      const baseInfo = await infoIn(base, name);
      if (isWhiteout(st)) {
        if (baseInfo) await deletedSubtree(base!, name, c, baseInfo, out);
        continue;
      }
      const sandbox = entryInfo(st, st.isSymbolicLink() ? (await upper.readlink(name)).toString() : undefined);
      if (!baseInfo) {
        out.push(change(c, 'added', undefined, sandbox));
        if (st.isDirectory()) await inDir(upper, name, c, (sub) => addedSubtree(sub, c, out, true));
        continue;
      }
      if (st.isDirectory()) {
        if (baseInfo.type !== 'directory') {
          out.push(change(c, 'modified', baseInfo, sandbox));
          await inDir(upper, name, c, (sub) => addedSubtree(sub, c, out, true));
          continue;
        }
        if (baseInfo.mode !== sandbox.mode) out.push(change(c, 'modified', baseInfo, sandbox));
        await inDir(upper, name, c, (subUpper) =>
          subUpper ? inDir(base, name, c, (subBase) => walk(c, subUpper, subBase)) : Promise.resolve(),
        );
        continue;
      }
      if (baseInfo.type === 'directory') {
        // A directory replaced by a file or link: everything that was below it is gone.
        await deletedBelow(base!, name, c, out);
        out.push(change(c, 'modified', baseInfo, sandbox));
        continue;
      }
      if (!(await sameEntry(baseInfo, { dir: base!, name }, sandbox, { dir: upper, name }))) {
        out.push(change(c, 'modified', baseInfo, sandbox));
      }
    }
    // Base entries this upper directory does not mention are unchanged, unless the
    // directory is opaque; collect them to ask the merged view. The root of the upper
    // layer is never opaque.
    if (rel.raw.length > 0) {
      const missing = (await listIn(base)).filter((n) => !present.has(n.toString('latin1')));
      if (missing.length) {
        const opaque = memo.opaqueDir(rel.raw, identity);
        if (opaque === undefined) ambiguous.push({ rel, missing, identity });
        else if (opaque) knownOpaque.push({ rel, missing });
      }
    }
  };

  const reportGone = async (rel: Rel, gone: readonly Buffer[]): Promise<void> => {
    const base = await openBelow(baseRoot, rel.raw);
    try {
      for (const m of gone) {
        const info = await infoIn(base, m);
        if (info) await deletedSubtree(base!, m, child(rel, m), info, out);
      }
    } finally {
      await base?.close();
    }
  };

  await walk(ROOT, upperRoot, baseRoot);
  for (const { rel, missing } of knownOpaque) await reportGone(rel, missing);
  if (ambiguous.length) {
    const merged = await listMerged(ambiguous.map((a) => a.rel.raw.toString('latin1')));
    for (const { rel, missing, identity } of ambiguous) {
      const shown = merged.get(rel.raw.toString('latin1'));
      if (!shown) continue;
      const gone = missing.filter((m) => !shown.has(m.toString('latin1')));
      // All hidden or none: remembered. Anything between means the directory moved while it
      // was asked about; reported as seen, not remembered.
      if (gone.length === 0 || gone.length === missing.length) memo.rememberOpaqueDir(rel.raw, identity, gone.length > 0);
      if (gone.length) await reportGone(rel, gone);
    }
  }
  return out;
}

/** Compares two whole trees (the copy fallback). Cost follows the size of the workspace. */
export function scanFull(baseDir: string, sandboxDir: string): Promise<RawChange[]> {
  return retrying(() => withRoots([baseDir, sandboxDir], ([baseRoot, sandboxRoot]) => scanFullOnce(baseRoot!, sandboxRoot!)));
}

async function scanFullOnce(baseRoot: Dir, sandboxRoot: Dir): Promise<RawChange[]> {
  const out: RawChange[] = [];
  const walk = async (rel: Rel, base: Dir | undefined, sandbox: Dir | undefined): Promise<void> => {
    const [baseNames, sandboxNames] = await Promise.all([listIn(base), listIn(sandbox)]);
    const inBase = new Set(baseNames.map((n) => n.toString('latin1')));
    const inSandbox = new Set(sandboxNames.map((n) => n.toString('latin1')));
    for (const name of sandboxNames) {
      const c = child(rel, name);
      const sandboxInfo = await infoIn(sandbox, name);
      if (!sandboxInfo) continue;
      const baseInfo = inBase.has(name.toString('latin1')) ? await infoIn(base, name) : undefined;
      if (!baseInfo) {
        out.push(change(c, 'added', undefined, sandboxInfo));
        if (sandboxInfo.type === 'directory') await inDir(sandbox, name, c, (sub) => addedSubtree(sub, c, out, false));
        continue;
      }
      if (baseInfo.type === 'directory' && sandboxInfo.type === 'directory') {
        if (baseInfo.mode !== sandboxInfo.mode) out.push(change(c, 'modified', baseInfo, sandboxInfo));
        await inDir(base, name, c, (subBase) => inDir(sandbox, name, c, (subSandbox) => walk(c, subBase, subSandbox)));
      } else if (baseInfo.type === 'directory') {
        await deletedBelow(base!, name, c, out);
        out.push(change(c, 'modified', baseInfo, sandboxInfo));
      } else if (sandboxInfo.type === 'directory') {
        out.push(change(c, 'modified', baseInfo, sandboxInfo));
        await inDir(sandbox, name, c, (sub) => addedSubtree(sub, c, out, false));
      } else if (!(await sameEntry(baseInfo, { dir: base!, name }, sandboxInfo, { dir: sandbox!, name }))) {
        out.push(change(c, 'modified', baseInfo, sandboxInfo));
      }
    }
    for (const name of baseNames) {
      if (inSandbox.has(name.toString('latin1'))) continue;
      const info = await infoIn(base, name);
      if (info) await deletedSubtree(base!, name, child(rel, name), info, out);
    }
  };
  await walk(ROOT, baseRoot, sandboxRoot);
  return out;
}

/**
 * One walk of the sandbox side: the paths whose change time is at or after `sinceMs` (what
 * one command touched, for the audit log) and the bytes the sandbox side holds (for the
 * disk cap).
 */
export function touchedSince(upperDir: string, sinceMs: number, limit = 10_000): Promise<{ touched: string[]; bytes: number }> {
  return retrying(() =>
    withRoots([upperDir], async ([root]) => {
      const touched: string[] = [];
      let bytes = 0;
      const walk = async (rel: Rel, dir: Dir | undefined): Promise<void> => {
        for (const name of await listIn(dir)) {
          const c = child(rel, name);
          const st = await dir!.lstat(name);
          if (!st) continue;
          if (st.isFile()) bytes += st.size;
          if (st.ctimeMs >= sinceMs && !st.isDirectory() && touched.length < limit) touched.push(c.text);
          if (st.isDirectory()) await inDir(dir, name, c, (sub) => walk(c, sub));
        }
      };
      await walk(ROOT, root);
      return { touched, bytes };
    }),
  );
}
