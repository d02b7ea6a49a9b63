/**
 * Apply: approving and applying 1,000 changed files to the real tree (three-way checks,
 * backups, one flush of the batch, renames, journal, recording into the snapshot), against
 * one `cp` of the same 1,000 files from the sandbox side into an empty folder of the same
 * shape. Each round changes a fresh set of files in the sandbox first (untimed). Apply
 * reuses the change set approve-all built when its own scan finds the same entries, so
 * "apply alone" is a scan plus the writing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Airlock } from '../../../src/core/airlock';
import type { SandboxSession } from '../../../src/core/session/session';
import { scratch, type BenchContext } from '../context';
import { figure, median, runProcess, timed, type Figure } from '../measure';
import type { GeneratedWorkspace } from '../workspace';

export async function measureApply(
  ctx: BenchContext,
  session: SandboxSession,
  ws: GeneratedWorkspace,
  files: number,
  runs: number,
): Promise<Figure> {
  if (ws.sourcePaths.length < files * runs + 1) throw new Error(`the workspace has too few files for ${runs} rounds of ${files}`);
  const product: number[] = [];
  const applyOnly: number[] = [];
  const baseline: number[] = [];
  for (let round = 0; round < runs; round++) {
    ctx.log(`apply: round ${round + 1}/${runs} of ${files} files`);
    // From the end of the list: the change-scan figure touched files spread from the start.
    const paths = ws.sourcePaths.slice(ws.sourcePaths.length - (round + 1) * files, ws.sourcePaths.length - round * files);
    const edit = await session.run(['sh', '-c', 'for f in "$@"; do echo "// edited in round $0" >> "$f"; done', String(round), ...paths]);
    if (edit.exitCode !== 0) throw new Error(`editing files failed: ${edit.stderr.toString()}`);

    const airlock = new Airlock({ view: session.snapshot, policy: ctx.policy, stateDir: session.dir });
    let applySeconds = 0;
    const { ms, value: report } = await timed(async () => {
      const approved = await airlock.approveAll({ includeRisky: false, paths });
      if (approved.approved.length !== files) throw new Error(`approved ${approved.approved.length} of ${files} files`);
      const t = await timed(() => airlock.apply({ paths }));
      applySeconds = t.ms;
      return t.value;
    });
    if (report.applied.length !== files)
      throw new Error(
        `applied ${report.applied.length} of ${files} files (${report.conflicts.length} conflicts, ${report.refused.length} refused)`,
      );
    const sample = path.join(ws.root, paths[0]!);
    if (!fs.readFileSync(sample, 'utf8').includes(`edited in round ${round}`))
      throw new Error(`${paths[0]} does not hold the applied content`);
    product.push(ms);
    applyOnly.push(applySeconds);

    const dest = scratch(ctx, `cp-${round}`);
    baseline.push((await timed(() => runProcess(['cp', '--parents', '-t', dest, ...paths], { cwd: session.snapshot.sandboxPath('') }))).ms);
    await fs.promises.rm(dest, { recursive: true, force: true });
  }
  return figure({
    name: 'apply',
    what: `approve all and apply ${files} changed files (fsync, rename, journal)`,
    samples: product,
    baseline: { what: `\`cp\` of the same ${files} files`, samples: baseline },
    target: { kind: 'ratio', max: 2 },
    notes: [
      `apply alone (after approve-all built the change set and approved): median ${Math.round(median(applyOnly))} ms, ${(median(applyOnly) / median(baseline)).toFixed(2)}× \`cp\``,
    ],
  });
}
