// What the extension made on the engine for a test, removed when the test ends, whatever
// state a failed run left: containers, volumes and capped file systems whose state folder is
// under one of the test's state roots (the extension labels each with it).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { unmountCappedFs } from '../../../src/core/snapshot/diskCap';

/** The label the extension puts on what it creates: the session's state folder. */
export const STATE_LABEL = 'dev.agent-sandbox.state-dir';

export async function removeSandboxesUnder(stateRoots: readonly string[]): Promise<void> {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const ours = (labels: Record<string, string> | undefined) => stateRoots.some((r) => labels?.[STATE_LABEL]?.startsWith(r) === true);
  for (const c of await docker.listContainers({ all: true })) {
    if (ours(c.Labels))
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
  }
  for (const v of (await docker.listVolumes()).Volumes ?? []) {
    if (ours(v.Labels ?? undefined))
      await docker
        .getVolume(v.Name)
        .remove({ force: true })
        .catch(() => undefined);
  }
  for (const root of stateRoots) {
    const sessions = join(root, 'sessions');
    if (!existsSync(sessions)) continue;
    for (const name of readdirSync(sessions)) await unmountCappedFs(join(sessions, name)).catch(() => undefined);
  }
}
