/**
 * A SnapshotView over two plain directories (a frozen base copy and the sandbox copy) next to
 * a real workspace, for tests of the airlock on a real file system. `scan` walks both copies
 * in full and compares them entry by entry.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EntryInfo, EntryType, RawChange, SnapshotView } from '../../../src/core/snapshot/types';

function typeOf(st: fs.Stats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'device';
  return 'other';
}

function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

interface Walked {
  info: EntryInfo;
  raw: Buffer;
  host: Buffer;
}

function walk(root: string): Map<string, Walked> {
  const out = new Map<string, Walked>();
  const visit = (hostDir: Buffer, relRaw: Buffer | undefined) => {
    for (const name of fs.readdirSync(hostDir, { encoding: 'buffer' })) {
      const host = Buffer.concat([hostDir, Buffer.from('/'), name]);
      const raw = relRaw ? Buffer.concat([relRaw, Buffer.from('/'), name]) : name;
      const st = fs.lstatSync(host);
      const type = typeOf(st);
      const info: EntryInfo = {
        type,
        mode: st.mode & 0o7777,
        size: st.size,
        mtimeMs: st.mtimeMs,
        ...(type === 'symlink' ? { linkTarget: fs.readlinkSync(host, 'utf8') } : {}),
      };
      out.set(raw.toString('latin1'), { info, raw, host });
      if (type === 'directory') visit(host, raw);
    }
  };
  if (fs.existsSync(root)) visit(Buffer.from(root), undefined);
  return out;
}

function sameContent(a: Walked, b: Walked): boolean {
  if (a.info.type !== b.info.type) return false;
  if (a.info.type === 'symlink') return a.info.linkTarget === b.info.linkTarget;
  if ((a.info.mode & 0o7777) !== (b.info.mode & 0o7777)) return false;
  if (a.info.type === 'file') return a.info.size === b.info.size && fs.readFileSync(a.host).equals(fs.readFileSync(b.host));
  return true;
}

export class DirectorySnapshotView implements SnapshotView {
  readonly accepted: { rel: string; content?: Buffer | null }[] = [];
  readonly reverted: string[] = [];

  constructor(
    readonly workspaceRoot: string,
    readonly baseDir: string,
    readonly sandboxDir: string,
  ) {}

  async scan(): Promise<RawChange[]> {
    const base = walk(this.baseDir);
    const sandbox = walk(this.sandboxDir);
    const changes: RawChange[] = [];
    for (const key of new Set([...base.keys(), ...sandbox.keys()])) {
      const b = base.get(key);
      const s = sandbox.get(key);
      if (b && s && sameContent(b, s)) continue;
      const raw = (s ?? b)!.raw;
      changes.push({
        path: raw.toString('utf8'),
        rawPath: raw,
        validUtf8: isUtf8(raw),
        kind: b && s ? 'modified' : s ? 'added' : 'deleted',
        ...(b ? { base: b.info } : {}),
        ...(s ? { sandbox: s.info } : {}),
      });
    }
    return changes;
  }

  basePath(rel: string): string {
    return path.join(this.baseDir, rel);
  }

  sandboxPath(rel: string): string {
    return path.join(this.sandboxDir, rel);
  }

  async acceptIntoBase(rel: string, content?: Buffer | null): Promise<void> {
    this.accepted.push({ rel, content });
    const target = this.basePath(rel);
    fs.rmSync(target, { recursive: true, force: true });
    if (content === null) return;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const source = this.sandboxPath(rel);
    const st = fs.lstatSync(source, { throwIfNoEntry: false });
    if (content !== undefined) {
      fs.writeFileSync(target, content, { mode: st ? st.mode & 0o7777 : 0o644 });
      if (st) fs.chmodSync(target, st.mode & 0o7777);
      return;
    }
    if (!st) return;
    if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(source), target);
    else if (st.isDirectory()) fs.mkdirSync(target, { mode: st.mode & 0o7777 });
    else fs.copyFileSync(source, target);
    if (!st.isSymbolicLink()) fs.chmodSync(target, st.mode & 0o7777);
  }

  async revertInSandbox(rel: string): Promise<void> {
    this.reverted.push(rel);
    const source = this.basePath(rel);
    const target = this.sandboxPath(rel);
    const st = fs.lstatSync(source, { throwIfNoEntry: false });
    fs.rmSync(target, { recursive: true, force: true });
    if (!st) return;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(source), target);
    else if (st.isDirectory()) fs.cpSync(source, target, { recursive: true, verbatimSymlinks: true });
    else fs.copyFileSync(source, target);
    if (!st.isSymbolicLink()) fs.chmodSync(target, st.mode & 0o7777);
  }
}

/** Test workspace: a real tree, with base and sandbox copies made from it, and a state dir. */
export interface Workspace {
  readonly dir: string;
  readonly real: string;
  readonly base: string;
  readonly sandbox: string;
  readonly state: string;
  readonly view: DirectorySnapshotView;
}

export function makeWorkspace(files: Record<string, string | Buffer>, tmpRoot: string): Workspace {
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'airlock-'));
  const real = path.join(dir, 'real');
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(real, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  fs.mkdirSync(real, { recursive: true });
  const base = path.join(dir, 'base');
  const sandbox = path.join(dir, 'sandbox');
  fs.cpSync(real, base, { recursive: true, verbatimSymlinks: true });
  fs.cpSync(real, sandbox, { recursive: true, verbatimSymlinks: true });
  const state = path.join(dir, 'state');
  fs.mkdirSync(state);
  return { dir, real, base, sandbox, state, view: new DirectorySnapshotView(real, base, sandbox) };
}

/** Every entry below `root`: type, mode, content hash or link target. */
export function treeListing(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const p = path.join(root, r);
      const st = fs.lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[r] = `symlink -> ${fs.readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[r] = `dir ${mode}`;
        visit(r);
      } else if (st.isFile()) out[r] = `file ${mode} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`;
      else out[r] = `special ${mode}`;
    }
  };
  visit('');
  return out;
}
