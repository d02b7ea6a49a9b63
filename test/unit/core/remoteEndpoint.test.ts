// Which remote engines the sandbox talks to, and how: ssh only to a host whose key is already
// trusted, TCP only with TLS unless the address is this machine's loopback.
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { dockerFor, resolveEndpoint } from '../../../src/core/engine/connection';
import { isLoopbackHost, readKnownHostKeys, sshOptionsFor, tcpOptionsFor } from '../../../src/core/engine/remoteEndpoint';
import { SandboxError } from '../../../src/core/errors';

const KEY_A = Buffer.from('host key a').toString('base64');
const KEY_B = Buffer.from('host key b').toString('base64');

const made: string[] = [];
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

function tempHome(knownHosts?: string, withKey = true): string {
  const home = tempDir('remote-endpoint-');
  fs.mkdirSync(path.join(home, '.ssh'));
  if (knownHosts !== undefined) fs.writeFileSync(path.join(home, '.ssh', 'known_hosts'), knownHosts);
  if (withKey) fs.writeFileSync(path.join(home, '.ssh', 'id_ed25519'), 'not a real key');
  return home;
}

function hashed(name: string): string {
  const salt = crypto.randomBytes(20);
  return `|1|${salt.toString('base64')}|${crypto.createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('remote engine endpoints', () => {
  it('treats only a unix socket or a named pipe as a local engine', () => {
    assert.equal(resolveEndpoint({ DOCKER_HOST: 'unix:///var/run/docker.sock' }).local, true);
    assert.equal(resolveEndpoint({ DOCKER_HOST: 'tcp://127.0.0.1:2376' }).local, false);
    assert.equal(resolveEndpoint({ DOCKER_HOST: 'ssh://me@127.0.0.1' }).local, false);
  });

  it('refuses plain TCP to another machine and names the danger', () => {
    const home = tempHome();
    assert.throws(
      () => tcpOptionsFor('tcp://10.0.0.5:2375', {}, home),
      (err: SandboxError) =>
        err instanceof SandboxError && /plain TCP without TLS/.test(err.message) && /DOCKER_TLS_VERIFY/.test(err.hint ?? ''),
    );
    assert.throws(() => dockerFor(resolveEndpoint({ DOCKER_HOST: 'tcp://example.com:2375' }), {}, home), /plain TCP without TLS/);
  });

  it('allows plain TCP only to loopback', () => {
    assert.deepEqual(tcpOptionsFor('tcp://127.0.0.1:2375', {}, tempHome()), { host: '127.0.0.1', port: 2375, protocol: 'http' });
    assert.equal(isLoopbackHost('[::1]'), true);
    assert.equal(isLoopbackHost('localhost'), true);
    assert.equal(isLoopbackHost('128.0.0.1'), false);
    assert.equal(isLoopbackHost('127.0.0.1.example.com'), false);
  });

  it('uses TLS with the certificates in DOCKER_CERT_PATH, and says which file is missing', () => {
    const certs = tempDir('remote-certs-');
    for (const name of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(certs, name), name);
    const options = tcpOptionsFor('tcp://10.0.0.5:2376', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }, tempHome());
    assert.equal(options.protocol, 'https');
    assert.equal(String(options.ca), 'ca.pem');
    assert.equal(String(options.key), 'key.pem');
    fs.rmSync(path.join(certs, 'key.pem'));
    assert.throws(() => tcpOptionsFor('tcp://10.0.0.5:2376', { DOCKER_CERT_PATH: certs }, tempHome()), /key\.pem/);
  });

  it('reads plain, hashed, ported and revoked known_hosts entries', () => {
    const home = tempHome(
      [
        `# comment`,
        `other.example ssh-ed25519 ${KEY_B}`,
        `host.example,10.0.0.9 ssh-ed25519 ${KEY_A}`,
        `${hashed('[host.example]:2222')} ssh-ed25519 ${KEY_B}`,
        `@revoked host.example ssh-ed25519 ${KEY_B}`,
        `@cert-authority host.example ssh-ed25519 ${KEY_B}`,
        `*.example ssh-ed25519 ${KEY_B}`,
        `neg.example,!neg.example ssh-ed25519 ${KEY_A}`,
      ].join('\n'),
    );
    const file = path.join(home, '.ssh', 'known_hosts');
    // A revoked key is revoked for every host, whatever the line's pattern.
    assert.deepEqual(readKnownHostKeys(file, 'host.example', 22), { trusted: [KEY_A], revoked: [KEY_B] });
    assert.deepEqual(readKnownHostKeys(file, 'host.example', 2222), { trusted: [KEY_B], revoked: [KEY_B] });
    assert.deepEqual(readKnownHostKeys(file, 'unknown.example', 22), { trusted: [], revoked: [KEY_B] });
    // A negated pattern takes the line away from the host it names.
    assert.deepEqual(readKnownHostKeys(file, 'neg.example', 22).trusted, []);
  });

  it('refuses an ssh host whose key was never recorded, instead of trusting it on first use', () => {
    assert.throws(
      () => sshOptionsFor('ssh://me@host.example:2222', {}, tempHome(`host.example ssh-ed25519 ${KEY_A}`)),
      (err: SandboxError) => /host key of host\.example is not in/.test(err.message) && /ssh -p 2222 me@host\.example/.test(err.hint ?? ''),
    );
  });

  it('refuses ssh when there is neither an agent nor a key', () => {
    assert.throws(() => sshOptionsFor('ssh://me@host.example', {}, tempHome(`host.example ssh-ed25519 ${KEY_A}`, false)), /no ssh key/);
  });

  it('a key revoked with a wildcard pattern is refused even where a plain line trusts it', () => {
    const home = tempHome([`host.example ssh-ed25519 ${KEY_A}`, `@revoked * ssh-ed25519 ${KEY_A}`].join('\n'));
    const keys = readKnownHostKeys(path.join(home, '.ssh', 'known_hosts'), 'host.example', 22);
    assert.deepEqual(keys.revoked, [KEY_A]);
  });

  it('accepts only the recorded, unrevoked host key', () => {
    const home = tempHome(`[host.example]:2222 ssh-ed25519 ${KEY_A}\nhost.example ssh-ed25519 ${KEY_B}`);
    const options = sshOptionsFor('ssh://me@host.example:2222', {}, home) as {
      agent: { config: { hostVerifier: (k: Buffer) => boolean; username: string } };
    };
    const verify = options.agent.config.hostVerifier;
    assert.equal(verify(Buffer.from('host key a')), true);
    assert.equal(verify(Buffer.from('host key b')), false);
    assert.equal(options.agent.config.username, 'me');
    (options.agent as unknown as { destroy(): void }).destroy();
  });
});
