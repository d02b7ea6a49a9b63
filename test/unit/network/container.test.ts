import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONTAINER_NET_DIR, networkContainerAdditions } from '../../../src/core/network/container';

const files = { forwarderScript: '/opt/ext/media/net-forwarder.js' };

test('none mode adds nothing: no binds, no proxy variables, no forwarder', () => {
  const a = networkContainerAdditions({ mode: 'none' }, '/state/s1/net', files);
  assert.deepEqual(a, { binds: [], env: [], forwarderArgv: undefined, hostSocketPath: undefined });
});

test('allowlist mode mounts the net folder read-only and points every proxy variable at the forwarder', () => {
  const a = networkContainerAdditions({ mode: 'allowlist' }, '/state/s1/net', files);
  assert.deepEqual(a.binds, [`/state/s1/net:${CONTAINER_NET_DIR}:ro`, '/opt/ext/media/net-forwarder.js:/opt/agent-sandbox/net-forwarder.js:ro']);
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) {
    assert.ok(a.env.includes(`${name}=http://127.0.0.1:3128`), name);
  }
  assert.ok(a.env.includes('NO_PROXY='));
  assert.ok(a.env.includes('no_proxy='));
  assert.deepEqual(a.forwarderArgv, ['node', '/opt/agent-sandbox/net-forwarder.js', `${CONTAINER_NET_DIR}/proxy.sock`, '3128']);
  assert.equal(a.hostSocketPath, '/state/s1/net/proxy.sock');
});

test('relative host paths are refused', () => {
  assert.throws(() => networkContainerAdditions({ mode: 'allowlist' }, 'state/net', files), /absolute/);
  assert.throws(() => networkContainerAdditions({ mode: 'allowlist' }, '/state/net', { forwarderScript: 'media/f.js' }), /absolute/);
});
