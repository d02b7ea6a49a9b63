/**
 * Pre-tool-use hooks that move an agent's own shell tool into the sandbox.
 *
 * Formats implemented (both read JSON on stdin and answer JSON on stdout, exit code 0):
 * - Claude Code `PreToolUse` (hooks reference, code.claude.com/docs/en/hooks): input has
 *   `hook_event_name`, `cwd`, `tool_name` ("Bash"), `tool_input` ({ command, description?,
 *   timeout?, run_in_background? }). Output: `{ hookSpecificOutput: { hookEventName:
 *   "PreToolUse", permissionDecision: "allow"|"deny"|"ask", permissionDecisionReason,
 *   updatedInput, additionalContext } }`; `updatedInput` replaces the whole tool input.
 *   Codex reads the same format for its Claude-style hooks.
 * - VS Code agent hooks (Preview; code.visualstudio.com/docs/copilot/customization/hooks and
 *   its hooks reference): common input `timestamp`, `cwd`, `sessionId`, `hookEventName`,
 *   `transcript_path`, and for `PreToolUse` `tool_name` ("run_in_terminal"), `tool_input`
 *   ({ command, explanation, isBackground }), `tool_use_id`. Output: the same
 *   `hookSpecificOutput` object. Exit code 2 blocks the call in both.
 * - GitHub Copilot's own runtime (Copilot CLI, the Copilot harness in VS Code, the Copilot
 *   cloud agent; hooks configuration reference, docs.github.com/en/copilot/reference/
 *   hooks-configuration), camelCase event `preToolUse`: input `sessionId`, `timestamp`, `cwd`,
 *   `toolName` ("bash", "create", "edit", ...), `toolArgs` (an object, or the same as a JSON
 *   string). Output, flat: `{ permissionDecision, permissionDecisionReason, modifiedArgs,
 *   additionalContext }`; `modifiedArgs` replaces the whole tool input. Any non-zero exit code
 *   denies, but a hook that times out or prints invalid JSON lets the call run.
 * - Gemini CLI `BeforeTool`: Claude-like input with its own event and tool names, answered
 *   `{ decision, reason, hookSpecificOutput: { tool_input } }`; see geminiHook.ts for its
 *   tools and how it treats a failing hook.
 *
 * The answer always takes the format of the question, whichever format the command line
 * names: Copilot CLI sends the Claude-like input for an entry configured under PascalCase
 * `PreToolUse` (and honours `hookSpecificOutput` then), and VS Code's Local harness reads
 * Copilot-format files in `.github/hooks` too, sending its own input.
 *
 * Claude Code and VS Code treat every exit code but 2, and a hook that times out, as a
 * non-blocking error and then run the call on the host; so the hook blocks (deny, exit 2) on
 * every failure, and answers well inside the configured timeout.
 *
 * A shell call becomes `<launcher> run-pending <id>` (see pendingCommands.ts): the original
 * command is stored, never put into the line. Every tool that could run code or write on the
 * host otherwise is denied; tools known to only read pass.
 */

import {
  GEMINI_EVENTS,
  GEMINI_SHELL_TOOL,
  GEMINI_TOOL_EVENT,
  geminiAnswer,
  geminiShellCwd,
  planGeminiTool,
  type GeminiHookAnswer,
} from './geminiHook';
import { TOOL_DEFINITIONS, TOOL_NAMES } from './definitions';
import { planCopyRead } from './hookCopyReads';
import { planHostEdit, planShellCall } from './commonPlans';
import type { HookAnswer, HookFormat, HookPayload, HookPlan } from './hookTypes';

export type HookDialect = 'claude' | 'vscode' | 'copilot' | 'gemini';
export const HOOK_DIALECTS: readonly HookDialect[] = ['claude', 'vscode', 'copilot', 'gemini'];

/** The format a dialect's hook answers in when it cannot tell from the input. */
export function formatOfDialect(dialect: HookDialect): HookFormat {
  return dialect === 'copilot' || dialect === 'gemini' ? dialect : 'claude';
}

/**
 * Shell tools, by agent: their input carries a POSIX shell command line in `command`.
 * Copilot's `bash` also takes `mode: "async"` and `detach`; the command is rewritten all the
 * same, and only the handed-back line ever runs, in the background or not.
 */
const SHELL_TOOLS = new Set(['Bash', 'run_in_terminal', 'runInTerminal', 'bash']);

