/**
 * The sandbox side of a session on a remote engine. The engine cannot mount folders of this
 * machine, so the base copy (made here, secrets left out, as for a local engine) is shipped
 * into a volume through the Engine API's archive endpoint, and the host keeps a mirror of the
 * sandbox side: after each command a listing helper in the container reports every entry's
 * type, size, change time, inode and mode; what differs from the last listing is fetched back
 * as archives (read by the hostile-archive reader) and what is gone is removed. The mirror is
 * then read like the throwaway copy of a 'copy' session. Writes to the sandbox side are pushed
 * back through the archive endpoint.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import * as tar from 'tar-stream';
import { runHelper } from '../engine/exec';
import { SandboxError } from '../errors';
import { Dir, namesOf, openParent } from '../fs/beneath';
import { removeEntry } from '../fs/beneathTree';
import { unpackArchive } from './archiveReader';

/** One entry of a listing: everything that moves when the sandbox writes it (change time cannot be set). */
export interface RemoteEntry {
  readonly type: string;
  readonly size: number;
  readonly ctime: string;
  readonly ino: string;
  readonly mode: number;
}

export type RemoteListing = Map<string, RemoteEntry>;

/** The listing helper's argv: find prints type, size, change time, inode, mode and path, NUL-terminated. */
export function listingArgv(workspacePath: string): string[] {
  return ['find', workspacePath, '-mindepth', '1', '-printf', '%y\\t%s\\t%C@\\t%i\\t%m\\t%P\\0'];
}

/** Parses the helper's output; a record it cannot read is refused, never skipped. */
export function parseListing(out: Buffer): RemoteListing {
  const listing: RemoteListing = new Map();
  let start = 0;
  while (start < out.length) {
    const end = out.indexOf(0, start);
    if (end < 0) throw badListing('a record is not terminated');
    const record = out.subarray(start, end);
    start = end + 1;
    const fields: Buffer[] = [];
    let at = 0;
    for (let i = 0; i < 5; i++) {
      const tab = record.indexOf(0x09, at);
      if (tab < 0) throw badListing('a record has too few fields');
      fields.push(record.subarray(at, tab));
      at = tab + 1;
    }
    const rel = record.subarray(at).toString('utf8');
    const [type, size, ctime, ino, mode] = fields.map((f) => f.toString('latin1'));
    if (!rel || !/^[fdlpscD]$/.test(type!) || !/^\d+$/.test(size!) || !/^\d+$/.test(ino!) || !/^[0-7]+$/.test(mode!))
      throw badListing('a record is malformed');
    listing.set(rel, { type: type!, size: Number(size), ctime: ctime!, ino: ino!, mode: parseInt(mode!, 8) });
  }
  return listing;
}

function badListing(why: string): SandboxError {
  return new SandboxError(
    'SNAPSHOT_FAILED',
    `The listing of the remote sandbox could not be read: ${why}. No change set is shown rather than a wrong one.`,
    'Stop and start the sandbox, or reset it, and try again.',
  );
}

export interface RemoteSideOptions {
  readonly docker: Docker;
  readonly containerId: string;
  /** The sandbox user the listing helper runs as. */
  readonly user: string;
  /** Where the volume is mounted in the container. */
  readonly workspacePath: string;
  /** The host's mirror of the sandbox side (starts as a copy of the base). */
  readonly mirrorDir: string;
}

export interface MirrorUpdate {
  /** Paths fetched or made (relative, posix). */
  readonly fetched: string[];
  readonly removed: string[];
  /** Entries the mirror does not hold (hard links, devices, FIFOs, sockets), as the listing saw them. */
  readonly notMirrored: string[];
}

/**
 * The base copy as one tar stream, made by GNU tar (never follows a symlink, numeric owners).
 * The base copy is the host's own folder, not something the sandbox can write.
 */
