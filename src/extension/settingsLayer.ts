/**
 * The policy fields as settings, and the user layer built from the ones a person set. Pure
 * (no `vscode`), so the mapping is unit-tested against the policy schema.
 */
import { PolicySchema } from '../core/policy';

/**
 * Setting keys (below `agentSandbox.`) that are policy fields, in the schema's order;
 * `network.*` are nested. Derived from the schema, so a new policy field is a new setting
 * (the manifest test checks package.json declares each).
 */
export const POLICY_SETTING_KEYS: readonly string[] = Object.keys(PolicySchema.shape).flatMap((key) =>
  key === 'network' ? Object.keys(PolicySchema.shape.network.shape).map((n) => `network.${n}`) : [key],
);

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

/** The setting that names the runtime when `agentSandbox.runtime` is "custom". */
export const CUSTOM_RUNTIME_SETTING = 'customRuntime';

/**
 * The policy's runtime from the runtime choice and the custom name set beside it. "custom"
 * without a name stays "custom", which the start refuses with a message that says so.
 */
export function runtimeFromSettings(choice: unknown, customName: unknown): unknown {
  if (choice !== 'custom') return choice;
  return typeof customName === 'string' && customName.trim() !== '' ? customName.trim() : choice;
}
