/**
 * `agent-sandbox hook claude|vscode [--ask] [--allow-host-edits]`: answers an agent's
 * pre-tool-use hook (JSON on stdin, JSON on stdout). A shell call is rewritten to run in the
 * sandbox; when the sandbox is down the call is denied with the reason (fail closed); tools
 * that would write the real tree directly are denied. Formats: see src/core/tools/hooks.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError } from '../core/errors';
import { SandboxSession } from '../core/session';
import { airlockOf } from '../core/tools/sessionHost';
import { currentCliInvocation } from '../core/tools/cliInvocation';
import { newFeedbackPrelude } from '../core/tools/handlers';
import {
  denyAnswer,
  HOOK_DIALECTS,
  HookInputError,
  isSandboxedAlready,
  parseHookPayload,
  planHook,
  rewriteAnswer,
  sandboxedCommandLine,
  type HookAnswer,
  type HookDialect,
} from '../core/tools/hooks';
import { parseArgs, UsageError } from './args';
import type { CommandContext } from './commands';
import { loadCliPolicy } from './policyLoader';

/** Exit code that makes both Claude Code and VS Code block the tool call. */
const EXIT_BLOCK = 2;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8');
}

/** The workspace whose sandbox session covers `dir`: the folder itself or the nearest parent with one. */
export function sessionRootFor(dir: string): string | undefined {
  let current: string;
  try {
    current = fs.realpathSync(dir);
  } catch {
    return undefined;
  }
  for (;;) {
    if (current !== path.parse(current).root && SandboxSession.find(current).state) return current;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

export async function hookCommand(ctx: CommandContext, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const parsed = parseArgs(ctx.args, [], ['ask', 'allow-host-edits']);
  const dialect = parsed.positional[0] as HookDialect | undefined;
  if (!dialect || !HOOK_DIALECTS.includes(dialect) || parsed.positional.length > 1) {
    throw new UsageError(`hook needs the agent's hook format: ${HOOK_DIALECTS.join(' or ')}`);
  }
  let payload;
  try {
    payload = parseHookPayload(await readAll(stdin));
  } catch (err) {
    if (!(err instanceof HookInputError)) throw err;
    ctx.io.err(`agent-sandbox hook: ${err.message} The call is blocked.\n`);
    return EXIT_BLOCK;
  }
  const plan = planHook(payload, { allowHostEdits: parsed.flags.has('allow-host-edits') });
  let answer: HookAnswer | undefined;
  if (plan.kind === 'deny') answer = denyAnswer(plan.reason);
  else if (plan.kind === 'shell') answer = await sandboxShell(ctx, payload.cwd, payload.toolInput, plan.command, parsed.flags.has('ask'));
  if (answer) ctx.io.out(`${JSON.stringify(answer)}\n`);
  return 0;
}

async function sandboxShell(ctx: CommandContext, cwd: string | undefined, toolInput: Record<string, unknown>, command: string, ask: boolean): Promise<HookAnswer> {
  const from = cwd ?? ctx.workspace;
  const root = sessionRootFor(from) ?? sessionRootFor(ctx.workspace);
  if (!root) {
    return denyAnswer(`Agent Sandbox: there is no sandbox for ${from}, and shell commands do not run outside it. Start it with "Agent Sandbox: Start Sandbox" or \`agent-sandbox start\`, then try again.`);
  }
  const cli = currentCliInvocation();
  if (isSandboxedAlready(cli, root, command)) {
    return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: ask ? 'ask' : 'allow', permissionDecisionReason: 'Agent Sandbox: the command already runs in the sandbox.' } };
  }
  let feedback: string | undefined;
  try {
    const policy = loadCliPolicy(root);
    const session = await SandboxSession.attach({ workspaceRoot: root, policy });
    feedback = await newFeedbackPrelude(session, airlockOf(session)).catch((err: unknown) => `Review feedback could not be read: ${describeError(err)}`);
  } catch (err) {
    return denyAnswer(`Agent Sandbox is on but the sandbox is not available, so the command was not run: ${describeError(err).replace(/\n/g, ' ')}`);
  }
  const real = cwd ? safeRealpath(cwd) : undefined;
  const subdir = real && real.startsWith(`${root}${path.sep}`) ? path.relative(root, real).split(path.sep).join('/') : '';
  return rewriteAnswer(toolInput, sandboxedCommandLine(cli, root, command, subdir), { decision: ask ? 'ask' : 'allow', ...(feedback ? { additionalContext: feedback } : {}) });
}

function safeRealpath(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}
