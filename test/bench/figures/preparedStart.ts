/**
 * Start with a pre-warmed base: the workspace's copy was prepared in the background and kept
 * current by a file watcher (as the extension and `agent-sandbox prepare --watch` do), so a
 * start only refreshes what changed since the last refresh. Measured from "start sandbox" to
 * the end of `true` in it, against `docker run --rm IMAGE true`, samples alternating.
 *
 * Between samples, and outside the measurement, the kept copy is brought up to date the way
 * the background keeper does (prepareBase with the watcher's list); nothing changes in the
 * workspace in between, so each start hands the refresh an empty list of changed paths plus
 * the folders VS Code's default `files.watcherExclude` hides from its watcher (`.git` for
 * `.git/objects`, and `node_modules`), which are always looked at again.
 */
import * as path from 'node:path';
import { startSession } from '../../../src/core/session/lifecycle';
import type { BaseChanges } from '../../../src/core/snapshot/baseChanges';
import { prepareBase } from '../../../src/core/snapshot/prepareBase';
import { scratch, stateEnv, type BenchContext } from '../context';
import { figure, runProcess, timed, type Figure } from '../measure';
import type { GeneratedWorkspace } from '../workspace';

/** VS Code's default `files.watcherExclude`. */
const VSCODE_WATCHER_EXCLUDE = ['**/.git/objects/**', '**/.git/subtree-cache/**', '**/node_modules/*/**', '**/.hg/store/**'];

export async function measurePreparedStart(
  ctx: BenchContext,
  ws: GeneratedWorkspace,
  label: string,
  options: { runs: number; targetRatio: number },
): Promise<Figure> {
  const env = stateEnv(scratch(ctx, `state-prepared-${label}`));
  // The watcher's list is whole from here on (nothing changes during the run).
  const since = Date.now();
  const changes = (): BaseChanges => ({ since, paths: [], unwatched: VSCODE_WATCHER_EXCLUDE });
  ctx.log(`prepared start ${label}: first prepare of the base`);
  const first = await prepareBase({ workspaceRoot: ws.root, policy: ctx.policy, env, changes: changes() });
  if (first.outcome !== 'prepared') throw new Error(`the first prepare did nothing: ${first.reason}`);

  const samples: number[] = [];
  const baseline: number[] = [];
  const refreshes: string[] = [];
  for (let i = 0; i < options.runs; i++) {
    ctx.log(`prepared start ${label}: ${i + 1}/${options.runs}`);
    // The background refresh after the previous session gave its copy back (not measured).
    const kept = await prepareBase({ workspaceRoot: ws.root, policy: ctx.policy, env, changes: changes() });
    if (kept.outcome !== 'prepared') throw new Error(`the background refresh did nothing: ${kept.reason}`);
    refreshes.push(kept.refresh);
    baseline.push((await timed(() => runProcess(['docker', 'run', '--rm', ctx.image, 'true']))).ms);
    const { ms, value: session } = await timed(async () => {
      const { session } = await startSession({ workspaceRoot: ws.root, policy: ctx.policy, env, baseChanges: changes() });
      const result = await session.run(['true']);
      if (result.exitCode !== 0) throw new Error(`true exited with ${result.exitCode} in the sandbox: ${result.message ?? ''}`);
      return session;
    });
    samples.push(ms);
    await session.destroy();
  }
  return figure({
    name: `preparedStart.${label}`,
    what: `start sandbox on a ${label}-file workspace whose copy was prepared and kept current in the background, then \`true\``,
    samples,
    baseline: { what: '`docker run --rm IMAGE true`', samples: baseline },
    target: { kind: 'ratio', max: options.targetRatio },
    notes: [
      `workspace: ${ws.files} files, ${(ws.bytes / 1e6).toFixed(0)} MB in ${path.basename(ws.root)}`,
      `background refreshes between samples: ${[...new Set(refreshes)].join(', ')} (changed: at the watcher's list only; full: every entry looked at)`,
      "the start's refresh gets no changed paths but the folders VS Code's default files.watcherExclude hides (.git, node_modules), which it looks at whole",
    ],
  });
}
