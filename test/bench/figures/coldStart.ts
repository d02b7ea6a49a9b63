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

export async function measureColdStart(
  ctx: BenchContext,
  ws: GeneratedWorkspace,
  label: string,
  options: { firstRuns: number; repeatRuns: number; targetRatio: number },
): Promise<Figure[]> {
  const first: number[] = [];
  const firstBaseline: number[] = [];
  for (let i = 0; i < options.firstRuns; i++) {
    ctx.log(`cold start ${label}: first start ${i + 1}/${options.firstRuns}`);
    firstBaseline.push(await dockerRunTrue(ctx));
    const stateDir = scratch(ctx, `state-first-${label}-${i}`);
    const { ms, session } = await startAndRunTrue(ctx, ws.root, stateDir);
    first.push(ms);
    await session.destroy();
  }

  const repeat: number[] = [];
  const repeatBaseline: number[] = [];
  const stateDir = scratch(ctx, `state-repeat-${label}`);
  ctx.log(`cold start ${label}: priming the state directory`);
  const primed = await startAndRunTrue(ctx, ws.root, stateDir);
  await primed.session.destroy();
  for (let i = 0; i < options.repeatRuns; i++) {
    ctx.log(`cold start ${label}: repeat start ${i + 1}/${options.repeatRuns}`);
    repeatBaseline.push(await dockerRunTrue(ctx));
    const { ms, session } = await startAndRunTrue(ctx, ws.root, stateDir);
    repeat.push(ms);
    await session.destroy();
  }
  const notes = [`workspace: ${ws.files} files, ${(ws.bytes / 1e6).toFixed(0)} MB in ${path.basename(ws.root)}`];
  return [
    figure({
      name: `coldStart.first.${label}`,
      what: `start sandbox on a ${label}-file workspace never seen before, then \`true\``,
      samples: first,
      baseline: { what: '`docker run --rm IMAGE true`', samples: firstBaseline },
      target: { kind: 'ratio', max: options.targetRatio },
      notes,
    }),
    figure({
      name: `coldStart.repeat.${label}`,
      what: `start sandbox again on the ${label}-file workspace after the previous session was destroyed, then \`true\``,
      samples: repeat,
      baseline: { what: '`docker run --rm IMAGE true`', samples: repeatBaseline },
      target: { kind: 'ratio', max: options.targetRatio },
      notes,
    }),
  ];
}
