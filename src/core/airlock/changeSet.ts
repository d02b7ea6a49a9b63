/**
 * Builds the change set from the snapshot's raw changes: classifies each change, reads and
 * hashes both sides, flags risks and marks what apply will never write.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EntryInfo, RawChange, SnapshotSide, SnapshotView } from '../snapshot/types';
import { ChangedUnderfoot } from '../fs/beneath';
import { readFileContent, sha256, type FileContent } from './content';
import { foldName, isUnderGit, resolveLinkInside, unsafePathReason } from './pathRules';
import { mapLimit } from './pool';
import { packageScriptsOf, type RiskClassifier } from './risk';
import type { ChangeEntry, ChangeKind, ChangeSet, NeverApplyReason, SideInfo } from './types';

const READ_CONCURRENCY = 16;
/** Bytes of file content kept in memory after a scan, so apply writes exactly what was hashed. */
const CONTENT_CACHE_BYTES = 128 * 1024 * 1024;

export interface SideData {
  base?: Buffer;
  sandbox?: Buffer;
}

export interface BuiltChangeSet {
  readonly changeSet: ChangeSet;
  /** File contents read during the scan (within the cache budget), by path. */
  readonly data: ReadonlyMap<string, SideData>;
}

const SPECIAL_TYPES = new Set(['fifo', 'socket', 'device', 'other']);

export function classifyKind(raw: RawChange, base?: SideInfo, sandbox?: SideInfo): ChangeKind | undefined {
  if (raw.kind !== 'modified') return raw.kind;
  if (!base || !sandbox) return raw.kind === 'modified' ? (base ? 'deleted' : 'added') : raw.kind;
  if (base.entry.type !== sandbox.entry.type) return 'typeChanged';
  const modeDiffers = (base.entry.mode & 0o7777) !== (sandbox.entry.mode & 0o7777);
  switch (sandbox.entry.type) {
    case 'file':
      if (base.sha256 !== sandbox.sha256) return 'modified';
      return modeDiffers ? 'modeChanged' : undefined;
    case 'symlink':
      return base.entry.linkTarget !== sandbox.entry.linkTarget ? 'modified' : undefined;
    default:
      return modeDiffers ? 'modeChanged' : undefined;
  }
}

function fingerprintOf(kind: ChangeKind, base?: SideInfo, sandbox?: SideInfo): string {
  const side = (s?: SideInfo) => (s ? [s.entry.type, s.entry.mode & 0o7777, s.sha256 ?? '', s.entry.linkTarget ?? ''] : null);
  return sha256(JSON.stringify([kind, side(base), side(sandbox)]));
}

/**
 * Reads one side of a change through the view, which walks the side one name at a time and
 * never follows a symlink nor waits on a FIFO: the sandbox side is written by the agent,
 * which could swap a folder for a symlink to a host path after the scan.
 */
async function readSide(
  view: SnapshotView,
  side: SnapshotSide,
  rel: string,
  entry: EntryInfo | undefined,
): Promise<{ info?: SideInfo; content?: FileContent }> {
  if (!entry) return {};
  if (entry.type !== 'file') return { info: { entry, content: 'none' } };
  let content: FileContent;
  try {
    content = await readFileContent(() => view.openFile(side, rel));
  } catch (err) {
    if (err instanceof ChangedUnderfoot) throw new Error(`${err.on(side)} (it changed after the scan)`);
    throw err;
  }
  return { info: { entry, sha256: content.sha256, content: content.content }, content };
}

