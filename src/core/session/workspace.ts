/**
 * Where a workspace's session lives and as whom it runs: the workspace's real path, its
 * session folder, the sandbox user, and the digest that says when a container is out of date.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LABELS } from '../engine/hardening';
import { SandboxError } from '../errors';
import { stateRoot, workspaceKey } from '../paths';
import type { Policy } from '../policy';
import type { Owner } from '../snapshot/sessionSnapshot';

/**
 * This machine and state folder, as a remote session's origin label says it (LABELS.origin):
 * the same user on two machines has the same state folder names, not the same machine id.
 */
export function machineOrigin(env: NodeJS.ProcessEnv = process.env): string {
  return originOf(stateRoot(env));
}

/** The origin of the sessions kept in the session folder `sessionDir` (see sessionDirFor). */
export function originOfSessionDir(sessionDir: string): string {
  return originOf(path.dirname(path.dirname(sessionDir)));
}

function originOf(root: string): string {
  let machineId = '';
  try {
    machineId = fs.readFileSync('/etc/machine-id', 'utf8').trim();
  } catch {
    // No machine id (macOS, Windows): the host name alone.
  }
  return crypto.createHash('sha256').update(`${machineId}\0${os.hostname()}\0${root}`).digest('hex').slice(0, 32);
}

/**
 * Whether an engine object with these labels was made by this machine and state folder
 * (`origin`, see machineOrigin), and so is this machine's to judge and remove: its origin
 * label says so, or it has none on a local engine (local sessions carry no origin). On a
 * remote engine an object without the label is the engine host's own, or another client's,
 * even when its state folder label reads like one of ours: the same user on two machines
 * has the same paths.
 */
export function madeHere(labels: Readonly<Record<string, string>> | undefined, engineLocal: boolean, origin: string): boolean {
  const label = labels?.[LABELS.origin];
  return label === undefined ? engineLocal : label === origin;
}

export function sessionDirFor(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateRoot(env), 'sessions', workspaceKey(workspaceRoot));
}

/** Where the airlock of the session in `dir` keeps its review decisions, journal and undo data. */
export function airlockDirOf(sessionDir: string): string {
  return path.join(sessionDir, 'airlock');
}

/** The session's audit log. */
/** The listing a remote session's mirror matches (see remoteSide.ts). */
export function remoteListingFileOf(sessionDir: string): string {
  return path.join(sessionDir, 'remote-listing.json');
}

export function auditFileOf(sessionDir: string): string {
  return path.join(sessionDir, 'audit.jsonl');
}

/** The real, absolute path of a workspace folder, or a clear error. */
export function resolveWorkspace(dir: string): string {
  let real: string;
  try {
    real = fs.realpathSync(path.resolve(dir));
  } catch {
    throw new SandboxError(
      'WORKSPACE_INVALID',
      `The workspace folder ${dir} does not exist.`,
      'Open or pass an existing folder (--workspace DIR).',
    );
  }
  if (!fs.statSync(real).isDirectory()) {
    throw new SandboxError('WORKSPACE_INVALID', `The workspace ${dir} is not a folder.`, 'Pass a folder (--workspace DIR).');
  }
  if (real === path.parse(real).root) {
    throw new SandboxError('WORKSPACE_INVALID', 'The workspace cannot be the root of the file system.', 'Open a project folder instead.');
  }
  return real;
}

/** `UID:GID` the sandbox runs as, and the owner its files need on the host. */
export function resolveUser(policy: Policy): { user: string; owner?: Owner } {
  const myUid = process.getuid?.() ?? 1000;
  const myGid = process.getgid?.() ?? 1000;
  const user = policy.user === 'auto' ? (myUid === 0 ? '1000:1000' : `${myUid}:${myGid}`) : policy.user;
  const [uid, gid] = user.split(':').map(Number) as [number, number];
  if (uid === myUid) return { user };
  if (myUid !== 0) {
    throw new SandboxError(
      'POLICY_INVALID',
      `The sandbox user ${user} is not you (${myUid}:${myGid}); its copy of the workspace would not be writable.`,
      'Set the sandbox user to "auto", or run the sandbox as root (rootful Docker hosts) to use another UID.',
    );
  }
  return { user, owner: { uid, gid } };
}

export function policyDigest(policy: Policy, image: string, extra: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify({ policy, image, extra })).digest('hex').slice(0, 16);
}
