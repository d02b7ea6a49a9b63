/**
 * `agent-sandbox setup claude|codex|gemini [--undo] [--dry-run]`: sets an agent up with the
 * sandbox's pre-tool-use hook and MCP server in that agent's own files, or with `--undo`
 * removes exactly what the set-up added. The diff goes to stdout and what the person must
 * set themselves to stderr, before anything is written; `--dry-run` writes nothing.
 */
import { resolveWorkspace } from '../core/session/workspace';
import { currentCliInvocation } from '../core/tools/cliInvocation';
import { applySetupPlan, codexHome, planAgentSetup, planDiff, planWarnings, SETUP_AGENTS, type SetupAgent } from '../core/tools/agentSetup';
import { ensureLauncher, launcherPath } from '../core/tools/hookConfig';
import { parseArgs, UsageError } from './args';
import type { CommandContext } from './context';

export const SETUP_HELP = `Usage: agent-sandbox [--workspace DIR] setup claude|codex|gemini [--undo] [--dry-run]

Sets an agent up so that its shell commands and file edits go through Agent Sandbox: the
pre-tool-use hook (shell commands run in the sandbox, host edits are refused, and any failure
of the hook blocks the call) and the agent-sandbox MCP server, both started through the
stable launcher, so they keep working after updates. Prints the diff of every file, then
writes it, merged with what is there.

  claude   .claude/settings.local.json (hook, server approval) and .mcp.json (server)
  codex    $CODEX_HOME/config.toml (default ~/.codex): one marked block with server and hook
  gemini   .gemini/settings.json (BeforeTool hook and server)

Options:
  --undo      remove exactly what the set-up added (a file it created is deleted)
  --dry-run   print the diff only; write nothing
`;

export async function setupCommand(ctx: CommandContext): Promise<number> {
  const parsed = parseArgs(ctx.args, [], ['undo', 'dry-run', 'help']);
  if (parsed.flags.has('help')) {
    ctx.io.out(SETUP_HELP);
    return 0;
  }
  const agent = parsed.positional[0] as SetupAgent | undefined;
  if (!agent || !SETUP_AGENTS.includes(agent) || parsed.positional.length > 1 || parsed.rest) {
    throw new UsageError(`setup needs one agent: ${SETUP_AGENTS.join(', ')} (see agent-sandbox setup --help)`);
  }
  const undo = parsed.flags.has('undo');
  const dryRun = parsed.flags.has('dry-run');
  const workspaceRoot = resolveWorkspace(ctx.workspace);
  // A dry run writes nothing, the launcher included; undo finds our entries without it.
  const launcher = dryRun || undo ? launcherPath() : ensureLauncher(currentCliInvocation());
  const plan = planAgentSetup(agent, { workspaceRoot, launcher, codexHome: codexHome() }, undo);
  ctx.io.out(planDiff(plan));
  ctx.io.err(planWarnings(plan));
  if (dryRun || !plan.edits.length) return 0;
  applySetupPlan(plan);
  for (const e of plan.edits) ctx.io.err(`${e.after === undefined ? 'Removed' : 'Wrote'} ${e.path}\n`);
  return 0;
}
