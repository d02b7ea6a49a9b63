/**
 * Change scans. The overlay scan walks only the sandbox's upper layer, so its cost follows
 * what changed, not the size of the workspace. The full scan compares two whole trees; it is
 * the fallback for a sandbox that works on a plain copy.
 */
import * as fs from 'node:fs';
import { lstatOrUndefined } from '../fsx';
import { decodeName, entryInfo, isWhiteout } from './entries';
import { sameEntry } from './compare';
import type { EntryInfo, RawChange } from './types';

const SLASH = Buffer.from('/');

interface Rel {
  readonly raw: Buffer;
  readonly text: string;
  readonly valid: boolean;
}

const ROOT: Rel = { raw: Buffer.alloc(0), text: '', valid: true };

function child(parent: Rel, rawName: Buffer): Rel {
  const { name, valid } = decodeName(rawName);
  if (parent.raw.length === 0) return { raw: rawName, text: name, valid };
  return { raw: Buffer.concat([parent.raw, SLASH, rawName]), text: `${parent.text}/${name}`, valid: parent.valid && valid };
}

function at(root: Buffer, rel: Rel): Buffer {
  return rel.raw.length === 0 ? root : Buffer.concat([root, SLASH, rel.raw]);
}

async function infoOf(p: Buffer): Promise<EntryInfo | undefined> {
  const st = await lstatOrUndefined(p);
  if (!st) return undefined;
  return entryInfo(st, st.isSymbolicLink() ? (await fs.promises.readlink(p)).toString() : undefined);
}

