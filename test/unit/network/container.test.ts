import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONTAINER_NET_DIR, networkContainerAdditions } from '../../../src/core/network/container';

const files = { forwarderScript: '/opt/ext/media/net-forwarder.js' };

test('none mode adds nothing: no binds, no proxy variables, no forwarder', () => {
  const a = networkContainerAdditions({ mode: 'none' }, '/state/s1/net', files);
  assert.deepEqual(a, { extraMounts: [], extraEnv: {}, forwarderArgv: undefined, hostSocketPath: undefined });
});

test('allowlist mode mounts the net folder read-only and points every proxy variable at the forwarder', () => {
  const a = networkContainerAdditions({ mode: 'allowlist' }, '/state/s1/net', files);
  assert.deepEqual(a.extraMounts, [
    { hostPath: '/state/s1/net', target: CONTAINER_NET_DIR },
    { hostPath: '/opt/ext/media/net-forwarder.js', target: '/opt/agent-sandbox/net-forwarder.js' },
  ]);
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) {
    assert.equal(a.extraEnv[name], 'http://127.0.0.1:3128', name);
  }
  assert.equal(a.extraEnv.NO_PROXY, '');
  assert.equal(a.extraEnv.no_proxy, '');
  assert.deepEqual(a.forwarderArgv, ['node', '/opt/agent-sandbox/net-forwarder.js', `${CONTAINER_NET_DIR}/proxy.sock`, '3128']);
  assert.equal(a.hostSocketPath, '/state/s1/net/proxy.sock');
});

test('relative host paths are refused', () => {
  assert.throws(() => networkContainerAdditions({ mode: 'allowlist' }, 'state/net', files), /absolute/);
  assert.throws(() => networkContainerAdditions({ mode: 'allowlist' }, '/state/net', { forwarderScript: 'media/f.js' }), /absolute/);
});

test("by default the forwarder comes from the product's media folder", () => {
  const a = networkContainerAdditions({ mode: 'allowlist' }, '/state/s1/net');
  assert.match(a.extraMounts[1]!.hostPath, /media[\\/]net-forwarder\.js$/);
});

test('when the proxy terminates TLS, tools are pointed at the session CA in the net folder', () => {
  const plain = networkContainerAdditions({ mode: 'allowlist' }, '/state/s1/net', files);
  assert.equal(plain.extraEnv.NODE_EXTRA_CA_CERTS, undefined);
  const a = networkContainerAdditions({ mode: 'allowlist' }, '/state/s1/net', { ...files, trustSessionCa: true });
  assert.equal(a.extraEnv.NODE_EXTRA_CA_CERTS, `${CONTAINER_NET_DIR}/ca.pem`);
  for (const name of ['SSL_CERT_FILE', 'CURL_CA_BUNDLE', 'REQUESTS_CA_BUNDLE', 'PIP_CERT', 'GIT_SSL_CAINFO']) {
    assert.equal(a.extraEnv[name], `${CONTAINER_NET_DIR}/ca-bundle.pem`, name);
  }
});
