import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AskAnswer, AskRequest, Resolver } from '../../../src/core/network/gate';
import { jsonlNetworkLog, type NetworkLogRecord, readNetworkLog } from '../../../src/core/network/log';
import { type EgressProxy, type EgressProxyOptions, startEgressProxy } from '../../../src/core/network/proxy';
import { compileRules } from '../../../src/core/network/rules';
import { proxyConnect, proxyGet, startTestServer, type TestServer } from './helpers';

const TOKEN = 'Bearer test-token-9f8e7d6c';

/** Maps test names to fixed addresses, the way DNS would. */
function mapResolver(map: Record<string, string[]>): Resolver {
  return async (name) => {
    const addrs = map[name];
    if (!addrs) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return addrs.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

let server: TestServer;
let dir: string;
let counter = 0;
const proxies: EgressProxy[] = [];

before(async () => {
  server = await startTestServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'net-proxy-'));
});
after(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function proxyWith(overrides: Partial<EgressProxyOptions> = {}): Promise<{ proxy: EgressProxy; records: NetworkLogRecord[] }> {
  const records: NetworkLogRecord[] = [];
  const proxy = await startEgressProxy({
    socketPath: path.join(dir, `p${counter++}`, 'proxy.sock'),
    rules: compileRules({ allow: ['allowed.test:*', 'second.test:*'], deny: ['*.denied.test'] }),
    resolver: mapResolver({
      'allowed.test': ['127.0.0.1'],
      'second.test': ['127.0.0.1'],
      'private.test': ['10.0.0.5'],
      'metadata.test': ['169.254.169.254'],
    }),
    allowAddressesForTesting: ['127.0.0.1'],
    credentials: [{ domain: 'allowed.test', header: 'Authorization', value: TOKEN }],
    log: (r) => records.push(r),
    ...overrides,
  });
  proxies.push(proxy);
  return { proxy, records };
}

describe('plain HTTP through the proxy', () => {
  test('an allowed name reaches the server, with the host pinned and proxy headers stripped', async () => {
    const { proxy, records } = await proxyWith();
    const before = server.seen.length;
    const res = await proxyGet(proxy.socketPath, `http://allowed.test:${server.port}/path?q=1`, {
      'proxy-authorization': 'Basic c2VjcmV0',
      connection: 'x-private',
      'x-private': 'hop',
      'x-kept': 'yes',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'hello from test server');
    const seen = server.seen[before]!;
    assert.equal(seen.url, '/path?q=1');
    assert.equal(seen.headers.host, `allowed.test:${server.port}`);
    assert.equal(seen.headers['proxy-authorization'], undefined);
    assert.equal(seen.headers['x-private'], undefined);
    assert.equal(seen.headers['x-kept'], 'yes');
    assert.equal(records.at(-1)!.decision, 'allow');
    assert.equal(records.at(-1)!.rule, 'allowed.test:*');
    assert.equal(records.at(-1)!.address, '127.0.0.1');
  });

  test('a credential allowed over plain HTTP goes only to its domain and replaces what the client sent', async () => {
    const { proxy, records } = await proxyWith({
      credentials: [{ domain: 'allowed.test', header: 'Authorization', value: TOKEN, allowPlainHttp: true }],
    });
    const before = server.seen.length;
    await proxyGet(proxy.socketPath, `http://allowed.test:${server.port}/a`, { authorization: 'Bearer forged' });
    await proxyGet(proxy.socketPath, `http://second.test:${server.port}/b`);
    assert.equal(server.seen[before]!.headers.authorization, TOKEN);
    assert.equal(server.seen[before + 1]!.headers.authorization, undefined);
    assert.deepEqual(records.at(-2)!.injected, ['Authorization']);
    assert.ok(!JSON.stringify(records).includes('test-token'), 'the log never holds a credential value');
  });

  test('unlisted names, denied names, IP literals and non-public resolutions are refused before any connection', async () => {
    const { proxy, records } = await proxyWith();
    const before = server.seen.length;
    const attempts: [string, RegExp][] = [
      [`http://other.test:${server.port}/`, /no allow rule/],
      [`http://x.denied.test:${server.port}/`, /deny rule/],
      [`http://127.0.0.1:${server.port}/`, /IP addresses are refused/],
      [`http://2130706433:${server.port}/`, /IP addresses are refused/],
      [`http://[::1]:${server.port}/`, /IP addresses are refused/],
    ];
    for (const [url, reason] of attempts) {
      const res = await proxyGet(proxy.socketPath, url);
      assert.equal(res.status, 403, url);
      assert.equal(res.headers['x-agent-sandbox-network'], 'denied');
      assert.match(records.at(-1)!.reason, reason, url);
      assert.equal(records.at(-1)!.decision, 'deny');
    }
    assert.equal(server.seen.length, before, 'the server saw none of them');
  });

  test('names resolving to private or metadata addresses are refused even when allowed by name', async () => {
    const { proxy, records } = await proxyWith({
      rules: compileRules({ allow: ['private.test:*', 'metadata.test:*', 'mixed.test:*'], deny: [] }),
      resolver: mapResolver({
        'private.test': ['10.0.0.5'],
        'metadata.test': ['169.254.169.254'],
        'mixed.test': ['8.8.8.8', '192.168.0.1'],
      }),
    });
    assert.equal((await proxyGet(proxy.socketPath, 'http://private.test/')).status, 403);
    assert.match(records.at(-1)!.reason, /10\.0\.0\.5 \(private\)/);
    assert.equal((await proxyGet(proxy.socketPath, 'http://metadata.test/latest/meta-data/')).status, 403);
    assert.match(records.at(-1)!.reason, /169\.254\.169\.254 \(metadata\)/);
    assert.equal((await proxyGet(proxy.socketPath, 'http://mixed.test/')).status, 403);
    assert.match(records.at(-1)!.reason, /192\.168\.0\.1 \(private\)/);
  });

  test('loopback is refused by default: only the explicit testing option opens it', async () => {
    const { proxy, records } = await proxyWith({ allowAddressesForTesting: [] });
    const before = server.seen.length;
    assert.equal((await proxyGet(proxy.socketPath, `http://allowed.test:${server.port}/`)).status, 403);
    assert.match(records.at(-1)!.reason, /127\.0\.0\.1 \(loopback\)/);
    assert.equal(server.seen.length, before);
  });

  test('an address listed as an allow rule may be the target of a name', async () => {
    const { proxy } = await proxyWith({
      allowAddressesForTesting: [],
      rules: compileRules({ allow: ['allowed.test:*', '127.0.0.1:*'], deny: [] }),
    });
    assert.equal((await proxyGet(proxy.socketPath, `http://allowed.test:${server.port}/`)).status, 200);
  });

  test('the proxy connects to the address it checked, so a rebinding answer cannot slip in', async () => {
    let calls = 0;
    const rebinding: Resolver = async () => {
      calls++;
      return [{ address: calls === 1 ? '127.0.0.1' : '10.0.0.1', family: 4 }];
    };
    const { proxy, records } = await proxyWith({ resolver: rebinding });
    const before = server.seen.length;
    assert.equal((await proxyGet(proxy.socketPath, `http://allowed.test:${server.port}/`)).status, 200);
    assert.equal(calls, 1, 'resolved exactly once for the check and the connection');
    assert.equal(server.seen.length, before + 1);
    // The next request sees the rebound answer and is refused.
    assert.equal((await proxyGet(proxy.socketPath, `http://allowed.test:${server.port}/`)).status, 403);
    assert.match(records.at(-1)!.reason, /10\.0\.0\.1 \(private\)/);
  });

  test('protocol upgrades are refused and logged, even to an allowed host', async () => {
    const { proxy, records } = await proxyWith();
    const before = server.seen.length;
    const res = await proxyGet(proxy.socketPath, `http://allowed.test:${server.port}/ws`, {
      connection: 'Upgrade',
      upgrade: 'websocket',
    }).catch((err: Error) => ({ status: -1, body: err.message, headers: {} }));
    assert.equal(res.status, 403);
    assert.equal(records.at(-1)!.decision, 'deny');
    assert.match(records.at(-1)!.reason, /upgrades/);
    assert.equal(server.seen.length, before);
  });

  test('origin-form requests and URLs with credentials are refused', async () => {
    const { proxy } = await proxyWith();
    assert.equal((await proxyGet(proxy.socketPath, '/not-absolute')).status, 400);
    assert.equal((await proxyGet(proxy.socketPath, `http://u:p@allowed.test:${server.port}/`)).status, 400);
  });
});

describe('CONNECT tunnels', () => {
  test('an allowed host gets a tunnel; credentials are not added to tunnels', async () => {
    const { proxy, records } = await proxyWith();
    const before = server.seen.length;
    const res = await proxyConnect(proxy.socketPath, `allowed.test:${server.port}`);
    assert.equal(res.status, 200);
    assert.match(res.body, /hello from test server/);
    assert.equal(server.seen[before]!.url, '/through-tunnel');
    assert.equal(server.seen[before]!.headers.authorization, undefined);
    assert.equal(records.at(-1)!.method, 'CONNECT');
    assert.equal(records.at(-1)!.decision, 'allow');
    assert.match(records.at(-1)!.reason, /credentials are not added to HTTPS tunnels without a session CA/);
  });

  test('denied tunnels get 403 and no connection', async () => {
    const { proxy, records } = await proxyWith();
    const before = server.seen.length;
    for (const authority of [`other.test:${server.port}`, `127.0.0.1:${server.port}`, 'metadata.test:443', `[::1]:${server.port}`]) {
      const res = await proxyConnect(proxy.socketPath, authority);
      assert.equal(res.status, 403, authority);
      assert.equal(records.at(-1)!.decision, 'deny');
    }
    assert.equal(server.seen.length, before);
  });
});

describe('asking a person', () => {
  const askRules = compileRules({ allow: [], deny: ['blocked.test'], unlisted: 'ask' });
  const askResolver = mapResolver({ 'ask.test': ['127.0.0.1'], 'blocked.test': ['127.0.0.1'] });

  test('without anyone to ask (CLI, MCP) an unlisted host is denied', async () => {
    const { proxy, records } = await proxyWith({ rules: askRules, resolver: askResolver });
    assert.equal((await proxyGet(proxy.socketPath, `http://ask.test:${server.port}/`)).status, 403);
    assert.match(records.at(-1)!.reason, /nobody can be asked/);
  });

  test('allow for the session asks once; concurrent requests share one prompt', async () => {
    const asked: AskRequest[] = [];
    const onAsk = async (req: AskRequest): Promise<AskAnswer> => {
      asked.push(req);
      await new Promise((r) => setTimeout(r, 50));
      return 'allow-session';
    };
    const { proxy, records } = await proxyWith({ rules: askRules, resolver: askResolver, onAsk });
    const url = `http://ask.test:${server.port}/`;
    const results = await Promise.all([proxyGet(proxy.socketPath, url), proxyGet(proxy.socketPath, url)]);
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200],
    );
    assert.equal((await proxyGet(proxy.socketPath, url)).status, 200);
    assert.equal(asked.length, 1);
    assert.deepEqual(asked[0], { method: 'GET', host: 'ask.test', port: server.port });
    assert.deepEqual(proxy.gate.sessionApprovals(), [`ask.test:${server.port}`]);
    assert.equal(records.at(-1)!.reason, 'approved earlier in this session');
  });

  test('allow once asks again next time; deny, a failing prompt and no answer all deny', async () => {
    let answer: () => Promise<AskAnswer> = async () => 'allow-once';
    let asks = 0;
    const { proxy, records } = await proxyWith({
      rules: askRules,
      resolver: askResolver,
      askTimeoutMs: 100,
      onAsk: () => {
        asks++;
        return answer();
      },
    });
    const url = `http://ask.test:${server.port}/`;
    assert.equal((await proxyGet(proxy.socketPath, url)).status, 200);
    assert.equal((await proxyGet(proxy.socketPath, url)).status, 200);
    assert.equal(asks, 2);
    answer = async () => 'deny';
    assert.equal((await proxyGet(proxy.socketPath, url)).status, 403);
    assert.equal(records.at(-1)!.answer, 'deny');
    answer = async () => {
      throw new Error('prompt failed');
    };
    assert.equal((await proxyGet(proxy.socketPath, url)).status, 403);
    answer = () => new Promise(() => undefined);
    assert.equal((await proxyGet(proxy.socketPath, url)).status, 403);
  });

  test('a denied host is never put to a person', async () => {
    let asks = 0;
    const { proxy } = await proxyWith({
      rules: askRules,
      resolver: askResolver,
      onAsk: async () => {
        asks++;
        return 'allow-once';
      },
    });
    assert.equal((await proxyGet(proxy.socketPath, `http://blocked.test:${server.port}/`)).status, 403);
    assert.equal(asks, 0);
  });
});

