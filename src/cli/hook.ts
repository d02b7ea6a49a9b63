/**
 * `agent-sandbox hook claude|vscode|copilot|gemini [--ask] [--allow-host-edits] [--allow-tools A,B]`: answers an agent's
 * pre-tool-use hook (JSON on stdin, JSON on stdout). A shell call is rewritten to
 * `<launcher> run-pending <id>`, which runs it in the sandbox; when the sandbox is down the
 * call is denied with the reason; tools that could run code or write on the host are denied.
 * Formats: see src/core/tools/hooks.ts.
 *
 * Fail closed: the agents run a call on the host when a hook exits with any code but 2 or
 * does not answer in time (Copilot: when it does not answer in time or prints invalid JSON;
 * Gemini CLI: when it does not answer in time or prints nothing, whatever its exit code).
 * So every failure here (bad input, an exception, a hung engine or scan) ends in a deny
 * answer, valid JSON in the agent's format, and exit code 2, and a watchdog answers so well
 * inside the configured timeout.
 *
 * `agent-sandbox run-pending ID` runs a command the hook stored, exactly as
 * `agent-sandbox --workspace ROOT run -- sh -c COMMAND` would.
 *
 * `agent-sandbox hook-config claude|vscode|copilot|gemini...` writes the launcher and the agents' hook
 * configuration into the workspace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError } from '../core/errors';
import { attachSession } from '../core/session/lifecycle';
import { SandboxSession } from '../core/session/session';
import { resolveWorkspace } from '../core/session/workspace';
import { currentCliInvocation } from '../core/tools/cliInvocation';
import { newFeedbackPrelude } from '../core/tools/handlers';
import { ensureLauncher, HOOK_WATCHDOG_MS, planHookFile } from '../core/tools/hookConfig';
import { geminiProjectTempDir, geminiReadsDir } from '../core/tools/geminiTempDir';
import { answerCopyRead, type CopyReadTarget } from './hookCopyReads';
import {
  answerIn,
  denyAnswer,
  formatOfDialect,
  HOOK_DIALECTS,
  HookInputError,
  parseHookPayload,
  planHook,
  rewriteAnswer,
  sandboxArgv,
  type HookDialect,
} from '../core/tools/hooks';
import type { HookAnswer, HookFormat } from '../core/tools/hookTypes';
import { UnsafeStatePathError } from '../core/tools/launcher';
import { isPendingCommandLine, pendingCommandLine, storePendingCommand, takePendingCommand } from '../core/tools/pendingCommands';
import { parseArgs, UsageError } from './args';
import type { CommandContext } from './context';
import { loadCliPolicy } from './policyLoader';

/** Exit code that makes Claude Code, VS Code, Codex and Copilot block the tool call (Gemini CLI reads the deny answer). */
const EXIT_BLOCK = 2;

interface HookOutcome {
  readonly code: number;
  readonly answer?: HookAnswer;
}

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

/**
 * The watchdog's delay. AGENT_SANDBOX_HOOK_WATCHDOG_MS can only shorten it (tests use that
 * to stand in for a slow engine without waiting 20 seconds), never stretch it past the
 * agent's timeout.
 */
export function hookWatchdogMs(env: NodeJS.ProcessEnv = process.env): number {
  const asked = Number(env.AGENT_SANDBOX_HOOK_WATCHDOG_MS);
  return Number.isFinite(asked) && asked > 0 ? Math.min(asked, HOOK_WATCHDOG_MS) : HOOK_WATCHDOG_MS;
}

function blocked(reason: string): HookOutcome {
  return { code: EXIT_BLOCK, answer: denyAnswer(reason) };
}

/**
 * The answer's format: that of the input once it is read (see hooks.ts), until then the one
 * the command line names. Shared with the watchdog, which may answer before the input is read.
 */
interface AnswerFormat {
  current: HookFormat;
}

