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
import type { EntryInfo, RawChange, SnapshotSide, SnapshotView } from '../../../src/core/snapshot/types';

export class DirectorySnapshotView implements SnapshotView {
  readonly accepted: { rel: string; content?: Buffer | null }[] = [];
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
