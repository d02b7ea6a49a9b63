/**
 * Gemini CLI's `BeforeTool` hook (geminicli.com/docs/hooks/reference), as observed with Gemini
 * CLI 0.61: input `session_id`, `transcript_path`, `cwd`, `hook_event_name` ("BeforeTool"),
 * `timestamp`, `tool_name`, `tool_input`, and `mcp_context` for MCP tools. Answer on stdout:
 * `{ decision: "allow"|"deny"|"ask", reason, hookSpecificOutput: { tool_input } }`;
 * `tool_input` is merged over the call's arguments. Gemini CLI ignores Claude's
 * `hookSpecificOutput.permissionDecision`, so an answer in that format lets every call run.
 *
 * How it treats a hook's exit, read from its hook runner and checked with the real program:
 * the decision comes from the output, not from the exit code. stdout (or, when stdout is
 * empty, stderr) that is JSON is the answer whatever the code; text that is not JSON blocks
 * only with a code of 2 or more (with 1 it is a warning and the call runs); no output at all
 * lets the call run even with code 2; a hook that times out lets the call run. So every
 * failure here must print a deny answer, and the configured command line prints a reason on
 * stderr when the hook program itself dies without one (hookConfig.ts).
 *
 * Its read_file is routed like Claude Code's Read: the hook points `file_path` at a private
 * copy of the file from the sandbox. Gemini CLI checks a rewritten path and refuses one
 * outside the workspace folders and its own project temp folder, so the copy is put inside
 * the latter (geminiTempDir.ts). Its other read tools (read_many_files, glob, grep_search,
 * list_directory) walk folders the host cannot hand over one file at a time; inside the
 * workspace they would read the real tree, not the sandbox copy the agent's commands change,
 * so they are refused with a reason that names what reads the copy: run_shell_command (it
 * runs in the sandbox) or read_file.
 */
import * as path from 'node:path';
import type { HookAnswer, HookPlan } from './hookTypes';
import { planHostEdit, planShellCall } from './commonPlans';

/** Events only Gemini CLI sends; an input with one of them is answered in Gemini's format. */
export const GEMINI_EVENTS = new Set([
  'BeforeTool',
  'AfterTool',
  'BeforeAgent',
  'AfterAgent',
  'BeforeModel',
  'AfterModel',
  'BeforeToolSelection',
  'PreCompress',
]);

/** The one event the hook is configured for in Gemini CLI. */
export const GEMINI_TOOL_EVENT = 'BeforeTool';

/** Gemini CLI's shell tool: `command`, and optional `dir_path`, `description`, `is_background`, `delay_ms`. */
export const GEMINI_SHELL_TOOL = 'run_shell_command';

/** Its tools that write the real workspace directly. */
const GEMINI_HOST_EDIT_TOOLS = new Set(['write_file', 'replace']);

/** Its one-file reader and the field that names the file: routed to the sandbox copy. */
export const GEMINI_READ_TOOL = 'read_file';
const GEMINI_READ_FIELD = 'file_path';

/** Its tools that walk folders of the real workspace instead of the sandbox copy. */
const GEMINI_WORKSPACE_SEARCH_TOOLS = new Set(['read_many_files', 'glob', 'grep_search', 'search_file_content', 'list_directory']);

/** Its tools that run code or write outside the workspace, with the reason given to the agent. */
const GEMINI_HOST_RUN_TOOLS = new Map<string, string>([
  ['save_memory', "it writes the person's Gemini memory file in their home folder, on the host."],
  [
    'invoke_agent',
    'whether the tool calls of its subagent reach this hook is not established, so they could run on the host. Do the work here: shell commands run in the sandbox.',
  ],
]);

/**
 * Its tools that only read the web or act inside the agent itself (its todo list and task
 * tracker in its own temporary folder, plan mode, questions, skills' instructions), and the
 * tools that read or list the background shells of earlier run_shell_command calls, each of
 * which ran only the line this hook handed back.
 */
