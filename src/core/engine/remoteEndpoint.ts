/**
 * How to reach an engine on another machine: over ssh (the engine's `docker system
 * dial-stdio` on the far side, as the docker CLI does) or over TCP with mutual TLS. An engine
 * API is root on its host, so an endpoint that anyone on the network could talk to (plain TCP
 * to another machine) is refused, and an ssh host whose key is not already trusted in
 * known_hosts is refused rather than trusted on first use.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { SandboxError } from '../errors';
import { SshDialAgent } from './sshTransport';

/** The private keys ssh tries when none is configured, in its order. */
const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  return bare === '::1';
}

function refused(url: string, message: string, hint: string): SandboxError {
  return new SandboxError('ENGINE_UNREACHABLE', `The Docker engine at ${url} was not used: ${message}`, hint);
}

/** dockerode options for `ssh://[user@]host[:port]`. */
export function sshOptionsFor(url: string, env: NodeJS.ProcessEnv, home: string): Docker.DockerOptions {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = Number(parsed.port || 22);
  const username = decodeURIComponent(parsed.username) || os.userInfo().username;
  const knownHosts = readKnownHostKeys(path.join(home, '.ssh', 'known_hosts'), host, port);
  if (knownHosts.trusted.length === 0) {
    throw refused(
      url,
      `the ssh host key of ${host} is not in ${path.join(home, '.ssh', 'known_hosts')}.`,
      `Connect once with \`ssh -p ${port} ${username}@${host}\` and check the key it shows, so that it is recorded; the sandbox never trusts a host key on first use.`,
    );
  }
  const privateKey = DEFAULT_KEYS.map((name) => path.join(home, '.ssh', name)).find((file) => fs.existsSync(file));
  if (!privateKey && !env.SSH_AUTH_SOCK) {
    throw refused(
      url,
      'there is no ssh key to log in with.',
      'Start an ssh agent with your key (SSH_AUTH_SOCK), or put the key at ~/.ssh/id_ed25519.',
    );
  }
  const agent = new SshDialAgent({
    host,
    port,
    username,
    agent: env.SSH_AUTH_SOCK,
    privateKey: privateKey ? fs.readFileSync(privateKey) : undefined,
    readyTimeout: 10_000,
    hostVerifier: (key: Buffer) => {
      const blob = key.toString('base64');
      return knownHosts.trusted.includes(blob) && !knownHosts.revoked.includes(blob);
    },
  });
  // The host and port only name the requests; the agent's ssh channel carries them.
  return { protocol: 'http', host: 'docker', port: 80, agent } as Docker.DockerOptions;
}

/** Whether DOCKER_TLS_VERIFY / DOCKER_CERT_PATH ask for TLS, as the docker CLI reads them. */
export function wantsTls(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.DOCKER_TLS_VERIFY) || Boolean(env.DOCKER_CERT_PATH);
}

/**
 * dockerode options for `tcp://host:port`: mutual TLS with DOCKER_CERT_PATH's ca.pem,
 * cert.pem and key.pem; plain HTTP only to this machine's loopback address.
 */
export function tcpOptionsFor(url: string, env: NodeJS.ProcessEnv, home: string): Docker.DockerOptions {
  const parsed = new URL(url.replace(/^tcp:/, 'http:'));
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!wantsTls(env)) {
    if (isLoopbackHost(host)) return { host, port: Number(parsed.port || 2375), protocol: 'http' };
    throw refused(
      url,
      'plain TCP without TLS: anyone who can reach that port controls the engine, and so the machine it runs on.',
      'Set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to a folder with ca.pem, cert.pem and key.pem, or use ssh:// in DOCKER_HOST.',
    );
  }
  const certPath = env.DOCKER_CERT_PATH || path.join(home, '.docker');
  const read = (name: string): Buffer => {
    try {
      return fs.readFileSync(path.join(certPath, name));
    } catch (err) {
      throw new SandboxError(
        'ENGINE_UNREACHABLE',
        `The TLS file ${path.join(certPath, name)} for the Docker engine at ${url} cannot be read: ${(err as Error).message}`,
        'Point DOCKER_CERT_PATH at the folder that holds ca.pem, cert.pem and key.pem for this engine.',
      );
    }
  };
  const tls = { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
  // No TLS session resumption: a front that verifies client certificates may refuse a resumed
  // session outright (a TLS alert on the second connection), and a full handshake per
  // connection costs little next to a kept-alive one.
  const agent = new https.Agent({ ...tls, keepAlive: true, maxCachedSessions: 0 });
  return { host, port: Number(parsed.port || 2376), protocol: 'https', ...tls, agent } as Docker.DockerOptions;
}

interface KnownKeys {
  /** Base64 key blobs recorded for the host. */
  readonly trusted: string[];
  /** Base64 key blobs marked @revoked. */
  readonly revoked: string[];
}

/**
 * The host keys recorded for `host` and `port` in an OpenSSH known_hosts file: plain and
 * hashed (`|1|salt|hash`) names, `[host]:port` for ports other than 22. Wildcard patterns and
 * @cert-authority lines are not understood, and so never match.
 */
export function readKnownHostKeys(file: string, host: string, port: number): KnownKeys {
  const out: KnownKeys = { trusted: [], revoked: [] };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  const name = port === 22 ? host : `[${host}]:${port}`;
  for (const raw of text.split('\n')) {
    const fields = raw.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) continue;
    let marker: string | undefined;
    if (fields[0].startsWith('@')) marker = fields.shift();
    if (marker && marker !== '@revoked') continue;
    const [names, , key] = fields;
    if (!names || !key) continue;
    // A revoked key is revoked for every host, whatever its pattern says (`@revoked * KEY`).
    if (marker === '@revoked') {
      out.revoked.push(key);
      continue;
    }
    const patterns = names.split(',');
    // A negated pattern that names this host takes the line away from it, as in OpenSSH.
    if (patterns.some((pattern) => pattern.startsWith('!') && nameMatches(pattern.slice(1), name))) continue;
    if (!patterns.some((pattern) => nameMatches(pattern, name))) continue;
    out.trusted.push(key);
  }
  return out;
}

function nameMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    const digest = crypto.createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  return pattern === name;
}
