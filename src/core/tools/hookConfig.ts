/**
 * The hook configuration files that route an agent's tools through `agent-sandbox hook`:
 * Claude Code's `.claude/settings.local.json` (personal, not committed), VS Code's Local
 * harness's `.github/hooks/agent-sandbox.json` (PascalCase `PreToolUse`, `command`, `timeout`)
 * and GitHub Copilot's `.github/hooks/agent-sandbox-copilot.json` (`version: 1`, camelCase
 * `preToolUse`, `bash`, `timeoutSec`). Merging keeps every other setting and hook as it is and
 * replaces only an earlier entry of ours.
 *
 * Two files rather than one, each in its agent's own documented format: both the Local
 * harness and Copilot read every file in `.github/hooks`, each reads the other's format too
 * (Copilot sends Claude-like input for a PascalCase entry; the Local harness converts
 * camelCase names), and the hook answers in the format of the question. So either file
 * confines either harness, and neither file's format depends on the other harness reading it
 * right. With both written, a call is checked twice; both checks must pass.
 *
 * The configured command is `/bin/sh <launcher> hook DIALECT || exit 2`. It names the stable
 * launcher (launcher.ts), never the CLI's own path, which changes with every extension
 * update. Agents run hook commands through a shell and treat every exit code but 2 as a
 * non-blocking error (the call then runs on the host), so a launcher that is missing or a
 * runtime that crashes must still block: `|| exit 2` turns any failure into 2. The launcher
 * is run by `/bin/sh` rather than directly because fish skips `||` when the command itself
 * does not exist; `/bin/sh` always does, and exits 127 for a missing script. sh, bash, zsh,
 * fish and PowerShell 7 all read the line alike, and the path needs no quoting in any of them.
 *
 * Gemini CLI (`.gemini/settings.json`, `hooks.BeforeTool`, `timeout` in milliseconds) runs
 * the line with bash and lets a call run when its hook exits with 2 but prints nothing (see
 * geminiHook.ts), so its line also prints a reason on stderr when the hook fails:
 * `/bin/sh <launcher> hook gemini || { echo REASON >&2; exit 2; }`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HookDialect } from './hooks';
import { assertInertLauncher } from './launcher';

export { ensureLauncher, launcherPath } from './launcher';

/**
 * Tools the Claude Code matcher sends to the hook: all of them. The hook itself decides:
 * shell calls move into the sandbox, tools that could run code or write on the host are
 * denied (including tools it does not know whose names say they run or write), and tools
 * known to only read pass. A list of names here would let every new tool through.
 */
export const CLAUDE_MATCHER = '*';
/** Seconds an agent waits for the hook; written into the agent's configuration. */
export const HOOK_TIMEOUT_SEC = 30;
/**
 * The hook's own watchdog: it answers "deny" (exit 2) after this long, well inside the
 * agent's timeout, whatever it is still waiting for (engine, change-set scan).
 */
export const HOOK_WATCHDOG_MS = 20_000;

export function hookConfigPath(workspaceRoot: string, dialect: HookDialect): string {
  switch (dialect) {
    case 'claude':
      return path.join(workspaceRoot, '.claude', 'settings.local.json');
    case 'vscode':
      return path.join(workspaceRoot, '.github', 'hooks', 'agent-sandbox.json');
    case 'copilot':
      return path.join(workspaceRoot, '.github', 'hooks', 'agent-sandbox-copilot.json');
    case 'gemini':
      return path.join(workspaceRoot, '.gemini', 'settings.json');
  }
}

/** What Gemini CLI's line prints when the hook program fails without an answer: plain text with exit 2 blocks there. */
const GEMINI_FAILURE_TAIL = "|| { echo 'Agent Sandbox: the hook failed, so the call was blocked.' >&2; exit 2; }";

/** The exact command line configured for a dialect. Throws UnsafeStatePathError for a launcher path with special characters. */
export function hookCommandLine(launcher: string, dialect: HookDialect): string {
  return `/bin/sh ${assertInertLauncher(launcher)} hook ${dialect} ${dialect === 'gemini' ? GEMINI_FAILURE_TAIL : '|| exit 2'}`;
}