/** Tools that edit files on the host directly, bypassing the sandbox copy. */
const HOST_EDIT_TOOLS = new Set([
  // Claude Code
  'Write',
  'Edit',
  'MultiEdit',
  'NotebookEdit',
  // VS Code (Copilot agent mode); Codex
  'create_file',
  'create_directory',
  'replace_string_in_file',
  'multi_replace_string_in_file',
  'insert_edit_into_file',
  'apply_patch',
  'edit_notebook_file',
  'editFiles',
  'edit_files',
  'create_new_jupyter_notebook',
  'create_new_workspace',
  // GitHub Copilot runtime
  'create',
  'edit',
  'str_replace_editor',
]);

/** Tools that run code on the host outside the sandbox, with the reason given to the agent. */
const HOST_RUN_TOOLS = new Map<string, string>([
  [
    'PowerShell',
    'PowerShell commands would run on the host, and the sandbox has no PowerShell. Use the Bash tool instead: its commands run in the sandbox.',
  ],
  ['EnterWorktree', 'it would run `git worktree add` on the host. Work in the current folder: shell commands run in the sandbox copy.'],
  ['ExitWorktree', 'it would change git worktrees on the host.'],
  ['send_to_terminal', 'it types into a terminal on the host.'],
  ['create_and_run_task', 'it runs a task on the host.'],
  ['run_task', 'it runs a task on the host.'],
  ['runTests', 'it runs tests on the host.'],
  ['run_notebook_cell', 'it runs notebook code in a kernel on the host.'],
  ['run_vscode_command', 'an editor command can run code or write files on the host.'],
  ['install_extension', 'it installs an editor extension on the host.'],
  ['execution_subagent', 'its subagent runs commands on the host.'],
  // GitHub Copilot runtime
  [
    'powershell',
    'PowerShell commands would run on the host, and the sandbox has no PowerShell. Use the bash tool instead: its commands run in the sandbox.',
  ],
  [
    'write_bash',
    'it types into a shell the bash tool keeps open on the host: once the sandboxed command in it has ended, that input would be read by the host shell itself. Run each step as its own bash command instead (they run in the sandbox).',
  ],
]);

/**
 * Tools known to only read, or to act only inside the agent itself (its todo list, its
 * questions, subagents whose own tool calls come through this hook one by one). They pass,
 * even when their names contain a word like "write" or "run".
 */
const KNOWN_SAFE_TOOLS = new Set([
  // Claude Code
  'Read',
  'Glob',
  'Grep',
  'LS',
  'NotebookRead',
  'WebFetch',
  'WebSearch',
  'TodoWrite',
  'TodoRead',
  'Task',
  'Agent',
  'BashOutput',
  'KillShell',
  'KillBash',
  'TaskOutput',
  'TaskStop',
  'TaskCreate',
  'TaskUpdate',
  'TaskList',
  'TaskGet',
  'ExitPlanMode',
  'EnterPlanMode',
  'AskUserQuestion',
  'Skill',
  'SlashCommand',
  'LSP',
  'ListMcpResourcesTool',
  'ReadMcpResourceTool',
  'ToolSearch',
  'WaitForMcpServers',
  // VS Code (Copilot agent mode)
  'read_file',
  'list_dir',
  'file_search',
  'grep_search',
  'semantic_search',
  'search_workspace_symbols',
  'list_code_usages',
  'get_errors',
  'get_changed_files',
  'get_search_view_results',
  'fetch_webpage',
  'github_repo',
  'get_terminal_output',
  'terminal_last_command',
  'terminal_selection',
  'test_failure',
  'get_vscode_api',
  'get_project_setup_info',
  'vscode_searchExtensions_internal',
  'copilot_getNotebookSummary',
  'read_notebook_cell_output',
  'think',
  'manage_todo_list',
  'runSubagent',
  'search_subagent',
  'vscode_askQuestions',
  // GitHub Copilot runtime. read_bash, stop_bash and list_bash only read the output of, stop
  // or list the shells of earlier bash calls, and every bash call ran only the line this hook
  // handed back. `task` (a subagent) is not here: whether its own tool calls reach this hook
  // is not established, so the name rule denies it.
  'view',
  'grep',
  'glob',
  'read_bash',
  'stop_bash',
  'list_bash',
  'web_fetch',
  'ask_user',
  'skill',
  'report_intent',
  'update_todo',
]);

