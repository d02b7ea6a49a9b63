/**
 * `agent-sandbox tools install <claude|codex|npm-spec> [--registry URL]`: installs an agent
 * CLI into the person's tools volume, which every sandbox mounts read-only with its bin on
 * PATH. npm runs inside a hardened installer container through the egress proxy (npm
 * preset); see src/core/agentTools/install.ts.
 */
import { installTool } from '../core/agentTools/install';
import { validRegistry } from '../core/agentTools/registry';
import { resolveWorkspace } from '../core/session/workspace';
import { parseArgs, UsageError } from './args';
import type { CommandContext } from './context';
import { loadCliPolicy } from './policyLoader';

export async function toolsCommand({ workspace, args, io }: CommandContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'install')
    throw new UsageError(sub ? `unknown tools command "${sub}"` : 'tools needs a command: tools install claude|codex|NPM-SPEC');
  const parsed = parseArgs(rest, ['registry', 'timeout'], []);
  if (parsed.positional.length !== 1) throw new UsageError('tools install takes one package: claude, codex, or an npm registry spec');
  const registryFlag = parsed.flags.get('registry');
  const timeout = parsed.flags.get('timeout');
  const timeoutSec = timeout === undefined ? undefined : Number(timeout);
  if (timeoutSec !== undefined && (!Number.isInteger(timeoutSec) || timeoutSec <= 0))
    throw new UsageError('--timeout needs a whole number of seconds');
  // The workspace decides the policy (image, user, limits); the install itself never sees it.
  const policy = loadCliPolicy(resolveWorkspace(workspace));
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await installTool({
      what: parsed.positional[0]!,
      policy,
      ...(typeof registryFlag === 'string' ? { registry: validRegistry(registryFlag, '--registry') } : {}),
      ...(timeoutSec ? { timeoutSec } : {}),
      progress: (m) => io.err(`${m}\n`),
      onOutput: (b) => io.stderr(b),
      signal: controller.signal,
    });
    io.out(
      `Installed ${result.pkg.spec} into the tools volume ${result.volume}${result.pkg.bin ? `; "${result.pkg.bin}" is on PATH in every sandbox` : ''}.\n`,
    );
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
