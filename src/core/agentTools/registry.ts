/**
 * The npm registry the person's own npm uses, and the certificate authorities it trusts for
 * it, read on the host without running npm (the editor's host has no npm of its own): the
 * `npm_config_*` variable, then the user's `.npmrc`, then npm's global npmrc, then npm's
 * default. The installer in the sandbox uses the same registry (the egress proxy lets it
 * through to that host only) and the same trust, which a registry behind a TLS-inspecting
 * proxy or a private mirror with its own authority needs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SandboxError } from '../errors';

export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';
/** A CA file larger than this is not a certificate bundle. */
const MAX_CA_BYTES = 4 * 1024 * 1024;

/** The value of `key=` in an npmrc text, if it sets one (the last one wins, as in npm). */
export function npmrcValue(text: string, key: string): string | undefined {
  let found: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const eq = raw.indexOf('=');
    if (eq === -1 || raw.slice(0, eq).trim() !== key) continue;
    found = raw
      .slice(eq + 1)
      .trim()
      .replace(/^(["'])(.*)\1$/, '$2');
  }
  return found;
}

function npmrcFiles(env: NodeJS.ProcessEnv): string[] {
  const user = env.npm_config_userconfig ?? env.NPM_CONFIG_USERCONFIG ?? path.join(env.HOME ?? os.homedir(), '.npmrc');
  // npm's global npmrc is under the prefix of the Node that runs it; only a host Node is npm's.
  const runsAsNode = /^node(\.exe)?$/i.test(path.basename(process.execPath));
  const global =
    env.npm_config_globalconfig ??
    env.NPM_CONFIG_GLOBALCONFIG ??
    (runsAsNode ? path.join(path.dirname(path.dirname(process.execPath)), 'etc', 'npmrc') : undefined);
  return global ? [user, global] : [user];
}

/** An npm setting as the person's npm sees it, with where it came from. */
function npmSetting(key: string, env: NodeJS.ProcessEnv): { value: string; origin: string } | undefined {
  const fromEnv = env[`npm_config_${key}`] ?? env[`NPM_CONFIG_${key.toUpperCase()}`];
  if (fromEnv) return { value: fromEnv, origin: `the npm_config_${key} variable` };
  for (const file of npmrcFiles(env)) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // No such npmrc.
    }
    const value = npmrcValue(text, key);
    if (value) return { value, origin: file };
  }
  return undefined;
}

/** Checks a registry URL; the error names where it came from. */
export function validRegistry(value: string, origin: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SandboxError(
      'POLICY_INVALID',
      `The npm registry "${value}" (from ${origin}) is not a URL.`,
      "Set it to the registry's address, for example https://registry.npmjs.org/.",
    );
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
  const found = npmSetting('registry', env);
  return found ? validRegistry(found.value, found.origin) : DEFAULT_NPM_REGISTRY;
}

/**
 * The certificates the person's npm trusts besides the public ones (npm's `cafile`, else
 * Node's NODE_EXTRA_CA_CERTS), as PEM text; undefined when there are none.
 */
export function hostNpmCaBundle(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const found =
    npmSetting('cafile', env) ??
    (env.NODE_EXTRA_CA_CERTS ? { value: env.NODE_EXTRA_CA_CERTS, origin: 'the NODE_EXTRA_CA_CERTS variable' } : undefined);
  if (!found) return undefined;
  let text: string;
  try {
    const st = fs.statSync(found.value);
    if (!st.isFile() || st.size > MAX_CA_BYTES) throw new Error('not a certificate file');
    text = fs.readFileSync(found.value, 'utf8');
  } catch (err) {
    throw new SandboxError(
      'POLICY_INVALID',
      `The CA file ${found.value} (npm's cafile, from ${found.origin}) cannot be read: ${(err as Error).message}.`,
      'Point it at a readable PEM file, or unset it.',
    );
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new SandboxError(
      'POLICY_INVALID',
      `The CA file ${found.value} (from ${found.origin}) holds no PEM certificate.`,
      'Point it at a PEM certificate bundle, or unset it.',
    );
  }
  return text;
}
