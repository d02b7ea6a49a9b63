/**
 * Named lists of allow rules for common needs, so a person can switch on "npm" instead of
 * hunting for the registry's host names. Each list holds only what that tool needs to
 * install or to talk to its API; nothing here is allowed until a policy names the preset.
 */
import { SandboxError } from '../errors';

export const NETWORK_PRESETS = {
  /** The npm registry (npm, pnpm, yarn through the npm registry). */
  npm: ['registry.npmjs.org', 'registry.yarnpkg.com'],
  /** The Python Package Index: the index and the file host it redirects downloads to. */
  pypi: ['pypi.org', 'files.pythonhosted.org'],
  /** GitHub: clone and fetch over HTTPS, the REST API, archives, raw files and release assets. */
  github: [
    'github.com',
    'api.github.com',
    'codeload.github.com',
    'raw.githubusercontent.com',
    'objects.githubusercontent.com',
    'release-assets.githubusercontent.com',
  ],
  /** Anthropic's API (Claude Code and other clients of the Messages API). */
  anthropic: ['api.anthropic.com'],
  /** OpenAI's API (Codex CLI and other clients of the OpenAI API). */
  openai: ['api.openai.com'],
} as const satisfies Record<string, readonly string[]>;

export type NetworkPresetName = keyof typeof NETWORK_PRESETS;
export const NETWORK_PRESET_NAMES = Object.keys(NETWORK_PRESETS) as NetworkPresetName[];

export function isPresetName(name: string): name is NetworkPresetName {
  return Object.prototype.hasOwnProperty.call(NETWORK_PRESETS, name);
}

/** The allow rules of the named presets, in order, without duplicates. */
export function expandPresets(names: readonly string[]): string[] {
  const rules: string[] = [];
  for (const name of names) {
    if (!isPresetName(name)) {
      throw new SandboxError(
        'POLICY_INVALID',
        `Unknown network preset "${name}" in network.presets`,
        `Use one of: ${NETWORK_PRESET_NAMES.join(', ')}.`,
      );
    }
    for (const rule of NETWORK_PRESETS[name]) if (!rules.includes(rule)) rules.push(rule);
  }
  return rules;
}