export function packFolder(dir: string): Readable {
  const child = spawn('tar', ['-C', dir, '-c', '--numeric-owner', '-f', '-', '--', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (d: Buffer) => stderr.push(d));
  child.on('close', (code) => {
    if (code !== 0)
      child.stdout.destroy(new Error(`tar of the base copy failed (${code}): ${Buffer.concat(stderr).toString('utf8').slice(0, 300)}`));
  });
  return child.stdout;
}

/** Ships the base copy into the container's volume as one streamed archive (never whole in memory). */
export async function shipBase(docker: Docker, containerId: string, workspacePath: string, archive: Readable): Promise<void> {
  await docker.getContainer(containerId).putArchive(archive, { path: workspacePath });
}

export async function listRemote(options: RemoteSideOptions): Promise<RemoteListing> {
  const result = await runHelper(options.docker, options.containerId, options.user, listingArgv(options.workspacePath), undefined, {
    purpose: 'list the remote sandbox',
    outputCapBytes: 256 * 1024 * 1024,
  });
  // find reports unreadable folders on stderr with a non-zero status: the listing is then incomplete.
  if (result.exitCode !== 0) throw badListing(`the helper exited with ${result.exitCode}: ${result.stderr.toString('utf8').slice(0, 500)}`);
  return parseListing(result.stdout);
}

function sameEntry(a: RemoteEntry, b: RemoteEntry): boolean {
  return a.type === b.type && a.size === b.size && a.ctime === b.ctime && a.ino === b.ino && a.mode === b.mode;
}

/**
 * Brings the mirror up to date with the sandbox side: `previous` is the listing the mirror
 * matches (undefined right after the base was shipped: then the base's own listing, taken once).
 */
export async function refreshMirror(options: RemoteSideOptions, previous: RemoteListing, current: RemoteListing): Promise<MirrorUpdate> {
  const fetched: string[] = [];
  const removed: string[] = [];
  const notMirrored: string[] = [];
  const root = await Dir.openRoot(options.mirrorDir);
  try {
    // Deepest first, so a folder is empty when it goes.
    const gone = [...previous.keys()].filter((rel) => {
      const now = current.get(rel);
      return !now || now.type !== previous.get(rel)!.type;
    });
    gone.sort((a, b) => b.length - a.length);
    for (const rel of gone) {
      await removeIn(root, rel);
      removed.push(rel);
    }
    // Shallowest first, so a folder is there before what is in it.
    const changed = [...current.entries()].filter(([rel, entry]) => {
      const before = previous.get(rel);
      return !before || !sameEntry(before, entry);
    });
    changed.sort((a, b) => a[0].split('/').length - b[0].split('/').length);
    for (const [rel, entry] of changed) {
      if (entry.type === 'd') {
        await makeFolderIn(root, rel, entry.mode);
      } else if (entry.type === 'f' || entry.type === 'l') {
        await fetchInto(options, root, rel);
      } else {
        await removeIn(root, rel);
        notMirrored.push(rel);
        continue;
      }
      fetched.push(rel);
    }
  } finally {
    await root.close();
  }
  return { fetched, removed, notMirrored };
}

async function removeIn(root: Dir, rel: string): Promise<void> {
  const names = namesOf(rel);
  const parent = await openParent(root, names);
  if (!parent) return;
  try {
    if (await parent.lstat(names[names.length - 1]!)) await removeEntry(parent, names[names.length - 1]!);
  } finally {
    if (parent !== root) await parent.close();
  }
}

async function makeFolderIn(root: Dir, rel: string, mode: number): Promise<void> {
  const names = namesOf(rel);
  const parent = await openParent(root, names, { mode: 0o700 });
  if (!parent) throw badListing(`the folder of ${rel} is missing in the mirror`);
  const name = names[names.length - 1]!;
  try {
    const existing = await parent.lstat(name);
    if (existing && !existing.isDirectory()) await removeEntry(parent, name);
    if (!existing?.isDirectory()) await parent.mkdir(name, 0o700);
    const made = await parent.openDir(name);
    await made?.chmod((mode & 0o777) | 0o700);
    await made?.close();
  } finally {
    if (parent !== root) await parent.close();
  }
}

/** Fetches one file or symlink; the archive names it by its last name, and holds nothing else. */
async function fetchInto(options: RemoteSideOptions, root: Dir, rel: string): Promise<void> {
  const names = namesOf(rel);
  const parent = await openParent(root, names, { mode: 0o700 });
  if (!parent) throw badListing(`the folder of ${rel} is missing in the mirror`);
  try {
    const archive = (await options.docker
      .getContainer(options.containerId)
      .getArchive({ path: path.posix.join(options.workspacePath, rel) })) as Readable;
    const entries = await unpackArchive(archive, parent, 0, { maxEntries: 1, maxBytes: 4 * 1024 ** 3, timeoutMs: 120_000 });
    if (entries.length !== 1 || entries[0]!.path !== names[names.length - 1]!.toString('utf8')) {
      throw badListing(`the archive of ${rel} did not hold just that entry`);
    }
  } finally {
    if (parent !== root) await parent.close();
  }
}

/**
 * Writes one file (or removes it, with `data` undefined) on the sandbox side, for a write the
 * host makes there (a rejected change put back to the base). The archive endpoint resolves
 * the path inside the container, so nothing on this machine is followed.
 */
export async function pushToRemote(
  options: RemoteSideOptions,
  rel: string,
  data: Buffer | undefined,
  mode = 0o644,
  owner?: { uid: number; gid: number },
): Promise<void> {
  const names = namesOf(rel);
  const container = options.docker.getContainer(options.containerId);
  const target = path.posix.join(options.workspacePath, rel);
  if (data === undefined) {
    const result = await runHelper(options.docker, options.containerId, options.user, ['rm', '-rf', '--', target], undefined, {
      purpose: 'remove a path in the remote sandbox',
    });
    if (result.exitCode !== 0) throw badListing(`removing ${rel} failed: ${result.stderr.toString('utf8').slice(0, 300)}`);
    return;
  }
  const pack = tar.pack();
  pack.entry(
    { name: names[names.length - 1]!.toString('utf8'), mode, size: data.length, ...(owner ?? {}) } as tar.Headers & { name: string },
    data,
  );
  pack.finalize();
  await container.putArchive(pack, { path: path.posix.dirname(target) });
}