/** Our entries, this form or the earlier one that named the CLI directly (`... hook claude`). */
function isOurCommand(command: unknown, dialect: HookDialect): boolean {
  return (
    typeof command === 'string' &&
    (command.endsWith(` hook ${dialect}`) ||
      command.endsWith(` hook ${dialect} || exit 2`) ||
      (dialect === 'gemini' && command.endsWith(` hook gemini ${GEMINI_FAILURE_TAIL}`)))
  );
}

function isOurs(entry: unknown, dialect: HookDialect): boolean {
  if (!entry || typeof entry !== 'object') return false;
  const e = entry as { command?: unknown; bash?: unknown; hooks?: unknown };
  if (isOurCommand(e.command, dialect) || isOurCommand(e.bash, dialect)) return true;
  return Array.isArray(e.hooks) && e.hooks.some((h) => isOurCommand((h as { command?: unknown } | null)?.command, dialect));
}

/** Whether a hook entry (flat, or a matcher group with `hooks`) is one of ours for the dialect. */
export function isOurHookEntry(entry: unknown, dialect: HookDialect): boolean {
  return isOurs(entry, dialect);
}

/** The new content of the configuration file, from its current parsed content (or undefined). */
export function mergeHookConfig(existing: unknown, dialect: HookDialect, commandLine: string): Record<string, unknown> {
  if (existing !== undefined && (typeof existing !== 'object' || existing === null || Array.isArray(existing))) {
    throw new Error('The existing hook configuration is not a JSON object; fix or move it first.');
  }
  const config = structuredClone((existing ?? {}) as Record<string, unknown>);
  const hooks =
    config.hooks && typeof config.hooks === 'object' && !Array.isArray(config.hooks) ? (config.hooks as Record<string, unknown>) : {};
  if (dialect === 'gemini') {
    const before = Array.isArray(hooks.BeforeTool) ? hooks.BeforeTool.filter((e) => !isOurs(e, dialect)) : [];
    // Matcher `*`: every tool comes to the hook, which decides (see CLAUDE_MATCHER).
    before.push({
      matcher: CLAUDE_MATCHER,
      hooks: [{ type: 'command', name: 'agent-sandbox', command: commandLine, timeout: HOOK_TIMEOUT_SEC * 1000 }],
    });
    return { ...config, hooks: { ...hooks, BeforeTool: before } };
  }
  if (dialect === 'copilot') {
    const pre = Array.isArray(hooks.preToolUse) ? hooks.preToolUse.filter((e) => !isOurs(e, dialect)) : [];
    // No matcher: every tool comes to the hook, which decides (see CLAUDE_MATCHER).
    pre.push({ type: 'command', bash: commandLine, timeoutSec: HOOK_TIMEOUT_SEC });
    return { ...config, version: 1, hooks: { ...hooks, preToolUse: pre } };
  }
  const pre = Array.isArray(hooks.PreToolUse) ? hooks.PreToolUse.filter((e) => !isOurs(e, dialect)) : [];
  const command = { type: 'command', command: commandLine, timeout: HOOK_TIMEOUT_SEC };
  pre.push(dialect === 'claude' ? { matcher: CLAUDE_MATCHER, hooks: [command] } : command);
  config.hooks = { ...hooks, PreToolUse: pre };
  return config;
}

export interface PlannedHookFile {
  readonly file: string;
  readonly content: string;
}

/** The configuration file for a dialect and its new content; throws when an existing file cannot be merged. */
export function planHookFile(workspaceRoot: string, dialect: HookDialect, launcher: string): PlannedHookFile {
  const file = hookConfigPath(workspaceRoot, dialect);
  let existing: unknown;
  if (fs.existsSync(file)) {
    try {
      existing = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    } catch (err) {
      throw new Error(`${file} is not valid JSON (${(err as Error).message}); fix it first, nothing was written.`);
    }
  }
  return { file, content: `${JSON.stringify(mergeHookConfig(existing, dialect, hookCommandLine(launcher, dialect)), null, 2)}\n` };
}
