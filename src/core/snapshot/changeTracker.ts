/**
 * What each command changed on the sandbox side, kept up to date from file system events,
 * so that the work after a command follows what it changed and not the size of the sandbox
 * side (an `npm install` can leave tens of thousands of files in the upper layer).
 *
 * The tracker holds the sandbox side as a tree of directories and, for every other entry,
 * its inode and size, plus a running total of the bytes of its regular files (the soft disk
 * cap). Every directory of that tree carries an inotify watch (Node's fs.watch), added
 * through the /proc/self/fd path of a directory opened without following anything
 * (../fs/beneath.ts): libuv's inotify_add_watch follows symlinks, but the magic link names
 * the opened directory itself, so nothing outside the sandbox side is ever watched. An event
 * only marks one name of one directory "dirty"; after a command those names are looked at
 * again with lstat (never followed, never opened but as folders without following), and a
 * directory that appeared is watched first and listed second, so that what was made in it
 * before its watch existed is seen by the listing and everything after by events.
 *
 * Why the answer is right (or the tracker falls back to the full walk, never to a guess):
 * - Every change the sandbox can make to a name in a watched directory (create, delete,
 *   rename in or out, write, truncate, fallocate, chmod, chown, link) queues an event for
 *   that name on the directory's watch, as the kernel runs the change. A "sync" file made
 *   and removed in a host-owned folder watched on the same inotify instance queues one
 *   more; libuv reads one queue in order, so when that event is delivered, every change
 *   made before it has been marked dirty (the barrier).
 * - A queue that overflows drops events, and libuv does not pass IN_Q_OVERFLOW on. The
 *   queue only overflows while it holds max_queued_events unread events, and those are all
 *   delivered afterwards, so at least that many arrive between two barriers. More than half
 *   of it between two barriers, a failed watch, a barrier that does not come back, a race
 *   seen while looking, or more directories than the watch budget: the tracker rebuilds
 *   itself with the full walk (or stops tracking for good and leaves every command to the
 *   full walk).
 * - One inode with several names (hard links) changes all of them while only the name it was
 *   written through gets an event. Names that have ever shared an inode are looked at again
 *   after every command that changed anything.
 * - A write through a shared mapping (mmap) changes a file without any event, but it cannot
 *   change its size, so the byte total stays right; such a file is missing from the command's
 *   list of changed files only when nothing else touched it.
 *
 * Several commands may run at once (a second process, or two calls in this one): a command's
 * list is every name whose change time is at or after its start, as the full walk gives, kept
 * from every look after a command until no command that started before it is still running.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChangedUnderfoot, Dir, MAX_DEPTH, namesOf, tooDeep } from '../fs/beneath';
import { decodeName } from './entries';
import { touchedSince } from './scan';

/** Most names a command's list of changed files holds (as the full walk). */
export const TOUCHED_LIMIT = 10_000;
/** Most directories watched before the tracker gives up (watches are a per-user budget of the host). */
const MAX_WATCHES = 50_000;
/** Most entries held before the tracker gives up (memory). */
const MAX_ENTRIES = 500_000;
/** How long a barrier may take before the tracker assumes it missed events. */
const BARRIER_TIMEOUT_MS = 5_000;

export interface Touched {
  readonly touched: string[];
  readonly bytes: number;
}

export interface TrackerOptions {
  /** Events between two barriers that mean "maybe lost some" (default: half the kernel's queue). */
  readonly eventLimit?: number;
  /** Directories watched at most (default MAX_WATCHES, at most a quarter of the host's budget). */
  readonly watchLimit?: number;
}

/** How the tracker answered, for tests and the benchmark. */
export interface TrackerStats {
  /** Answers from events only. */
  incremental: number;
  /** Full walks (the first look, rebuilds after lost events or races, and after giving up). */
  walks: number;
  /** Why the last rebuild or give-up happened. */
  lastFallback?: string;
}

interface FileNode {
  readonly kind: 'file';
  ino: number;
  size: number;
  regular: boolean;
  ctimeMs: number;
  linked: boolean;
}

