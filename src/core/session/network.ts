/**
 * A session together with its network: what the CLI, the MCP server and the extension open.
 * In allowlist mode the egress proxy lives as long as the process that opened it, so each
 * of them opens the network for as long as it runs commands, and closes it after.
 */
import * as path from 'node:path';
import { SandboxError } from '../errors';
import type { AskAnswer, AskRequest } from '../network/gate';
import type { NetworkLogRecord } from '../network/log';
import { openSessionNetwork, type SessionNetwork } from '../network/sessionNetwork';
import type { Policy } from '../policy';
import type { BaseChanges } from '../snapshot/baseChanges';
import { keyPlaceholders } from '../tools/agentLaunch';
import { attachSession, startSession } from './lifecycle';
import type { Progress, StartOutcome } from './options';
import type { SandboxSession } from './session';
import { resolveUser, resolveWorkspace, sessionDirFor } from './workspace';

export interface SandboxNetworkHooks {
  /** Puts an unlisted domain to a person (the extension). Absent: denied. */
  readonly onAsk?: (request: AskRequest) => Promise<AskAnswer>;
  readonly onRecord?: (record: NetworkLogRecord) => void;
}

export interface OpenSandbox {
  readonly session: SandboxSession;
  readonly network: SessionNetwork;
  /** Stops serving the network (the container keeps running). */
  close(): Promise<void>;
}

function networkPaths(sessionDir: string) {
  return {
    netDir: path.join(sessionDir, 'net'),
    logFile: path.join(sessionDir, 'network.jsonl'),
    tlsKeyDir: path.join(sessionDir, 'net-tls'),
  };
}

/** The session's network log file. */
export function networkLogFile(sessionDir: string): string {
  return networkPaths(sessionDir).logFile;
}

async function openNetwork(root: string, policy: Policy, hooks: SandboxNetworkHooks, env: NodeJS.ProcessEnv): Promise<SessionNetwork> {
  const dir = sessionDirFor(root, env);
  return openSessionNetwork({
    network: policy.network,
    ...networkPaths(dir),
    sandboxUser: resolveUser(policy).user,
    env,
    ...(hooks.onAsk ? { onAsk: hooks.onAsk } : {}),
    ...(hooks.onRecord ? { onRecord: hooks.onRecord } : {}),
  });
}

async function withForwarder(session: SandboxSession, network: SessionNetwork): Promise<OpenSandbox> {
  try {
    await session.serveNetwork(network);
  } catch (err) {
    await network.close();
    throw err;
  }
  return { session, network, close: () => network.close() };
}

/**
 * The container's fixed variables: the network's, and a placeholder key for each agent whose
 * API key the host proxy adds (see keyPlaceholders), so the agent starts without the secret.
 */
export function sessionExtraEnv(policy: Policy, network: Pick<SessionNetwork, 'additions'>): Record<string, string> {
  const placeholders = policy.network.mode === 'allowlist' ? keyPlaceholders(policy.network.credentials) : {};
  return { ...placeholders, ...network.additions.extraEnv };
}

/** Starts (or reuses) the workspace's sandbox with its network. */
export async function startSandbox(options: {
  workspaceRoot: string;
  policy: Policy;
  progress?: Progress;
  signal?: AbortSignal;
  hooks?: SandboxNetworkHooks;
  env?: NodeJS.ProcessEnv;
  /** A file watcher's changes since the kept base was made (see SessionOptions.baseChanges). */
  baseChanges?: BaseChanges | (() => BaseChanges | undefined);
}): Promise<OpenSandbox & { outcome: StartOutcome; collected: string[] }> {
  const env = options.env ?? process.env;
  const root = resolveWorkspace(options.workspaceRoot);
  const network = await openNetwork(root, options.policy, options.hooks ?? {}, env);
  let started;
  try {
    started = await startSession({
      workspaceRoot: root,
      policy: options.policy,
      env,
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.baseChanges ? { baseChanges: options.baseChanges } : {}),
      extraMounts: network.additions.extraMounts,
      extraEnv: sessionExtraEnv(options.policy, network),
    });
  } catch (err) {
    await network.close();
    throw err;
  }
  return { ...(await withForwarder(started.session, network)), outcome: started.outcome, collected: started.collected };
}

/** Attaches to the workspace's running sandbox and serves its network while open. */
export async function attachSandbox(options: {
  workspaceRoot: string;
  policy: Policy;
  hooks?: SandboxNetworkHooks;
  env?: NodeJS.ProcessEnv;
}): Promise<OpenSandbox> {
  const env = options.env ?? process.env;
  const session = await attachSession({ workspaceRoot: options.workspaceRoot, policy: options.policy, env });
  if (options.policy.network.mode !== 'allowlist') {
    const network = await openNetwork(session.workspaceRoot, options.policy, {}, env);
    return { session, network, close: () => network.close() };
  }
  let network: SessionNetwork;
  try {
    network = await openNetwork(session.workspaceRoot, options.policy, options.hooks ?? {}, env);
  } catch (err) {
    // Another process already serves this sandbox's network: commands can go ahead.
    if (err instanceof SandboxError && err.code === 'SESSION_BUSY') {
      return {
        session,
        network: {
          additions: { extraMounts: [], extraEnv: {}, forwarderArgv: undefined, hostSocketPath: undefined },
          proxy: undefined,
          startForwarder: async () => undefined,
          close: async () => undefined,
        },
        close: async () => undefined,
      };
    }
    throw err;
  }
  return withForwarder(session, network);
}
