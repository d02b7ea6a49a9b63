/**
 * A remote engine is shared: its own host, and other machines, keep sessions on it whose
 * state folder labels read exactly like this machine's (the same user has the same paths
 * everywhere). Garbage collection and the removal of a session on a remote engine touch only
 * what this machine made: an object without an origin label (the engine host's local
 * session) and one with another machine's origin survive both.
 * Run by the test command with this machine's engine socket hidden (.ci/without-local-engine).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { connectEngine } from '../../../src/core/engine/connection';
import { LABELS } from '../../../src/core/engine/hardening';
import { collectGarbageReport } from '../../../src/core/session/gc';
import { startSession } from '../../../src/core/session/lifecycle';
import type { SandboxSession } from '../../../src/core/session/session';
import { engineObjectsOf } from '../../../src/core/session/teardown';
import { isolateState, makeWorkspace, TEST_BASE_IMAGE, testPolicy } from '../support/sandbox';

const TLS_ENV = {
  DOCKER_HOST: process.env.REMOTE_TLS_HOST,
  DOCKER_TLS_VERIFY: '1',
  DOCKER_CERT_PATH: process.env.REMOTE_TLS_CERT_PATH,
};

describe("a remote engine's other sessions under this machine's folder names", () => {
  const saved = { ...process.env };
  let stateDir: string;
  let workspace: string;
  let session: SandboxSession;
  let docker: Docker;
  /** Objects of the engine host's own session (no origin) and of another machine's (another origin). */
  const foreign = { containers: [] as string[], volumes: [] as string[] };

  const exists = async (kind: 'container' | 'volume', id: string) => {
    try {
      await (kind === 'container' ? docker.getContainer(id).inspect() : docker.getVolume(id).inspect());
      return true;
    } catch {
      return false;
    }
  };

  before(async () => {
    assert.ok(TLS_ENV.DOCKER_HOST, 'REMOTE_TLS_HOST comes from .ci/ensure-remote-engine');
    Object.assign(process.env, TLS_ENV);
    ({ stateDir } = isolateState());
    workspace = makeWorkspace({ 'a.txt': 'a\n' });
    ({ session } = await startSession({ workspaceRoot: workspace, policy: testPolicy(), progress: () => undefined }));
    docker = (await connectEngine()).docker;
    for (const [name, origin] of [
      ['host', undefined],
      ['other', 'another-machine'],
    ] as const) {
      const labels = {
        [LABELS.managed]: '1',
        [LABELS.session]: `${name}-session`,
        [LABELS.stateDir]: session.dir,
        ...(origin ? { [LABELS.origin]: origin } : {}),
      };
      const container = await docker.createContainer({ Image: TEST_BASE_IMAGE, Cmd: ['true'], Labels: labels, NetworkDisabled: true });
      foreign.containers.push(container.id);
      const volume = await docker.createVolume({ Name: `agent-sandbox-test-${name}-${session.id}`, Labels: labels });
      foreign.volumes.push(volume.name);
    }
  });

  after(async () => {
    await session?.destroy().catch(() => undefined);
    for (const id of foreign.containers)
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    for (const name of foreign.volumes)
      await docker
        .getVolume(name)
        .remove()
        .catch(() => undefined);
    fs.rmSync(path.dirname(stateDir), { recursive: true, force: true });
    fs.rmSync(workspace, { recursive: true, force: true });
    for (const key of Object.keys(TLS_ENV)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it("lists only this machine's objects as the session's", async () => {
    const objects = await engineObjectsOf(docker, session.dir);
    assert.deepEqual(
      objects.containers.map((c) => c.id),
      [session.containerId],
    );
    assert.equal(objects.volumes.length, 1);
    assert.ok(!foreign.volumes.includes(objects.volumes[0]!));
  });

  it('garbage collection leaves the other sessions alone', async () => {
    const report = await collectGarbageReport(docker);
    assert.deepEqual(report.collected, []);
    for (const id of foreign.containers) assert.ok(await exists('container', id), `container ${id.slice(0, 12)} survives`);
    for (const name of foreign.volumes) assert.ok(await exists('volume', name), `volume ${name} survives`);
  });

  it("removing this machine's session removes its own objects only", async () => {
    const own = session.containerId;
    await session.destroy();
    assert.equal(await exists('container', own), false);
    for (const id of foreign.containers) assert.ok(await exists('container', id), `container ${id.slice(0, 12)} survives`);
    for (const name of foreign.volumes) assert.ok(await exists('volume', name), `volume ${name} survives`);
  });
});
