/**
 * Cold start: from "start sandbox" on a workspace to the end of `true` in it, against
 * `docker run --rm IMAGE true` of the same image. Two kinds of start are measured:
 * - first: a state directory that has never seen the workspace (the full base copy),
 * - repeat: a new session after the previous one was destroyed, as a person starts the
 *   sandbox again (whatever the product keeps between sessions may be reused).
 * Each also against what it cannot avoid doing: the first start against `docker run` plus
 * `cp -a` of the workspace, the repeat start against `docker run` plus a stat walk of it.
 * And the copy alone: the base copy against `cp -a` of the same tree, the refresh of a kept
 * base (nothing changed) against the stat walk.
 * Samples of the product and of the baseline alternate so that drift hits both alike.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compilePatterns } from '../../../src/core/glob';
import { startSession } from '../../../src/core/session/lifecycle';
import { SandboxSession } from '../../../src/core/session/session';
import { resolveUser } from '../../../src/core/session/workspace';
import { copyTree, type CopyOptions } from '../../../src/core/snapshot/copy';
import { scratch, stateEnv, type BenchContext } from '../context';
import { figure, runProcess, timed, type Figure } from '../measure';
import type { GeneratedWorkspace } from '../workspace';

async function startAndRunTrue(
  ctx: BenchContext,
  workspaceRoot: string,
  stateDir: string,
): Promise<{ ms: number; session: SandboxSession }> {
  const { ms, value } = await timed(async () => {
    const { session } = await startSession({ workspaceRoot, policy: ctx.policy, env: stateEnv(stateDir) });
    const result = await session.run(['true']);
    if (result.exitCode !== 0) throw new Error(`true exited with ${result.exitCode} in the sandbox: ${result.message ?? ''}`);
    return session;
  });
  return { ms, session: value };
}

function dockerRunTrue(ctx: BenchContext): Promise<number> {
  return timed(() => runProcess(['docker', 'run', '--rm', ctx.image, 'true'])).then((t) => t.ms);
}

/** `cp -a` of the workspace into a fresh folder (removed after, outside the measurement). */
async function cpA(ctx: BenchContext, workspaceRoot: string): Promise<number> {
  const into = path.join(scratch(ctx, 'cp-a'), 'copy');
  const { ms } = await timed(() => runProcess(['cp', '-a', workspaceRoot, into]));
  fs.rmSync(into, { recursive: true, force: true });
  return ms;
}

/** What a start that reuses nothing must at least do: the container, and a plain copy. */
async function dockerRunAndCpA(ctx: BenchContext, workspaceRoot: string): Promise<number> {
  const into = path.join(scratch(ctx, 'cp-a'), 'copy');
  const { ms } = await timed(async () => {
    await runProcess(['docker', 'run', '--rm', ctx.image, 'true']);
    await runProcess(['cp', '-a', workspaceRoot, into]);
  });
  fs.rmSync(into, { recursive: true, force: true });
  return ms;
}

/** A stat walk of the workspace: one lstat per entry, output thrown away. */
function statWalk(workspaceRoot: string): Promise<number> {
  return timed(() => runProcess(['sh', '-c', `find "$1" -printf '%i %s %C@\\n' > /dev/null`, 'sh', workspaceRoot])).then((t) => t.ms);
}

async function dockerRunAndStatWalk(ctx: BenchContext, workspaceRoot: string): Promise<number> {
  const { ms } = await timed(async () => {
    await runProcess(['docker', 'run', '--rm', ctx.image, 'true']);
    await statWalk(workspaceRoot);
  });
  return ms;
}

/** The product's base copy alone (as a start makes it: the policy's exclusions and owner). */
function copyOptions(ctx: BenchContext): CopyOptions {
  const { owner } = resolveUser(ctx.policy);
  return { isExcluded: compilePatterns(ctx.policy.exclude), ...(owner ? { owner } : {}) };
}

/**
 * The copy alone against `cp -a`, then the refresh of that copy (nothing changed) against a
 * stat walk, alternating.
 */
