/**
 * Finds and checks the engine (Docker, or Podman through its Docker-compatible API). The
 * endpoint comes from DOCKER_HOST, else CONTAINER_HOST (Podman's own variable), else the
 * current docker context (DOCKER_CONTEXT or the CLI config's currentContext), else the
 * first socket that exists of Docker's default, rootless Podman's and rootful Podman's. A
 * dead or missing engine is a SandboxError that says how to start one.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { SandboxError } from '../errors';
import type { RuntimeEntry } from './runtimes';
import { sshOptionsFor, tcpOptionsFor } from './remoteEndpoint';

export interface EngineEndpoint {
  /** As a person would write it: `unix:///var/run/docker.sock`, `tcp://host:2376`. */
  readonly url: string;
  /** Where the endpoint came from, for messages. */
  readonly source: 'DOCKER_HOST' | 'CONTAINER_HOST' | 'docker context' | 'podman socket' | 'default';
  /**
   * Whether files on this machine can be bind-mounted by path (a local engine). Only a unix
   * socket or named pipe counts: a TCP or ssh endpoint is treated as another machine even
   * when it is this one, so nothing depends on sharing a file system with it.
   */
  readonly local: boolean;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

/** Where Podman's API service listens: the person's own (rootless), then the system's (rootful). */
export function podmanSockets(env: NodeJS.ProcessEnv, uid: number): string[] {
  const runtimeDir = env.XDG_RUNTIME_DIR || `/run/user/${uid}`;
  return [path.join(runtimeDir, 'podman', 'podman.sock'), '/run/podman/podman.sock'];
}

export function resolveEndpoint(
  env: NodeJS.ProcessEnv = process.env,
  home = os.homedir(),
  exists: (socket: string) => boolean = fs.existsSync,
  uid = process.getuid?.() ?? 0,
): EngineEndpoint {
  if (env.DOCKER_HOST) return describeUrl(env.DOCKER_HOST, 'DOCKER_HOST');
  if (env.CONTAINER_HOST) return describeUrl(env.CONTAINER_HOST, 'CONTAINER_HOST');
  const contextHost = hostOfCurrentContext(env, home);
  if (contextHost) return describeUrl(contextHost, 'docker context');
  if (!exists(DEFAULT_SOCKET)) {
    const podman = podmanSockets(env, uid).find((s) => exists(s));
    if (podman) return describeUrl(`unix://${podman}`, 'podman socket');
  }
  return describeUrl(`unix://${DEFAULT_SOCKET}`, 'default');
}

function describeUrl(url: string, source: EngineEndpoint['source']): EngineEndpoint {
  return { url, source, local: url.startsWith('unix://') || url.startsWith('npipe://') };
}

/** Reads the docker CLI's context store; returns undefined for the built-in "default" context. */
function hostOfCurrentContext(env: NodeJS.ProcessEnv, home: string): string | undefined {
  const configDir = env.DOCKER_CONFIG ?? path.join(home, '.docker');
  let name = env.DOCKER_CONTEXT;
  if (!name) {
    try {
      const config = JSON.parse(fs.readFileSync(path.join(configDir, 'config.json'), 'utf8')) as { currentContext?: string };
      name = config.currentContext;
    } catch {
      return undefined;
    }
  }
  if (!name || name === 'default') return undefined;
  const digest = crypto.createHash('sha256').update(name).digest('hex');
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(configDir, 'contexts', 'meta', digest, 'meta.json'), 'utf8')) as {
      Endpoints?: { docker?: { Host?: string } };
    };
    return meta.Endpoints?.docker?.Host;
  } catch {
    return undefined;
  }
}

/**
 * Whether a client talks to an engine on this machine (a unix socket or named pipe) rather
 * than over ssh or TCP. Objects on a remote engine may be another machine's, which is why
 * the session code asks (see madeHere).
 */
export function clientIsLocal(docker: Docker): boolean {
  return Boolean((docker.modem as { socketPath?: unknown }).socketPath);
}

/** The client for an endpoint; ssh and TLS settings come from `env` and `home` as the docker CLI reads them. */
export function dockerFor(endpoint: EngineEndpoint, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): Docker {
  const url = endpoint.url;
  if (url.startsWith('unix://')) return new Docker({ socketPath: url.slice('unix://'.length) });
  if (url.startsWith('npipe://')) return new Docker({ socketPath: url.slice('npipe://'.length) });
  if (url.startsWith('ssh://')) return new Docker(sshOptionsFor(url, env, home));
  if (url.startsWith('tcp://')) return new Docker(tcpOptionsFor(url, env, home));
  throw new SandboxError(
    'ENGINE_UNREACHABLE',
    `The Docker engine address ${url} (from ${endpoint.source}) is not one the sandbox can use.`,
    'Use unix://, npipe://, ssh://user@host or tcp://host:port with TLS in DOCKER_HOST.',
  );
}