describe('the log and the socket', () => {
  test('every request is a JSONL record with its decision', async () => {
    const file = path.join(dir, 'log', 'network.jsonl');
    const { proxy } = await proxyWith({ log: jsonlNetworkLog(file) });
    await proxyGet(proxy.socketPath, `http://allowed.test:${server.port}/`);
    await proxyGet(proxy.socketPath, `http://other.test:${server.port}/`);
    await proxyConnect(proxy.socketPath, `127.0.0.1:${server.port}`);
    const records = readNetworkLog(file);
    assert.deepEqual(
      records.map((r) => [r.method, r.host, r.port, r.decision]),
      [
        ['GET', 'allowed.test', server.port, 'allow'],
        ['GET', 'other.test', server.port, 'deny'],
        ['CONNECT', '127.0.0.1', server.port, 'deny'],
      ],
    );
    for (const r of records) {
      assert.ok(!Number.isNaN(Date.parse(r.time)));
      assert.ok(r.reason.length > 0);
    }
    assert.equal(records[0]!.rule, 'allowed.test:*');
    assert.ok(!fs.readFileSync(file, 'utf8').includes('test-token'));
  });

  test('the socket is private to its owner and removed on close', async () => {
    const { proxy } = await proxyWith();
    assert.equal(fs.statSync(proxy.socketPath).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(proxy.socketPath)).mode & 0o777, 0o711);
    await proxy.close();
    assert.equal(fs.existsSync(proxy.socketPath), false);
  });

  test('a live proxy is never displaced; a stale socket is replaced', async () => {
    const { proxy } = await proxyWith();
    await assert.rejects(
      startEgressProxy({ socketPath: proxy.socketPath, rules: compileRules({ allow: [], deny: [] }), log: () => undefined }),
      /already serving/,
    );
    assert.equal((await proxyGet(proxy.socketPath, `http://allowed.test:${server.port}/`)).status, 200, 'the first proxy still serves');
    // A socket file nobody listens on, as a killed process leaves it.
    const stalePath = path.join(dir, 'stale', 'proxy.sock');
    fs.mkdirSync(path.dirname(stalePath));
    await new Promise<void>((resolve) => {
      const s = net.createServer().listen(stalePath, () => {
        // Closing a server removes its socket file, a crash does not: move it aside meanwhile.
        fs.renameSync(stalePath, `${stalePath}.keep`);
        s.close(() => {
          fs.renameSync(`${stalePath}.keep`, stalePath);
          resolve();
        });
      });
    });
    assert.ok(fs.lstatSync(stalePath).isSocket());
    const { proxy: fresh } = await proxyWith({ socketPath: stalePath });
    assert.equal((await proxyGet(fresh.socketPath, `http://allowed.test:${server.port}/`)).status, 200);
  });

  test('a socket path too long for the kernel is a clear error', async () => {
    await assert.rejects(
      startEgressProxy({
        socketPath: path.join(dir, 'x'.repeat(120), 'proxy.sock'),
        rules: compileRules({ allow: [], deny: [] }),
        log: () => undefined,
      }),
      /socket path is too long/,
    );
  });
});