export async function hookCommand(
  ctx: CommandContext,
  stdin: NodeJS.ReadableStream = process.stdin,
  watchdogMs = hookWatchdogMs(),
): Promise<number> {
  const named = ctx.args.find((a) => !a.startsWith('-')) as HookDialect | undefined;
  const format: AnswerFormat = { current: named && HOOK_DIALECTS.includes(named) ? formatOfDialect(named) : 'claude' };
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<HookOutcome>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          blocked(
            `Agent Sandbox: the hook got no answer from the sandbox within ${Math.round(watchdogMs / 100) / 10} s, so the call was blocked. Check that the container engine is responsive, then try again.`,
          ),
        ),
      watchdogMs,
    );
  });
  const work = answerHook(ctx, stdin, format).catch((err: unknown) =>
    blocked(`Agent Sandbox: the hook failed (${describeError(err).replace(/\n/g, ' ')}), so the call was blocked.`),
  );
  let outcome: HookOutcome;
  try {
    outcome = await Promise.race([work, watchdog]);
  } finally {
    clearTimeout(timer);
  }
  let text: string | undefined;
  try {
    text = outcome.answer ? JSON.stringify(answerIn(format.current, outcome.answer)) : undefined;
  } catch (err) {
    // The answer could not be written (it echoes part of the input); a fixed deny can.
    outcome = blocked(
      `Agent Sandbox: the hook could not write its answer (${describeError(err).replace(/\n/g, ' ')}), so the call was blocked.`,
    );
    text = JSON.stringify(answerIn(format.current, outcome.answer!));
  }
  if (text) ctx.io.out(`${text}\n`);
  // With exit code 2 the agents show stderr, not stdout, as the reason.
  if (outcome.code === EXIT_BLOCK && outcome.answer) ctx.io.err(`${outcome.answer.hookSpecificOutput.permissionDecisionReason}\n`);
  return outcome.code;
}

async function answerHook(ctx: CommandContext, stdin: NodeJS.ReadableStream, format: AnswerFormat): Promise<HookOutcome> {
  const parsed = parseArgs(ctx.args, ['allow-tools'], ['ask', 'allow-host-edits']);
  const dialect = parsed.positional[0] as HookDialect | undefined;
  if (!dialect || !HOOK_DIALECTS.includes(dialect) || parsed.positional.length > 1) {
    throw new UsageError(`hook needs the agent's hook format: ${HOOK_DIALECTS.join(' or ')}`);
  }
  let payload;
  try {
    payload = parseHookPayload(await readAll(stdin), formatOfDialect(dialect));
  } catch (err) {
    if (!(err instanceof HookInputError)) throw err;
    return blocked(`agent-sandbox hook: ${err.message} The call is blocked.`);
  }
  format.current = payload.format ?? format.current;
  const allowTools = parsed.flags.get('allow-tools');
  const plan = planHook(payload, {
    allowHostEdits: parsed.flags.has('allow-host-edits'),
    ...(typeof allowTools === 'string'
      ? {
          allowTools: new Set(
            allowTools
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
          ),
        }
      : {}),
  });
  if (plan.kind === 'pass') return { code: 0 };
  if (plan.kind === 'deny') return { code: 0, answer: denyAnswer(plan.reason) };
  if (plan.kind === 'copyRead' || plan.kind === 'copySearch') {
    const from = payload.cwd ?? ctx.workspace;
    const target =
      payload.format === 'gemini' && plan.kind === 'copyRead' ? geminiCopyReadTarget(payload.cwd, payload.transcriptPath) : undefined;
    const answer = await answerCopyRead(plan, from, sessionRootFor(from) ?? sessionRootFor(ctx.workspace), payload.toolInput, target);
    return answer ? { code: 0, answer } : { code: 0 };
  }
  return { code: 0, answer: await sandboxShell(ctx, payload.cwd, payload.toolInput, plan.command, parsed.flags.has('ask')) };
}

/** Gemini CLI reads only below its workspace and its project temp folder: the copy goes into the latter. */
function geminiCopyReadTarget(cwd: string | undefined, transcriptPath: string | undefined): CopyReadTarget {
  const temp = geminiProjectTempDir(cwd, transcriptPath);
  if (temp) return { dir: geminiReadsDir(temp) };
  return {
    unavailable:
      `Gemini CLI's project temp folder for ${cwd ?? 'this project'} could not be found (the hook looks for it through the input's transcript_path and ~/.gemini/projects.json), ` +
      'and Gemini CLI reads no other folder outside the workspace. Read the file with run_shell_command instead, for example `cat FILE` (it runs in the sandbox copy).',
  };
}

