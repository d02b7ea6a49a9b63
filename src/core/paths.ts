/**
 * Where things live on the host: the package's own resources (media/), and the state of
 * sessions (copies, journals, audit logs) under the user's state directory.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let cachedResourceRoot: string | undefined;

/** The folder holding package.json and media/, found from wherever this code was bundled. */
export function resourceRoot(): string {
  if (cachedResourceRoot) return cachedResourceRoot;
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && fs.existsSync(path.join(dir, 'media', 'Dockerfile'))) {
      cachedResourceRoot = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the extension's media folder above ${__dirname}`);
    dir = parent;
  }
}

export function mediaPath(...parts: string[]): string {
  return path.join(resourceRoot(), 'media', ...parts);
}

/** AGENT_SANDBOX_STATE_DIR, else $XDG_STATE_HOME/agent-sandbox, else ~/.local/state/agent-sandbox. */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AGENT_SANDBOX_STATE_DIR) return path.resolve(env.AGENT_SANDBOX_STATE_DIR);
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'agent-sandbox');
}

/** The CLI's user policy file: $XDG_CONFIG_HOME/agent-sandbox/policy.json. */
export function userPolicyFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'agent-sandbox', 'policy.json');
}

/** A short stable id for a workspace folder, from its real path. */
export function workspaceKey(realRoot: string): string {
  const digest = crypto.createHash('sha256').update(realRoot).digest('hex').slice(0, 12);
  const name =
    path
      .basename(realRoot)
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .slice(0, 24) || 'root';
  return `${name}-${digest}`;
}
