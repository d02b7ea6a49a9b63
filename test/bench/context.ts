/** What every figure needs: the engine, the policy, the sandbox image, and session helpers. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { connectEngine } from '../../src/core/engine/connection';
import { ensureImage } from '../../src/core/engine/image';
import { DEFAULT_POLICY, type Policy } from '../../src/core/policy';
import { startSession as startSandboxSession } from '../../src/core/session/lifecycle';
import type { SandboxSession } from '../../src/core/session/session';

export interface BenchContext {
  readonly docker: Docker;
  readonly policy: Policy;
  /** The sandbox image the sessions run, for the `docker run` and `docker exec` baselines. */
  readonly image: string;
  /** Scratch folder of this run: workspaces, state directories, copies. */
  readonly root: string;
  /** Progress lines on stderr (stdout carries only the JSON document). */
  log(message: string): void;
}

export async function createContext(root: string, log: (m: string) => void): Promise<BenchContext> {
  const { docker } = await connectEngine();
  const policy: Policy = { ...DEFAULT_POLICY, baseImage: process.env.AGENT_SANDBOX_BASE_IMAGE ?? 'agent-sandbox-base:bookworm' };
  const image = await ensureImage(docker, policy, log);
  return { docker, policy, image: image.name, root, log };
}

/** The environment a session of this run sees: its own state root, so runs never collide. */
export function stateEnv(stateDir: string): NodeJS.ProcessEnv {
  return { ...process.env, AGENT_SANDBOX_STATE_DIR: stateDir };
}

export async function startSession(ctx: BenchContext, workspaceRoot: string, stateDir: string): Promise<SandboxSession> {
  fs.mkdirSync(stateDir, { recursive: true });
  const { session } = await startSandboxSession({ workspaceRoot, policy: ctx.policy, env: stateEnv(stateDir) });
  return session;
}

/** Removes a session's container, volume and copies; never part of a measurement. */
export async function destroySession(session: SandboxSession): Promise<void> {
  await session.destroy();
}

export function scratch(ctx: BenchContext, name: string): string {
  const dir = path.join(ctx.root, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