async function listNames(dir: Buffer): Promise<Buffer[]> {
  try {
    return (await fs.promises.readdir(dir, { encoding: 'buffer' })) as Buffer[];
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}

function change(rel: Rel, kind: RawChange['kind'], base?: EntryInfo, sandbox?: EntryInfo): RawChange {
  return { path: rel.text, rawPath: rel.raw, validUtf8: rel.valid, kind, ...(base ? { base } : {}), ...(sandbox ? { sandbox } : {}) };
}

/** Reports `rel` and everything below it in the base as deleted (children first). */
async function deletedSubtree(baseRoot: Buffer, rel: Rel, info: EntryInfo, out: RawChange[]): Promise<void> {
  if (info.type === 'directory') {
    for (const name of await listNames(at(baseRoot, rel))) {
      const c = child(rel, name);
      const ci = await infoOf(at(baseRoot, c));
      if (ci) await deletedSubtree(baseRoot, c, ci, out);
    }
  }
  out.push(change(rel, 'deleted', info));
}

/** Reports everything below a sandbox directory as added (used when the base has none of it). */
async function addedSubtree(sandboxRoot: Buffer, rel: Rel, out: RawChange[], skipWhiteouts: boolean): Promise<void> {
  for (const name of await listNames(at(sandboxRoot, rel))) {
    const c = child(rel, name);
    const st = await lstatOrUndefined(at(sandboxRoot, c));
    if (!st) continue;
    if (skipWhiteouts && isWhiteout(st)) continue;
    const info = entryInfo(st, st.isSymbolicLink() ? (await fs.promises.readlink(at(sandboxRoot, c))).toString() : undefined);
    out.push(change(c, 'added', undefined, info));
    if (st.isDirectory()) await addedSubtree(sandboxRoot, c, out, skipWhiteouts);
  }
}

/**
 * Lists what the sandbox really shows in some directories (names as bytes). Needed because
 * a directory the agent removed and made again is "opaque" in the upper layer, which the
 * host cannot see without privileges; the merged view inside the container tells.
 */
export type MergedLister = (dirs: readonly string[]) => Promise<Map<string, Set<string>>>;

export async function scanOverlay(baseDir: string, upperDir: string, listMerged: MergedLister): Promise<RawChange[]> {
  const baseRoot = Buffer.from(baseDir);
  const upperRoot = Buffer.from(upperDir);
  const out: RawChange[] = [];
  const ambiguous: { rel: Rel; missing: Rel[] }[] = [];

  const walk = async (rel: Rel): Promise<void> => {
    const names = await listNames(at(upperRoot, rel));
    const present = new Set(names.map((n) => n.toString('latin1')));
    for (const name of names) {
      const c = child(rel, name);
      const upperPath = at(upperRoot, c);
      const st = await lstatOrUndefined(upperPath);
      if (!st) continue;
      const base = await infoOf(at(baseRoot, c));
      if (isWhiteout(st)) {
        if (base) await deletedSubtree(baseRoot, c, base, out);
        continue;
      }
      const sandbox = entryInfo(st, st.isSymbolicLink() ? (await fs.promises.readlink(upperPath)).toString() : undefined);
      if (!base) {
        out.push(change(c, 'added', undefined, sandbox));
        if (st.isDirectory()) await addedSubtree(upperRoot, c, out, true);
        continue;
      }
      if (st.isDirectory()) {
        if (base.type !== 'directory') {
          out.push(change(c, 'modified', base, sandbox));
          await addedSubtree(upperRoot, c, out, true);
          continue;
        }
        if (base.mode !== sandbox.mode) out.push(change(c, 'modified', base, sandbox));
        await walk(c);
        continue;
      }
      if (base.type === 'directory') {
        // A directory replaced by a file or link: everything that was below it is gone.
        for (const n of await listNames(at(baseRoot, c))) {
          const gc = child(c, n);
          const gi = await infoOf(at(baseRoot, gc));
          if (gi) await deletedSubtree(baseRoot, gc, gi, out);
        }
        out.push(change(c, 'modified', base, sandbox));
        continue;
      }
      if (!(await sameEntry(base, at(baseRoot, c).toString(), sandbox, upperPath.toString()))) {
        out.push(change(c, 'modified', base, sandbox));
      }
    }
    // Base entries this upper directory does not mention are unchanged, unless the
    // directory is opaque; collect them to ask the merged view. The root of the upper
    // layer is never opaque.
    if (rel.raw.length > 0) {
      const baseNames = await listNames(at(baseRoot, rel));
      const missing = baseNames.filter((n) => !present.has(n.toString('latin1'))).map((n) => child(rel, n));
      if (missing.length) ambiguous.push({ rel, missing });
    }
  };

  await walk(ROOT);
  if (ambiguous.length) {
    const merged = await listMerged(ambiguous.map((a) => a.rel.raw.toString('latin1')));
    for (const { rel, missing } of ambiguous) {
      const shown = merged.get(rel.raw.toString('latin1'));
      if (!shown) continue;
      for (const m of missing) {
        const name = m.raw.subarray(rel.raw.length + 1).toString('latin1');
        if (shown.has(name)) continue;
        const info = await infoOf(at(baseRoot, m));
        if (info) await deletedSubtree(baseRoot, m, info, out);
      }
    }
  }
  return out;
}

/** Compares two whole trees (the copy fallback). Cost follows the size of the workspace. */
export async function scanFull(baseDir: string, sandboxDir: string): Promise<RawChange[]> {
  const baseRoot = Buffer.from(baseDir);
  const sandboxRoot = Buffer.from(sandboxDir);
  const out: RawChange[] = [];
  const walk = async (rel: Rel): Promise<void> => {
    const [baseNames, sandboxNames] = await Promise.all([listNames(at(baseRoot, rel)), listNames(at(sandboxRoot, rel))]);
    const inBase = new Set(baseNames.map((n) => n.toString('latin1')));
    const inSandbox = new Set(sandboxNames.map((n) => n.toString('latin1')));
    for (const name of sandboxNames) {
      const c = child(rel, name);
      const sandbox = (await infoOf(at(sandboxRoot, c)))!;
      if (!inBase.has(name.toString('latin1'))) {
        out.push(change(c, 'added', undefined, sandbox));
        if (sandbox.type === 'directory') await addedSubtree(sandboxRoot, c, out, false);
        continue;
      }
      const base = (await infoOf(at(baseRoot, c)))!;
      if (base.type === 'directory' && sandbox.type === 'directory') {
        if (base.mode !== sandbox.mode) out.push(change(c, 'modified', base, sandbox));
        await walk(c);
      } else if (base.type === 'directory') {
        for (const n of await listNames(at(baseRoot, c))) {
          const gc = child(c, n);
          const gi = await infoOf(at(baseRoot, gc));
          if (gi) await deletedSubtree(baseRoot, gc, gi, out);
        }
        out.push(change(c, 'modified', base, sandbox));
      } else if (sandbox.type === 'directory') {
        out.push(change(c, 'modified', base, sandbox));
        await addedSubtree(sandboxRoot, c, out, false);
      } else if (!(await sameEntry(base, at(baseRoot, c).toString(), sandbox, at(sandboxRoot, c).toString()))) {
        out.push(change(c, 'modified', base, sandbox));
      }
    }
    for (const name of baseNames) {
      if (inSandbox.has(name.toString('latin1'))) continue;
      const c = child(rel, name);
      const info = await infoOf(at(baseRoot, c));
      if (info) await deletedSubtree(baseRoot, c, info, out);
    }
  };
  await walk(ROOT);
  return out;
}

/**
 * One walk of the sandbox side: the paths whose change time is at or after `sinceMs` (what
 * one command touched, for the audit log) and the bytes the sandbox side holds (for the
 * disk cap).
 */
export async function touchedSince(upperDir: string, sinceMs: number, limit = 10_000): Promise<{ touched: string[]; bytes: number }> {
  const root = Buffer.from(upperDir);
  const touched: string[] = [];
  let bytes = 0;
  const walk = async (rel: Rel): Promise<void> => {
    for (const name of await listNames(at(root, rel))) {
      const c = child(rel, name);
      const st = await lstatOrUndefined(at(root, c));
      if (!st) continue;
      if (st.isFile()) bytes += st.size;
      if (st.ctimeMs >= sinceMs && !st.isDirectory() && touched.length < limit) touched.push(c.text);
      if (st.isDirectory()) await walk(c);
    }
  };
  await walk(ROOT);
  return { touched, bytes };
}
