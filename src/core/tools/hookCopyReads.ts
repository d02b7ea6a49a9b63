/**
 * Claude Code's own read and search tools under the hook. Its shell (Bash) runs in the
 * sandbox copy, so a Read of the real tree would show the agent a world without its own
 * changes: after a sandboxed `echo hi > new.txt` it would be told new.txt does not exist.
 *
 * - Read and NotebookRead name one file: the hook points them at a private host file holding
 *   that file's bytes from the copy (copyReads.ts), every other input field kept.
 * - Glob, Grep and LS walk a folder, and the copy cannot be handed to a host tool whole in
 *   bounded time; inside the workspace they are refused with a reason that names what works
 *   (the shell, whose `find`, `grep -rn` and `ls` run in the copy).
 * Paths outside the workspace are not the copy's: those calls pass as before. Which paths
 * are inside is for the caller to say, as only it knows the workspace (see src/cli).
 */
import * as path from 'node:path';
import { SANDBOX_WORKDIR } from '../engine/hardening';
import type { CopyReadPlan, HookPayload } from './hookTypes';

/** Tools that read one file, and the input field that names it: Claude Code's, then GitHub Copilot's runtime's. */
const FILE_READ_TOOLS = new Map<string, string>([
  ['Read', 'file_path'],
  ['NotebookRead', 'notebook_path'],
  ['view', 'path'],
]);

/** Tools that walk a folder (the input field `path`; the working folder when absent). */
const TREE_TOOLS = new Set(['Glob', 'Grep', 'LS', 'grep', 'glob']);

/**
 * Copilot's runtime names its tools in lower case; its shell tool is `bash` and its reader
 * `view`. Gemini CLI's reader is `read_file` (planned in geminiHook.ts), its shell `run_shell_command`.
 */
const COPILOT_READERS = new Set(['view', 'grep', 'glob']);

/** The agent's own names for its shell and its file reader, for reasons it can act on. */
export function agentToolWords(tool: string): { readonly shell: string; readonly read: string } {
  if (tool === 'read_file') return { shell: 'run_shell_command', read: 'read_file' };
  return COPILOT_READERS.has(tool) ? { shell: 'bash', read: 'view' } : { shell: 'Bash', read: 'Read' };
}

/** Read and search calls, planned; `undefined` for every other tool. */
export function planCopyRead(payload: HookPayload): CopyReadPlan | { readonly kind: 'deny'; readonly reason: string } | undefined {
  const tool = payload.toolName;
  const field = FILE_READ_TOOLS.get(tool);
  if (field) {
    const target = payload.toolInput[field];
    if (typeof target !== 'string' || !target.trim() || target.includes('\0')) {
      return { kind: 'deny', reason: `Agent Sandbox: the ${tool} call has no usable "${field}"; name the file to read.` };
    }
    return { kind: 'copyRead', tool, field, target };
  }
  if (TREE_TOOLS.has(tool)) {
    const given = payload.toolInput.path;
    if (given !== undefined && (typeof given !== 'string' || given.includes('\0'))) {
      return { kind: 'deny', reason: `Agent Sandbox: the ${tool} call has an unusable "path".` };
    }
    return { kind: 'copySearch', tool, target: typeof given === 'string' && given.trim() ? given : '.' };
  }
  return undefined;
}

/**
 * Where a path the agent named lies: the relative path in the copy when it is inside the
 * workspace, `undefined` when it is outside. `root` is the workspace's real path; `from` the
 * folder the agent runs in (a relative path counts from there); `realish` the path with
 * the host's symlinks resolved as far as it exists on the host, or `undefined`. A path under
 * the sandbox's own mount point counts as inside: the agent learns those from its shell,
 * whose commands run there.
 */
export function copyRelativePath(target: string, from: string, root: string, realish?: string): string | undefined {
  const absolute = path.resolve(from, target);
  for (const base of [root, SANDBOX_WORKDIR]) {
    const rel = below(absolute, base);
    if (rel !== undefined) return rel;
  }
  return realish === undefined ? undefined : below(realish, root);
}

function below(absolute: string, base: string): string | undefined {
  if (absolute === base) return '';
  if (!absolute.startsWith(base.endsWith(path.sep) ? base : `${base}${path.sep}`)) return undefined;
  return path.relative(base, absolute).split(path.sep).join('/');
}

/** The refusal of a walk inside the workspace: what works instead, in the agent's words. */
export function copySearchReason(tool: string, target: string): string {
  const { shell, read } = agentToolWords(tool);
  const kind = tool.toLowerCase();
  const how =
    kind === 'grep'
      ? `search with ${shell} instead, for example \`grep -rn PATTERN .\` (add \`--include=*.ts\` for a file type)`
      : kind === 'glob'
        ? `find files with ${shell} instead, for example \`find . -name '*.ts' -not -path './node_modules/*'\``
        : `list it with ${shell} instead, for example \`ls -la\``;
  return (
    `Agent Sandbox is on: ${tool} would search ${target} in the real workspace, not the sandbox copy where your commands run and your changes are, so it is not used. ` +
    `${shell} commands run in the sandbox copy: ${how}. ${read} still works for single files (it shows the sandbox copy).`
  );
}

/** The context given with a routed read, so that the agent knows what it read and how to change it. */
export function copyReadContext(tool: string, target: string): string {
  const { shell } = agentToolWords(tool);
  return (
    `Agent Sandbox: this ${JSON.stringify(target)} is the file as it is in the sandbox copy, where your ${shell} commands run, read through a private copy of it. ` +
    `Direct edits of workspace files are refused; change files with ${shell} (for example \`sed -i\`, or a heredoc) or the agent-sandbox MCP edit_file and write_file tools.`
  );
}