interface DirNode {
  readonly kind: 'dir';
  readonly raw: Buffer;
  readonly ino: number;
  readonly dev?: number;
  readonly children: Map<string, FileNode | DirNode>;
  watcher?: fs.FSWatcher;
}

/** A command still running: its start, for its list of changed files. */
export interface Window {
  readonly sinceMs: number;
}

class Lost extends Error {}

const key = (name: Buffer): string => name.toString('latin1');
const SLASH = Buffer.from('/');
const join = (parent: Buffer, name: Buffer): Buffer => (parent.length === 0 ? name : Buffer.concat([parent, SLASH, name]));

function textOf(raw: Buffer): string {
  return namesOf(raw)
    .map((n) => decodeName(n).name)
    .join('/');
}

/** Half the kernel's inotify queue, or undefined when it cannot be read (then nothing is tracked). */
function defaultEventLimit(): number | undefined {
  try {
    const max = Number(fs.readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8').trim());
    return Number.isFinite(max) && max > 16 ? Math.floor(max / 2) : undefined;
  } catch {
    return undefined;
  }
}

function defaultWatchLimit(): number {
  try {
    const max = Number(fs.readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8').trim());
    return Number.isFinite(max) && max > 0 ? Math.min(MAX_WATCHES, Math.floor(max / 4)) : 0;
  } catch {
    return 0;
  }
}

export class ChangeTracker {
  readonly stats: TrackerStats = { incremental: 0, walks: 0 };
  private root: DirNode | undefined;
  /** The sandbox side's root, open only while a look runs (an open descriptor would keep its file system busy). */
  private rootDir: Dir | undefined;
  private syncWatcher: fs.FSWatcher | undefined;
  private syncSeq = 0;
  private readonly syncWaiters = new Map<string, () => void>();
  /** Dirty names, by the directory (raw relative path, latin1) whose watch reported them. */
  private dirty = new Map<string, { raw: Buffer; names: Map<string, Buffer> }>();
  private events = 0;
  private lost: string | undefined;
  private disabled: string | undefined;
  private closed = false;
  private watches = 0;
  private entries = 0;
  private total = 0;
  /** Names that share an inode with another name (looked at after every change). */
  private readonly linked = new Map<string, Buffer>();
  /** Names changed while a command ran, with their change time (for the lists). */
  private readonly recent = new Map<string, { raw: Buffer; ctimeMs: number }>();
  private readonly windows = new Set<Window>();
  private queue: Promise<unknown> = Promise.resolve();
  private looks = 0;
  /** A whole listing is under way: every name of a shared inode will be seen by it. */
  private building = false;
  /** Names known per shared inode. */
  private readonly linkCounts = new Map<number, number>();
  private readonly eventLimit: number | undefined;
  private readonly watchLimit: number;

  /**
   * `sandboxRoot` is the sandbox side (host-owned root, sandbox-written below it); `syncDir`
   * a folder only the host writes, where the barrier files are made.
   */
  constructor(
    private readonly sandboxRoot: string,
    private readonly syncDir: string,
    options: TrackerOptions = {},
  ) {
    this.eventLimit = options.eventLimit ?? defaultEventLimit();
    this.watchLimit = Math.min(options.watchLimit ?? MAX_WATCHES, defaultWatchLimit());
    if (this.eventLimit === undefined || this.watchLimit === 0) this.disabled = 'inotify limits unreadable';
  }

  /** Registers a command that starts now. */
  begin(sinceMs: number): Window {
    const w = { sinceMs };
    this.windows.add(w);
    return w;
  }

  /**
   * What changed since the window began (names whose change time is at or after its start,
   * at most TOUCHED_LIMIT) and the bytes the sandbox side holds. The first look walks the
   * whole side (so a process that runs one command pays no more than the walk); watching
   * starts from the second.
   */
  async end(window: Window): Promise<Touched> {
    try {
      return await this.serial(() => this.look(window));
    } finally {
      this.forget(window);
    }
  }

  /** Drops a window whose command never ran (its list is not wanted). */
  forget(window: Window): void {
    this.windows.delete(window);
    if (this.windows.size === 0) {
      this.recent.clear();
      return;
    }
    // Commands keep overlapping: keep only what a command still running may list.
    const oldest = this.oldestWindow();
    for (const [k, r] of this.recent) if (r.ctimeMs < oldest) this.recent.delete(k);
  }

  /** The bytes the sandbox side holds now. */
  async bytes(): Promise<number> {
    return (await this.end(this.begin(Number.MAX_SAFE_INTEGER))).bytes;
  }

  /** Directories watched now (relative raw paths and inode numbers), for tests. */
  watched(): { path: string; ino: number }[] {
    const out: { path: string; ino: number }[] = [];
    const visit = (d: DirNode) => {
      if (d.watcher) out.push({ path: d.raw.toString('utf8'), ino: d.ino });
      for (const c of d.children.values()) if (c.kind === 'dir') visit(c);
    };
    if (this.root) visit(this.root);
    return out;
  }

  close(): void {
    this.closed = true;
    this.reset();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async look(window: Window): Promise<Touched> {
    this.looks++;
    if (this.closed || this.disabled || this.looks === 1)
      return this.walkOnly(window, this.disabled ?? (this.closed ? 'closed' : 'first look'));
    const hadState = this.root !== undefined;
    try {
      try {
        this.rootDir = await Dir.openRoot(this.sandboxRoot);
      } catch {
        // The walk reports (or retries) whatever is wrong with the root, as it always has.
        this.reset();
        return await this.walkOnly(window, 'the sandbox side could not be opened');
      }
      return await this.lookWithRoot(window, hadState);
    } finally {
      await this.rootDir?.close();
      this.rootDir = undefined;
    }
  }

  private async lookWithRoot(window: Window, hadState: boolean): Promise<Touched> {
    try {
      if (hadState) {
        // A sandbox side made anew (a reset by another process) is another file system or folder.
        const st = await this.rootDir!.stat();
        if (st.ino !== this.root!.ino || st.dev !== this.root!.dev) throw new Lost('the sandbox side was made anew');
      }
      if (!hadState) {
        await this.rebuild(window);
      } else {
        await this.barrier();
        if (this.lost) throw new Lost(this.lost);
        await this.applyDirty(window);
        this.stats.incremental++;
      }
      return this.answer(window);
    } catch (err) {
      if (!this.fallsBack(err)) {
        this.reset();
        throw err;
      }
    }
    if (hadState && !this.disabled) {
      // Events may be missing, or the sandbox changed what was being looked at: watch and
      // list everything anew.
      try {
        await this.rebuild(window);
        return this.answer(window);
      } catch (err) {
        if (!this.fallsBack(err)) {
          this.reset();
          throw err;
        }
      }
    }
    // Still no sound answer from the tracker: the plain walk (it retries races a bounded
    // number of times, then fails clearly); the next command watches anew.
    this.reset();
    return this.walkOnly(window, this.disabled ?? this.stats.lastFallback ?? 'rebuild failed');
  }

  /** Whether `err` means "the tracker cannot answer soundly" (then a walk does), not a real failure. */
  private fallsBack(err: unknown): boolean {
    if (isWatchLimit(err)) this.giveUp(`cannot watch more folders (${(err as Error).message})`);
    else if (err instanceof Lost || err instanceof ChangedUnderfoot || isRace(err)) this.stats.lastFallback = (err as Error).message;
    else return false;
    return true;
  }

  /** The full walk without watching (tracking off, closed, or the first look). */
  private async walkOnly(window: Window, why: string): Promise<Touched> {
    this.stats.walks++;
    this.stats.lastFallback = why;
    return touchedSince(this.sandboxRoot, window.sinceMs, TOUCHED_LIMIT);
  }

  private answer(window: Window): Touched {
    const touched: string[] = [];
    for (const r of this.recent.values()) {
      if (touched.length >= TOUCHED_LIMIT) break;
      if (r.ctimeMs >= window.sinceMs) touched.push(textOf(r.raw));
    }
    return { touched, bytes: this.total };
  }

  private oldestWindow(): number {
    let min = Number.MAX_SAFE_INTEGER;
    for (const w of this.windows) min = Math.min(min, w.sinceMs);
    return min;
  }

  /** Drops all state and watches. */
  private reset(): void {
    if (this.root) this.dropNode(Buffer.alloc(0), this.root);
    this.root = undefined;
    this.syncWatcher?.close();
    this.syncWatcher = undefined;
    for (const wake of this.syncWaiters.values()) wake();
    this.syncWaiters.clear();
    this.dirty = new Map();
    this.linked.clear();
    this.linkCounts.clear();
    this.recent.clear();
    this.events = 0;
    this.lost = undefined;
    this.watches = 0;
    this.entries = 0;
    this.total = 0;
  }

  private giveUp(why: string): void {
    this.reset();
    this.disabled = why;
    this.stats.lastFallback = why;
  }

  /** Watches and lists the whole sandbox side anew. */
  private async rebuild(window: Window): Promise<void> {
    this.reset();
    this.stats.walks++;
    const recentSince = Math.min(this.oldestWindow(), window.sinceMs);
    this.syncWatcher = fs.watch(this.syncDir, { persistent: false, encoding: 'buffer' }, (_type, name) =>
      this.onSync(name as unknown as Buffer | null),
    );
    this.syncWatcher.on('error', () => this.markLost('the sync watch failed'));
    const st = await this.rootDir!.stat();
    this.root = { kind: 'dir', raw: Buffer.alloc(0), ino: st.ino, dev: st.dev, children: new Map() };
    this.building = true;
    try {
      await this.addDir(this.rootDir!, this.root, recentSince);
    } finally {
      this.building = false;
    }
    // Changes made while the walk ran are dirty by now; look at them before answering.
    await this.barrier();
    if (this.lost) throw new Lost(this.lost);
    await this.applyDirty(window);
  }

  private onSync(name: Buffer | null): void {
    this.countEvent();
    const wake = name ? this.syncWaiters.get(key(name)) : undefined;
    if (wake) {
      // Counted from here on: every event after the barrier belongs to the next look.
      this.events = 0;
      this.syncWaiters.delete(key(name!));
      wake();
    }
  }

  private countEvent(): void {
    if (++this.events >= (this.eventLimit ?? Infinity))
      this.markLost(`${this.events} events between two looks (the kernel's queue may have overflowed)`);
  }

  /** Something may have been missed: the next look rebuilds; a barrier waiting now returns at once. */
  private markLost(why: string): void {
    const first = this.lost === undefined;
    this.lost ??= why;
    for (const wake of this.syncWaiters.values()) wake();
    this.syncWaiters.clear();
    // The next look rebuilds anyway: stop listening now, so a sandbox that keeps changing
    // its files (millions of events) cannot keep the host's event loop busy meanwhile.
    if (first && this.root) this.silence(this.root);
  }

  /** Closes every folder watch below `node`, keeping what is known of the entries for the rebuild to drop. */
  private silence(node: DirNode): void {
    node.watcher?.close();
    if (node.watcher) this.watches--;
    node.watcher = undefined;
    for (const c of node.children.values()) if (c.kind === 'dir') this.silence(c);
  }

  /**
   * Waits until every event queued before now has been delivered: makes and removes a file in
   * the sync folder and waits for its own event, which comes after all of them.
   */
  private async barrier(): Promise<void> {
    const name = `.sync-${process.pid}-${++this.syncSeq}`;
    const file = path.join(this.syncDir, name);
    let timer: NodeJS.Timeout | undefined;
    const seen = new Promise<boolean>((resolve) => {
      this.syncWaiters.set(key(Buffer.from(name)), () => resolve(true));
      timer = setTimeout(() => resolve(false), BARRIER_TIMEOUT_MS);
    });
    try {
      fs.closeSync(fs.openSync(file, 'wx', 0o600));
      fs.rmSync(file, { force: true });
      if (!(await seen)) this.markLost('the sync event did not come back in time');
    } finally {
      clearTimeout(timer);
      this.syncWaiters.delete(key(Buffer.from(name)));
    }
  }

  /** Watches the open directory `dir` (node `node`), then lists it, recursively. */
  private async addDir(dir: Dir, node: DirNode, recentSince: number): Promise<void> {
    // Something was missed meanwhile and the watches were closed: set no new ones.
    if (this.lost) throw new Lost(this.lost);
    if (this.watches >= this.watchLimit) {
      this.giveUp(`more than ${this.watchLimit} folders on the sandbox side`);
      throw new Lost(this.disabled);
    }
    const dirKey = key(node.raw);
    const raw = node.raw;
    // Watch first, list second: what is made after the watch comes as events.
    node.watcher = fs.watch(dir.at().toString('latin1'), { persistent: false, encoding: 'buffer' }, (_type, name) =>
      this.onEvent(dirKey, raw, name as unknown as Buffer | null),
    );
    node.watcher.on('error', () => this.markLost('a folder watch failed'));
    this.watches++;
    for (const name of await dir.list()) await this.lookAt(dir, node, name, recentSince);
  }

  private onEvent(dirKey: string, raw: Buffer, name: Buffer | null): void {
    if (this.lost) return;
    this.countEvent();
    if (!name) {
      this.markLost('an event without a name');
      return;
    }
    let d = this.dirty.get(dirKey);
    if (!d) this.dirty.set(dirKey, (d = { raw, names: new Map() }));
    d.names.set(key(name), name);
  }

  /** Brings the entry `name` of `node` (open as `dir`) up to date with what is there now. */
  private async lookAt(dir: Dir, node: DirNode, name: Buffer, recentSince: number): Promise<void> {
    const k = key(name);
    const raw = join(node.raw, name);
    const st = await dir.lstat(name);
    const old = node.children.get(k);
    if (old && (!st || old.kind !== (st.isDirectory() ? 'dir' : 'file') || (old.kind === 'dir' && old.ino !== st.ino))) {
      this.dropNode(raw, old);
      node.children.delete(k);
    }
    if (!st) {
      this.recent.delete(key(raw));
      return;
    }
    if (st.isDirectory()) {
      this.recent.delete(key(raw));
      if (old?.kind === 'dir' && old.ino === st.ino && node.children.has(k)) return;
      if (raw.length && namesOf(raw).length > MAX_DEPTH) throw tooDeep(namesOf(raw));
      const sub = await dir.openDir(name);
      if (!sub) return;
      try {
        const subSt = await sub.stat();
        const child: DirNode = { kind: 'dir', raw, ino: subSt.ino, children: new Map() };
        node.children.set(k, child);
        this.countEntry();
        await this.addDir(sub, child, recentSince);
      } finally {
        await sub.close();
      }
      return;
    }
    let file = node.children.get(k) as FileNode | undefined;
    if (!file) {
      file = { kind: 'file', ino: st.ino, size: 0, regular: false, ctimeMs: 0, linked: false };
      node.children.set(k, file);
      this.countEntry();
    }
    this.total -= file.regular ? file.size : 0;
    if (file.linked && (file.ino !== st.ino || !st.isFile())) this.unlinkName(raw, file);
    file.ino = st.ino;
    file.regular = st.isFile();
    file.size = file.regular ? st.size : 0;
    file.ctimeMs = st.ctimeMs;
    this.total += file.regular ? file.size : 0;
    if (file.regular && st.nlink > 1) {
      // A name stays "linked" while it names the same inode, even once the other names are
      // gone: a write through a descriptor of a removed name changes it without its own event.
      if (!file.linked) {
        file.linked = true;
        this.linked.set(key(raw), raw);
        this.linkCounts.set(st.ino, (this.linkCounts.get(st.ino) ?? 0) + 1);
      }
      // Outside a whole listing, every other name of the inode must be known already;
      // otherwise one of them may hold a size no event will update: list everything anew.
      if (!this.building && (this.linkCounts.get(st.ino) ?? 0) < st.nlink)
        throw new Lost(`"${textOf(raw)}" shares its inode with names not known yet`);
    }
    if (st.ctimeMs >= recentSince) this.recent.set(key(raw), { raw, ctimeMs: st.ctimeMs });
    else this.recent.delete(key(raw));
  }

  private unlinkName(raw: Buffer, file: FileNode): void {
    file.linked = false;
    this.linked.delete(key(raw));
    const left = (this.linkCounts.get(file.ino) ?? 1) - 1;
    if (left > 0) this.linkCounts.set(file.ino, left);
    else this.linkCounts.delete(file.ino);
  }

  private countEntry(): void {
    if (++this.entries > MAX_ENTRIES) {
      this.giveUp(`more than ${MAX_ENTRIES} entries on the sandbox side`);
      throw new Lost(this.disabled);
    }
  }

  /** Forgets `node` (at `raw`) and everything below it, and closes their watches. */
  private dropNode(raw: Buffer, node: FileNode | DirNode): void {
    this.recent.delete(key(raw));
    if (node.kind === 'file') {
      if (node.regular) this.total -= node.size;
      if (node.linked) this.unlinkName(raw, node);
      this.entries--;
      return;
    }
    node.watcher?.close();
    if (node.watcher) this.watches--;
    node.watcher = undefined;
    for (const [k, c] of node.children) this.dropNode(join(raw, Buffer.from(k, 'latin1')), c);
    node.children.clear();
    this.entries--;
  }

  /** Looks at every dirty name, parents first, then at every name that shares an inode. */
  private async applyDirty(window: Window): Promise<void> {
    const recentSince = Math.min(this.oldestWindow(), window.sinceMs);
    const batch = [...this.dirty.values()];
    this.dirty = new Map();
    if (batch.length === 0) return;
    batch.sort((a, b) => depthOf(a.raw) - depthOf(b.raw));
    for (const { raw, names } of batch) {
      const node = this.nodeAt(raw);
      // Not tracked (any more): a parent was dropped or listed anew in this pass.
      if (!node) continue;
      await this.withOpen(node, async (dir) => {
        for (const name of names.values()) await this.lookAt(dir, node, name, recentSince);
      });
    }
    if (this.linked.size === 0) return;
    // Names that share an inode: one was written, all changed; look at every such name.
    for (const raw of [...this.linked.values()]) {
      const names = namesOf(raw);
      const parent = this.nodeAt(
        names.length > 1 ? Buffer.from(raw.subarray(0, raw.length - names[names.length - 1]!.length - 1)) : Buffer.alloc(0),
      );
      if (!parent) continue;
      await this.withOpen(parent, (dir) => this.lookAt(dir, parent, names[names.length - 1]!, recentSince));
    }
  }

  /** The tracked directory at `raw`, or undefined. */
  private nodeAt(raw: Buffer): DirNode | undefined {
    let node = this.root;
    if (!node || raw.length === 0) return node;
    for (const name of namesOf(raw)) {
      const next: FileNode | DirNode | undefined = node.children.get(key(name));
      if (!next || next.kind !== 'dir') return undefined;
      node = next;
    }
    return node;
  }

  /**
   * Opens the tracked directory `node` one name at a time from the root, never following
   * anything, and checks that it is still the directory that is watched there.
   */
  private async withOpen(node: DirNode, work: (dir: Dir) => Promise<void>): Promise<void> {
    const root = this.rootDir!;
    let dir = root;
    try {
      for (const name of node.raw.length ? namesOf(node.raw) : []) {
        const next = await dir.openDir(name);
        if (dir !== root) await dir.close();
        dir = root;
        if (!next) throw new Lost(`"${textOf(node.raw)}" went away while it was looked at`);
        dir = next;
      }
      if ((await dir.stat()).ino !== node.ino) throw new Lost(`"${textOf(node.raw)}" was replaced while it was looked at`);
      await work(dir);
    } finally {
      if (dir !== root) await dir.close();
    }
  }
}

function depthOf(raw: Buffer): number {
  if (raw.length === 0) return 0;
  let n = 1;
  for (const b of raw) if (b === 0x2f) n++;
  return n;
}

function isRace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'ESTALE';
}

/** fs.watch failing because the host's inotify budget is used up. */
function isWatchLimit(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE';
}
