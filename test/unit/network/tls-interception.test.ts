import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { after, before, test } from 'node:test';
import type { NetworkLogRecord } from '../../../src/core/network/log';
import { type EgressProxy, startEgressProxy } from '../../../src/core/network/proxy';
import { compileRules } from '../../../src/core/network/rules';
import { createTlsAuthority, type TlsAuthority, writeContainerTrust } from '../../../src/core/network/tlsAuthority';

const TOKEN = 'Bearer tls-token-5a4b3c2d';

let dir: string;
let upstreamCa: TlsAuthority; // stands in for a public CA that signed the real server's certificate
let sessionCa: TlsAuthority;
let upstream: https.Server;
let upstreamPort: number;
const seen: http.IncomingHttpHeaders[] = [];
let proxy: EgressProxy;
const records: NetworkLogRecord[] = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'net-tls-'));
  upstreamCa = await createTlsAuthority(path.join(dir, 'upstream-ca'), ['allowed.test', 'plain.test']);
  sessionCa = await createTlsAuthority(path.join(dir, 'session-ca'), ['allowed.test']);
  const serverCert = await upstreamCa.leafFor('allowed.test');
  const plainCert = await upstreamCa.leafFor('plain.test');
  upstream = https.createServer(
    {
      key: serverCert.key,
      cert: serverCert.cert,
      SNICallback: (name, cb) => cb(null, tls.createSecureContext(name === 'plain.test' ? plainCert : serverCert)),
    },
    (req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { connection: 'close' });
      res.end(`secure hello to ${req.headers.host}`);
    },
  );
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;
  proxy = await startEgressProxy({
    socketPath: path.join(dir, 'net', 'proxy.sock'),
    rules: compileRules({ allow: ['allowed.test:*', 'plain.test:*'], deny: [] }),
    resolver: async () => [{ address: '127.0.0.1', family: 4 }],
    allowAddressesForTesting: ['127.0.0.1'],
    credentials: [{ domain: 'allowed.test', header: 'Authorization', value: TOKEN }],
    tlsInterception: { authority: sessionCa, upstreamCaForTesting: [upstreamCa.certPem] },
    log: (r) => records.push(r),
  });
});

after(async () => {
  await proxy.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  sessionCa.dispose();
  upstreamCa.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** CONNECT through the proxy, then TLS with `ca` as the only trusted root, then GET /. */
function httpsThroughProxy(
  host: string,
  ca: string,
  headers: Record<string, string> = {},
  socketPath = proxy.socketPath,
): Promise<{ body: string; issuer: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method: 'CONNECT', path: `${host}:${upstreamPort}`, agent: false });
    req.on('connect', (res: http.IncomingMessage, socket: net.Socket) => {
      if (res.statusCode !== 200) return reject(new Error(`CONNECT ${res.statusCode}`));
      const secure = tls.connect({ socket, servername: host, ca }, () => {
        const issuer = secure.getPeerCertificate().issuer.CN as string;
        const extra = Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('');
        secure.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`);
        const chunks: Buffer[] = [];
        secure.on('data', (c: Buffer) => chunks.push(c));
        secure.on('end', () => resolve({ body: Buffer.concat(chunks).toString(), issuer }));
      });
      secure.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

test('HTTPS to a host with a credential is terminated with the session CA and gets the credential', async () => {
  const before = seen.length;
  const res = await httpsThroughProxy('allowed.test', sessionCa.certPem, { authorization: 'Bearer forged', host: 'evil.test' });
  assert.equal(res.issuer, 'Agent Sandbox session CA');
  assert.match(res.body, /secure hello to allowed\.test/);
  assert.equal(seen[before]!.authorization, TOKEN);
  const inner = records.at(-1)!;
  assert.equal(inner.method, 'GET');
  assert.deepEqual(inner.injected, ['Authorization']);
  assert.match(records.at(-2)!.reason, /terminated to add credentials/);
});

test('the proxy verifies the real server: an untrusted upstream certificate is a 502, not a silent downgrade', async () => {
  const strict = await startEgressProxy({
    socketPath: path.join(dir, 'strict', 'proxy.sock'),
    rules: compileRules({ allow: ['allowed.test:*'], deny: [] }),
    resolver: async () => [{ address: '127.0.0.1', family: 4 }],
    allowAddressesForTesting: ['127.0.0.1'],
    credentials: [{ domain: 'allowed.test', header: 'Authorization', value: TOKEN }],
    tlsInterception: { authority: sessionCa }, // public roots only: the test server's CA is not among them
    log: () => undefined,
  });
  try {
    const before = seen.length;
    const res = await httpsThroughProxy('allowed.test', sessionCa.certPem, {}, strict.socketPath);
    assert.match(res.body, /^HTTP\/1\.1 502/);
    assert.equal(seen.length, before, 'no request reached the server with the credential');
  } finally {
    await strict.close();
  }
});

test('HTTPS to a host without a credential stays end to end', async () => {
  const before = seen.length;
  const res = await httpsThroughProxy('plain.test', upstreamCa.certPem);
  assert.match(res.body, /secure hello to plain\.test/);
  assert.equal(seen[before]!.authorization, undefined);
  assert.equal(records.at(-1)!.method, 'CONNECT');
});

test('the session CA cannot vouch for any other name', async () => {
  await assert.rejects(sessionCa.leafFor('plain.test'), /does not issue/);
  // Even signed with its key directly, a certificate for another name fails verification:
  // the CA is name-constrained to the credential hosts.
  const keyDir = path.join(dir, 'session-ca');
  const forged = path.join(dir, 'forged.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      path.join(dir, 'forged.key'),
      '-out',
      forged,
      '-days',
      '1',
      '-subj',
      '/CN=plain.test',
      '-CA',
      path.join(keyDir, 'ca.pem'),
      '-CAkey',
      path.join(keyDir, 'ca.key'),
      '-addext',
      'subjectAltName=DNS:plain.test',
      '-addext',
      'basicConstraints=critical,CA:FALSE',
    ],
    { stdio: 'pipe' },
  );
  const verify = (cert: string) => spawnSync('openssl', ['verify', '-CAfile', path.join(keyDir, 'ca.pem'), cert], { encoding: 'utf8' });
  const forgedResult = verify(forged);
  assert.notEqual(forgedResult.status, 0);
  assert.match(forgedResult.stdout + forgedResult.stderr, /permitted subtree violation/);
  fs.writeFileSync(path.join(dir, 'good.pem'), (await sessionCa.leafFor('allowed.test')).cert);
  assert.equal(verify(path.join(dir, 'good.pem')).status, 0, 'a certificate for a credential host verifies');
});

test('the container gets the CA certificate and a full bundle, never the key', () => {
  const netDir = path.join(dir, 'trust');
  fs.mkdirSync(netDir);
  const { caFile, bundleFile } = writeContainerTrust(netDir, sessionCa);
  assert.equal(fs.readFileSync(caFile, 'utf8'), sessionCa.certPem);
  const bundle = fs.readFileSync(bundleFile, 'utf8');
  assert.ok(bundle.endsWith(sessionCa.certPem));
  assert.ok(bundle.split('BEGIN CERTIFICATE').length > 100, 'the public roots are there too');
  for (const f of fs.readdirSync(netDir)) assert.doesNotMatch(fs.readFileSync(path.join(netDir, f), 'utf8'), /PRIVATE KEY/);
});
