/** The CLI's commands, each a small function over the shared core. */
import { readAudit } from '../core/audit';
import { auditJsonLine, formatAuditLog } from '../core/auditFormat';
import { connectEngine } from '../core/engine/connection';
import { describeError, SandboxError } from '../core/errors';
import { attachSandbox, startSandbox } from '../core/session/network';
import { attachSession, resetSession } from '../core/session/lifecycle';
import { SandboxSession } from '../core/session/session';
import { auditFileOf, resolveWorkspace } from '../core/session/workspace';
import { parseArgs, UsageError } from './args';
import type { Command } from './context';
import { runAirlockCommand } from './airlockCommands';
import { hookCommand, hookConfigCommand, runPendingCommand } from './hook';
import { mcpCommand } from './mcp';
import { prepareCommand } from './prepare';
import { gcCommand, removeCommand } from './removeCommands';
import { runtimeCommand } from './runtimeCommands';
import { setupCommand } from './setup';
import { loadCliPolicy } from './policyLoader';
import { toolsCommand } from './tools';

const start: Command = async ({ workspace, args, io }) => {
  parseArgs(args, [], []);
  const root = resolveWorkspace(workspace);
  const policy = loadCliPolicy(root);
  const { session, outcome, collected, close } = await startSandbox({
    workspaceRoot: root,
    policy,
    progress: (m) => io.err(`${m}\n`),
  });
  await close();
  for (const c of collected) io.err(`Cleaned up: ${c}.\n`);
  if (outcome === 'reused') io.err(`Reattached to the running sandbox of ${root}.\n`);
  await session.airlock().recover();
  io.out(`${session.id}\n`);
  return 0;
};

const run: Command = async ({ workspace, args, io }) => {
  const parsed = parseArgs(args, ['timeout'], []);
  const argv = parsed.rest ?? parsed.positional;
  if (!parsed.rest && parsed.positional.length) {
    throw new UsageError('put the command after "--", for example: agent-sandbox run -- npm test');
  }
  if (!argv.length) throw new UsageError('run needs a command after "--"');
  const timeout = parsed.flags.get('timeout');
  let timeoutSec: number | undefined;
  if (timeout !== undefined) {
    timeoutSec = Number(timeout);
    if (!Number.isInteger(timeoutSec) || timeoutSec <= 0) throw new UsageError('--timeout needs a whole number of seconds');
  }
  const root = resolveWorkspace(workspace);
  const policy = loadCliPolicy(root);
  const { session, close } = await attachSandbox({ workspaceRoot: root, policy });
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await session.run(argv, {
      ...(timeoutSec ? { timeoutSec } : {}),
      signal: controller.signal,
      onStdout: (b) => io.stdout(b),
      onStderr: (b) => io.stderr(b),
    });
    if (result.message) io.err(`agent-sandbox: ${result.message}\n`);
    return result.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await close();
  }
};

const status: Command = async ({ workspace, args, io }) => {
  const parsed = parseArgs(args, [], ['json']);
  const root = resolveWorkspace(workspace);
  const { dir, state } = SandboxSession.find(root);
  let engine: string;
  let running = false;
  try {
    const { docker, info } = await connectEngine();
    engine = `Docker ${info.version} at ${info.endpoint.url}`;
    if (state?.containerId) {
      running = await docker
        .getContainer(state.containerId)
        .inspect()
        .then((i) => i.State.Running)
        .catch(() => false);
    }
  } catch (err) {
    engine = err instanceof SandboxError ? err.message : String(err);
  }
  const report = {
    workspace: root,
    session: state?.id ?? null,
    state: !state ? 'none' : running ? 'running' : state.status === 'starting' ? 'starting' : 'stopped',
    strategy: state?.strategy ?? null,
    image: state?.image ?? null,
    user: state?.user ?? null,
    stateDir: state ? dir : null,
    engine,
  };
  if (parsed.flags.has('json')) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else {
    io.out(`Workspace: ${report.workspace}\nSandbox:   ${report.state}${report.session ? ` (${report.session})` : ''}\n`);
    if (state) io.out(`Copy:      ${report.strategy} in ${report.stateDir}\nImage:     ${report.image}\nUser:      ${report.user}\n`);
    io.out(`Engine:    ${report.engine}\n`);
  }
  return 0;
};

const stop: Command = async ({ workspace, args, io }) => {
  parseArgs(args, [], []);
  const root = resolveWorkspace(workspace);
  const session = await attachSession({ workspaceRoot: root, policy: loadCliPolicy(root) }).catch((err: unknown) => {
    if (err instanceof SandboxError && err.code === 'SESSION_NOT_RUNNING') return undefined;
    throw err;
  });
  if (!session) {
    io.err('The sandbox is not running.\n');
    return 0;
  }
  await session.stop();
  io.err('Stopped. Pending changes are kept; `agent-sandbox start` resumes.\n');
  return 0;
};

const reset: Command = async ({ workspace, args, io }) => {
  parseArgs(args, [], []);
  const root = resolveWorkspace(workspace);
  const policy = loadCliPolicy(root);
  await resetSession({ workspaceRoot: root, policy });
  const { session, close } = await startSandbox({ workspaceRoot: root, policy, progress: (m) => io.err(`${m}\n`) });
  await close();
  io.err('The sandbox starts afresh from the current workspace; earlier pending changes were thrown away.\n');
  io.out(`${session.id}\n`);
  return 0;
};

const audit: Command = async ({ workspace, args, io }) => {
  const parsed = parseArgs(args, [], ['json']);
  const root = resolveWorkspace(workspace);
  const { dir } = SandboxSession.find(root);
  const file = auditFileOf(dir);
  const records = readAudit(file);
  if (parsed.flags.has('json')) {
    for (const record of records) io.out(`${auditJsonLine(record)}\n`);
  } else {
    io.out(formatAuditLog(records, { rawFile: file, workspace: root }));
  }
  return 0;
};

function airlockCommand(name: 'changes' | 'diff' | 'apply' | 'discard' | 'undo'): Command {
  return async ({ workspace, args, io }) => {
    const root = resolveWorkspace(workspace);
    const policy = loadCliPolicy(root);
    const session = await attachSession({ workspaceRoot: root, policy });
    const airlock = session.airlock();
    await airlock.recover();
    // The airlock's commands speak in lines.
    const line = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);
    const code = await runAirlockCommand(name, args, airlock, { out: (s) => io.out(line(s)), err: (s) => io.err(line(s)) });
    if (name === 'apply' || name === 'discard') {
      // The apply or discard itself is done; a cap that cannot be rechecked now is rechecked after the next command.
      await session.recheckDiskCap().catch((err: unknown) => io.err(line(`The disk cap could not be rechecked: ${describeError(err)}`)));
    }
    return code;
  };
}

export const COMMANDS: Record<string, Command> = {
  start,
  prepare: prepareCommand,
  run,
  status,
  stop,
  reset,
  remove: removeCommand,
  gc: gcCommand,
  audit,
  changes: airlockCommand('changes'),
  diff: airlockCommand('diff'),
  apply: airlockCommand('apply'),
  discard: airlockCommand('discard'),
  undo: airlockCommand('undo'),
  mcp: mcpCommand,
  hook: (ctx) => hookCommand(ctx),
  'hook-config': hookConfigCommand,
  setup: setupCommand,
  'run-pending': (ctx) => runPendingCommand(ctx, run),
  tools: toolsCommand,
  runtime: runtimeCommand,
};
