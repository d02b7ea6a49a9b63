/**
 * What a session adds to its container for the network policy. Pure: data in, data out.
 *
 * The container always runs with Docker's `NetworkMode: 'none'` (loopback only), whatever
 * the mode: that is what makes "no route out" true. In `allowlist` mode the session also
 *   1. starts the host proxy: `startEgressProxy({ socketPath: additions.hostSocketPath, ... })`,
 *   2. creates the container with `additions.binds` appended to `HostConfig.Binds` and
 *      `additions.env` appended to `Env`,
 *   3. after start, runs `additions.forwarderArgv` with an exec as the sandbox user
 *      (attached, and waits for its first stdout line, "listening 127.0.0.1:3128"),
 *   4. on stop, closes the proxy (which removes the socket).
 *
 * Expected call in the session:
 *   const net = networkContainerAdditions(policy.network, path.join(stateDir, 'net'), {
 *     forwarderScript: path.join(extensionRoot, 'media', 'net-forwarder.js'),
 *   });
 * In `none` mode every list is empty and nothing is started.
 */
import * as path from 'node:path';

/** Where the session's net folder (holding the proxy socket) appears in the container. */
export const CONTAINER_NET_DIR = '/run/agent-sandbox/net';
export const PROXY_SOCKET_NAME = 'proxy.sock';
export const CONTAINER_FORWARDER_PATH = '/opt/agent-sandbox/net-forwarder.js';
export const FORWARDER_PORT = 3128;
export const FORWARDER_READY_PREFIX = 'listening ';

export interface NetworkAdditions {
  /** Docker `HostConfig.Binds` entries to add. */
  readonly binds: readonly string[];
  /** `NAME=value` entries to add to the container's `Env`. */
  readonly env: readonly string[];
  /** The forwarder to exec in the container after start; undefined in `none` mode. */
  readonly forwarderArgv: readonly string[] | undefined;
  /** Where the host proxy must listen; undefined in `none` mode. */
  readonly hostSocketPath: string | undefined;
}

export interface NetworkPolicyMode {
  readonly mode: 'none' | 'allowlist';
}

export function networkContainerAdditions(
  network: NetworkPolicyMode,
  sessionNetDir: string,
  files: { readonly forwarderScript: string },
): NetworkAdditions {
  if (network.mode !== 'allowlist') return { binds: [], env: [], forwarderArgv: undefined, hostSocketPath: undefined };
  if (!path.isAbsolute(sessionNetDir) || !path.isAbsolute(files.forwarderScript)) {
    throw new Error('networkContainerAdditions needs absolute host paths');
  }
  const proxyUrl = `http://127.0.0.1:${FORWARDER_PORT}`;
  return {
    // Read-only: the container can connect to the socket but not replace it.
    binds: [`${sessionNetDir}:${CONTAINER_NET_DIR}:ro`, `${files.forwarderScript}:${CONTAINER_FORWARDER_PATH}:ro`],
    env: [
      `HTTP_PROXY=${proxyUrl}`,
      `HTTPS_PROXY=${proxyUrl}`,
      `http_proxy=${proxyUrl}`,
      `https_proxy=${proxyUrl}`,
      // Empty on purpose: nothing bypasses the proxy (there is no other way out anyway).
      'NO_PROXY=',
      'no_proxy=',
    ],
    forwarderArgv: ['node', CONTAINER_FORWARDER_PATH, `${CONTAINER_NET_DIR}/${PROXY_SOCKET_NAME}`, String(FORWARDER_PORT)],
    hostSocketPath: path.join(sessionNetDir, PROXY_SOCKET_NAME),
  };
}
