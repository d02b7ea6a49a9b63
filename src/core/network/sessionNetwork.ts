/**
 * The network side of a session, in one place: compile the policy's rules, start the host
 * proxy where the container will find it, and start the in-container forwarder once the
 * container runs. The session, the CLI and the extension call this; none of them needs to
 * know how the pieces fit.
 *
 *   const network = await openSessionNetwork({ network: policy.network, netDir, logFile, sandboxUser });
 *   const { session } = await startSession({ ..., extraMounts: network.additions.extraMounts, extraEnv: network.additions.extraEnv });
 *   await session.serveNetwork(network);
 *   ...
 *   await network.close();
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { SandboxError } from '../errors';
import { FORWARDER_READY_PREFIX, type NetworkAdditions, networkContainerAdditions } from './container';
import { type CredentialSpec, type HostCredential, resolveCredentials } from './credentials';
import type { AskAnswer, AskRequest, Resolver } from './gate';
import { jsonlNetworkLog, type NetworkLogRecord } from './log';
import { expandPresets } from './presets';
import { type EgressProxy, startEgressProxy } from './proxy';
import { compileRules, type NetworkRules } from './rules';
import { createTlsAuthority, writeContainerTrust } from './tlsAuthority';

/** The policy's `network` field; the optional fields are proposed additions to the schema. */
export interface NetworkPolicyInput {
  readonly mode: 'none' | 'allowlist';
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  /** What happens to a host no rule names: denied, or put to a person where one can answer. */
  readonly unlisted?: 'deny' | 'ask';
  /** Named allow lists (npm, pypi, github, anthropic, openai). */
  readonly presets?: readonly string[];
  /** Headers the proxy adds for one host, read from the host environment. */
  readonly credentials?: readonly CredentialSpec[];
}

/** The rules a policy means: its presets and allow rules, its deny rules. */
export function compileNetworkPolicy(network: NetworkPolicyInput): NetworkRules {
  return compileRules({
    allow: [...expandPresets(network.presets ?? []), ...network.allow],
    deny: network.deny,
    unlisted: network.unlisted ?? 'deny',
  });
}

export interface SessionNetworkOptions {
  readonly network: NetworkPolicyInput;
  /** Host folder for the proxy socket, bind-mounted into the container (for example `<session>/net`). */
  readonly netDir: string;
  /** The session's JSONL network log. */
  readonly logFile: string;
  /** The sandbox user as `UID:GID`; the proxy socket is given to it. */
  readonly sandboxUser: string;
  /** Where credential secrets are read from; the host environment by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** Put unlisted hosts to a person (the extension). Absent: they are denied. */
  readonly onAsk?: (request: AskRequest) => Promise<AskAnswer>;
  /** Also called for every log record (a live log view). */
  readonly onRecord?: (record: NetworkLogRecord) => void;
  /** For tests and benchmarks only: see EgressGateOptions. */
  readonly resolver?: Resolver;
  readonly allowAddressesForTesting?: readonly string[];
  /** Credentials given directly instead of through the environment (tests). */
  readonly credentials?: readonly HostCredential[];
  readonly forwarderScript?: string;
  /**
   * Host folder for the session CA's key when credentials are configured; never inside
   * `netDir` (the container sees that). Default: `<netDir>-tls`.
   */
  readonly tlsKeyDir?: string;
  /** Roots to verify upstream HTTPS servers with instead of the public ones: tests only. */
  readonly upstreamCaForTesting?: readonly string[];
}

export interface SessionNetwork {
  readonly additions: NetworkAdditions;
  /** The running proxy in `allowlist` mode. */
  readonly proxy: EgressProxy | undefined;
  /** Starts the forwarder in the running container (nothing to do in `none` mode). */
  startForwarder(docker: Docker, containerId: string): Promise<void>;
  close(): Promise<void>;
}

