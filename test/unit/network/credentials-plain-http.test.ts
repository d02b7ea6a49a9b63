/**
 * Credentials go into requests over TLS only, unless the person's own settings say a rule may
 * travel over plain HTTP: an upstream that echoes headers, or anything on the path of a plain
 * request, would otherwise hand the secret back into the sandbox.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SandboxError } from '../../../src/core/errors';
import { resolveCredentials, type HostCredential } from '../../../src/core/network/credentials';
import type { NetworkLogRecord } from '../../../src/core/network/log';
import { type EgressProxy, startEgressProxy } from '../../../src/core/network/proxy';
import { compileRules } from '../../../src/core/network/rules';
import { resolvePolicy } from '../../../src/core/policy';
import { proxyGet } from './helpers';

const SECRET = 'plain-http-secret-5b1e';

let echo: http.Server;
let echoPort: number;
let dir: string;
let counter = 0;
const proxies: EgressProxy[] = [];

before(async () => {
  // Answers every request with the headers it received, as some debugging endpoints do.
  echo = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify(req.headers));
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as AddressInfo).port;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'net-cred-plain-'));
});

after(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  echo.closeAllConnections();
  await new Promise((resolve) => echo.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function proxyWith(credentials: HostCredential[]): Promise<{ proxy: EgressProxy; records: NetworkLogRecord[] }> {
  const records: NetworkLogRecord[] = [];
  const proxy = await startEgressProxy({
    socketPath: path.join(dir, `p${counter++}`, 'proxy.sock'),
    rules: compileRules({ allow: ['echo.test:*'], deny: [] }),
    resolver: async () => [{ address: '127.0.0.1', family: 4 }],
    allowAddressesForTesting: ['127.0.0.1'],
    credentials,
    log: (r) => records.push(r),
  });
  proxies.push(proxy);
  return { proxy, records };
}

describe('credentials and plain HTTP', () => {
  test('by default a credential is not added to a plain HTTP request, so an echoing upstream cannot return it', async () => {
    const credentials = resolveCredentials([{ domain: 'echo.test', header: 'Authorization', env: 'ECHO_TOKEN', prefix: 'Bearer ' }], {
      ECHO_TOKEN: SECRET,
    });
    const { proxy, records } = await proxyWith(credentials);
    const answer = await proxyGet(proxy.socketPath, `http://echo.test:${echoPort}/whoami`);
    assert.equal(answer.status, 200);
    const echoed = JSON.parse(answer.body) as Record<string, string>;
    assert.equal(echoed.host, `echo.test:${echoPort}`, 'the request reached the echoing upstream');
    assert.equal(echoed.authorization, undefined);
    assert.ok(!answer.body.includes(SECRET), 'the secret came back into the sandbox');
    const record = records.at(-1)!;
    assert.equal(record.decision, 'allow');
    assert.equal(record.injected, undefined);
    assert.match(record.reason, /not added to plain HTTP/);
  });

  test('a rule that says allowPlainHttp is added to plain HTTP requests too', async () => {
    const credentials = resolveCredentials([{ domain: 'echo.test', header: 'X-Api-Key', env: 'ECHO_TOKEN', allowPlainHttp: true }], {
      ECHO_TOKEN: SECRET,
    });
    assert.equal(credentials[0]!.allowPlainHttp, true);
    const { proxy, records } = await proxyWith(credentials);
    const answer = await proxyGet(proxy.socketPath, `http://echo.test:${echoPort}/whoami`);
    assert.equal((JSON.parse(answer.body) as Record<string, string>)['x-api-key'], SECRET);
    assert.deepEqual(records.at(-1)!.injected, ['X-Api-Key']);
  });

  test('only the user layer may set allowPlainHttp: a workspace cannot name credentials at all', () => {
    const credential = { domain: 'echo.test', header: 'Authorization', env: 'ECHO_TOKEN', allowPlainHttp: true };
    const user = { raw: { network: { mode: 'allowlist', allow: ['echo.test'], credentials: [credential] } }, origin: 'user settings' };
    assert.deepEqual(resolvePolicy({ user }).policy.network.credentials, [credential]);
    const attempts = [
      { workspaceSettings: { raw: { network: { credentials: [credential] } }, origin: 'workspace settings' } },
      {
        workspaceSettings: { raw: { network: { credentials: [{ ...credential, allowPlainHttp: false }] } }, origin: 'workspace settings' },
      },
    ];
    for (const attempt of attempts) {
      assert.throws(
        () => resolvePolicy({ user, ...attempt }),
        (err: unknown) => err instanceof SandboxError && /network\.credentials/.test(err.message) && /user settings/.test(err.message),
      );
    }
  });

  test('allowPlainHttp must be a boolean', () => {
    const user = {
      raw: { network: { credentials: [{ domain: 'echo.test', header: 'Authorization', env: 'ECHO_TOKEN', allowPlainHttp: 'yes' }] } },
      origin: 'user settings',
    };
    assert.throws(
      () => resolvePolicy({ user }),
      (err: unknown) => err instanceof SandboxError && /allowPlainHttp/.test(err.message),
    );
  });
});
