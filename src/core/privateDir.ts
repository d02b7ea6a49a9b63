/**
 * Folders of this user's state that must stay this user's: nobody else may enter them or
 * change a folder above them (the agents' launcher, the seccomp profile Podman reads).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Makes `dir` (and its parents) exist as a real folder of this user that nobody else can
 * enter, below folders nobody else can change. What it holds is run or read as this user
 * (the launcher of every agent tool call, the profile Podman gives the sandbox), so a folder
 * above it that another user may write would let them rename it away and put their own in
 * its place.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder; move it away so Agent Sandbox can create its own.`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid())
    throw new Error(`${dir} belongs to another user; Agent Sandbox only uses a state folder of its own.`);
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
  assertNoOtherWriterAbove(fs.realpathSync(dir));
}

/**
 * Every folder from the root down to `dir` (a real path) must belong to this user or to root
 * and be writable by nobody else, except a root-owned sticky folder such as /tmp, where
 * others cannot rename what is ours.
 */
export function assertNoOtherWriterAbove(dir: string): void {
  if (typeof process.getuid !== 'function') return;
  const uid = process.getuid();
  let current = path.parse(dir).root;
  for (const part of ['', ...dir.split(path.sep).filter(Boolean)]) {
    current = part ? path.join(current, part) : current;
    const st = fs.lstatSync(current);
    const ownerOk = st.uid === uid || st.uid === 0;
    const othersMayWrite = (st.mode & 0o022) !== 0 && !((st.mode & 0o1000) !== 0 && st.uid === 0);
    if (!ownerOk || othersMayWrite) {
      throw new Error(
        `The Agent Sandbox state folder ${dir} lies below ${current}, which ${ownerOk ? 'other users may write' : 'belongs to another user'}; ` +
          'someone else could replace what Agent Sandbox keeps there (the launcher that agents run, the seccomp profile Podman reads). Set AGENT_SANDBOX_STATE_DIR to a folder of your own (for example ~/.agent-sandbox-state), then try again.',
      );
    }
  }
}
