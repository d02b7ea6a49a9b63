/**
 * Cold start: from "start sandbox" on a workspace to the end of `true` in it, against
 * `docker run --rm IMAGE true` of the same image. Two kinds of start are measured:
 * - first: a state directory that has never seen the workspace (the full base copy),
 * - repeat: a new session after the previous one was destroyed, as a person starts the
 *   sandbox again (whatever the product keeps between sessions may be reused).
 * Samples of the product and of the baseline alternate so that drift hits both alike.
 */
import * as path from 'node:path';
import { SandboxSession } from '../../../src/core/session';
import { scratch, stateEnv, type BenchContext } from '../context';
import { figure, runProcess, timed, type Figure } from '../measure';
import type { GeneratedWorkspace } from '../workspace';

async function startAndRunTrue(ctx: BenchContext, workspaceRoot: string, stateDir: string): Promise<{ ms: number; session: SandboxSession }> {
  const { ms, value } = await timed(async () => {
    const { session } = await SandboxSession.start({ workspaceRoot, policy: ctx.policy, env: stateEnv(stateDir) });
    const result = await session.run(['true']);
    if (result.exitCode !== 0) throw new Error(`true exited with ${result.exitCode} in the sandbox: ${result.message ?? ''}`);
    return session;
  });
  return { ms, session: value };
}

function dockerRunTrue(ctx: BenchContext): Promise<number> {
  return timed(() => runProcess(['docker', 'run', '--rm', ctx.image, 'true'])).then((t) => t.ms);
}

/**
 * Returns the figures and the state directory of the repeat starts, which then holds the
 * workspace's kept base (later figures start their session there, as a person would).
 */
export async function measureColdStart(
  ctx: BenchContext,
  ws: GeneratedWorkspace,
  label: string,
  options: { firstRuns: number; repeatRuns: number; targetRatio: number },
): Promise<{ figures: Figure[]; stateDir: string }> {
  const stateDir = scratch(ctx, `state-${label}`);
  const first: number[] = [];
  const firstBaseline: number[] = [];
  for (let i = 0; i < Math.max(1, options.firstRuns); i++) {
    ctx.log(`cold start ${label}: first start ${i + 1}/${options.firstRuns}`);
    firstBaseline.push(await dockerRunTrue(ctx));
    // The first of these leaves its kept base in the state directory the repeat starts use.
    const { ms, session } = await startAndRunTrue(ctx, ws.root, i === 0 ? stateDir : scratch(ctx, `state-first-${label}-${i}`));
    first.push(ms);
    await session.destroy();
  }

  const repeat: number[] = [];
  const repeatBaseline: number[] = [];
  for (let i = 0; i < options.repeatRuns; i++) {
    ctx.log(`cold start ${label}: repeat start ${i + 1}/${options.repeatRuns}`);
    repeatBaseline.push(await dockerRunTrue(ctx));
    const { ms, session } = await startAndRunTrue(ctx, ws.root, stateDir);
    repeat.push(ms);
    await session.destroy();
  }
  const notes = [`workspace: ${ws.files} files, ${(ws.bytes / 1e6).toFixed(0)} MB in ${path.basename(ws.root)}`];
  const figures = [
    figure({
      name: `coldStart.first.${label}`,
      what: `start sandbox on a ${label}-file workspace never seen before (full base copy), then \`true\``,
      samples: first,
      baseline: { what: '`docker run --rm IMAGE true`', samples: firstBaseline },
      target: { kind: 'ratio', max: options.targetRatio },
      notes,
    }),
    figure({
      name: `coldStart.repeat.${label}`,
      what: `start sandbox again on the ${label}-file workspace after the previous session ended (kept base, refreshed), then \`true\``,
      samples: repeat,
      baseline: { what: '`docker run --rm IMAGE true`', samples: repeatBaseline },
      target: { kind: 'ratio', max: options.targetRatio },
      notes,
    }),
  ];
  return { figures, stateDir };
}
