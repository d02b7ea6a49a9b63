/**
 * The policy fields as settings, and the user layer built from the ones a person set. Pure
 * (no `vscode`), so the mapping is unit-tested against the policy schema.
 */

/** Setting keys (below `agentSandbox.`) that are policy fields; `network.*` are nested. */
export const POLICY_SETTING_KEYS = [
  'image',
  'baseImage',
  'runtime',
  'user',
  'cpus',
  'memoryMb',
  'pids',
  'commandTimeoutSec',
  'outputCapBytes',
  'diskCapMb',
  'fileSizeCapMb',
  'openFiles',
  'tmpMb',
  'homeMb',
  'network.mode',
  'network.allow',
  'network.deny',
  'network.unlisted',
  'network.presets',
  'network.credentials',
  'envAllowlist',
  'exclude',
  'risky',
] as const;

export type SettingValue = { readonly key: string; readonly value: unknown };

/** Builds the raw user layer from the settings that were set (pure, for tests). */
export function userLayerFromSettings(values: readonly SettingValue[]): Record<string, unknown> | undefined {
  const layer: Record<string, unknown> = {};
  for (const { key, value } of values) {
    if (value === undefined) continue;
    if (key.startsWith('network.')) {
      const network = (layer.network ??= {}) as Record<string, unknown>;
      network[key.slice('network.'.length)] = value;
    } else {
      layer[key] = value;
    }
  }
  return Object.keys(layer).length ? layer : undefined;
}

