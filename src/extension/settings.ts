/**
 * The `agentSandbox.*` settings as policy layers. Only values someone set are passed on, so
 * the built-in defaults of the core stay the single source of defaults. A person's own
 * (user and machine) settings are the user layer; workspace and folder settings come with
 * the repository, like `.vscode/agent-sandbox.json`, so they are a workspace layer that may
 * only tighten.
 */
import * as vscode from 'vscode';
import { resolvePolicy, type Policy, type PolicyProvenance } from '../core/policy';
import {
  CUSTOM_RUNTIME_SETTING,
  POLICY_SETTING_KEYS,
  runtimeFromSettings,
  userLayerFromSettings,
  type SettingValue,
} from './settingsLayer';

export { POLICY_SETTING_KEYS, userLayerFromSettings };

export const SETTINGS_SECTION = 'agentSandbox';

/** The policy settings someone set, as a person's own settings and as the workspace's. */
export function setPolicySettings(config: vscode.WorkspaceConfiguration = vscode.workspace.getConfiguration(SETTINGS_SECTION)): {
  user: SettingValue[];
  workspace: SettingValue[];
} {
  const user: SettingValue[] = [];
  const workspace: SettingValue[] = [];
  const custom = config.inspect(CUSTOM_RUNTIME_SETTING);
  for (const key of POLICY_SETTING_KEYS) {
    const inspected = config.inspect(key);
    if (!inspected) continue;
    // The runtime choice "custom" takes its name from the custom runtime setting of the same layer.
    const value = (v: unknown, name: unknown) => (key === 'runtime' ? runtimeFromSettings(v, name) : v);
    if (inspected.globalValue !== undefined) user.push({ key, value: value(inspected.globalValue, custom?.globalValue) });
    // The folder's value wins over the workspace's, as VS Code reads them.
    const fromWorkspace = inspected.workspaceFolderValue !== undefined ? inspected.workspaceFolderValue : inspected.workspaceValue;
    const customFromWorkspace = custom?.workspaceFolderValue !== undefined ? custom.workspaceFolderValue : custom?.workspaceValue;
    if (fromWorkspace !== undefined) workspace.push({ key, value: value(fromWorkspace, customFromWorkspace) });
  }
  return { user, workspace };
}

export const USER_SETTINGS_ORIGIN = 'your VS Code settings (agentSandbox.*)';
export const WORKSPACE_SETTINGS_ORIGIN = "this workspace's VS Code settings (agentSandbox.*)";

/** The effective policy: defaults, your settings, the workspace's settings, then the workspace file. */
export function resolveExtensionPolicy(workspaceRoot: string | undefined): PolicyProvenance {
  const { user, workspace } = setPolicySettings();
  const userRaw = userLayerFromSettings(user);
  const workspaceRaw = userLayerFromSettings(workspace);
  return resolvePolicy({
    ...(userRaw ? { user: { raw: userRaw, origin: USER_SETTINGS_ORIGIN } } : {}),
    ...(workspaceRaw ? { workspaceSettings: { raw: workspaceRaw, origin: WORKSPACE_SETTINGS_ORIGIN } } : {}),
    ...(workspaceRoot ? { workspaceRoot } : {}),
  });
}

export function healthCheckIntervalMs(): number {
  const sec = vscode.workspace.getConfiguration(SETTINGS_SECTION).get<number>('healthCheckIntervalSec', 5);
  return Math.max(1, Math.min(3600, Number.isFinite(sec) ? sec : 5)) * 1000;
}

/** True when a change of configuration touches the sandbox policy. */
export function affectsPolicy(event: vscode.ConfigurationChangeEvent): boolean {
  return [...POLICY_SETTING_KEYS, CUSTOM_RUNTIME_SETTING].some((key) => event.affectsConfiguration(`${SETTINGS_SECTION}.${key}`));
}

export type { Policy };
