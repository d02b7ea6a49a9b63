/**
 * Start and per-command cost of a sandbox side on a remote engine (ssh and TLS), for a
 * 10k-file workspace: the base copy made here, shipped into a volume, first listing; then a
 * command that changes one file, the listing and the mirror refresh after it. Prints one JSON
 * line per transport. Needs the endpoints of .ci/ensure-remote-engine in REMOTE_SSH_HOST,
 * REMOTE_TLS_HOST and REMOTE_TLS_CERT_PATH.
 *   npx tsx test/bench/remote.ts [files]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectEngine, resolveEndpoint } from '../../src/core/engine/connection';
import { runHelper } from '../../src/core/engine/exec';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { baseCopySpec } from '../../src/core/snapshot/baseCopySpec';
import { copyTree } from '../../src/core/snapshot/copy';
import { listRemote, packFolder, refreshMirror, shipBase } from '../../src/core/snapshot/remoteSide';
import { scanFull } from '../../src/core/snapshot/scan';
import { generateWorkspace } from './workspace';

const IMAGE = process.env.AGENT_SANDBOX_BASE_IMAGE ?? 'agent-sandbox-base:bookworm';
const COMMANDS = 5;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const out = await work();
  return [out, Math.round(performance.now() - start)];
}

async function benchTransport(name: string, env: Record<string, string | undefined>, ws: string, files: number): Promise<void> {
  Object.assign(process.env, env);
  const top = fs.mkdtempSync(path.join(os.tmpdir(), `bench-remote-${name}-`));
  const base = path.join(top, 'base');
  const mirror = path.join(top, 'mirror');
  const volume = `agent-sandbox-bench-${process.pid}-${name}`;
  const [{ docker }, connectMs] = await timed(() => connectEngine(resolveEndpoint(), 20_000));
  let containerId = '';
  try {
    const [, copyMs] = await timed(() => copyTree(ws, base, { isExcluded: baseCopySpec(DEFAULT_POLICY, undefined).isExcluded }));
    const [, mirrorMs] = await timed(async () => fs.cpSync(base, mirror, { recursive: true, verbatimSymlinks: true }));
    const [, containerMs] = await timed(async () => {
      await docker.createVolume({ Name: volume });
      const container = await docker.createContainer({
        Image: IMAGE,
        Cmd: ['sleep', 'infinity'],
        WorkingDir: '/workspace',
        HostConfig: {
          Mounts: [{ Type: 'volume', Source: volume, Target: '/workspace' }],
          ReadonlyRootfs: true,
          NetworkMode: 'none',
          CapDrop: ['ALL'],
        },
      });
      containerId = container.id;
      await container.start();
    });
    const [, shipMs] = await timed(() => shipBase(docker, containerId, '/workspace', packFolder(base)));
    const side = { docker, containerId, user: 'root', workspacePath: '/workspace', mirrorDir: mirror };
    const [firstListing, firstListMs] = await timed(() => listRemote(side));
    let listing = firstListing;
    const perCommand: { execMs: number; listMs: number; refreshMs: number; scanMs: number }[] = [];
    for (let i = 0; i < COMMANDS; i++) {
      const [, execMs] = await timed(() => runHelper(docker, containerId, 'root', ['sh', '-c', `echo ${i} >> bench-${i % 2}.txt`]));
      const [next, listMs] = await timed(() => listRemote(side));
      const [, refreshMs] = await timed(() => refreshMirror(side, listing, next));
      const [, scanMs] = await timed(() => scanFull(base, mirror));
      listing = next;
      perCommand.push({ execMs, listMs, refreshMs, scanMs });
    }
    const median = (key: keyof (typeof perCommand)[0]) => perCommand.map((p) => p[key]).sort((a, b) => a - b)[Math.floor(COMMANDS / 2)];
    console.log(
      JSON.stringify({
        transport: name,
        files,
        connectMs,
        copyMs,
        mirrorMs,
        containerMs,
        shipMs,
        firstListMs,
        startMs: connectMs + copyMs + mirrorMs + containerMs + shipMs + firstListMs,
        perCommandMedian: { execMs: median('execMs'), listMs: median('listMs'), refreshMs: median('refreshMs'), scanMs: median('scanMs') },
      }),
    );
  } finally {
    await docker
      .getContainer(containerId)
      .remove({ force: true })
      .catch(() => undefined);
    await docker
      .getVolume(volume)
      .remove()
      .catch(() => undefined);
    fs.rmSync(top, { recursive: true, force: true });
    for (const key of Object.keys(env)) delete process.env[key];
  }
}

async function main(): Promise<void> {
  const files = Number(process.argv[2] ?? 10_000);
  const wsTop = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-remote-ws-'));
  const ws = await generateWorkspace(path.join(wsTop, 'ws'), { sourceFiles: files, nodeModulesFiles: 0 });
  try {
    await benchTransport('ssh', { DOCKER_HOST: process.env.REMOTE_SSH_HOST }, ws.root, ws.files);
    await benchTransport(
      'tls',
      { DOCKER_HOST: process.env.REMOTE_TLS_HOST, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: process.env.REMOTE_TLS_CERT_PATH },
      ws.root,
      ws.files,
    );
  } finally {
    fs.rmSync(wsTop, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
