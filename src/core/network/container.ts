/**
 * What a session adds to its container for the network policy. Pure: data in, data out.
 *
 * The container always runs with Docker's `NetworkMode: 'none'` (loopback only), whatever
 * the mode: that is what makes "no route out" true. In `allowlist` mode the session also
 *   1. starts the host proxy listening on `additions.hostSocketPath` (see session-network.ts),
 *   2. creates the container with `additions.extraMounts` and `additions.extraEnv` (the
 *      SessionOptions fields of the same names; the mounts are read-only binds),
 *   3. after start, runs `additions.forwarderArgv` with an exec as the sandbox user and
 *      waits for its first stdout line, "listening 127.0.0.1:3128",
 *   4. on stop, closes the proxy (which removes the socket).
 *
 * Expected call in the session:
 *   const net = networkContainerAdditions(policy.network, path.join(stateDir, 'net'));
 * In `none` mode every list is empty and nothing is started.
 */
import * as path from 'node:path';
import { mediaPath } from '../paths';

/** Where the session's net folder (holding the proxy socket) appears in the container. */
export const CONTAINER_NET_DIR = '/run/agent-sandbox/net';
export const PROXY_SOCKET_NAME = 'proxy.sock';
export const CONTAINER_FORWARDER_PATH = '/opt/agent-sandbox/net-forwarder.js';
export const FORWARDER_PORT = 3128;
export const FORWARDER_READY_PREFIX = 'listening ';

/** A read-only bind mount (the shape of the session's `extraMounts`). */
export interface ReadOnlyMount {
  readonly hostPath: string;
  readonly target: string;
}

export interface NetworkAdditions {
  /** Read-only binds to add to the container. */
  readonly extraMounts: readonly ReadOnlyMount[];
  /** Variables to add to the container's environment. */
  readonly extraEnv: Readonly<Record<string, string>>;
  /** The forwarder to exec in the container after start; undefined in `none` mode. */
  readonly forwarderArgv: readonly string[] | undefined;
  /** Where the host proxy must listen; undefined in `none` mode. */
  readonly hostSocketPath: string | undefined;
}

export interface NetworkPolicyMode {
  readonly mode: 'none' | 'allowlist';
}

export interface NetworkAdditionOptions {
  /** The forwarder on the host; by default the product's media/net-forwarder.js. */
  readonly forwarderScript?: string;
  /**
   * Whether the proxy terminates TLS for credential hosts: the container must then trust
   * the session CA, whose certificate and bundle are in the net folder (tlsAuthority.ts).
   */
  readonly trustSessionCa?: boolean;
}

/** Variables that make common tools trust the session CA. */
function trustEnv(): Record<string, string> {
  const bundle = `${CONTAINER_NET_DIR}/ca-bundle.pem`;
  return {
    // Node adds this to its own roots; the others replace their roots, hence the bundle.
    NODE_EXTRA_CA_CERTS: `${CONTAINER_NET_DIR}/ca.pem`,
    SSL_CERT_FILE: bundle,
    CURL_CA_BUNDLE: bundle,
    REQUESTS_CA_BUNDLE: bundle,
    PIP_CERT: bundle,
    GIT_SSL_CAINFO: bundle,
  };
}

export function networkContainerAdditions(
  network: NetworkPolicyMode,
  sessionNetDir: string,
  options: NetworkAdditionOptions = {},
): NetworkAdditions {
  if (network.mode !== 'allowlist') return { extraMounts: [], extraEnv: {}, forwarderArgv: undefined, hostSocketPath: undefined };
  const files = { forwarderScript: options.forwarderScript ?? mediaPath('net-forwarder.js') };
  if (!path.isAbsolute(sessionNetDir) || !path.isAbsolute(files.forwarderScript)) {
    throw new Error('networkContainerAdditions needs absolute host paths');
  }
  const proxyUrl = `http://127.0.0.1:${FORWARDER_PORT}`;
  return {
    // Read-only: the container can connect to the socket but not replace it.
    extraMounts: [
      { hostPath: sessionNetDir, target: CONTAINER_NET_DIR },
      { hostPath: files.forwarderScript, target: CONTAINER_FORWARDER_PATH },
    ],
    extraEnv: {
      HTTP_PROXY: proxyUrl,
      HTTPS_PROXY: proxyUrl,
      http_proxy: proxyUrl,
      https_proxy: proxyUrl,
      // Empty on purpose: nothing bypasses the proxy (there is no other way out anyway).
      NO_PROXY: '',
      no_proxy: '',
      ...(options.trustSessionCa ? trustEnv() : {}),
    },
    forwarderArgv: ['node', CONTAINER_FORWARDER_PATH, `${CONTAINER_NET_DIR}/${PROXY_SOCKET_NAME}`, String(FORWARDER_PORT)],
    hostSocketPath: path.join(sessionNetDir, PROXY_SOCKET_NAME),
  };
}