/**
 * Our own tools (language model tools, and MCP tools as Claude Code, Codex and Gemini CLI name
 * them): they act in the sandbox. Only their exact names: a tool of another server whose name
 * merely starts like ours (`mcp_agent_sandbox_x_delete`) is judged like any other.
 */
const OWN_LM_TOOLS = new Set(TOOL_DEFINITIONS.map((t) => t.lmName));
const OWN_MCP_TOOL = /^mcp__?agent[-_]sandbox__?([a-z_]+)$/;
function isOwnTool(tool: string): boolean {
  if (OWN_LM_TOOLS.has(tool)) return true;
  const name = OWN_MCP_TOOL.exec(tool)?.[1];
  return name !== undefined && (TOOL_NAMES as readonly string[]).includes(name);
}

/**
 * Unknown tools (another MCP server's, a newer agent's) are denied unless their name says
 * they only read: a read word and none of the words that run, write or change something.
 * Words are matched on the name split at `_`, `-`, `.` and camelCase, so `get_file` reads
 * and `target` does not contain "get". Anything else is denied with a reason; a person who
 * trusts a tool names it in the hook's `--allow-tools` list.
 */
const READ_WORDS = new Set([
  'get',
  'list',
  'read',
  'search',
  'find',
  'view',
  'show',
  'describe',
  'fetch',
  'lookup',
  'look',
  'count',
  'inspect',
  'status',
  'info',
  'grep',
  'glob',
  'ls',
  'cat',
  'head',
  'tail',
  'stat',
  'explain',
  'summarize',
  'summary',
  'diagnostics',
  'hover',
  'definition',
  'references',
  'symbols',
  'outline',
]);
// `query`, `check` and `resolve` are not read words: database tools run any SQL through
// `query`, and `check_in` or `resolve_thread` change state.
const RUN_OR_WRITE_WORDS = new Set([
  'run',
  'exec',
  'execute',
  'eval',
  'evaluate',
  'invoke',
  'call',
  'spawn',
  'start',
  'launch',
  'stop',
  'kill',
  'restart',
  'terminal',
  'shell',
  'bash',
  'sh',
  'cmd',
  'command',
  'script',
  'task',
  'job',
  'process',
  'monitor',
  'notebook',
  'cell',
  'repl',
  'python',
  'node',
  'sql',
  'query',
  'write',
  'overwrite',
  'edit',
  'create',
  'new',
  'make',
  'mkdir',
  'touch',
  'save',
  'put',
  'post',
  'patch',
  'apply',
  'update',
  'upsert',
  'set',
  'add',
  'insert',
  'append',
  'replace',
  'modify',
  'change',
  'delete',
  'remove',
  'rm',
  'del',
  'drop',
  'clear',
  'purge',
  'erase',
  'destroy',
  'truncate',
  'unlink',
  'link',
  'chmod',
  'chown',
  'reset',
  'revert',
  'restore',
  'undo',
  'move',
  'mv',
  'rename',
  'copy',
  'cp',
  'upload',
  'download',
  'import',
  'export',
  'sync',
  'migrate',
  'archive',
  'extract',
  'install',
  'uninstall',
  'commit',
  'push',
  'merge',
  'checkout',
  'switch',
  'rebase',
  'stash',
  'tag',
  'branch',
  'clone',
  'pull',
  'init',
  'submit',
  'approve',
  'check',
  'resolve',
  'git',
  'memory',
  'send',
  'type',
  'press',
  'click',
  'fill',
  'drag',
  'navigate',
  'browser',
  'open',
  'close',
  'deploy',
  'publish',
  'build',
  'test',
  'debug',
  'format',
  'fix',
  'refactor',
  'generate',
  'extension',
  'vscode',
]);
/** Names longer than this are not judged by their words at all. */
const MAX_JUDGED_NAME = 128;

/**
 * The words of a tool name, split at separators and at case changes. A run of capitals can
 * end a word or start one (`HTTPServer` is http, server; `getFILEwrite` is get, file,
 * write), so both readings are taken and a name must pass under each.
 */
