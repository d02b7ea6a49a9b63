/**
 * The argv that starts this same CLI again, for command lines written into hook
 * configurations and rewritten shell commands. AGENT_SANDBOX_CLI (a path, or a JSON array of
 * argv elements) overrides it; otherwise it is this process's node, its loader flags (so a
 * development run under a TypeScript loader works too) and its script.
 */
export function currentCliInvocation(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env.AGENT_SANDBOX_CLI?.trim();
  if (override) {
    if (override.startsWith('[')) {
      const parsed = JSON.parse(override) as unknown;
      if (Array.isArray(parsed) && parsed.length && parsed.every((a) => typeof a === 'string')) return parsed as string[];
      throw new Error('AGENT_SANDBOX_CLI must be a path or a JSON array of strings.');
    }
    return [override];
  }
  const script = process.argv[1];
  if (!script) throw new Error('Cannot tell how this CLI was started; set AGENT_SANDBOX_CLI to its path.');
  const loaderFlags = process.execArgv.filter((a, i, all) => !a.startsWith('--inspect') && !all[i - 1]?.startsWith('--inspect'));
  // Under an editor's Electron the executable is Node only with this variable; a command
  // line run later by an agent's shell must carry it along.
  const asNode = env.ELECTRON_RUN_AS_NODE ? ['env', 'ELECTRON_RUN_AS_NODE=1'] : [];
  return [...asNode, process.execPath, ...loaderFlags, script];
}
