/**
 * Risk flags: changes that can run code on the host later, or widen permissions. A risky
 * change is never approved by "approve all" unless the person asks for risky ones too.
 * What counts as code on the host is listed in one place, hostCodeRules.ts; the policy's
 * `risky` patterns add to it.
 */
import * as path from 'node:path';
import { compilePatterns } from '../glob';
import { compileHostCodeRules } from './hostCodeRules';
import { isUnderGit } from './pathRules';
import type { ChangeKind, RiskFlag } from './types';
import type { EntryInfo } from '../snapshot/types';

const LOCKFILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'bun.lock',
  'Cargo.lock',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'pdm.lock',
  'go.sum',
  'Gemfile.lock',
  'composer.lock',
  'packages.lock.json',
  'gradle.lockfile',
]);

const REGISTRY_CONFIG = new Set([
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  'bunfig.toml',
  'pip.conf',
  'pip.ini',
  '.pypirc',
  '.gemrc',
  'nuget.config',
  'NuGet.Config',
]);
const REGISTRY_CONFIG_PATHS = [/(^|\/)\.cargo\/config(\.toml)?$/, /(^|\/)\.bundle\/config$/, /(^|\/)\.m2\/settings\.xml$/];

export interface RiskInput {
  readonly path: string;
  readonly kind: ChangeKind;
  readonly base?: EntryInfo;
  readonly sandbox?: EntryInfo;
  /** Parsed `scripts` of package.json on each side, when the file is one; undefined otherwise. */
  readonly packageScripts?: { readonly base: unknown; readonly sandbox: unknown; readonly parseError?: string };
  /** The first bytes of the sandbox side's content, when it is a file that was read. */
  readonly sandboxHead?: Buffer;
}

export type RiskClassifier = (input: RiskInput) => RiskFlag[];

export function createRiskClassifier(riskyPatterns: readonly string[]): RiskClassifier {
  const matchRisky = compilePatterns(riskyPatterns);
  const matchHostCode = compileHostCodeRules();
  return (input) => {
    const flags: RiskFlag[] = [];
    const isDir = (input.sandbox ?? input.base)?.type === 'directory';
    const pattern = matchRisky(input.path, isDir);
    if (pattern) flags.push({ code: 'policyPattern', reason: `matches the risky pattern "${pattern}"` });
    if (isUnderGit(input.path)) flags.push({ code: 'gitDirectory', reason: 'inside .git (never applied)' });

    const after = input.sandbox;
    if (after && after.type === 'file') {
      const execAfter = (after.mode & 0o111) !== 0;
      const before = input.base?.type === 'file' ? input.base : undefined;
      if (execAfter && !before) flags.push({ code: 'newExecutable', reason: 'new executable file' });
      else if (before && ((before.mode ^ after.mode) & 0o111) !== 0) {
        flags.push({ code: 'executableBitChanged', reason: execAfter ? 'made executable' : 'executable bit removed' });
      }
    }
    if (after && after.type !== 'symlink') {
      // Apply strips these bits, but the request itself is worth a look.
      if (after.mode & 0o4000) flags.push({ code: 'setuid', reason: 'setuid bit requested (stripped on apply)' });
      if (after.mode & 0o2000) flags.push({ code: 'setgid', reason: 'setgid bit requested (stripped on apply)' });
      if (after.mode & 0o002) flags.push({ code: 'worldWritable', reason: 'world-writable (stripped on apply)' });
    }

    const name = path.posix.basename(input.path);
    if (LOCKFILES.has(name)) flags.push({ code: 'lockfile', reason: 'dependency lockfile' });
    if (REGISTRY_CONFIG.has(name) || REGISTRY_CONFIG_PATHS.some((re) => re.test(input.path))) {
      flags.push({ code: 'registryConfig', reason: 'package registry configuration' });
    }

    const scripts = input.packageScripts;
    if (scripts) {
      if (scripts.parseError)
        flags.push({ code: 'packageScripts', reason: `package scripts could not be compared (${scripts.parseError})` });
      else if (canonicalJson(scripts.base) !== canonicalJson(scripts.sandbox))
        flags.push({ code: 'packageScripts', reason: 'package scripts changed' });
    }

    // The built-in rules speak where nothing else did: one reason is enough to hold a change
    // back from "approve all", and a short list of reasons is read.
    if (flags.length === 0) {
      const reason = matchHostCode({
        path: input.path,
        isDirectory: isDir,
        added: !input.base,
        ...(input.sandboxHead ? { head: input.sandboxHead } : {}),
      });
      if (reason) flags.push({ code: 'runsOnHost', reason });
    }
    return flags;
  };
}

/** Parses `scripts` out of package.json text; undefined when there is none. */
export function packageScriptsOf(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  const parsed = JSON.parse(text) as unknown;
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return (parsed as Record<string, unknown>).scripts;
  return undefined;
}

/** JSON with sorted keys, so that reordering alone is not a change. */
function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      }
      return v;
    }) ?? 'undefined'
  );
}