async function sandboxShell(
  ctx: CommandContext,
  cwd: string | undefined,
  toolInput: Record<string, unknown>,
  command: string,
  ask: boolean,
): Promise<HookAnswer> {
  const from = cwd ?? ctx.workspace;
  const root = sessionRootFor(from) ?? sessionRootFor(ctx.workspace);
  if (!root) {
    return denyAnswer(
      `Agent Sandbox: there is no sandbox for ${from}, and shell commands do not run outside it. Start it with "Agent Sandbox: Start Sandbox" or \`agent-sandbox start\`, then try again.`,
    );
  }
  let launcher: string;
  try {
    launcher = ensureLauncher(currentCliInvocation());
  } catch (err) {
    if (err instanceof UnsafeStatePathError) return denyAnswer(`Agent Sandbox: ${err.message}`);
    throw err;
  }
  // Only a line of exactly the form this hook hands out passes as it is: it can do nothing
  // but run a stored command in the sandbox. Anything else, however similar, is rewritten.
  if (isPendingCommandLine(launcher, command)) {
    return {
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: ask ? 'ask' : 'allow',
        permissionDecisionReason: 'Agent Sandbox: the command already runs in the sandbox.',
      },
    };
  }
  let feedback: string | undefined;
  try {
    const policy = loadCliPolicy(root);
    const session = await attachSession({ workspaceRoot: root, policy });
    feedback = await newFeedbackPrelude(session, session.airlock()).catch(
      (err: unknown) => `Review feedback could not be read: ${describeError(err)}`,
    );
  } catch (err) {
    return denyAnswer(
      `Agent Sandbox is on but the sandbox is not available, so the command was not run: ${describeError(err).replace(/\n/g, ' ')}`,
    );
  }
  const real = cwd ? safeRealpath(cwd) : undefined;
  const subdir = real && real.startsWith(`${root}${path.sep}`) ? path.relative(root, real).split(path.sep).join('/') : '';
  const id = storePendingCommand({ root, subdir, command });
  return rewriteAnswer(toolInput, pendingCommandLine(launcher, id), {
    decision: ask ? 'ask' : 'allow',
    ...(feedback ? { additionalContext: feedback } : {}),
  });
}

function safeRealpath(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

/** `run-pending ID`: takes the stored command (once) and runs it through `run`. */
export async function runPendingCommand(ctx: CommandContext, run: (ctx: CommandContext) => Promise<number>): Promise<number> {
  const parsed = parseArgs(ctx.args, [], []);
  if (parsed.rest || parsed.positional.length !== 1)
    throw new UsageError('run-pending needs the one id the hook handed out, for example: agent-sandbox run-pending p3f9a…');
  const entry = takePendingCommand(parsed.positional[0]!);
  return run({ workspace: entry.root, args: ['--', ...sandboxArgv(entry.command, entry.subdir)], io: ctx.io });
}

/** `hook-config claude|vscode|copilot|gemini...`: writes the launcher and each agent's hook configuration into the workspace. */
export async function hookConfigCommand(ctx: CommandContext): Promise<number> {
  const parsed = parseArgs(ctx.args, [], []);
  const dialects = parsed.positional as HookDialect[];
  if (!dialects.length || parsed.rest || dialects.some((d) => !HOOK_DIALECTS.includes(d))) {
    throw new UsageError(`hook-config needs one or more agent hook formats: ${HOOK_DIALECTS.join(', ')}`);
  }
  const root = resolveWorkspace(ctx.workspace);
  const launcher = ensureLauncher(currentCliInvocation());
  const planned = dialects.map((d) => planHookFile(root, d, launcher));
  for (const p of planned) {
    await fs.promises.mkdir(path.dirname(p.file), { recursive: true });
    await fs.promises.writeFile(p.file, p.content);
    ctx.io.err(`Wrote ${p.file}\n`);
  }
  ctx.io.out(`${launcher}\n`);
  return 0;
}
