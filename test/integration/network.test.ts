/**
 * The network policy against the real Docker engine. A local HTTP server on the host stands
 * in for the outside; the proxy's resolver maps test names to it (and to private and
 * metadata addresses that nothing is ever sent to).
 *
 * Each mode runs in a real sandbox session (the hardened container the product starts),
 * with its state in a temporary folder, destroyed afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectEngine } from '../../src/core/engine/connection';
import { CONTAINER_NET_DIR } from '../../src/core/network/container';
import type { Resolver } from '../../src/core/network/gate';
import { readNetworkLog } from '../../src/core/network/log';
import { openSessionNetwork, type SessionNetwork } from '../../src/core/network/sessionNetwork';
import { createTlsAuthority, type TlsAuthority } from '../../src/core/network/tlsAuthority';
import { DEFAULT_POLICY, type Policy } from '../../src/core/policy';
import { startSession } from '../../src/core/session/lifecycle';
import { SandboxSession } from '../../src/core/session/session';
import { resolveUser } from '../../src/core/session/workspace';
import { testRuntime, testUnderGvisor } from './support/sandbox';

const IMAGE = process.env.AGENT_SANDBOX_BASE_IMAGE ?? 'agent-sandbox-base:bookworm';
const TOKEN = `Bearer sandbox-test-${randomBytes(12).toString('hex')}`;
const REPO_ROOT = path.resolve(__dirname, '..', '..');

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(session: SandboxSession, argv: string[]): Promise<RunResult> {
  const r = await session.run(argv, { timeoutSec: 60 });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/**
 * The errno of a connect to an address without a route: Linux says ENETUNREACH; gVisor's
 * own network stack, which has only loopback too, says EHOSTUNREACH.
 */
const NO_ROUTE = testUnderGvisor() ? 'EHOSTUNREACH' : 'ENETUNREACH';

function policyWith(network: Pick<Policy['network'], 'mode' | 'allow' | 'deny'>): Policy {
  return { ...structuredClone(DEFAULT_POLICY), image: IMAGE, runtime: testRuntime(), network: { ...DEFAULT_POLICY.network, ...network } };
}

function makeWorkspace(name: string): string {
  const dir = path.join(stateDir, 'workspaces', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'README.md'), 'network test workspace\n');
  return dir;
}

/** Python that tries a TCP connection and prints the errno name, or "connected". */
const PY_CONNECT = [
  'import errno, socket, sys',
  's = socket.socket(socket.AF_INET, socket.SOCK_STREAM)',
  's.settimeout(5)',
  'try:',
  '    s.connect((sys.argv[1], int(sys.argv[2])))',
  '    print("connected")',
  'except OSError as e:',
  '    print(errno.errorcode.get(e.errno, str(e)))',
].join('\n');

/** Python that tries to open raw and packet sockets and prints what happened to each. */
const PY_RAW = [
  'import errno, socket',
  'for name, args in [("raw-icmp", (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)),',
  '                   ("raw-tcp", (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)),',
  '                   ("packet", (socket.AF_PACKET, socket.SOCK_RAW, 0))]:',
  '    try:',
  '        socket.socket(*args)',
  '        print(name, "opened")',
  '    except OSError as e:',
  '        print(name, errno.errorcode.get(e.errno, str(e)))',
].join('\n');

/** Python that speaks to the proxy's UNIX socket directly, skipping the forwarder. */
const PY_UNIX_SOCKET = [
  'import socket, sys',
  's = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
  's.connect(sys.argv[1])',
  's.sendall(("GET http://" + sys.argv[2] + "/ HTTP/1.1\\r\\nHost: " + sys.argv[2] + "\\r\\nConnection: close\\r\\n\\r\\n").encode())',
  'print(s.recv(4096).decode().split("\\r\\n")[0])',
].join('\n');

