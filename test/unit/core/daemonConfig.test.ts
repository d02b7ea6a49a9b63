import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { mergeRuntimes, writeDaemonJson } from '../../../src/core/engine/daemonConfig';
import { GVISOR_ENTRIES } from '../../../src/core/engine/runtimes';
import { SandboxError } from '../../../src/core/errors';

test('the gVisor entries are added beside what daemon.json holds, and a second run changes nothing', () => {
  const before = JSON.stringify({ 'log-level': 'warn', runtimes: { kata: { path: 'kata-runtime' } } });
  const first = mergeRuntimes(before, GVISOR_ENTRIES);
  assert.equal(first.changed, true);
  const text = first.changed ? first.text : '';
  const config = JSON.parse(text) as { 'log-level': string; runtimes: Record<string, { path: string; runtimeArgs?: string[] }> };
  assert.equal(config['log-level'], 'warn');
  assert.equal(config.runtimes.kata!.path, 'kata-runtime');
  assert.deepEqual(config.runtimes.runsc, { path: '/usr/bin/runsc', runtimeArgs: ['--network=none', '--oci-seccomp'] });
  assert.deepEqual(config.runtimes['runsc-host-sockets']!.runtimeArgs, ['--network=none', '--oci-seccomp', '--host-uds=open']);
  assert.deepEqual(mergeRuntimes(text, GVISOR_ENTRIES), { changed: false });
});

test('no file, or an empty one, becomes one with the entries; an entry with other arguments is replaced and named', () => {
  assert.equal(mergeRuntimes(undefined, GVISOR_ENTRIES).changed, true);
  assert.equal(mergeRuntimes('  \n', GVISOR_ENTRIES).changed, true);
  const old = mergeRuntimes(JSON.stringify({ runtimes: { runsc: { path: '/usr/bin/runsc' } } }), GVISOR_ENTRIES);
  assert.deepEqual(old.changed && old.replaced, ['runsc']);
});

test('a daemon.json that is not a JSON object is refused, naming the file', () => {
  for (const bad of ['{"runtimes": ', '[1]', 'null', '{"runtimes": []}']) {
    assert.throws(
      () => mergeRuntimes(bad, GVISOR_ENTRIES, '/etc/docker/daemon.json'),
      (err: unknown) => err instanceof SandboxError && /daemon\.json/.test(err.message) && /left as it is/.test(err.message),
      bad,
    );
  }
});

test('the write replaces the file whole and keeps its mode', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daemon-json-'));
  const file = path.join(dir, 'daemon.json');
  fs.writeFileSync(file, '{}', { mode: 0o600 });
  writeDaemonJson('{"a":1}\n', file);
  assert.equal(fs.readFileSync(file, 'utf8'), '{"a":1}\n');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(fs.readdirSync(dir), ['daemon.json']);
  fs.rmSync(dir, { recursive: true, force: true });
});
