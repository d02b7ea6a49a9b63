/**
 * A hard disk cap for the sandbox side of a snapshot. The sandbox side (the overlay's upper
 * and work directories, or the full working copy) lives on a file system of its own: an ext4
 * image the size of the cap, loop-mounted inside the session directory. A write past the cap
 * fails in the sandbox with "No space left on device", and the host loses at most the cap.
 *
 * Mounting needs root on Linux. Elsewhere the cap stays soft: it is checked after each
 * command and a session over it refuses further commands (see SandboxSession.run).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { SandboxError } from '../errors';

const run = promisify(execFile);

export type DiskCapKind = 'hard' | 'soft';

/** Where the capped file system is mounted, inside the session directory. */
export function cappedMountPoint(sessionDir: string): string {
  return path.join(sessionDir, 'capped');
}

function imageFile(sessionDir: string): string {
  return path.join(sessionDir, 'capped.img');
}

let mkfsPath: string | undefined | null;

function findMkfs(): string | undefined {
  if (mkfsPath !== undefined) return mkfsPath ?? undefined;
  mkfsPath = ['/usr/sbin/mkfs.ext4', '/sbin/mkfs.ext4', '/usr/bin/mkfs.ext4'].find((p) => fs.existsSync(p)) ?? null;
  return mkfsPath ?? undefined;
}

/** Whether this process can give a session a hard cap (root on Linux, with mkfs.ext4 and loop devices). */
export function canHardCap(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && !!findMkfs() && fs.existsSync('/dev/loop-control');
}

/** Whether `dir` is a mount point of this machine (read from /proc/self/mountinfo). */
export function isMountPoint(dir: string): boolean {
  let info: string;
  try {
    info = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return false;
  }
  const wanted = path.resolve(dir);
  return info.split('\n').some((line) => {
    const point = line.split(' ')[4];
    return !!point && point.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))) === wanted;
  });
}

/**
 * ext4 keeps part of the image for its journal and inode tables; the image is made that
 * much larger so that the sandbox can really add `capBytes`.
 */
export function imageBytesFor(capBytes: number): number {
  const MiB = 1024 * 1024;
  const overhead = Math.max(16 * MiB, Math.ceil(capBytes / 16));
  return Math.ceil((capBytes + overhead) / MiB) * MiB;
}

/** Makes a fresh capped file system for the sandbox side and mounts it (replacing any old one). */
export async function mountCappedFs(sessionDir: string, capBytes: number): Promise<void> {
  const mkfs = findMkfs();
  if (!mkfs) throw new SandboxError('SNAPSHOT_FAILED', 'mkfs.ext4 is missing; the hard disk cap cannot be made.', 'Install e2fsprogs.');
  await unmountCappedFs(sessionDir);
  const image = imageFile(sessionDir);
  const mountPoint = cappedMountPoint(sessionDir);
  await fs.promises.rm(image, { force: true });
  await fs.promises.rm(mountPoint, { recursive: true, force: true });
  await fs.promises.mkdir(mountPoint, { recursive: true, mode: 0o700 });
  // A sparse file: the host gives up space only as the sandbox writes, and never more than the cap.
  const fd = await fs.promises.open(image, 'wx', 0o600);
  try {
    await fd.truncate(imageBytesFor(capBytes));
  } finally {
    await fd.close();
  }
  try {
    await run(mkfs, ['-q', '-F', '-m', '0', '-E', 'lazy_itable_init=1,lazy_journal_init=1', '-L', 'agent-sandbox', image]);
    await mount(image, mountPoint);
  } catch (err) {
    await fs.promises.rm(image, { force: true });
    throw new SandboxError(
      'SNAPSHOT_FAILED',
      `Could not make the sandbox's capped file system: ${describe(err)}`,
      'Check that loop devices are available, or lower the disk cap.',
      { cause: err },
    );
  }
}

/** Mounts the session's capped file system again (after a reboot); fails closed when its image is gone. */
export async function ensureCappedFsMounted(sessionDir: string): Promise<void> {
  const mountPoint = cappedMountPoint(sessionDir);
  if (isMountPoint(mountPoint)) return;
  const image = imageFile(sessionDir);
  if (!fs.existsSync(image)) {
    throw new SandboxError(
      'SNAPSHOT_FAILED',
      `The sandbox's capped file system (${image}) is missing, so its pending changes are gone.`,
      'Reset the sandbox (`agent-sandbox reset`) to start from a fresh copy.',
    );
  }
  try {
    await mount(image, mountPoint);
  } catch (err) {
    throw new SandboxError(
      'SNAPSHOT_FAILED',
      `Could not mount the sandbox's capped file system: ${describe(err)}`,
      'Check that loop devices are available.',
      { cause: err },
    );
  }
}

/** Unmounts the capped file system, if mounted, and removes its image. */
export async function unmountCappedFs(sessionDir: string): Promise<void> {
  const mountPoint = cappedMountPoint(sessionDir);
  if (isMountPoint(mountPoint)) {
    try {
      await run('umount', [mountPoint]);
    } catch {
      // Still busy (a container that is going away): detach now, freed when the last user goes.
      await run('umount', ['-l', mountPoint]);
    }
  }
  await fs.promises.rm(imageFile(sessionDir), { force: true });
}

/** Free bytes on the capped file system, or undefined when the session has none. */
export function cappedFsFree(sessionDir: string): number | undefined {
  const mountPoint = cappedMountPoint(sessionDir);
  if (!isMountPoint(mountPoint)) return undefined;
  const st = fs.statfsSync(mountPoint);
  return st.bavail * st.bsize;
}

async function mount(image: string, mountPoint: string): Promise<void> {
  // nosuid and nodev: nothing on the sandbox side can carry privileges onto the host.
  await run('mount', ['-t', 'ext4', '-o', 'loop,nosuid,nodev', image, mountPoint]);
}

function describe(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr?.trim() || e.message || String(err)).split('\n')[0]!;
}
