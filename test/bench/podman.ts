/**
 * Start and per-command cost of a sandbox on rootful Podman beside the local Docker engine,
 * for a 10k-file workspace, through the product's own path (as test/bench/remote.ts measures
 * a remote engine). Prints one JSON line per engine. Needs Podman's API service
 * (.ci/ensure-podman) at PODMAN_ROOTFUL_SOCKET (default /run/podman/podman.sock).
 *   npx tsx test/bench/podman.ts [files]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchTransport } from './remote';
import { generateWorkspace } from './workspace';

async function main(): Promise<void> {
  const files = Number(process.argv[2] ?? 10_000);
  const podman = process.env.PODMAN_ROOTFUL_SOCKET ?? '/run/podman/podman.sock';
  const wsTop = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-podman-ws-'));
  const ws = await generateWorkspace(path.join(wsTop, 'ws'), { sourceFiles: files, nodeModulesFiles: 0 });
  try {
    await benchTransport('docker', { DOCKER_HOST: 'unix:///var/run/docker.sock' }, ws.root, ws.files);
    await benchTransport('podman', { DOCKER_HOST: `unix://${podman}` }, ws.root, ws.files);
  } finally {
    fs.rmSync(wsTop, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
