/**
 * Start and per-command cost of a sandbox on a remote engine (ssh and TLS) for a 10k-file
 * workspace, through the product's own path: startSession (base copy made here, shipped into
 * a volume, first listing), then commands that change one file each (session.run: the exec and
 * the mirror's refresh after it), then a change scan (which refreshes the mirror first).
 * Prints one JSON line per transport. Needs the endpoints of .ci/ensure-remote-engine in
 * REMOTE_SSH_HOST, REMOTE_TLS_HOST and REMOTE_TLS_CERT_PATH.
 *   npx tsx test/bench/remote.ts [files]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { startSession } from '../../src/core/session/lifecycle';
import { generateWorkspace } from './workspace';

const IMAGE = process.env.AGENT_SANDBOX_BASE_IMAGE ?? 'agent-sandbox-base:bookworm';
const COMMANDS = 5;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const out = await work();
  return [out, Math.round(performance.now() - start)];
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** Starts a session through `env`'s engine, runs the commands and a scan, and prints one JSON line. */
export async function benchTransport(name: string, env: Record<string, string | undefined>, ws: string, files: number): Promise<void> {
  Object.assign(process.env, env);
  const state = fs.mkdtempSync(path.join(os.tmpdir(), `bench-remote-${name}-`));
  process.env.AGENT_SANDBOX_STATE_DIR = state;
  const policy = { ...structuredClone(DEFAULT_POLICY), baseImage: IMAGE };
  const [{ session }, startMs] = await timed(() => startSession({ workspaceRoot: ws, policy }));
  try {
    const runs: number[] = [];
    for (let i = 0; i < COMMANDS; i++) {
      const [result, ms] = await timed(() => session.run(['sh', '-c', `echo ${i} >> bench-${i % 2}.txt`]));
      if (result.exitCode !== 0) throw new Error(`bench command failed: ${result.message ?? result.exitCode}`);
      runs.push(ms);
    }
    const [changes, scanMs] = await timed(() => session.snapshot.scan());
    console.log(
      JSON.stringify({
        transport: name,
        files,
        startMs,
        commandMedianMs: median(runs),
        scanMs,
        changes: changes.length,
      }),
    );
  } finally {
    await session.destroy().catch(() => undefined);
    fs.rmSync(state, { recursive: true, force: true });
    for (const key of Object.keys(env)) delete process.env[key];
    delete process.env.AGENT_SANDBOX_STATE_DIR;
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

if (require.main === module) {
  void main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
