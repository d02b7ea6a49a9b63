/**
 * The hook configuration files that route an agent's tools through `agent-sandbox hook`:
 * Claude Code's `.claude/settings.local.json` (personal, not committed) and VS Code's
 * `.github/hooks/agent-sandbox.json`. Merging keeps every other setting and hook as it is and
 * replaces only an earlier entry of ours.
 */
import * as path from 'node:path';
import type { HookDialect } from './hooks';
import { shellJoin } from './shellQuote';

/** Tools the Claude Code matcher sends to the hook: the shell and the host file editors. */
export const CLAUDE_MATCHER = 'Bash|Write|Edit|MultiEdit|NotebookEdit';
/** Seconds an agent waits for the hook; attaching to the sandbox takes well under this. */
export const HOOK_TIMEOUT_SEC = 30;

export function hookConfigPath(workspaceRoot: string, dialect: HookDialect): string {
  return dialect === 'claude'
    ? path.join(workspaceRoot, '.claude', 'settings.local.json')
    : path.join(workspaceRoot, '.github', 'hooks', 'agent-sandbox.json');
}

export function hookCommandLine(cli: readonly string[], dialect: HookDialect): string {
  return shellJoin([...cli, 'hook', dialect]);
}

function isOurs(entry: unknown, dialect: HookDialect): boolean {
  const marker = ` hook ${dialect}`;
  if (!entry || typeof entry !== 'object') return false;
  const e = entry as { command?: unknown; hooks?: unknown };
  if (typeof e.command === 'string' && e.command.endsWith(marker)) return true;
  return Array.isArray(e.hooks) && e.hooks.some((h) => typeof (h as { command?: unknown })?.command === 'string' && ((h as { command: string }).command).endsWith(marker));
}

/** The new content of the configuration file, from its current parsed content (or undefined). */
export function mergeHookConfig(existing: unknown, dialect: HookDialect, commandLine: string): Record<string, unknown> {
  if (existing !== undefined && (typeof existing !== 'object' || existing === null || Array.isArray(existing))) {
    throw new Error('The existing hook configuration is not a JSON object; fix or move it first.');
  }
  const config = structuredClone((existing ?? {}) as Record<string, unknown>);
  const hooks = config.hooks && typeof config.hooks === 'object' && !Array.isArray(config.hooks) ? (config.hooks as Record<string, unknown>) : {};
  const pre = Array.isArray(hooks.PreToolUse) ? hooks.PreToolUse.filter((e) => !isOurs(e, dialect)) : [];
  const command = { type: 'command', command: commandLine, timeout: HOOK_TIMEOUT_SEC };
  pre.push(dialect === 'claude' ? { matcher: CLAUDE_MATCHER, hooks: [command] } : command);
  config.hooks = { ...hooks, PreToolUse: pre };
  return config;
}