const GEMINI_SAFE_TOOLS = new Set([
  'web_fetch',
  'google_web_search',
  'write_todos',
  'update_topic',
  'enter_plan_mode',
  'exit_plan_mode',
  'ask_user',
  'complete_task',
  'activate_skill',
  'get_internal_docs',
  'list_background_processes',
  'read_background_output',
  'tracker_create_task',
  'tracker_update_task',
  'tracker_get_task',
  'tracker_list_tasks',
  'tracker_add_dependency',
  'tracker_visualize',
]);

/**
 * The working folder of a Gemini shell call: its `dir_path` (a folder of the workspace,
 * absolute or relative to the project) when it has one, else the hook's `cwd`.
 */
export function geminiShellCwd(cwd: string | undefined, toolInput: Record<string, unknown>): string | undefined {
  const dir = toolInput.dir_path;
  if (!cwd || typeof dir !== 'string' || !dir.trim() || dir.includes('\0')) return cwd;
  return path.resolve(cwd, dir);
}

/**
 * The plan for one of Gemini CLI's own tools, or undefined for a name it does not have (an
 * MCP tool, `mcp_<server>_<tool>`, or a newer tool), which the common rules judge.
 */
export function planGeminiTool(
  tool: string,
  toolInput: Record<string, unknown>,
  options: { allowHostEdits?: boolean },
): HookPlan | undefined {
  if (tool === GEMINI_SHELL_TOOL) return planShellCall(tool, toolInput.command);
  if (GEMINI_HOST_EDIT_TOOLS.has(tool)) {
    return planHostEdit(
      tool,
      options.allowHostEdits,
      'the mcp_agent-sandbox_write_file or mcp_agent-sandbox_edit_file tools, or with run_shell_command (its commands run in the sandbox)',
    );
  }
  if (tool === GEMINI_READ_TOOL) {
    const target = toolInput[GEMINI_READ_FIELD];
    if (typeof target !== 'string' || !target.trim() || target.includes('\0')) {
      return { kind: 'deny', reason: `Agent Sandbox: the ${tool} call has no usable "${GEMINI_READ_FIELD}"; name the file to read.` };
    }
    return { kind: 'copyRead', tool, field: GEMINI_READ_FIELD, target };
  }
  if (GEMINI_WORKSPACE_SEARCH_TOOLS.has(tool)) {
    return {
      kind: 'deny',
      reason:
        `Agent Sandbox is on: ${tool} reads the real workspace, not the sandbox copy where your commands and edits land, so it would not show your own changes. ` +
        'Search and list through the sandbox instead: run_shell_command runs in the sandbox copy (ls, find, grep -rn), and read_file shows single files of the copy.',
    };
  }
  const runReason = GEMINI_HOST_RUN_TOOLS.get(tool);
  if (runReason) return { kind: 'deny', reason: `Agent Sandbox is on: ${tool} is not allowed because ${runReason}` };
  if (GEMINI_SAFE_TOOLS.has(tool)) return { kind: 'pass' };
  return undefined;
}

/** Gemini CLI's answer to a BeforeTool hook. */
export interface GeminiHookAnswer {
  readonly decision: 'allow' | 'deny' | 'ask';
  readonly reason: string;
  readonly hookSpecificOutput?: { readonly tool_input: Record<string, unknown> };
}

/**
 * The same decision in Gemini's format. Review feedback (`additionalContext`) is left out:
 * Gemini CLI does not hand a BeforeTool hook's context to the model.
 */
export function geminiAnswer(answer: HookAnswer): GeminiHookAnswer {
  const { permissionDecision, permissionDecisionReason, updatedInput } = answer.hookSpecificOutput;
  return {
    decision: permissionDecision,
    reason: permissionDecisionReason,
    ...(updatedInput ? { hookSpecificOutput: { tool_input: updatedInput } } : {}),
  };
}