function nameWords(tool: string): string[] {
  const split = (text: string) =>
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
  const camel = tool.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  return [...split(camel.replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')), ...split(camel.replace(/([A-Z]{2,})([a-z])/g, '$1 $2'))];
}

/** A word and the stems it may be a form of: "writes", "writing", "copied" count as write, copy. */
function wordForms(word: string): string[] {
  const forms = [word];
  for (const [suffix, replacement] of [
    ['ies', 'y'],
    ['ied', 'y'],
    ['es', ''],
    ['s', ''],
    ['ing', ''],
    ['ing', 'e'],
    ['ed', ''],
    ['ed', 'e'],
    ['er', ''],
    ['er', 'e'],
  ] as const) {
    if (word.length > suffix.length + 1 && word.endsWith(suffix)) forms.push(word.slice(0, -suffix.length) + replacement);
  }
  // A doubled last consonant before -ing/-ed: "running", "stopped".
  for (const suffix of ['ing', 'ed']) {
    const stem = word.slice(0, -suffix.length);
    if (word.endsWith(suffix) && stem.length > 2 && stem.at(-1) === stem.at(-2)) forms.push(stem.slice(0, -1));
  }
  return forms;
}

/**
 * True when an unknown tool's name says it only reads: plain ASCII, not overlong, with a
 * read word and no word (in any of its forms) that runs, writes or changes something.
 */
export function readsOnlyByName(tool: string): boolean {
  if (tool.length > MAX_JUDGED_NAME || !/^[A-Za-z0-9_.:-]+$/.test(tool)) return false;
  const words = nameWords(tool);
  return words.some((w) => READ_WORDS.has(w)) && !words.some((w) => wordForms(w).some((f) => RUN_OR_WRITE_WORDS.has(f)));
}

export class HookInputError extends Error {}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Copilot's `toolArgs`: an object, or a JSON string of one; anything else counts as no arguments. */
function copilotToolArgs(value: unknown): Record<string, unknown> {
  if (typeof value !== 'string') return asObject(value) ?? {};
  try {
    return asObject(JSON.parse(value)) ?? {};
  } catch {
    return {};
  }
}

/**
 * Reads a hook's stdin payload in any of the formats. Gemini's input looks like Claude's but
 * for its events; an event both send (SessionStart, say) counts as Gemini's when the command
 * line names the gemini dialect (`named`), so that the refusal is in a format it reads.
 */
export function parseHookPayload(text: string, named?: HookFormat): HookPayload {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new HookInputError(`The hook input is not JSON (${(err as Error).message}).`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new HookInputError('The hook input is not a JSON object.');
  const o = raw as Record<string, unknown>;
  if (typeof o.tool_name !== 'string' && typeof o.toolName === 'string') {
    // Copilot's input carries no event name; the configuration only sends it for preToolUse.
    const event = typeof o.hookEventName === 'string' ? o.hookEventName : 'PreToolUse';
    return {
      event,
      toolName: o.toolName,
      toolInput: copilotToolArgs(o.toolArgs),
      format: 'copilot',
      ...(typeof o.cwd === 'string' && o.cwd ? { cwd: o.cwd } : {}),
    };
  }
  const event =
    typeof o.hook_event_name === 'string' ? o.hook_event_name : typeof o.hookEventName === 'string' ? o.hookEventName : 'PreToolUse';
  if (typeof o.tool_name !== 'string')
    throw new HookInputError('The hook input has no "tool_name" nor "toolName"; configure this command as a PreToolUse (preToolUse) hook.');
  const toolInput = asObject(o.tool_input) ?? {};
  let cwd = typeof o.cwd === 'string' && o.cwd ? o.cwd : undefined;
  const gemini = GEMINI_EVENTS.has(event) || (named === 'gemini' && event !== 'PreToolUse');
  // A Gemini shell call runs in its dir_path; the sandboxed command starts in the same folder of the copy.
  if (gemini && o.tool_name === GEMINI_SHELL_TOOL) cwd = geminiShellCwd(cwd, toolInput);
  const transcriptPath = gemini && typeof o.transcript_path === 'string' && o.transcript_path ? o.transcript_path : undefined;
  return {
    event,
    toolName: o.tool_name,
    toolInput,
    format: gemini ? 'gemini' : 'claude',
    ...(cwd ? { cwd } : {}),
    ...(transcriptPath ? { transcriptPath } : {}),
  };
}

export function planHook(payload: HookPayload, options: { allowHostEdits?: boolean; allowTools?: ReadonlySet<string> } = {}): HookPlan {
  // The hook is only ever configured for the pre-tool-use event. A call under any other
  // name is not one this hook can judge, so it is refused rather than let through.
  if (payload.format === 'gemini') {
    if (payload.event !== GEMINI_TOOL_EVENT) {
      return {
        kind: 'deny',
        reason: `Agent Sandbox: the hook was called for the event "${payload.event}", which it does not handle; configure it only as a ${GEMINI_TOOL_EVENT} hook.`,
      };
    }
  } else if (payload.event.trim().toLowerCase() !== 'pretooluse') {
    return {
      kind: 'deny',
      reason: `Agent Sandbox: the hook was called for the event "${payload.event}", which it does not handle; configure it only as a PreToolUse (preToolUse) hook.`,
    };
  }
  const tool = payload.toolName;
  // Gemini CLI's tool names overlap other agents' (its read_file reads the real workspace,
  // VS Code's is judged differently): its own table decides, then only the common rules.
  if (payload.format === 'gemini') return planGeminiTool(tool, payload.toolInput, options) ?? planOtherTool(tool, options);
  if (SHELL_TOOLS.has(tool)) return planShellCall(tool, payload.toolInput.command);
  if (HOST_EDIT_TOOLS.has(tool)) {
    return planHostEdit(
      tool,
      options.allowHostEdits,
      'the Agent Sandbox write_file or edit_file tools, or with a shell command (your shell tool, such as Bash: shell commands run in the sandbox)',
    );
  }
  const runReason = HOST_RUN_TOOLS.get(tool);
  if (runReason) return { kind: 'deny', reason: `Agent Sandbox is on: ${tool} is not allowed because ${runReason}` };
  // Before the known readers: Claude Code's Read and searches must see the copy, not the host.
  const copyRead = planCopyRead(payload);
  if (copyRead) return copyRead;
  if (KNOWN_SAFE_TOOLS.has(tool)) return { kind: 'pass' };
  return planOtherTool(tool, options);
}

/** A tool no agent's table names: ours, one the person allowed, or one whose name says it only reads; else denied. */
function planOtherTool(tool: string, options: { allowTools?: ReadonlySet<string> }): HookPlan {
  if (isOwnTool(tool) || options.allowTools?.has(tool)) return { kind: 'pass' };
  if (readsOnlyByName(tool)) return { kind: 'pass' };
  return {
    kind: 'deny',
    reason:
      `Agent Sandbox is on: ${tool} is a tool it does not know, and its name does not say it only reads, so it may run code or change files on the host, outside the sandbox. ` +
      'Use a shell command (shell commands run in the sandbox) or the Agent Sandbox tools instead. ' +
      "A person who trusts this tool can add it to the hook's --allow-tools list in the agent's hook configuration.",
  };
}

/**
 * The argv that runs a shell command in the sandbox, as `agent-sandbox run -- ARGV` would:
 * the command stays one element after `sh -c`; a start folder below the root is an argument,
 * never spliced into a command line.
 */
export function sandboxArgv(command: string, subdir = ''): string[] {
  return subdir ? ['sh', '-c', 'cd -- "$1" || exit 126; exec sh -c "$2"', 'agent-sandbox-cd', subdir, command] : ['sh', '-c', command];
}

/** Copilot's answer: the same decision, flat, with `modifiedArgs` for `updatedInput`. */
export interface CopilotHookAnswer {
  readonly permissionDecision: 'allow' | 'deny' | 'ask';
  readonly permissionDecisionReason: string;
  readonly modifiedArgs?: Record<string, unknown>;
  readonly additionalContext?: string;
}

/** An answer in the format the agent reads. */
export function answerIn(format: HookFormat, answer: HookAnswer): HookAnswer | CopilotHookAnswer | GeminiHookAnswer {
  if (format === 'claude') return answer;
  if (format === 'gemini') return geminiAnswer(answer);
  const { permissionDecision, permissionDecisionReason, updatedInput, additionalContext } = answer.hookSpecificOutput;
  return {
    permissionDecision,
    permissionDecisionReason,
    ...(updatedInput ? { modifiedArgs: updatedInput } : {}),
    ...(additionalContext ? { additionalContext } : {}),
  };
}

export function denyAnswer(reason: string): HookAnswer {
  return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } };
}

/**
 * The fields of a tool input that carry over into the rewritten one: plain values only
 * (description, timeout, background flags). A nested value is the agent's to send but not
 * the hook's to echo: an input nested deeply enough makes JSON.stringify throw.
 */
export function scalarFields(input: Record<string, unknown>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(input)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  }
  return out;
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
      permissionDecisionReason:
        'Agent Sandbox: the command runs in the sandbox container on a copy of the workspace; its changes wait for review.',
      updatedInput: { ...scalarFields(toolInput), command: commandLine },
      ...(options.additionalContext ? { additionalContext: options.additionalContext } : {}),
    },
  };
}
