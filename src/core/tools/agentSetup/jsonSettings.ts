/**
 * The JSON files an agent set-up edits: Claude Code's `.claude/settings.local.json` (the hook
 * and the approval of our `.mcp.json` server), the workspace's `.mcp.json`, and Gemini CLI's
 * `.gemini/settings.json` (hook and server in one file).
 *
 * Each edit works on the parsed object and keeps every other key and entry as it is. Our hook
 * entry replaces an earlier entry of ours where it stands (a second run changes nothing), and
 * undo removes exactly our entries, then the containers they leave empty, so a file that
 * held nothing but ours comes back as nothing: the caller deletes it.
 */
import { CLAUDE_MATCHER, HOOK_TIMEOUT_SEC, isOurHookEntry } from '../hookConfig';
import type { HookDialect } from '../hooks';

/** The name of our MCP server in every agent's configuration. */
export const MCP_SERVER_NAME = 'agent-sandbox';

export type JsonObject = Record<string, unknown>;

export class SetupFileError extends Error {
  override readonly name = 'SetupFileError';
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The parsed file (undefined when absent); a file that is not a JSON object is an error naming it. */
export function parseJsonSettings(file: string, text: string | undefined): JsonObject | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (err) {
    throw new SetupFileError(
      `${file} is not valid JSON (${(err as Error).message}). Fix or move it, then run the set-up again; nothing was written.`,
    );
  }
  if (!isObject(parsed))
    throw new SetupFileError(`${file} does not hold a JSON object. Fix or move it, then run the set-up again; nothing was written.`);
  return parsed;
}

export function formatJsonSettings(config: JsonObject | undefined): string | undefined {
  return config === undefined || Object.keys(config).length === 0 ? undefined : `${JSON.stringify(config, null, 2)}\n`;
}

/** `config[key]` as an object, or a clear error when it is something else. */
function objectAt(config: JsonObject, key: string, file: string): JsonObject {
  const value = config[key];
  if (value === undefined) return {};
  if (!isObject(value))
    throw new SetupFileError(`In ${file}, "${key}" is not a JSON object. Fix it, then run the set-up again; nothing was written.`);
  return value;
}

function arrayAt(config: JsonObject, key: string, file: string): unknown[] {
  const value = config[key];
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw new SetupFileError(`In ${file}, "${key}" is not a JSON array. Fix it, then run the set-up again; nothing was written.`);
  return value;
}

/** Puts `entry` in place of our first entry in `entries` (dropping any further ones), or at the end. */
function placeOurEntry(entries: readonly unknown[], entry: unknown, dialect: HookDialect): unknown[] {
  const out: unknown[] = [];
  let placed = false;
  for (const e of entries) {
    if (!isOurHookEntry(e, dialect)) out.push(e);
    else if (!placed) {
      out.push(entry);
      placed = true;
    }
  }
  if (!placed) out.push(entry);
  return out;
}

/** Adds our hook entry under `hooks[event]`. */
export function withHookEntry(config: JsonObject, file: string, event: string, entry: unknown, dialect: HookDialect): JsonObject {
  const hooks = objectAt(config, 'hooks', file);
  return { ...config, hooks: { ...hooks, [event]: placeOurEntry(arrayAt(hooks, event, file), entry, dialect) } };
}

/** Removes our entries under `hooks[event]`, and `hooks[event]` and `hooks` when that leaves them empty. */
export function withoutHookEntry(config: JsonObject, file: string, event: string, dialect: HookDialect): JsonObject {
  const hooks = objectAt(config, 'hooks', file);
  if (hooks[event] === undefined) return config;
  const kept = arrayAt(hooks, event, file).filter((e) => !isOurHookEntry(e, dialect));
  const rest: JsonObject = { ...hooks, [event]: kept };
  if (!kept.length) delete rest[event];
  const out: JsonObject = { ...config, hooks: rest };
  if (!Object.keys(rest).length) delete out.hooks;
  return out;
}

/** Sets our server under `config[key]` (mcpServers), replacing an earlier one of ours. */
export function withMcpServer(config: JsonObject, file: string, key: string, server: JsonObject): JsonObject {
  return { ...config, [key]: { ...objectAt(config, key, file), [MCP_SERVER_NAME]: server } };
}

export function withoutMcpServer(config: JsonObject, file: string, key: string): JsonObject {
  const servers = objectAt(config, key, file);
  if (!(MCP_SERVER_NAME in servers)) return config;
  const rest = { ...servers };
  delete rest[MCP_SERVER_NAME];
  const out: JsonObject = { ...config, [key]: rest };
  if (!Object.keys(rest).length) delete out[key];
  return out;
}

/** Adds `value` to the string list `config[key]` unless it is there. */
export function withListed(config: JsonObject, file: string, key: string, value: string): JsonObject {
  const list = arrayAt(config, key, file);
  return list.includes(value) ? config : { ...config, [key]: [...list, value] };
}

export function withoutListed(config: JsonObject, file: string, key: string, value: string): JsonObject {
  if (config[key] === undefined) return config;
  const kept = arrayAt(config, key, file).filter((v) => v !== value);
  const out: JsonObject = { ...config, [key]: kept };
  if (!kept.length) delete out[key];
  return out;
}

/** Claude Code's PreToolUse group (every tool to the hook), as the hook configuration command writes it. */
export function claudeHookEntry(commandLine: string): JsonObject {
  return { matcher: CLAUDE_MATCHER, hooks: [{ type: 'command', command: commandLine, timeout: HOOK_TIMEOUT_SEC }] };
}

/**
 * Gemini CLI's BeforeTool group. Its matcher is a regular expression over tool names, so
 * every tool is `.*` (Claude's `*` is no valid expression); its timeout is in milliseconds.
 */
export function geminiHookEntry(commandLine: string): JsonObject {
  return { matcher: '.*', hooks: [{ name: MCP_SERVER_NAME, type: 'command', command: commandLine, timeout: HOOK_TIMEOUT_SEC * 1000 }] };
}
