/**
 * Change scan: listing the pending changes (the airlock's change set, which starts with the
 * snapshot's scan) after a command touched 10 files of the large workspace, against
 * `git status --porcelain` on the same tree with the same 10 files changed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Airlock } from '../../../src/core/airlock';
import type { SandboxSession } from '../../../src/core/session/session';
import { SETTLED_MS } from '../../../src/core/snapshot/scanMemo';
import type { BenchContext } from '../context';
import { figure, runProcess, timed, type Figure } from '../measure';
import type { GeneratedWorkspace } from '../workspace';

const TOUCHED = 10;

export async function measureChangeScan(
  ctx: BenchContext,
  session: SandboxSession,
  ws: GeneratedWorkspace,
  runs: number,
): Promise<Figure[]> {
  const step = Math.max(1, Math.floor(ws.sourcePaths.length / TOUCHED));
  const targets = Array.from({ length: TOUCHED }, (_, i) => ws.sourcePaths[i * step]!);
  ctx.log(`change scan: touching ${TOUCHED} files in the sandbox of the ${ws.files}-file workspace`);
  const touched = await session.run([
    'sh',
    '-c',
    'for f in "$@"; do echo "// changed in the sandbox" >> "$f"; done',
    'touch-files',
    ...targets,
  ]);
  if (touched.exitCode !== 0) throw new Error(`touching files failed: ${touched.stderr.toString()}`);

  const airlock = new Airlock({ view: session.snapshot, policy: ctx.policy, stateDir: session.dir });
  const first = await airlock.changes();
  const listed = first.entries.filter((e) => targets.includes(e.path)).length;
  if (listed !== TOUCHED) throw new Error(`the change set lists ${listed} of the ${TOUCHED} touched files`);

  // The same 10 changes on the host tree for git, undone afterwards.
  const originals = targets.map((rel) => fs.readFileSync(path.join(ws.root, rel)));
  targets.forEach((rel) => fs.appendFileSync(path.join(ws.root, rel), '// changed on the host\n'));
  const changeSet: number[] = [];
  const scan: number[] = [];
  const afterCommand: number[] = [];
  const git: number[] = [];
  // A command that leaves the change set as it is but touches each changed file's folder (a
  // file made and removed), so that the next listing must ask the container about them again.
  const dirs = [...new Set(targets.map((t) => path.posix.dirname(t)))];
  const touchDirs = ['sh', '-c', 'for d in "$@"; do : > "$d/.bench-touch" && rm "$d/.bench-touch"; done', 'touch-dirs', ...dirs];
  try {
    await runProcess(['git', 'status', '--porcelain'], { cwd: ws.root });
    // A listing made later than a second after the command (a review opened afterwards): the
    // scan may reuse the container's answers about folders that have not moved since.
    await new Promise((resolve) => setTimeout(resolve, SETTLED_MS + 100));
    for (let i = 0; i < runs; i++) {
      changeSet.push((await timed(() => airlock.changes())).ms);
      scan.push((await timed(() => session.snapshot.scan())).ms);
      git.push((await timed(() => runProcess(['git', 'status', '--porcelain'], { cwd: ws.root }))).ms);
    }
    // A listing right after a command touched those folders (the status bar's count after
    // each command): the container is asked about them again.
    for (let i = 0; i < runs; i++) {
      const touchedDirs = await session.run(touchDirs);
      if (touchedDirs.exitCode !== 0) throw new Error(`touching folders failed: ${touchedDirs.stderr.toString()}`);
      afterCommand.push((await timed(() => airlock.changes())).ms);
    }
  } finally {
    targets.forEach((rel, i) => fs.writeFileSync(path.join(ws.root, rel), originals[i]!));
  }
  const baseline = { what: `\`git status --porcelain\` on the same ${ws.files}-file tree`, samples: git };
  return [
    figure({
      name: 'changeScan',
      what: `list pending changes (change set: scan, classification) after a command touched ${TOUCHED} files of ${ws.files}, more than a second later`,
      samples: changeSet,
      baseline,
      target: { kind: 'ratio', max: 0.25 },
    }),
    figure({
      name: 'changeScan.afterCommand',
      what: `the same listing right after a command touched the ${dirs.length} folders of those files (the container is asked about them again)`,
      samples: afterCommand,
      baseline,
      target: { kind: 'ratio', max: 0.25 },
    }),
    figure({
      name: 'changeScan.rawScan',
      what: 'the snapshot scan alone (the first step of the change set)',
      samples: scan,
      baseline,
      target: { kind: 'ratio', max: 0.25 },
    }),
  ];
}
