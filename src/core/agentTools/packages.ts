/**
 * What `agent-sandbox tools install` may install: a known agent by its short name, or a
 * package of the npm registry. Pure: no engine, no network.
 */
import { SandboxError } from '../errors';

/** The agents a short name stands for: the npm package and the program it puts on PATH. */
export const KNOWN_TOOL_PACKAGES: Readonly<Record<string, { readonly pkg: string; readonly bin: string }>> = {
  claude: { pkg: '@anthropic-ai/claude-code', bin: 'claude' },
  codex: { pkg: '@openai/codex', bin: 'codex' },
};

export interface ToolPackage {
  /** The npm spec handed to `npm install`, for example `@anthropic-ai/claude-code@2.1.3`. */
  readonly spec: string;
  /** The program it provides, when known: run once after the install to prove it works. */
  readonly bin?: string;
  /** The package's name, for example `@anthropic-ai/claude-code`. */
  readonly name: string;
  /** The version when the spec names one exactly: an install already at it is kept as is. */
  readonly exactVersion?: string;
}

const EXACT_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

// A registry package: an optional scope, a name, an optional version, range or tag. Paths,
// URLs, git and tarball specs are refused: the installer reaches only the registry, and a
// path would name something in the installer's own throwaway file system.
const REGISTRY_SPEC = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*(@[A-Za-z0-9.^~<>=|*+ -]{1,100})?$/;

/** Resolves `claude`, `codex`, `claude@1.2.3` or an npm registry spec; a clear error otherwise. */
export function toolPackageOf(given: string): ToolPackage {
  const text = given.trim();
  const at = text.indexOf('@', 1);
  const name = at === -1 ? text : text.slice(0, at);
  const known = KNOWN_TOOL_PACKAGES[name];
  const spec = known ? `${known.pkg}${at === -1 ? '' : text.slice(at)}` : text;
  if (spec.length > 214 || !REGISTRY_SPEC.test(spec)) {
    throw new SandboxError(
      'POLICY_INVALID',
      `"${given}" is not a package of the npm registry that the tools volume can install.`,
      `Give ${Object.keys(KNOWN_TOOL_PACKAGES).join(' or ')}, or an npm registry name with an optional version (for example @scope/tool@1.2.3); paths, URLs and git specs are not supported.`,
    );
  }
  const pkgName = spec.startsWith('@') ? `@${spec.slice(1).split('@')[0]}` : spec.split('@')[0]!;
  const byPackage = Object.values(KNOWN_TOOL_PACKAGES).find((k) => k.pkg === pkgName);
  const version = spec.slice(pkgName.length + 1);
  return {
    spec,
    name: pkgName,
    ...(byPackage ? { bin: byPackage.bin } : {}),
    ...(EXACT_VERSION.test(version) ? { exactVersion: version } : {}),
  };
}
