/**
 * The host-side egress proxy: the only way out of a sandbox in `allowlist` mode.
 *
 * The container has no network but loopback. This proxy listens on a UNIX socket in the
 * session's state folder, which is bind-mounted into the container, where a small
 * forwarder (media/net-forwarder.js) exposes it as http://127.0.0.1:3128. It speaks:
 *   - plain HTTP in absolute form (`GET http://host/path`), forwarded with hop-by-hop and
 *     proxy headers removed, the Host header pinned to the checked host, and only those
 *     credentials of that host whose rule allows plain HTTP added;
 *   - CONNECT host:port, tunnelled byte for byte (HTTPS), except to hosts that have a
 *     credential when a session CA is given: those tunnels are terminated here with a
 *     certificate from that CA, each request gets its credential, and goes on over a new,
 *     verified TLS connection to the checked address.
 * Every request goes through the EgressGate and is logged with its decision.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { SandboxError } from '../errors';
import { credentialsFor, type HostCredential } from './credentials';
import { EgressGate, type EgressGateOptions } from './gate';
import type { TlsAuthority } from './tlsAuthority';

export interface EgressProxyOptions extends EgressGateOptions {
  /** Where to listen. Its folder is created if needed and made traversable (0711). */
  readonly socketPath: string;
  /**
   * Owner to give the socket (mode 0600), so the sandbox user, which may differ from the
   * host user, can connect and nobody else on the host can. Default: the current user.
   */
  readonly socketOwner?: { readonly uid: number; readonly gid: number };
  /** Give up connecting to an upstream after this long. Default 15 s. */
  readonly connectTimeoutMs?: number;
  /** Most connections from the sandbox at once, so it cannot exhaust the host's files. Default 256. */
  readonly maxConnections?: number;
  /** Terminate TLS to hosts with credentials, to add them to HTTPS requests. */
  readonly tlsInterception?: {
    readonly authority: TlsAuthority;
    /** Roots to verify upstream servers with instead of the public ones: tests only. */
    readonly upstreamCaForTesting?: readonly string[];
  };
}

interface ProxyContext {
  readonly gate: EgressGate;
  readonly connectTimeoutMs: number;
  readonly openSockets: Set<net.Socket>;
  readonly tlsInterception: EgressProxyOptions['tlsInterception'];
}

export interface EgressProxy {
  readonly socketPath: string;
  readonly gate: EgressGate;
  /** Stops listening, cuts open tunnels and removes the socket file. */
  close(): Promise<void>;
}

// RFC 9110 section 7.6.1 and the proxy-only headers a client may send to us.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Longest UNIX socket path Linux accepts (sun_path is 108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;

export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const { socketPath } = options;
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new SandboxError(
      'INTERNAL',
      `The network proxy socket path is too long (${Buffer.byteLength(socketPath)} bytes, at most ${MAX_SOCKET_PATH}): ${socketPath}`,
      'Use a shorter session state folder.',
    );
  }
  await prepareSocketPath(socketPath);

  const gate = new EgressGate({ ...options, interceptedHosts: options.tlsInterception?.authority.hosts ?? [] });
  const connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
  const openSockets = new Set<net.Socket>();
  const context: ProxyContext = { gate, connectTimeoutMs, openSockets, tlsInterception: options.tlsInterception };
  const server = http.createServer();
  server.maxConnections = options.maxConnections ?? 256;
  server.on('connection', (socket: net.Socket) => track(openSockets, socket));
  server.on('request', (req, res) => {
    handlePlainRequest(context, req, res).catch((err) => failResponse(res, err));
  });
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    handleConnect(context, req, socket, head).catch(() => socket.destroy());
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    // An upgraded plain-HTTP stream would be an unchecked tunnel: tunnels go through CONNECT.
    const target = safeUrl(req.url);
    const host = target?.hostname ?? String(req.url);
    const reason = 'protocol upgrades over plain HTTP are not relayed; clients must use CONNECT';
    gate.recordRefusal(req.method ?? 'GET', host, Number(target?.port || 80), reason);
    writeRawRefusal(socket, 403, blockedText(host, reason));
  });
  server.on('clientError', (_err, socket: net.Socket) => writeRawRefusal(socket, 400, 'Malformed request.'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    if (options.socketOwner && options.socketOwner.uid !== process.getuid?.()) {
      fs.chownSync(socketPath, options.socketOwner.uid, options.socketOwner.gid);
    }
    fs.chmodSync(socketPath, 0o600);
  } catch (err) {
    server.close();
    throw new SandboxError(
      'INTERNAL',
      `Cannot give the sandbox user access to the network proxy socket ${socketPath}: ${(err as Error).message}`,
      'Run the sandbox as your own user (policy "user": "auto"), or start it from an account that may change file owners.',
      { cause: err },
    );
  }

  return {
    socketPath,
    gate,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of openSockets) socket.destroy();
        server.closeAllConnections();
      }).finally(() => fs.rmSync(socketPath, { force: true })),
  };
}