async function measureCopyAlone(
  ctx: BenchContext,
  ws: GeneratedWorkspace,
  label: string,
  runs: number,
  notes: string[],
): Promise<Figure[]> {
  const copy: number[] = [];
  const cp: number[] = [];
  const refresh: number[] = [];
  const walk: number[] = [];
  const options = copyOptions(ctx);
  for (let i = 0; i < Math.max(1, runs); i++) {
    ctx.log(`cold start ${label}: copy alone ${i + 1}/${runs}`);
    cp.push(await cpA(ctx, ws.root));
    const into = path.join(scratch(ctx, `copy-alone-${label}`), 'base');
    const first = await timed(() => copyTree(ws.root, into, options));
    copy.push(first.ms);
    // The refresh trusts nothing written within two seconds before the copy started.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    let previous = (await copyTree(ws.root, into, { ...options, previous: first.value.manifest })).manifest;
    for (let j = 0; j < 2; j++) {
      walk.push(await statWalk(ws.root));
      const again = await timed(() => copyTree(ws.root, into, { ...options, previous }));
      refresh.push(again.ms);
      previous = again.value.manifest;
    }
    fs.rmSync(into, { recursive: true, force: true });
  }
  return [
    figure({
      name: `coldStart.copy.${label}`,
      what: `the base copy alone of the ${label}-file workspace (exclusions, git scrub, owner, manifest)`,
      samples: copy,
      baseline: { what: '`cp -a` of the same tree', samples: cp },
      target: { kind: 'ratio', max: 1.3 },
      notes,
    }),
    figure({
      name: `coldStart.refresh.${label}`,
      what: `the refresh alone of a kept base of the ${label}-file workspace, nothing changed, no watcher`,
      samples: refresh,
      baseline: { what: "stat walk `find . -printf '%i %s %C@\\n' > /dev/null`", samples: walk },
      target: { kind: 'ratio', max: 1.2 },
      notes,
    }),
  ];
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
  const firstCopyBaseline: number[] = [];
  for (let i = 0; i < Math.max(1, options.firstRuns); i++) {
    ctx.log(`cold start ${label}: first start ${i + 1}/${options.firstRuns}`);
    firstBaseline.push(await dockerRunTrue(ctx));
    firstCopyBaseline.push(await dockerRunAndCpA(ctx, ws.root));
    // The first of these leaves its kept base in the state directory the repeat starts use.
    const { ms, session } = await startAndRunTrue(ctx, ws.root, i === 0 ? stateDir : scratch(ctx, `state-first-${label}-${i}`));
    first.push(ms);
    await session.destroy();
  }

  const repeat: number[] = [];
  const repeatBaseline: number[] = [];
  const repeatWalkBaseline: number[] = [];
  for (let i = 0; i < options.repeatRuns; i++) {
    ctx.log(`cold start ${label}: repeat start ${i + 1}/${options.repeatRuns}`);
    repeatBaseline.push(await dockerRunTrue(ctx));
    repeatWalkBaseline.push(await dockerRunAndStatWalk(ctx, ws.root));
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
    figure({
      name: `coldStart.firstVsCopy.${label}`,
      what: `the first start on the ${label}-file workspace (as above) against what any first start must do`,
      samples: first,
      baseline: { what: '`docker run --rm IMAGE true`, then `cp -a` of the workspace', samples: firstCopyBaseline },
      target: { kind: 'ratio', max: 1.2 },
      notes,
    }),
    figure({
      name: `coldStart.repeatVsStatWalk.${label}`,
      what: `the repeat start on the ${label}-file workspace (as above, no watcher) against the container plus a stat walk`,
      samples: repeat,
      baseline: { what: "`docker run --rm IMAGE true`, then `find . -printf '%i %s %C@\\n' > /dev/null`", samples: repeatWalkBaseline },
      // The bound is `docker run` + 1.2x the stat walk; as a ratio of the sum, 1.2 is looser than that by a fifth of `docker run`.
      target: { kind: 'ratio', max: 1.2 },
      notes,
    }),
    ...(await measureCopyAlone(ctx, ws, label, options.firstRuns, notes)),
  ];
  return { figures, stateDir };
}