interface Outside {
  readonly port: number;
  readonly seen: { url: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function startOutside(host: string): Promise<Outside> {
  const seen: Outside['seen'] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end('hello from the outside');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An IPv4 address of this machine other than loopback (Docker's bridge preferred): a
 * container with any route out would reach a listener there.
 */
function hostOwnAddress(): string | undefined {
  const interfaces = os.networkInterfaces();
  const ipv4 = (name: string) => interfaces[name]?.find((a) => a.family === 'IPv4' && !a.internal)?.address;
  return (
    ipv4('docker0') ??
    Object.keys(interfaces)
      .map(ipv4)
      .find((a) => a !== undefined)
  );
}

let stateDir: string;
let sessionEnv: NodeJS.ProcessEnv;
let outside: Outside;
let hostListener: Outside | undefined;
let gateway: string | undefined;

before(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'asb-net-'));
  sessionEnv = { ...process.env, AGENT_SANDBOX_STATE_DIR: path.join(stateDir, 'state') };
  outside = await startOutside('127.0.0.1');
  gateway = hostOwnAddress();
  assert.ok(gateway, 'this machine has a non-loopback IPv4 address');
  // A listener on the host's own address: a container with a route would reach it.
  hostListener = await startOutside(gateway);
});

after(async () => {
  await outside?.close();
  await hostListener?.close();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
});

describe('network mode none', () => {
  let container: SandboxSession;
  let network: SessionNetwork;
  before(async () => {
    const policy = policyWith({ mode: 'none', allow: [], deny: [] });
    network = await openSessionNetwork({
      network: policy.network,
      netDir: path.join(stateDir, 'net', 'none'),
      logFile: path.join(stateDir, 'none.jsonl'),
      sandboxUser: resolveUser(policy).user,
    });
    ({ session: container } = await startSession({
      workspaceRoot: makeWorkspace('none'),
      policy,
      env: sessionEnv,
      strategy: 'copy',
      extraMounts: network.additions.extraMounts,
      extraEnv: network.additions.extraEnv,
    }));
    await container.serveNetwork(network);
  });
  after(async () => {
    await container?.destroy();
    await network?.close();
  });

  test('only loopback exists, and there is no route', async () => {
    // gVisor's sysfs has no network class; its /proc/net/dev lists the interfaces instead.
    const interfaces = testUnderGvisor()
      ? (await run(container, ['sh', '-c', "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"])).stdout.trim()
      : (await run(container, ['ls', '/sys/class/net'])).stdout.trim();
    assert.equal(interfaces, 'lo');
    const routes = (await run(container, ['cat', '/proc/net/route'])).stdout.trim().split('\n');
    assert.equal(routes.length, 1, `only the header line: ${routes.join(' | ')}`);
  });

  test('TCP to any non-loopback address has no route', async () => {
    const target = gateway!;
    const res = await run(container, ['python3', '-c', PY_CONNECT, target, String(hostListener!.port)]);
    assert.equal(res.stdout.trim(), NO_ROUTE, res.stderr);
  });

  test('DNS resolution fails', async () => {
    const res = await run(container, ['getent', 'hosts', 'example.com']);
    assert.notEqual(res.code, 0);
    assert.equal(res.stdout, '');
  });

  test('the proxy is unreachable: no forwarder port, no socket', async () => {
    const port = await run(container, ['python3', '-c', PY_CONNECT, '127.0.0.1', '3128']);
    assert.equal(port.stdout.trim(), 'ECONNREFUSED');
    const curl = await run(container, ['curl', '-sS', '--max-time', '5', '-x', 'http://127.0.0.1:3128', 'http://allowed.test/']);
    assert.equal(curl.code, 7, curl.stderr);
    const dir = await run(container, ['ls', CONTAINER_NET_DIR]);
    assert.notEqual(dir.code, 0);
    const env = await run(container, ['env']);
    assert.doesNotMatch(env.stdout, /_proxy=|_PROXY=/);
  });
});

describe('network mode allowlist', () => {
  let container: SandboxSession;
  let network: SessionNetwork;
  let logFile: string;
  // The outside over HTTPS, with a certificate from a CA that stands in for a public one.
  let publicCa: TlsAuthority;
  let secureOutside: https.Server;
  let securePort: number;
  const secureSeen: http.IncomingHttpHeaders[] = [];
  const curl = (...args: string[]) =>
    run(container, ['curl', '-sS', '--max-time', '10', '-o', '/dev/stderr', '-w', '%{http_code}', ...args]);

  before(async () => {
    const resolver: Resolver = async (name) => {
      const map: Record<string, string> = { 'allowed.test': '127.0.0.1', 'private.test': '10.0.0.5', 'metadata.test': '169.254.169.254' };
      const address = map[name];
      if (!address) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return [{ address, family: 4 }];
    };
    publicCa = await createTlsAuthority(path.join(stateDir, 'public-ca'), ['allowed.test']);
    secureOutside = https.createServer(await publicCa.leafFor('allowed.test'), (req, res) => {
      secureSeen.push(req.headers);
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
      res.end('secure hello from the outside');
    });
    await new Promise<void>((resolve) => secureOutside.listen(0, '127.0.0.1', resolve));
    securePort = (secureOutside.address() as AddressInfo).port;
    const policy = policyWith({ mode: 'allowlist', allow: ['allowed.test:*', 'private.test:*', 'metadata.test:*'], deny: [] });
    logFile = path.join(stateDir, 'allowlist.jsonl');
    network = await openSessionNetwork({
      network: policy.network,
      netDir: path.join(stateDir, 'net', 'allowlist'),
      logFile,
      sandboxUser: resolveUser(policy).user,
      resolver,
      allowAddressesForTesting: ['127.0.0.1'],
      credentials: [{ domain: 'allowed.test', header: 'Authorization', value: TOKEN }],
      upstreamCaForTesting: [publicCa.certPem],
      forwarderScript: path.join(REPO_ROOT, 'media', 'net-forwarder.js'),
    });
    ({ session: container } = await startSession({
      workspaceRoot: makeWorkspace('allowlist'),
      policy,
      env: sessionEnv,
      strategy: 'copy',
      extraMounts: network.additions.extraMounts,
      extraEnv: network.additions.extraEnv,
    }));
    await container.serveNetwork(network);
  });
  after(async () => {
    await container?.destroy();
    await network?.close();
    secureOutside?.closeAllConnections();
    await new Promise((resolve) => secureOutside?.close(resolve));
    publicCa?.dispose();
  });

  test('an allowed domain is reached through the proxy over plain HTTP, without the token (TLS only by default)', async () => {
    const before = outside.seen.length;
    const res = await curl(`http://allowed.test:${outside.port}/plain`);
    assert.equal(res.stdout, '200', res.stderr);
    assert.equal(res.stderr, 'hello from the outside');
    const seen = outside.seen[before]!;
    assert.equal(seen.url, '/plain');
    assert.equal(seen.headers.authorization, undefined);
  });

  test('an allowed domain is reached through a CONNECT tunnel', async () => {
    const before = outside.seen.length;
    const res = await curl('--proxytunnel', `http://allowed.test:${outside.port}/tunnel`);
    assert.equal(res.stdout, '200', res.stderr);
    assert.equal(outside.seen[before]!.url, '/tunnel');
  });

  test('HTTPS to the allowed domain gets the token too (curl and Python), through the session CA', async () => {
    const before = secureSeen.length;
    const res = await curl(`https://allowed.test:${securePort}/secure`);
    assert.equal(res.stdout, '200', res.stderr);
    assert.equal(res.stderr, 'secure hello from the outside');
    const py = await run(container, [
      'python3',
      '-c',
      'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())',
      `https://allowed.test:${securePort}/python`,
    ]);
    assert.equal(py.stdout.trim(), 'secure hello from the outside', py.stderr);
    assert.equal(secureSeen.length, before + 2);
    for (const headers of secureSeen.slice(before)) assert.equal(headers.authorization, TOKEN);
    // Only the CA certificate is in the container; its key stays on the host.
    const key = await run(container, [
      'sh',
      '-c',
      `grep -rl "PRIVATE KEY" ${CONTAINER_NET_DIR}/ca.pem ${CONTAINER_NET_DIR}/ca-bundle.pem; test -e ${CONTAINER_NET_DIR}/ca.key`,
    ]);
    assert.equal(key.stdout, '');
    assert.notEqual(key.code, 0);
  });

  test('another domain, an IP literal, and names resolving to private or metadata addresses are refused', async () => {
    const before = outside.seen.length;
    for (const url of [
      `http://other.test:${outside.port}/`,
      `http://127.0.0.1:${outside.port}/`,
      'http://private.test/',
      'http://metadata.test/latest/meta-data/',
    ]) {
      const res = await curl(url);
      assert.equal(res.stdout, '403', `${url}: ${res.stderr}`);
      assert.match(res.stderr, /Blocked by the Agent Sandbox network policy/);
    }
    const tunnel = await curl('--proxytunnel', 'https://other.test/');
    assert.notEqual(tunnel.code, 0);
    assert.match(tunnel.stderr, /403/);
    assert.equal(outside.seen.length, before, 'the outside saw none of them');
  });

  test('bypassing the proxy fails: no proxy variables, raw sockets, direct connections, DNS', async () => {
    const noProxy = await run(container, ['curl', '-sS', '--max-time', '5', '--noproxy', '*', `http://allowed.test:${outside.port}/`]);
    assert.equal(noProxy.code, 6, `could not resolve host: ${noProxy.stderr}`);
    const unsetEnv = await run(container, [
      'env',
      '-u',
      'http_proxy',
      '-u',
      'HTTP_PROXY',
      'curl',
      '-sS',
      '--max-time',
      '5',
      `http://allowed.test:${outside.port}/`,
    ]);
    assert.equal(unsetEnv.code, 6, unsetEnv.stderr);

    const raw = await run(container, ['python3', '-c', PY_RAW]);
    assert.deepEqual(raw.stdout.trim().split('\n'), ['raw-icmp EPERM', 'raw-tcp EPERM', 'packet EPERM']);

    const target = gateway!;
    const direct = await run(container, ['python3', '-c', PY_CONNECT, target, String(hostListener!.port)]);
    assert.equal(direct.stdout.trim(), NO_ROUTE);
    const nodeDirect = await run(container, [
      'node',
      '-e',
      'require("net").connect(Number(process.argv[2]), process.argv[1]).on("connect", () => { console.log("connected"); process.exit(0); }).on("error", (e) => { console.log(e.code); process.exit(1); })',
      target,
      String(hostListener!.port),
    ]);
    assert.equal(nodeDirect.stdout.trim(), NO_ROUTE);

    const dns = await run(container, ['getent', 'hosts', 'example.com']);
    assert.notEqual(dns.code, 0);
    assert.equal(dns.stdout, '');
  });

  test('the proxy socket itself is still the gate, and its folder cannot be changed', async () => {
    const viaSocket = await run(container, ['python3', '-c', PY_UNIX_SOCKET, `${CONTAINER_NET_DIR}/proxy.sock`, 'other.test']);
    assert.match(viaSocket.stdout, /^HTTP\/1\.1 403/, viaSocket.stderr);
    const write = await run(container, ['touch', `${CONTAINER_NET_DIR}/planted`]);
    assert.notEqual(write.code, 0);
    const remove = await run(container, ['rm', '-f', `${CONTAINER_NET_DIR}/proxy.sock`]);
    assert.notEqual(remove.code, 0);
    assert.ok(fs.existsSync(network.proxy!.socketPath));
  });

  test('the token cannot be found anywhere inside the container', async () => {
    const secret = TOKEN.split(' ')[1]!;
    // Proves the search below finds what is there: a marker planted on purpose.
    const marker = `marker-${randomBytes(8).toString('hex')}`;
    await run(container, ['sh', '-c', 'printf %s "$1" > /tmp/planted-marker', 'sh', marker]);
    // The pattern is the needle with its first character bracketed (a[b]c): it matches the
    // needle without containing it, so the search's own command line is not a hit.
    const search = (needle: string) =>
      run(container, [
        'sh',
        '-c',
        'grep -rlsa --devices=skip -e "$1" / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev; cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | grep -ca -e "$1"; true',
        'sh',
        `[${needle[0]}]${needle.slice(1)}`,
      ]);
    const planted = await search(marker);
    assert.match(planted.stdout, /\/tmp\/planted-marker/);
    // And that process environments are searched: the proxy variable lives only there.
    assert.equal((await search('HTTPS_PROXY=http://127.0.0.1:3128')).stdout.trim().split('\n').at(-1), '1');
    const found = await search(secret);
    // The only output is grep -c's count for process environments and command lines: 0.
    assert.equal(found.stdout.trim(), '0', `token found in: ${found.stdout}`);
    const inspect = await (await connectEngine()).docker.getContainer(container.containerId).inspect();
    assert.ok(!JSON.stringify(inspect).includes(secret), 'not in the container configuration either');
  });

  test('every proxied attempt is in the log with its decision', async () => {
    const records = readNetworkLog(logFile);
    const find = (method: string, host: string, decision: string) =>
      records.find((r) => r.method === method && r.host === host && r.decision === decision);
    assert.ok(find('GET', 'allowed.test', 'allow'), 'plain request to the allowed domain');
    assert.ok(find('CONNECT', 'allowed.test', 'allow'), 'tunnel to the allowed domain');
    const secure = records.filter((r) => r.method === 'GET' && r.host === 'allowed.test' && r.port === securePort);
    assert.equal(secure.length, 2, 'each HTTPS request inside the terminated tunnels');
    for (const r of secure) assert.deepEqual(r.injected, ['Authorization']);
    assert.ok(find('GET', 'other.test', 'deny'), 'another domain');
    assert.ok(find('CONNECT', 'other.test', 'deny'), 'a tunnel to another domain');
    assert.ok(find('GET', '127.0.0.1', 'deny'), 'an IP literal');
    assert.match(find('GET', 'private.test', 'deny')!.reason, /private/);
    assert.match(find('GET', 'metadata.test', 'deny')!.reason, /metadata/);
    const plain = records.find((r) => r.method === 'GET' && r.host === 'allowed.test' && r.port === outside.port)!;
    assert.equal(plain.injected, undefined, 'no credential over plain HTTP');
    assert.match(plain.reason, /credentials are not added to plain HTTP requests/);
    assert.ok(!fs.readFileSync(logFile, 'utf8').includes(TOKEN.split(' ')[1]!), 'the log never holds the token');
    // Attempts that bypass the proxy never reach it, so the kernel's refusal is their record.
    for (const r of records) assert.ok(r.time && r.reason && typeof r.port === 'number');
  });
});