async function prepareSocketPath(socketPath: string): Promise<void> {
  const dir = path.dirname(socketPath);
  fs.mkdirSync(dir, { recursive: true });
  // The sandbox user must be able to reach the socket through the bind-mounted folder,
  // without being able to list or change it.
  fs.chmodSync(dir, 0o711);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.lstatSync(socketPath);
  } catch {
    stat = undefined;
  }
  if (!stat) return;
  if (!stat.isSocket()) {
    throw new SandboxError('INTERNAL', `${socketPath} exists and is not a socket`, 'Remove it, or use another session state folder.');
  }
  if (await socketAnswers(socketPath)) {
    throw new SandboxError(
      'SESSION_BUSY',
      `A network proxy is already serving this sandbox at ${socketPath}`,
      'Use the window or process that started the sandbox, or stop it first.',
    );
  }
  fs.rmSync(socketPath); // left behind by a proxy that did not shut down
}

function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

function track(set: Set<net.Socket>, socket: net.Socket): void {
  set.add(socket);
  socket.once('close', () => set.delete(socket));
}

function safeUrl(text: string | undefined): URL | undefined {
  try {
    return text ? new URL(text) : undefined;
  } catch {
    return undefined;
  }
}

function blockedText(host: string, reason: string): string {
  return `Blocked by the Agent Sandbox network policy: ${host}: ${reason}\n`;
}

async function handlePlainRequest(context: ProxyContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { gate, connectTimeoutMs, openSockets } = context;
  const method = req.method ?? 'GET';
  const target = safeUrl(req.url);
  if (!target || target.protocol !== 'http:' || !req.url?.startsWith('http://')) {
    sendText(res, 400, 'This is a forward proxy: send absolute-form http:// requests, or CONNECT host:port for HTTPS.\n');
    return;
  }
  if (target.username || target.password) {
    sendText(res, 400, 'Credentials in the URL are not forwarded; the proxy adds configured credentials itself.\n');
    return;
  }
  const port = Number(target.port || 80);
  const result = await gate.check(method, target.hostname, port);
  if (result.decision === 'deny') {
    sendText(res, 403, blockedText(result.host, result.reason));
    return;
  }

  const headers = forwardableHeaders(req.headers);
  headers.host = target.port ? `${target.hostname}:${target.port}` : target.hostname;
  // The gate already gives plain requests only such credentials; checked again where they are sent.
  for (const credential of credentialsFor(result.credentials, result.host, 'plain-http')) {
    for (const name of Object.keys(headers)) if (name === credential.header.toLowerCase()) delete headers[name];
    headers[credential.header.toLowerCase()] = credential.value;
  }
  const upstream = http.request({
    host: result.address,
    port,
    method,
    path: `${target.pathname}${target.search}`,
    headers,
    agent: false,
    timeout: connectTimeoutMs,
  });
  relay(req, res, upstream, openSockets, result.host, connectTimeoutMs);
}

async function handleConnect(context: ProxyContext, req: http.IncomingMessage, client: net.Socket, head: Buffer): Promise<void> {
  const { gate } = context;
  client.on('error', () => client.destroy());
  const target = parseAuthority(req.url ?? '');
  if (!target) {
    writeRawRefusal(client, 400, 'CONNECT needs host:port.');
    return;
  }
  const result = await gate.check('CONNECT', target.host, target.port);
  if (result.decision === 'deny') {
    writeRawRefusal(client, 403, blockedText(result.host, result.reason));
    return;
  }
  const authority = context.tlsInterception?.authority;
  if (authority && result.credentials.length > 0 && authority.hosts.includes(result.host)) {
    const intercepted = { host: result.host, port: target.port, address: result.address, credentials: result.credentials };
    // Answer first, then look at the client's first bytes: only a TLS handshake (0x16) is
    // terminated; anything else is relayed as it is, without credentials.
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    const first = head.length ? head : await firstChunk(client);
    if (!first) return;
    if (first[0] === 0x16) await interceptTunnel(context, client, first, intercepted);
    else relayTunnel(context, client, first, { ...intercepted, established: true });
    return;
  }
  relayTunnel(context, client, head, { host: result.host, port: target.port, address: result.address, established: false });
}

function firstChunk(socket: net.Socket): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      cleanup();
      socket.pause();
      resolve(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}

/**
 * Relays bytes between the client and the checked address. `established`: the client was
 * already told the tunnel is up (it then only sees the connection close on failure).
 */
