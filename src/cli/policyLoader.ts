/** The CLI's policy: built-in defaults, the user's policy file, then the workspace file. */
import { readPolicyFile, resolvePolicy, type Policy } from '../core/policy';
import { userPolicyFile } from '../core/paths';

export function loadCliPolicy(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): Policy {
  const file = userPolicyFile(env);
  const raw = readPolicyFile(file);
  return resolvePolicy({ ...(raw !== undefined ? { user: { raw, origin: file } } : {}), workspaceRoot }).policy;
}