export interface EngineInfo {
  readonly endpoint: EngineEndpoint;
  readonly version: string;
  readonly os: string;
  readonly storageDriver: string;
  /** Each registered runtime with the program and arguments the engine runs it with. */
  readonly runtimeEntries: readonly RuntimeEntry[];
  readonly defaultRuntime: string;
  readonly cgroupVersion: string;
  /** Docker, or Podman behind its Docker-compatible API (told by the version's components). */
  readonly kind: 'docker' | 'podman';
  /** Whether the engine runs as an ordinary user (rootless Docker or Podman). */
  readonly rootless: boolean;
}

/** Which engine answers, from its version (`Components`) and info (`SecurityOptions`). */
export function engineKindOf(version: unknown, info: unknown): { kind: 'docker' | 'podman'; rootless: boolean } {
  const components = (version as { Components?: { Name?: unknown }[] } | undefined)?.Components ?? [];
  const podman = Array.isArray(components) && components.some((c) => /podman/i.test(String(c?.Name ?? '')));
  const options = (info as { SecurityOptions?: unknown } | undefined)?.SecurityOptions;
  const rootless = Array.isArray(options) && options.some((o) => /(^|,)name=rootless(,|$)/.test(String(o)));
  return { kind: podman ? 'podman' : 'docker', rootless };
}

/** Whether an Engine API call failed because the object (container, image, volume) does not exist. */
export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 404;
}

export function engineUnreachable(endpoint: EngineEndpoint, reason: string, cause?: unknown): SandboxError {
  return new SandboxError(
    'ENGINE_UNREACHABLE',
    `The Docker engine is not reachable at ${endpoint.url} (from ${endpoint.source}): ${reason}`,
    "Start the Docker engine (for example `sudo systemctl start docker`, or open Docker Desktop) or Podman's API service (`systemctl --user start podman.socket`), or point DOCKER_HOST at a running one. Nothing was run.",
    { cause },
  );
}

/** Connects and checks the engine within `timeoutMs`; never hangs on a dead socket. */
export async function connectEngine(
  endpoint: EngineEndpoint = resolveEndpoint(),
  // Over ssh the first answer waits for a key exchange and the far side starting its docker CLI.
  timeoutMs = endpoint.url.startsWith('ssh://') ? 20_000 : 5000,
): Promise<{ docker: Docker; info: EngineInfo }> {
  if (endpoint.url.startsWith('unix://')) {
    const socket = endpoint.url.slice('unix://'.length);
    if (!fs.existsSync(socket)) throw engineUnreachable(endpoint, `the socket ${socket} does not exist`);
  }
  const docker = dockerFor(endpoint);
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(engineUnreachable(endpoint, `no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  try {
    const [raw, version] = (await Promise.race([
      Promise.all([
        (docker.info as (opts: { abortSignal: AbortSignal }) => Promise<unknown>).call(docker, { abortSignal: abort.signal }),
        (docker.version as (opts: { abortSignal: AbortSignal }) => Promise<unknown>).call(docker, { abortSignal: abort.signal }),
      ]),
      timeout,
    ])) as [Record<string, unknown>, unknown];
    const runtimeEntries = runtimeEntriesOf(raw.Runtimes);
    return {
      docker,
      info: {
        endpoint,
        version: String(raw.ServerVersion ?? 'unknown'),
        os: String(raw.OSType ?? 'linux'),
        storageDriver: String(raw.Driver ?? ''),
        runtimeEntries,
        defaultRuntime: String(raw.DefaultRuntime ?? 'runc'),
        cgroupVersion: String(raw.CgroupVersion ?? '1'),
        ...engineKindOf(version, raw),
      },
    };
  } catch (err) {
    if (err instanceof SandboxError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ECONNREFUSED'
        ? 'the connection was refused'
        : code === 'EACCES'
          ? 'permission denied on the socket (add yourself to the docker group, or use rootless Docker)'
          : code === 'ENOENT'
            ? 'the socket does not exist'
            : (err as Error).message;
    throw engineUnreachable(endpoint, reason, err);
  } finally {
    clearTimeout(timer);
  }
}

/** `docker info`'s Runtimes (`{"runsc": {"path": ..., "runtimeArgs": [...]}}`) as entries. */
export function runtimeEntriesOf(raw: unknown): RuntimeEntry[] {
  if (!raw || typeof raw !== 'object') return [];
  return Object.entries(raw as Record<string, unknown>).map(([name, value]) => {
    const v = (value ?? {}) as { path?: unknown; runtimeArgs?: unknown };
    const args = Array.isArray(v.runtimeArgs) ? v.runtimeArgs.filter((a): a is string => typeof a === 'string') : [];
    return { name, path: typeof v.path === 'string' ? v.path : name, args };
  });
}
