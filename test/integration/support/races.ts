/**
 * Helpers for the race battery: canaries on the host that nothing may read, change or
 * delete; programs that run inside the sandbox and keep swapping a path component between
 * a folder and a symlink (or a file and a FIFO, or grow a file without end) while the host
 * works on the tree; and checks that find a canary's bytes or names in whatever the host
 * hands back.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectEngine } from '../../../src/core/engine/connection';
import { runHelper } from '../../../src/core/engine/exec';
import { startSession } from '../../../src/core/session/lifecycle';
import { SandboxSession, type RunResult } from '../../../src/core/session/session';
import type { SnapshotStrategy } from '../../../src/core/snapshot/sessionSnapshot';
import { disposeStateRoot } from './battery';
import { isolateState, makeWorkspace, testPolicy, treeListing } from './sandbox';

/**
 * Swaps path components inside the sandbox until a stop file appears (or a deadline
 * passes), then leaves every pair as a folder and prints its counts as JSON. One spec, as
 * JSON in argv[1]:
 *
 * - `exchange`: `dir` is a folder and `link` a symlink to `target`; renameat2 with
 *   RENAME_EXCHANGE swaps the two names atomically, so each name flips between a folder and
 *   a symlink with no moment where it is missing.
 * - `rename`: `dir` is renamed to `aside`, a symlink to `target` takes its name, then the
 *   link is removed and the folder renamed back (the plain rename/symlink loop).
 * - `fifo`: a regular file `dir` and a FIFO `link` trade names with RENAME_EXCHANGE.
 *
 * When the file system refuses a rename (an overlay refuses to move a folder its lower layer
 * also has), that pair falls back to removing the folder and making it again. Folders get
 * their files (`files`, name to content) rewritten every `refreshSec`, with a generation
 * number, so there is always something new to review and apply.
 */
const SWAP_PROGRAM = String.raw`
import ctypes, errno, json, os, shutil, sys, time
spec = json.loads(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
SYS_RENAMEAT2 = 316  # x86_64
AT_FDCWD = -100
RENAME_EXCHANGE = 2

def exchange(a, b):
    r = libc.syscall(ctypes.c_long(SYS_RENAMEAT2), ctypes.c_int(AT_FDCWD), a.encode(), ctypes.c_int(AT_FDCWD), b.encode(), ctypes.c_uint(RENAME_EXCHANGE))
    if r != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), a)

def kind_of(p):
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return None
    if os.path.islink(p): return 'link'
    if os.path.isdir(p): return 'dir'
    if st.st_mode & 0o170000 == 0o010000: return 'fifo'
    return 'file'

def remove(p):
    k = kind_of(p)
    if k == 'dir': shutil.rmtree(p, ignore_errors=True)
    elif k is not None: os.unlink(p)

generation = [0]

def aside_of(p):
    return p.get('aside') or p['dir'] + '.aside'

def fill(d, files):
    generation[0] += 1
    for rel, content in files.items():
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        try: os.write(fd, (content + ' (generation %d)\n' % generation[0]).encode())
        finally: os.close(fd)

def make_dir(d, files):
    remove(d)
    os.makedirs(d)
    fill(d, files)

def setup(p):
    os.makedirs(os.path.dirname(p['dir']), exist_ok=True)
    if p['kind'] == 'fifo':
        remove(p['dir']); remove(p['link'])
        with open(p['dir'], 'w') as f: f.write(p['content'])
        os.mkfifo(p['link'])
        return
    make_dir(p['dir'], p['files'])
    if p['kind'] == 'exchange':
        remove(p['link'])
        os.symlink(p['target'], p['link'])
    remove(aside_of(p))

def step(p):
    k = p['kind']
    if k in ('exchange', 'fifo'):
        exchange(p['dir'], p['link'])
    elif k == 'rename':
        aside = aside_of(p)
        if kind_of(p['dir']) == 'dir':
            os.rename(p['dir'], aside)
            os.symlink(p['target'], p['dir'])
        else:
            remove(p['dir'])
            if kind_of(aside) == 'dir': os.rename(aside, p['dir'])
            else: make_dir(p['dir'], p['files'])
    else:  # recreate
        if kind_of(p['dir']) == 'dir':
            shutil.rmtree(p['dir'])
            os.symlink(p['target'], p['dir'])
        else:
            make_dir(p['dir'], p['files'])

def settle(p):
    """Leaves the pair as it started: dir a folder (or the file), link a symlink (or the FIFO)."""
    try:
        if p['kind'] in ('exchange', 'fifo'):
            want = 'file' if p['kind'] == 'fifo' else 'dir'
            if kind_of(p['dir']) != want and kind_of(p['link']) == want:
                exchange(p['dir'], p['link'])
            if kind_of(p['dir']) != want: setup(p)
        elif p['kind'] == 'rename':
            if kind_of(p['dir']) != 'dir':
                remove(p['dir'])
                if kind_of(aside_of(p)) == 'dir': os.rename(aside_of(p), p['dir'])
                else: make_dir(p['dir'], p['files'])
        elif kind_of(p['dir']) != 'dir':
            make_dir(p['dir'], p['files'])
    except OSError:
        setup(p)

pairs = spec['pairs']
for p in pairs: setup(p)
counts = {'swaps': 0, 'failed': 0, 'fallbacks': 0, 'refreshes': 0}
deadline = time.monotonic() + spec['maxSec']
next_refresh = time.monotonic() + spec.get('refreshSec', 1e9)
i = 0
while True:
    i += 1
    if i % 64 == 0:
        now = time.monotonic()
        if now > deadline or os.path.exists(spec['stop']): break
        if now > next_refresh:
            next_refresh = now + spec['refreshSec']
            for p in pairs:
                if p['kind'] == 'fifo': continue
                for name in (p['dir'], p.get('link')):
                    if name and kind_of(name) == 'dir':
                        try: fill(name, p['files'])
                        except OSError: pass
            counts['refreshes'] += 1
    for p in pairs:
        try:
            step(p)
            counts['swaps'] += 1
        except OSError as e:
            counts['failed'] += 1
            if e.errno == errno.EXDEV and p['kind'] in ('exchange', 'rename'):
                # The overlay will not move a folder its lower layer also has.
                counts['fallbacks'] += 1
                if p['kind'] == 'exchange': remove(p['link'])
                p['kind'] = 'recreate'
            try: settle(p)
            except OSError: pass
for p in pairs: settle(p)
print(json.dumps(counts))
`;