function relayTunnel(
  context: ProxyContext,
  client: net.Socket,
  head: Buffer,
  target: { host: string; port: number; address: string; established: boolean },
): void {
  const upstream = net.connect({ host: target.address, port: target.port });
  track(context.openSockets, upstream);
  upstream.setTimeout(context.connectTimeoutMs, () => upstream.destroy(new Error('connect timeout')));
  let connected = false;
  upstream.once('connect', () => {
    connected = true;
    upstream.setTimeout(0);
    if (!target.established) client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
    client.resume();
  });
  upstream.on('error', (err) => {
    if (!connected && !target.established) {
      writeRawRefusal(client, 502, `Cannot reach ${target.host}:${target.port}: ${(err as NodeJS.ErrnoException).code ?? err.message}\n`);
    } else {
      client.destroy();
    }
  });
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
}

interface InterceptedTarget {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly credentials: readonly HostCredential[];
}

/**
 * Ends the client's TLS here with a certificate from the session CA, and serves the
 * requests inside as a reverse proxy to the one checked host and address.
 */
async function interceptTunnel(context: ProxyContext, client: net.Socket, head: Buffer, target: InterceptedTarget): Promise<void> {
  const leaf = await context.tlsInterception!.authority.leafFor(target.host);
  client.unshift(head);
  const secure = new tls.TLSSocket(client, { isServer: true, key: leaf.key, cert: leaf.cert, ALPNProtocols: ['http/1.1'] });
  secure.on('error', () => client.destroy());
  const inner = http.createServer((req, res) => {
    forwardIntercepted(context, target, req, res);
  });
  inner.on('clientError', (_err, socket: net.Socket) => socket.destroy());
  inner.emit('connection', secure);
}

function forwardIntercepted(context: ProxyContext, target: InterceptedTarget, req: http.IncomingMessage, res: http.ServerResponse): void {
  const method = req.method ?? 'GET';
  // Inside a tunnel the host is fixed by the tunnel: only origin-form paths are accepted.
  if (!req.url?.startsWith('/')) {
    sendText(res, 400, 'Inside this tunnel, send origin-form requests (GET /path).\n');
    return;
  }
  const headers = forwardableHeaders(req.headers);
  headers.host = target.port === 443 ? target.host : `${target.host}:${target.port}`;
  for (const credential of target.credentials) {
    delete headers[credential.header.toLowerCase()];
    headers[credential.header.toLowerCase()] = credential.value;
  }
  context.gate.recordTunnelRequest(
    method,
    target.host,
    target.port,
    target.address,
    target.credentials.map((c) => c.header),
  );
  const upstreamCa = context.tlsInterception?.upstreamCaForTesting;
  const upstream = https.request({
    host: target.address,
    port: target.port,
    servername: target.host,
    method,
    path: req.url,
    headers,
    agent: false,
    timeout: context.connectTimeoutMs,
    ...(upstreamCa ? { ca: [...upstreamCa] } : {}),
  });
  relay(req, res, upstream, context.openSockets, target.host, context.connectTimeoutMs);
}

/** Sends the request body upstream and the answer back, with hop-by-hop headers dropped. */
function relay(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  upstream: http.ClientRequest,
  openSockets: Set<net.Socket>,
  host: string,
  connectTimeoutMs: number,
): void {
  upstream.on('socket', (s) => track(openSockets, s));
  upstream.on('timeout', () => upstream.destroy(new Error(`no answer from ${host} within ${connectTimeoutMs} ms`)));
  upstream.on('response', (upRes) => {
    upstream.setTimeout(0);
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, forwardableHeaders(upRes.headers));
    upRes.pipe(res);
    upRes.on('error', () => res.destroy());
  });
  upstream.on('error', (err) => failResponse(res, err));
  req.pipe(upstream);
  req.on('error', () => upstream.destroy());
}

/** Splits a CONNECT target `host:port` or `[v6]:port`; the port is required. */
export function parseAuthority(text: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):([0-9]{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!, port };
}

function forwardableHeaders(input: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const listed = new Set(
    String(input.connection ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  return out;
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-agent-sandbox-network': status === 403 ? 'denied' : 'error',
  });
  res.end(text);
}

function failResponse(res: http.ServerResponse, err: unknown): void {
  if (!res.headersSent) {
    sendText(res, 502, `Upstream request failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
  } else {
    res.destroy();
  }
}

function writeRawRefusal(socket: net.Socket, status: number, text: string): void {
  if (socket.destroyed) return;
  const reason = http.STATUS_CODES[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
      `X-Agent-Sandbox-Network: ${status === 403 ? 'denied' : 'error'}\r\nConnection: close\r\n\r\n${text}`,
  );
}
