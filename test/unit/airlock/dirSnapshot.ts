/**
 * A SnapshotView over two plain directories (a frozen base copy and the sandbox copy) next to
 * a real workspace, for tests of the airlock on a real file system. `scan` is the product's
 * full scan of the copy strategy.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { scanFull } from '../../../src/core/snapshot/scan';
import { infoAt, openFileAt } from '../../../src/core/snapshot/tree';
import type { BaseEntry, EntryInfo, RawChange, SnapshotSide, SnapshotView } from '../../../src/core/snapshot/types';

export class DirectorySnapshotView implements SnapshotView {
  /** Every entry recorded into the base, with a file's bytes. */
  readonly accepted: { rel: string; entry: BaseEntry; data?: Buffer }[] = [];
  readonly reverted: string[] = [];

  constructor(
    readonly workspaceRoot: string,
    readonly baseDir: string,
    readonly sandboxDir: string,
  ) {}

  /** The product's own full scan (the copy strategy's), over the two directories. */
  scan(): Promise<RawChange[]> {
    return scanFull(this.baseDir, this.sandboxDir);
  }

  /** The product's no-follow reads of one side. */
  entryOf(side: SnapshotSide, rel: string): Promise<EntryInfo | undefined> {
    return infoAt(side === 'base' ? this.baseDir : this.sandboxDir, rel);
  }

  openFile(side: SnapshotSide, rel: string): Promise<FileHandle> {
    return openFileAt(side === 'base' ? this.baseDir : this.sandboxDir, rel);
  }

  private basePath(rel: string): string {
    return path.join(this.baseDir, rel);
  }

  private sandboxPath(rel: string): string {
    return path.join(this.sandboxDir, rel);
  }

  async acceptIntoBase(rel: string, entry: BaseEntry): Promise<void> {
    const data = entry.type === 'file' ? await bytesOf(entry.source) : undefined;
    this.accepted.push({ rel, entry, data });
    const target = this.basePath(rel);
    fs.rmSync(target, { recursive: true, force: true });
    if (entry.type === 'absent') return;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (entry.type === 'symlink') fs.symlinkSync(entry.target, target);
    else if (entry.type === 'directory') fs.mkdirSync(target);
    else fs.writeFileSync(target, data!);
    if (entry.type !== 'symlink') fs.chmodSync(target, entry.mode & 0o777);
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

async function bytesOf(source: Extract<BaseEntry, { type: 'file' }>['source']): Promise<Buffer> {
  if ('data' in source) return source.data;
  const handle = await source.open();
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
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