export async function openSessionNetwork(options: SessionNetworkOptions): Promise<SessionNetwork> {
  if (options.network.mode !== 'allowlist') {
    const additions = networkContainerAdditions(options.network, options.netDir);
    return { additions, proxy: undefined, startForwarder: async () => undefined, close: async () => undefined };
  }
  const rules = compileNetworkPolicy(options.network);
  const credentials = [
    ...(options.credentials ?? []),
    ...resolveCredentials(options.network.credentials ?? [], options.env ?? process.env),
  ];
  // Credentials need the proxy to see inside HTTPS: a CA for exactly their hosts.
  const credentialHosts = [...new Set(credentials.map((c) => c.domain))];
  const keyDir = path.resolve(options.tlsKeyDir ?? `${options.netDir}-tls`);
  if (keyDir === path.resolve(options.netDir) || keyDir.startsWith(path.resolve(options.netDir) + path.sep)) {
    throw new Error('the session CA key folder must not be inside the folder the container sees');
  }
  const authority = credentialHosts.length ? await createTlsAuthority(keyDir, credentialHosts) : undefined;
  fs.mkdirSync(options.netDir, { recursive: true });
  if (authority) writeContainerTrust(options.netDir, authority);
  const additions = networkContainerAdditions(options.network, options.netDir, {
    ...(options.forwarderScript ? { forwarderScript: options.forwarderScript } : {}),
    trustSessionCa: authority !== undefined,
  });
  const writeLog = jsonlNetworkLog(options.logFile);
  const [uid, gid] = options.sandboxUser.split(':').map(Number) as [number, number];
  const proxy = await startEgressProxy({
    socketPath: additions.hostSocketPath!,
    socketOwner: { uid, gid },
    rules,
    credentials,
    log: (record) => {
      writeLog(record);
      options.onRecord?.(record);
    },
    ...(options.onAsk ? { onAsk: options.onAsk } : {}),
    ...(options.resolver ? { resolver: options.resolver } : {}),
    ...(options.allowAddressesForTesting ? { allowAddressesForTesting: options.allowAddressesForTesting } : {}),
    ...(authority
      ? { tlsInterception: { authority, ...(options.upstreamCaForTesting ? { upstreamCaForTesting: options.upstreamCaForTesting } : {}) } }
      : {}),
  }).catch((err: unknown) => {
    authority?.dispose();
    throw err;
  });
  return {
    additions,
    proxy,
    startForwarder: (docker, containerId) => startForwarder(docker, containerId, options.sandboxUser, additions.forwarderArgv!),
    close: async () => {
      await proxy.close();
      authority?.dispose();
    },
  };
}

/**
 * Runs the forwarder in the container as the sandbox user and waits until it listens. A
 * forwarder already running there (a reused container) is fine: it relays to the same
 * socket path, which the new proxy now serves.
 */
export async function startForwarder(docker: Docker, containerId: string, user: string, argv: readonly string[]): Promise<void> {
  const exec = await docker
    .getContainer(containerId)
    .exec({ Cmd: [...argv], AttachStdout: true, AttachStderr: true, Tty: false, User: user });
  const stream = await exec.start({ hijack: true, stdin: false });
  const output = new PassThrough();
  docker.modem.demuxStream(stream, output, output);
  let text = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer within 10 s')), 10_000);
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        fn();
      };
      output.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes(FORWARDER_READY_PREFIX) || text.includes('EADDRINUSE')) settle(resolve);
      });
      stream.on('end', () => settle(() => reject(new Error(`it exited: ${text.trim() || 'no output'}`))));
    });
  } catch (err) {
    throw new SandboxError(
      'INTERNAL',
      `The sandbox's network forwarder did not start: ${(err as Error).message}`,
      'Check that the sandbox image has node (the forwarder needs it), or use network mode "none".',
      { cause: err },
    );
  } finally {
    // Detach; the forwarder keeps running in the container.
    (stream as unknown as { destroy(): void }).destroy();
  }
}
