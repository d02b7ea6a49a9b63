/**
 * Pre-tool-use hooks that move an agent's own shell tool into the sandbox.
 *
 * Formats implemented (both read JSON on stdin and answer JSON on stdout, exit code 0):
 * - Claude Code `PreToolUse` (hooks reference, code.claude.com/docs/en/hooks): input has
 *   `hook_event_name`, `cwd`, `tool_name` ("Bash"), `tool_input` ({ command, description?,
 *   timeout?, run_in_background? }). Output: `{ hookSpecificOutput: { hookEventName:
 *   "PreToolUse", permissionDecision: "allow"|"deny"|"ask", permissionDecisionReason,
 *   updatedInput, additionalContext } }`; `updatedInput` replaces the whole tool input.
 * - VS Code agent hooks (Preview; code.visualstudio.com/docs/copilot/customization/hooks and
 *   its hooks reference): common input `timestamp`, `cwd`, `sessionId`, `hookEventName`,
 *   `transcript_path`, and for `PreToolUse` `tool_name` ("run_in_terminal"), `tool_input`
 *   ({ command, explanation, isBackground }), `tool_use_id`. Output: the same
 *   `hookSpecificOutput` object. Exit code 2 blocks the call in both.
 *
 * A shell call becomes `<cli> --workspace ROOT run -- sh -c 'ORIGINAL'`: every element is
 * quoted on its own and the original command stays one argv element. Tools that would write
 * the real tree directly are denied, so edits go through the sandbox and review.
 */
import { shellJoin } from './shellQuote';

export type HookDialect = 'claude' | 'vscode';
export const HOOK_DIALECTS: readonly HookDialect[] = ['claude', 'vscode'];

/** Shell tools, by agent: their input carries the command line in `command`. */
const SHELL_TOOLS = new Set(['Bash', 'run_in_terminal', 'runInTerminal']);

/** Tools that edit files on the host directly, bypassing the sandbox copy. */
const HOST_EDIT_TOOLS = new Set([
  // Claude Code
  'Write',
  'Edit',
  'MultiEdit',
  'NotebookEdit',
  // VS Code (Copilot agent mode)
  'create_file',
  'create_directory',
  'replace_string_in_file',
  'multi_replace_string_in_file',
  'insert_edit_into_file',
  'apply_patch',
  'edit_notebook_file',
  'editFiles',
]);

export interface HookPayload {
  readonly event: string;
  readonly toolName: string;
  readonly toolInput: Record<string, unknown>;
  readonly cwd?: string;
}

export class HookInputError extends Error {}

/** Reads a hook's stdin payload in either format. */
export function parseHookPayload(text: string): HookPayload {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new HookInputError(`The hook input is not JSON (${(err as Error).message}).`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new HookInputError('The hook input is not a JSON object.');
  const o = raw as Record<string, unknown>;
  const event = typeof o.hook_event_name === 'string' ? o.hook_event_name : typeof o.hookEventName === 'string' ? o.hookEventName : 'PreToolUse';
  if (typeof o.tool_name !== 'string') throw new HookInputError('The hook input has no "tool_name"; configure this command as a PreToolUse hook.');
  const toolInput = o.tool_input && typeof o.tool_input === 'object' && !Array.isArray(o.tool_input) ? (o.tool_input as Record<string, unknown>) : {};
  return { event, toolName: o.tool_name, toolInput, ...(typeof o.cwd === 'string' && o.cwd ? { cwd: o.cwd } : {}) };
}

export type HookPlan =
  /** Not ours to judge: say nothing, the agent's own rules apply. */
  | { readonly kind: 'pass' }
  /** A shell command to move into the sandbox (if the sandbox is up). */
  | { readonly kind: 'shell'; readonly command: string }
  | { readonly kind: 'deny'; readonly reason: string };

export function planHook(payload: HookPayload, options: { allowHostEdits?: boolean } = {}): HookPlan {
  if (payload.event !== 'PreToolUse') return { kind: 'pass' };
  if (SHELL_TOOLS.has(payload.toolName)) {
    const command = payload.toolInput.command;
    if (typeof command !== 'string' || !command.trim()) return { kind: 'deny', reason: `The ${payload.toolName} call has no command to run.` };
    return { kind: 'shell', command };
  }
  if (HOST_EDIT_TOOLS.has(payload.toolName) && !options.allowHostEdits) {
    return {
      kind: 'deny',
      reason:
        `Agent Sandbox is on: ${payload.toolName} would write the real workspace directly. ` +
        'Edit files in the sandbox copy instead, with the Agent Sandbox write_file or edit_file tools, or with a shell command (shell commands run in the sandbox). ' +
        'A person reviews the changes before they reach the workspace.',
    };
  }
  return { kind: 'pass' };
}

/**
 * The rewritten command line: the CLI runs the original in the sandbox. When the agent's
 * working folder is below the root, the command starts there (the folder is an argument).
 */
export function sandboxedCommandLine(cli: readonly string[], workspaceRoot: string, command: string, subdir = ''): string {
  const inner = subdir
    ? ['sh', '-c', 'cd -- "$1" || exit 126; exec sh -c "$2"', 'agent-sandbox-cd', subdir, command]
    : ['sh', '-c', command];
  return shellJoin([...cli, '--workspace', workspaceRoot, 'run', '--', ...inner]);
}

/** True when the command line already is a sandbox invocation by this CLI. */
export function isSandboxedAlready(cli: readonly string[], workspaceRoot: string, command: string): boolean {
  return command.startsWith(`${shellJoin([...cli, '--workspace', workspaceRoot, 'run', '--'])} `);
}

export interface HookAnswer {
  readonly hookSpecificOutput: {
    readonly hookEventName: 'PreToolUse';
    readonly permissionDecision: 'allow' | 'deny' | 'ask';
    readonly permissionDecisionReason: string;
    readonly updatedInput?: Record<string, unknown>;
    readonly additionalContext?: string;
  };
}

export function denyAnswer(reason: string): HookAnswer {
  return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } };
}

export function rewriteAnswer(
  toolInput: Record<string, unknown>,
  commandLine: string,
  options: { decision: 'allow' | 'ask'; additionalContext?: string },
): HookAnswer {
  return {
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision: options.decision,
      permissionDecisionReason: 'Agent Sandbox: the command runs in the sandbox container on a copy of the workspace; its changes wait for review.',
      updatedInput: { ...toolInput, command: commandLine },
      ...(options.additionalContext ? { additionalContext: options.additionalContext } : {}),
    },
  };
}