export async function buildChangeSet(
  raws: readonly RawChange[],
  view: SnapshotView,
  classifyRisk: RiskClassifier,
): Promise<BuiltChangeSet> {
  const data = new Map<string, SideData>();
  let cachedBytes = 0;

  const partial = await mapLimit(raws, READ_CONCURRENCY, async (raw) => {
    const pathProblem = unsafePathReason(raw.path);
    // Never touch host paths for a name that could leave the snapshot's directories.
    const readable = !pathProblem && raw.validUtf8;
    const unread = (): [{ info?: SideInfo; content?: FileContent }, { info?: SideInfo; content?: FileContent }] => [
      { info: raw.base && { entry: raw.base, content: 'none' } },
      { info: raw.sandbox && { entry: raw.sandbox, content: 'none' } },
    ];
    let readProblem: string | undefined;
    let [b, s] = unread();
    if (readable) {
      try {
        [b, s] = await Promise.all([readSide(view, 'base', raw.path, raw.base), readSide(view, 'sandbox', raw.path, raw.sandbox)]);
      } catch (err) {
        // One unreadable entry must not hide the others from review; it is simply never applied.
        readProblem = `could not be read safely: ${(err as Error).message}`;
        [b, s] = unread();
      }
    }
    const kind = readProblem ? (raw.kind === 'modified' ? 'modified' : raw.kind) : classifyKind(raw, b.info, s.info);
    if (!kind) return undefined;

    const never: NeverApplyReason[] = [];
    if (readProblem) never.push({ code: 'unsafePath', reason: readProblem });
    if (pathProblem) never.push({ code: 'unsafePath', reason: pathProblem });
    if (!raw.validUtf8) never.push({ code: 'invalidName', reason: 'file name is not valid UTF-8' });
    if (isUnderGit(raw.path)) never.push({ code: 'gitDirectory', reason: "inside .git: the repository's own data is never written" });
    for (const side of [raw.base, raw.sandbox]) {
      if (side && SPECIAL_TYPES.has(side.type)) {
        never.push({
          code: 'specialFile',
          reason: `${side.type === 'other' ? 'special file' : side.type}: only regular files, directories and symlinks are applied`,
        });
        break;
      }
    }
    if (raw.sandbox?.type === 'symlink') {
      const resolved = resolveLinkInside(raw.path, raw.sandbox.linkTarget ?? '');
      if (resolved === undefined)
        never.push({ code: 'symlinkEscapes', reason: `symlink target "${raw.sandbox.linkTarget ?? ''}" leaves the workspace` });
      // A link into .git would let a later write through it reach the repository's hooks.
      else if (isUnderGit(resolved))
        never.push({ code: 'gitDirectory', reason: `symlink target "${raw.sandbox.linkTarget ?? ''}" points into .git` });
    }

    let packageScripts: { base: unknown; sandbox: unknown; parseError?: string } | undefined;
    if (path.posix.basename(raw.path) === 'package.json' && (b.content?.data || s.content?.data)) {
      try {
        packageScripts = {
          base: packageScriptsOf(b.content?.data?.toString('utf8')),
          sandbox: packageScriptsOf(s.content?.data?.toString('utf8')),
        };
      } catch (err) {
        packageScripts = { base: undefined, sandbox: undefined, parseError: `not valid JSON: ${(err as Error).message}` };
      }
    }
    const sandboxHead = s.content?.data?.subarray(0, 2);
    const risks = classifyRisk({
      path: raw.path,
      kind,
      base: raw.base,
      sandbox: raw.sandbox,
      packageScripts,
      ...(sandboxHead ? { sandboxHead } : {}),
    });

    const sides: SideData = {};
    for (const [key, content] of [
      ['base', b.content],
      ['sandbox', s.content],
    ] as const) {
      if (content?.data && cachedBytes + content.data.length <= CONTENT_CACHE_BYTES) {
        sides[key] = content.data;
        cachedBytes += content.data.length;
      }
    }
    data.set(raw.path, sides);

    return {
      path: raw.path,
      rawPath: raw.rawPath,
      kind,
      base: b.info,
      sandbox: s.info,
      risks,
      neverApply: never,
      fingerprint: fingerprintOf(kind, b.info, s.info),
    } satisfies ChangeEntry;
  });

  const entries = partial.filter((e): e is NonNullable<typeof e> => e !== undefined);
  const collisions = await findCollisions(entries, view.workspaceRoot);
  const final = entries
    .map((e) => {
      const reason = collisions.get(e.path);
      return reason ? { ...e, neverApply: [...e.neverApply, { code: 'nameCollision' as const, reason }] } : e;
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const byPath = new Map(final.map((e) => [e.path, e]));
  return { changeSet: { entries: final, get: (p) => byPath.get(p) }, data };
}

/**
 * Names that a case-insensitive or normalising file system would see as one: an added path
 * whose segment folds to the same key as a different sibling, among the changed names or in
 * the real tree, is refused (writing it could overwrite the other on such a system, or on a
 * checkout of this repository elsewhere).
 */
async function findCollisions(entries: readonly ChangeEntry[], realRoot: string): Promise<Map<string, string>> {
  const siblings = new Map<string, Map<string, Set<string>>>(); // parent -> fold -> names
  const addName = (parent: string, name: string) => {
    let byFold = siblings.get(parent);
    if (!byFold) siblings.set(parent, (byFold = new Map()));
    const key = foldName(name);
    let names = byFold.get(key);
    if (!names) byFold.set(key, (names = new Set()));
    names.add(name);
  };
  const prefixes = (p: string) => {
    const parts = p.split('/');
    return parts.map((name, i) => ({ parent: parts.slice(0, i).join('/'), name }));
  };

  for (const e of entries) for (const { parent, name } of prefixes(e.path)) addName(parent, name);
  const added = entries.filter((e) => e.kind === 'added' && !unsafePathReason(e.path));
  const parents = new Set<string>();
  for (const e of added) for (const { parent } of prefixes(e.path)) parents.add(parent);
  const realNames = new Map<string, Set<string>>();
  await mapLimit([...parents], READ_CONCURRENCY, async (parent) => {
    let names: string[];
    try {
      names = await fs.promises.readdir(path.join(realRoot, parent));
    } catch {
      return;
    }
    realNames.set(parent, new Set(names));
    for (const name of names) addName(parent, name);
  });

  const result = new Map<string, string>();
  for (const e of added) {
    for (const { parent, name } of prefixes(e.path)) {
      // A name that already exists in the real tree is not the newcomer.
      if (realNames.get(parent)?.has(name)) continue;
      const others = [...(siblings.get(parent)?.get(foldName(name)) ?? [])].filter((n) => n !== name);
      if (others.length) {
        const where = parent ? `${parent}/` : '';
        result.set(
          e.path,
          `"${where}${name}" collides with "${where}${others[0]}" on case-insensitive or Unicode-normalising file systems`,
        );
        break;
      }
    }
  }
  return result;
}