export interface SwapPair {
  readonly kind: 'exchange' | 'rename' | 'fifo';
  /** Absolute path in the sandbox of the name that starts as a folder (or the file). */
  readonly dir: string;
  /** For `exchange` and `fifo`: the name that starts as the symlink (or the FIFO). */
  readonly link?: string;
  /** For `rename`: where the folder waits while the symlink has its name. */
  readonly aside?: string;
  /** What the symlink points to: a host path, absolute or relative. */
  readonly target?: string;
  /** Files of the folder, relative to it, with their content (a generation is appended). */
  readonly files?: Readonly<Record<string, string>>;
  /** For `fifo`: the regular file's content. */
  readonly content?: string;
}

export interface SwapCounts {
  readonly swaps: number;
  readonly failed: number;
  readonly fallbacks: number;
  readonly refreshes: number;
}

export interface SwapLoop {
  /** Resolves when the program has set up its pairs and started swapping. */
  readonly started: Promise<void>;
  /** Stops the loop and returns what it did. */
  stop(): Promise<SwapCounts>;
}

let loops = 0;

/** Starts the swap program in the sandbox; it runs until `stop` (or `maxSec`). */
export function startSwapLoop(
  session: SandboxSession,
  pairs: readonly SwapPair[],
  options: { maxSec?: number; refreshSec?: number } = {},
): SwapLoop {
  const stopFile = `/tmp/agent-sandbox-race-stop-${process.pid}-${++loops}`;
  const maxSec = options.maxSec ?? 300;
  const spec = { stop: stopFile, maxSec, refreshSec: options.refreshSec ?? 0.05, pairs };
  // Niced, so that the host's side of the race gets the processor when both want it.
  const running: Promise<RunResult> = session.run(['nice', '-n', '10', 'python3', '-c', SWAP_PROGRAM, JSON.stringify(spec)], {
    timeoutSec: maxSec + 60,
  });
  // The pairs are set up once the first pair's folder (or file) exists.
  const started = (async () => {
    const first = pairs[0]!.dir;
    for (let i = 0; i < 200; i++) {
      const r = await session.run(['/bin/sh', '-c', '[ -e "$1" ] || [ -L "$1" ]', 'race-ready', first]);
      if (r.exitCode === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the swap program did not set up ${first} within 10 s`);
  })();
  return {
    started,
    async stop() {
      await session.run(['/bin/sh', '-c', ': > "$1"', 'race-stop', stopFile]);
      const result = await running;
      const line = result.stdout.toString().trim().split('\n').pop() ?? '';
      if (result.exitCode !== 0 || !line.startsWith('{')) {
        throw new Error(`the swap program failed (exit ${result.exitCode}): ${result.stdout.toString()} ${result.stderr.toString()}`);
      }
      return JSON.parse(line) as SwapCounts;
    },
  };
}

/**
 * Grows a file of the sandbox without end once the host starts reading it. The file starts
 * with a few MiB of real bytes and an access time far in the past; the first read by anyone
 * moves the access time, and from then on the size climbs by `stepMb` every millisecond (a
 * sparse file, so no disk is used; up to the largest file the sandbox may make) until the
 * stop file appears or `maxSec` pass. Then it is cut back to nothing, which lets any reader
 * still at it reach its end. A host that reads no more than the size it saw when it opened
 * the file reads a few MiB; one that reads until the end follows the growth.
 */
const GROW_PROGRAM = String.raw`
import errno, os, sys, time
path, stop, step, max_sec = sys.argv[1], sys.argv[2], int(sys.argv[3]) * 1024 * 1024, float(sys.argv[4])
tmp = path + '.tmp'
os.makedirs(os.path.dirname(path), exist_ok=True)
fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
os.write(fd, b'grows without end\n' * 200000)
os.utime(fd, (1, time.time()))
os.rename(tmp, path)
largest = os.fstat(fd).st_size
deadline = time.monotonic() + max_sec
read_at = None
while not os.path.exists(stop) and time.monotonic() < deadline:
    if read_at is None:
        if os.fstat(fd).st_atime > 1000: read_at = time.monotonic()
        else: time.sleep(0.001)
        continue
    try:
        os.ftruncate(fd, largest + step)
        largest += step
    except OSError as e:
        # The largest file the sandbox may make: it stays there.
        if e.errno != errno.EFBIG: raise
    time.sleep(0.001)
os.ftruncate(fd, 0)
print(largest, 'read' if read_at is not None else 'unread')
`;

export interface GrowingFile {
  /** Resolves once the file exists (it grows once read). */
  readonly started: Promise<void>;
  /** Stops the growth, cuts the file to zero bytes and tells the largest size it reached and whether anyone read it. */
  stop(): Promise<{ largest: number; read: boolean }>;
}

/**
 * Starts growing `file` (a sandbox path). Starting and stopping go through helper processes
 * in the container, not commands: a command's bookkeeping would count the huge size
 * against the disk cap and refuse the next one.
 */
export function startGrowingFile(session: SandboxSession, file: string, options: { stepMb?: number; maxSec?: number } = {}): GrowingFile {
  const stopFile = `/tmp/agent-sandbox-grow-stop-${process.pid}-${++loops}`;
  const maxSec = options.maxSec ?? 60;
  // Arbitrary programs, not the session's own scripts: straight through the engine.
  const engine = connectEngine();
  const helper = async (argv: string[]) => runHelper((await engine).docker, session.containerId, session.user, argv);
  const running = helper(['python3', '-c', GROW_PROGRAM, file, stopFile, String(options.stepMb ?? 256), String(maxSec)]);
  const started = (async () => {
    for (let i = 0; i < 200; i++) {
      const r = await helper(['/bin/sh', '-c', '[ -f "$1" ]', 'grow-ready', file]);
      if (r.exitCode === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${file} was not made within 10 s`);
  })();
  return {
    started,
    async stop() {
      await helper(['/bin/sh', '-c', ': > "$1"', 'grow-stop', stopFile]);
      const result = await running;
      if (result.exitCode !== 0) throw new Error(`the growing program failed (exit ${result.exitCode}): ${result.stderr.toString()}`);
      const [largest, read] = result.stdout.toString().trim().split(' ');
      return { largest: Number(largest), read: read === 'read' };
    },
  };
}

/** One canary folder's files: the same names the sandbox uses in the folders it swaps. */
function canaryFiles(marker: string, nameMarker: string, which: string): Record<string, string> {
  return {
    id_rsa: `-----BEGIN OPENSSH PRIVATE KEY-----\n${marker} ${which}\n-----END OPENSSH PRIVATE KEY-----\n`,
    'victim/keep.txt': `must not be deleted or overwritten: ${marker} ${which}\n`,
    'victim/data.bin': `\u0000binary ${marker} ${which}\u0000`,
    [`found-${nameMarker}`]: `a name that must not show up: ${marker} ${which}\n`,
  };
}

/** What the sandbox keeps in each folder it swaps: the canaries' names, its own content. */
export const SANDBOX_FILES: Readonly<Record<string, string>> = {
  id_rsa: 'id_rsa of the sandbox',
  'victim/keep.txt': 'keep.txt of the sandbox',
  'victim/data.bin': 'data.bin of the sandbox',
};

/**
 * Folders and files on the host, outside the workspace and outside the session's state,
 * that no host operation may read, change or delete. Their content carries `marker` and one
 * file's name carries `nameMarker`; neither may ever appear in what the host hands back.
 */
export class Canaries {
  readonly root: string;
  readonly marker: string;
  readonly nameMarker: string;
  private readonly expected: Record<string, string>;
  private readonly files: Record<string, string>;
  /** sha256 of every canary file, as hex (a change set shows hashes, not bytes). */
  readonly hashes: ReadonlySet<string>;

  constructor(readonly names: readonly string[]) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-canary-'));
    this.marker = `CANARY-${randomBytes(12).toString('hex')}`;
    this.nameMarker = `canaryname${randomBytes(8).toString('hex')}`;
    this.files = {
      // A fake private key and a folder of files right at the root, as a home folder has them.
      '.ssh/id_rsa': `-----BEGIN OPENSSH PRIVATE KEY-----\n${this.marker} root\n-----END OPENSSH PRIVATE KEY-----\n`,
      'important/report.txt': `must not be deleted: ${this.marker}\n`,
    };
    for (const name of names)
      for (const [rel, content] of Object.entries(canaryFiles(this.marker, this.nameMarker, name))) this.files[`${name}/${rel}`] = content;
    this.hashes = new Set(Object.values(this.files).map((c) => createHash('sha256').update(c).digest('hex')));
    this.restore();
    this.expected = treeListing(this.root);
  }

  /** The host path of one canary folder (a symlink target). */
  dir(name: string): string {
    return path.join(this.root, name);
  }

  /** What changed in the canaries since they were made (empty when they are intact). */
  changes(): string[] {
    const now = treeListing(this.root);
    const out: string[] = [];
    for (const [rel, want] of Object.entries(this.expected)) {
      if (!(rel in now)) out.push(`${rel} was deleted`);
      else if (now[rel] !== want) out.push(`${rel} was changed (now ${now[rel]!.slice(0, 80)})`);
    }
    for (const rel of Object.keys(now)) if (!(rel in this.expected)) out.push(`${rel} was created`);
    return out;
  }

  /** Puts every canary back as it was (after a change was recorded), so later checks still mean something. */
  restore(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
    fs.mkdirSync(this.root, { mode: 0o700 });
    for (const [rel, content] of Object.entries(this.files)) {
      const p = path.join(this.root, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 });
      fs.writeFileSync(p, content, { mode: 0o600 });
    }
  }

  /** Names what of the canaries a text shows: the marker, the name marker or a canary's hash. */
  leaksIn(text: string): string | undefined {
    if (text.includes(this.marker)) return `the canary marker ${this.marker}`;
    if (text.includes(this.nameMarker)) return `the canary file name "found-${this.nameMarker}"`;
    for (const h of this.hashes) if (text.includes(h)) return `the sha256 of a canary file (${h.slice(0, 12)}...)`;
    return undefined;
  }

  /** Files of a host tree (read without following symlinks) whose name or bytes hold a canary's. */
  leaksInTree(root: string): string[] {
    const out: string[] = [];
    for (const [rel, value] of Object.entries(listing(root))) {
      const content = value.startsWith('-> ') ? value : Buffer.from(value.split(' ')[1] ?? '', 'base64').toString('latin1');
      const leak = this.leaksIn(rel) ?? this.leaksIn(content);
      if (leak) out.push(`${rel}: ${leak}`);
    }
    return out;
  }

  /** Symlinks of a host tree that point at a canary (harmless as long as nothing follows them). */
  linksInTree(root: string): string[] {
    return Object.entries(listing(root))
      .filter(([, value]) => value.startsWith('-> ') && value.includes(path.basename(this.root)))
      .map(([rel, value]) => `${rel} ${value}`);
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** treeListing of a tree that may not exist yet. */
function listing(root: string): Record<string, string> {
  return fs.existsSync(root) ? treeListing(root) : {};
}

export interface RaceSession {
  readonly session: SandboxSession;
  readonly workspace: string;
  readonly stateDir: string;
  dispose(): void;
}

/** Starts a session with a forced snapshot strategy, in a private state root. */
export async function startRaceSession(strategy: SnapshotStrategy, files: Record<string, string>): Promise<RaceSession> {
  const { stateDir } = isolateState();
  const workspace = makeWorkspace(files);
  const dispose = () => {
    disposeStateRoot(stateDir);
    fs.rmSync(workspace, { recursive: true, force: true });
  };
  try {
    const { session } = await startSession({ workspaceRoot: workspace, policy: testPolicy(), strategy });
    if (session.strategy !== strategy) throw new Error(`asked for the ${strategy} strategy, got ${session.strategy}`);
    return { session, workspace, stateDir, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}

/** Settles with the promise, or rejects after `ms` naming what did not finish. */
export function withinMs<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new HungError(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class HungError extends Error {
  override readonly name = 'HungError';
}

/**
 * Opens every FIFO at the given host paths for writing, without blocking, so that a reader
 * stuck opening one goes on (and finds no data). Synchronous on purpose: it runs on the main
 * thread even when the file-system threads are all stuck.
 */
export function releaseFifoReaders(paths: readonly string[]): void {
  for (const p of paths) {
    try {
      if (!fs.lstatSync(p).isFIFO()) continue;
      fs.closeSync(fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW));
    } catch {
      // No reader waiting (ENXIO), or the name is a file right now.
    }
  }
}

/** Bytes this process has read through read(2) and friends so far (/proc/self/io rchar). */
export function bytesReadSoFar(): number {
  const line = fs
    .readFileSync('/proc/self/io', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('rchar:'));
  return Number(line?.split(':')[1]?.trim() ?? 0);
}

/**
 * One entry of a host tree, described without following anything: its type, mode and
 * content hash or link target, `absent`, or which parent is not a folder.
 */
export function describeEntry(root: string, rel: string): string {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const st = fs.lstatSync(path.join(root, ...parts.slice(0, i)), { throwIfNoEntry: false });
    if (!st) return 'absent';
    if (!st.isDirectory()) return `below "${parts.slice(0, i).join('/')}", which is not a folder`;
  }
  const p = path.join(root, ...parts);
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return 'absent';
  const mode = (st.mode & 0o7777).toString(8);
  if (st.isSymbolicLink()) return `symlink -> ${fs.readlinkSync(p)}`;
  if (st.isDirectory()) return `folder ${mode}`;
  if (st.isFile()) return `file ${mode} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex').slice(0, 16)}`;
  return `special ${mode}`;
}

/**
 * Paths an apply recorded in the base that the base holds differently from the real tree
 * right after it: the base must record what was applied, never what the sandbox holds by
 * then. Paths the apply warned about (not recorded) and partly applied files are skipped.
 */
export function baseMismatches(
  report: {
    readonly applied: readonly { readonly path: string; readonly hunks?: readonly number[] }[];
    readonly warnings: readonly string[];
  },
  base: string,
  real: string,
): string[] {
  const out: string[] = [];
  for (const a of report.applied) {
    if (a.hunks || report.warnings.some((w) => w.startsWith(`${a.path}: `))) continue;
    const [inBase, inReal] = [describeEntry(base, a.path), describeEntry(real, a.path)];
    if (inBase !== inReal) out.push(`${a.path} is ${inBase} in the base but ${inReal} in the real tree`);
  }
  return out;
}
