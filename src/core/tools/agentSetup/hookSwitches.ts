/**
 * The settings that switch an agent's hooks off. One such line anywhere the agent reads it
 * and the hook the set-up adds never runs: the agent's shell then runs on this machine. So
 * before planning, every file of that agent that can carry a switch is read (no-follow,
 * size-capped, a malformed file is an error) and a switch that is off stops the set-up with
 * the file, the key and what to change. Nothing is written then.
 *
 * The set-up refuses rather than writing the opposite value into a file of its own: whether
 * that value wins depends on each agent's merge rules, and a refusal is safe whichever way
 * they go. What each agent reads:
 *
 * - Claude Code: managed > local (`.claude/settings.local.json`) > project
 *   (`.claude/settings.json`) > user (`~/.claude/settings.json`), per its settings
 *   documentation ("Settings precedence"). `disableAllHooks: true` is refused in each of them:
 *   whoever set it meant every hook, and clearing it is theirs to decide.
 * - Gemini CLI: system defaults < user (`~/.gemini/settings.json`) < project
 *   (`.gemini/settings.json`) < system settings (its configuration reference, "Configuration
 *   layers"). `hooksConfig.enabled: false`, and `hooksConfig.disabled` naming our hook, are
 *   refused at user and project level.
 * - Codex: `$CODEX_HOME/config.toml` and, in a trusted project, `.codex/config.toml` over it.
 *   `[features] codex_hooks = false` is refused in either (the project file whether or not the
 *   folder is trusted yet: trusting it later would switch the hook off).
 *
 * The system-wide files (managed settings, /etc/gemini-cli) are not read here.
 */
import * as path from 'node:path';
import { scanToml } from './codexToml';
import { MCP_SERVER_NAME, parseJsonSettings, SetupFileError, type JsonObject } from './jsonSettings';

/** Where an agent's switches can sit, and how to find one that is off. */
export interface SwitchFile {
  readonly path: string;
  readonly read: (file: string, text: string) => string | undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refusal(file: string, what: string, fix: string): string {
  return `${file} ${what}, so the agent would never run the sandbox's hook and its shell commands would run on this machine. ${fix} Then run the set-up again; nothing was written.`;
}

/** Claude Code: `"disableAllHooks": true` turns every hook off. */
export function claudeSwitchOff(file: string, text: string): string | undefined {
  const config = parseJsonSettings(file, text) ?? {};
  if (config.disableAllHooks === true) return refusal(file, 'sets "disableAllHooks": true', 'Remove that key (or set it to false).');
  return undefined;
}

/** Gemini CLI: `hooksConfig.enabled: false`, or our hook's name in `hooksConfig.disabled`. */
export function geminiSwitchOff(file: string, text: string): string | undefined {
  const config = parseJsonSettings(file, text) ?? {};
  const hooksConfig = config.hooksConfig;
  if (hooksConfig === undefined) return undefined;
  if (!isObject(hooksConfig))
    throw new SetupFileError(`In ${file}, "hooksConfig" is not a JSON object. Fix it, then run the set-up again; nothing was written.`);
  if (hooksConfig.enabled === false)
    return refusal(file, 'sets "hooksConfig": {"enabled": false}', 'Remove "enabled" from "hooksConfig" (or set it to true).');
  const disabled = hooksConfig.disabled;
  if (disabled !== undefined && !Array.isArray(disabled))
    throw new SetupFileError(
      `In ${file}, "hooksConfig.disabled" is not a JSON array. Fix it, then run the set-up again; nothing was written.`,
    );
  if (disabled?.includes(MCP_SERVER_NAME)) {
    return refusal(file, `lists "${MCP_SERVER_NAME}" in "hooksConfig.disabled"`, `Remove "${MCP_SERVER_NAME}" from that list.`);
  }
  return undefined;
}

/** Codex: `codex_hooks = false` under `[features]` (as a table key, a dotted key or an inline table). */
export function codexSwitchOff(file: string, text: string): string | undefined {
  for (const s of scanToml(text, file)) {
    if (s.kind !== 'key') continue;
    const value = s.text.slice(s.text.indexOf('=') + 1);
    const dotted = s.path.length === 2 && s.path[0] === 'features' && s.path[1] === 'codex_hooks' && /^\s*false\b/.test(value);
    const inline = s.path.length === 1 && s.path[0] === 'features' && /\bcodex_hooks\s*=\s*false\b/.test(value);
    if (dotted || inline)
      return refusal(file, `line ${s.line} (${s.text}) sets [features] codex_hooks = false`, 'Remove that line (or set it to true).');
  }
  return undefined;
}

/** The files, workspace and user level, whose switches can turn this agent's hook off. */
export function switchFiles(
  agent: 'claude' | 'codex' | 'gemini',
  roots: { workspaceRoot: string; userHome: string; codexHome: string },
): SwitchFile[] {
  const { workspaceRoot: ws, userHome, codexHome } = roots;
  switch (agent) {
    case 'claude':
      return [
        path.join(ws, '.claude', 'settings.local.json'),
        path.join(ws, '.claude', 'settings.json'),
        path.join(userHome, '.claude', 'settings.json'),
        path.join(userHome, '.claude', 'settings.local.json'),
      ].map((p) => ({ path: p, read: claudeSwitchOff }));
    case 'gemini':
      return [path.join(ws, '.gemini', 'settings.json'), path.join(userHome, '.gemini', 'settings.json')].map((p) => ({
        path: p,
        read: geminiSwitchOff,
      }));
    case 'codex':
      return [path.join(codexHome, 'config.toml'), path.join(ws, '.codex', 'config.toml')].map((p) => ({ path: p, read: codexSwitchOff }));
  }
}
