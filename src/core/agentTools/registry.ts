/**
 * The npm registry the person's own npm uses, read on the host without running npm (the
 * editor's host has no npm of its own): the `npm_config_registry` variable, then the
 * `registry=` line of the user's `.npmrc`, then the public registry. The installer in the
 * sandbox uses the same registry, and the egress proxy lets it through to that host only.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SandboxError } from '../errors';

export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';

function userNpmrc(env: NodeJS.ProcessEnv): string {
  return env.npm_config_userconfig ?? env.NPM_CONFIG_USERCONFIG ?? path.join(env.HOME ?? os.homedir(), '.npmrc');
}

/** The `registry=` value of an npmrc text, if it sets one (the last one wins, as in npm). */
export function registryFromNpmrc(text: string): string | undefined {
  let found: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*registry\s*=\s*(.*?)\s*$/.exec(raw);
    if (m) found = m[1]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return found;
}

/** Checks a registry URL; the error names where it came from. */
export function validRegistry(value: string, origin: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SandboxError('POLICY_INVALID', `The npm registry "${value}" (from ${origin}) is not a URL.`, 'Set it to the registry\'s address, for example https://registry.npmjs.org/.');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash) {
    throw new SandboxError(
      'POLICY_INVALID',
      `The npm registry "${value}" (from ${origin}) is not a plain http(s) address.`,
      'Use an address without credentials, query or fragment; give a registry token through network.credentials instead, so it stays on the host.',
    );
  }
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

export function hostNpmRegistry(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.npm_config_registry ?? env.NPM_CONFIG_REGISTRY;
  if (fromEnv) return validRegistry(fromEnv, 'the npm_config_registry variable');
  const file = userNpmrc(env);
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // No user npmrc: npm's default.
  }
  const fromFile = text === undefined ? undefined : registryFromNpmrc(text);
  return fromFile ? validRegistry(fromFile, file) : DEFAULT_NPM_REGISTRY;
}
