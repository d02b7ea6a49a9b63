/**
 * A file watcher for the workspace, for `agent-sandbox prepare --watch`: one inotify watch
 * per folder (Node's `fs.watch` on a folder reports its entries), set up by a walk that never
 * follows a symlink and skips folders the copy leaves out. Node's own recursive mode is not
 * used: on Linux it watches every file as well, and follows symlinks to folders outside the
 * workspace.
 *
 * A new folder is reported as changed (its whole subtree) before its own watch exists, so
 * what is written into it meanwhile is not missed. When a watch cannot be set (the inotify
 * limit) or fails, the watcher says so through onLost and reports itself incomplete: every
 * refresh then looks at every entry.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PathMatcher } from '../glob';

export interface WatchTreeOptions {
  readonly root: string;
  /** Folders the copy leaves out need no watch. */
  readonly isExcluded: PathMatcher;
  readonly onChange: (rel: string) => void;
  readonly onLost: (reason: string) => void;
}

export class TreeWatcher {
  private readonly watches = new Map<string, fs.FSWatcher>();
  /** The inode each watch was set on: a folder renamed away and made again is a new one. */
  private readonly inodes = new Map<string, number>();
  private closed = false;
  private failed: string | undefined;

  constructor(private readonly options: WatchTreeOptions) {
    this.watchSubtree('');
  }

  /** False once some folder could not be watched: its changes may go unseen. */
  get complete(): boolean {
    return this.failed === undefined;
  }

  get folders(): number {
    return this.watches.size;
  }

  close(): void {
    this.closed = true;
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
    this.inodes.clear();
  }

  private fail(reason: string): void {
    this.failed ??= reason;
    this.options.onLost(reason);
  }

  private watchSubtree(rel: string): void {
    const pending = [rel];
    while (pending.length && !this.closed) {
      const dir = pending.pop()!;
      if (this.watches.has(dir)) continue;
      if (dir && this.options.isExcluded(dir, true)) continue;
      const abs = path.join(this.options.root, dir);
      try {
        const watcher = fs.watch(abs, { persistent: true }, (_event, name) => this.onEvent(dir, name));
        watcher.on('error', (err) => this.onWatchError(dir, err));
        this.watches.set(dir, watcher);
        const st = fs.lstatSync(abs, { throwIfNoEntry: false });
        if (st) this.inodes.set(dir, st.ino);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') continue;
        this.fail(
          `the folder ${dir || '.'} cannot be watched (${(err as Error).message})${code === 'ENOSPC' ? '; raise fs.inotify.max_user_watches' : ''}`,
        );
        continue;
      }
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(abs, { withFileTypes: true });
      } catch {
        continue;
      }
      // Dirent types come from lstat's view: a symlink to a folder is not a folder here.
      for (const e of entries) if (e.isDirectory()) pending.push(dir ? `${dir}/${e.name}` : e.name);
    }
  }

  private onEvent(dir: string, name: string | Buffer | null): void {
    if (this.closed) return;
    if (name === null) {
      // The kernel did not say which entry: the whole folder.
      this.options.onChange(dir);
      return;
    }
    const rel = dir ? `${dir}/${name.toString()}` : name.toString();
    this.options.onChange(rel);
    const st = fs.lstatSync(path.join(this.options.root, rel), { throwIfNoEntry: false });
    if (st?.isDirectory()) {
      // Renamed away and made again before this event ran: the old watch follows the moved
      // folder, so the new one is watched afresh (its whole subtree was reported above).
      if (this.watches.has(rel) && this.inodes.get(rel) !== st.ino) this.unwatchSubtree(rel);
      this.watchSubtree(rel);
    } else if (this.watches.has(rel)) this.unwatchSubtree(rel);
  }

  private unwatchSubtree(rel: string): void {
    for (const [dir, w] of this.watches) {
      if (dir === rel || dir.startsWith(`${rel}/`)) {
        w.close();
        this.watches.delete(dir);
        this.inodes.delete(dir);
      }
    }
  }

  private onWatchError(dir: string, err: Error): void {
    if (this.closed) return;
    this.watches.get(dir)?.close();
    this.watches.delete(dir);
    this.inodes.delete(dir);
    if (!fs.existsSync(path.join(this.options.root, dir))) {
      // The folder went away; its parent's watch reported that.
      this.options.onChange(dir);
      return;
    }
    this.fail(`the watch of ${dir || '.'} failed (${err.message})`);
  }
}
