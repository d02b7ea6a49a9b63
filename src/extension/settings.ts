/**
 * The `agentSandbox.*` settings as the policy's user layer. Only values a person has set are
 * passed on, so the built-in defaults of the core stay the single source of defaults; the
 * workspace file `.vscode/agent-sandbox.json` is layered on top by the core and may only
 * tighten.
 */
import * as vscode from 'vscode';
import { resolvePolicy, type Policy, type PolicyProvenance } from '../core/policy';
import { POLICY_SETTING_KEYS, userLayerFromSettings, type SettingValue } from './settingsLayer';

export { POLICY_SETTING_KEYS, userLayerFromSettings };

export const SETTINGS_SECTION = 'agentSandbox';

/** The values of the policy settings that someone set, at any level. */
export function setPolicySettings(config: vscode.WorkspaceConfiguration = vscode.workspace.getConfiguration(SETTINGS_SECTION)): SettingValue[] {
  const out: SettingValue[] = [];
  for (const key of POLICY_SETTING_KEYS) {
    const inspected = config.inspect(key);
    // Credentials name host secrets: only a person's own (application-wide) settings may set them.
    if (key === 'network.credentials') {
      if (inspected?.globalValue !== undefined) out.push({ key, value: inspected.globalValue });
      continue;
    }
    const set =
      inspected &&
      (inspected.globalValue !== undefined ||
        inspected.workspaceValue !== undefined ||
        inspected.workspaceFolderValue !== undefined ||
        inspected.globalLanguageValue !== undefined);
    if (set) out.push({ key, value: config.get(key) });
  }
  return out;
}

/** The effective policy for a workspace: defaults, these settings, then the workspace file. */
export function resolveExtensionPolicy(workspaceRoot: string | undefined): PolicyProvenance {
  const raw = userLayerFromSettings(setPolicySettings());
  return resolvePolicy({
    ...(raw ? { user: { raw, origin: 'VS Code settings (agentSandbox.*)' } } : {}),
    ...(workspaceRoot ? { workspaceRoot } : {}),
  });
}

export function healthCheckIntervalMs(): number {
  const sec = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<number>('healthCheckIntervalSec', 5);
  return Math.max(1, Math.min(3600, Number.isFinite(sec) ? sec : 5)) * 1000;
}

/** True when a change of configuration touches the sandbox policy. */
export function affectsPolicy(event: vscode.ConfigurationChangeEvent): boolean {
  return POLICY_SETTING_KEYS.some((key) => event.affectsConfiguration(`${SETTINGS_SECTION}.${key}`));
}

export type { Policy };
