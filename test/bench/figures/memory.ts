/**
 * Memory: growth of a host process that holds an open session, then a review of 2,000
 * changed files. The extension host itself needs a desktop VS Code, which this machine
 * cannot run, so the same core code (session, airlock, change set, review, diffs) is
 * measured in a plain Node process started for the purpose (see memoryProbe.ts).
 */
import * as path from 'node:path';
import type { SandboxSession } from '../../../src/core/session/session';
import { stateEnv, type BenchContext } from '../context';
import { figure, runProcess, type Figure } from '../measure';
import type { GeneratedWorkspace } from '../workspace';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export async function measureMemory(
  ctx: BenchContext,
  session: SandboxSession,
  ws: GeneratedWorkspace,
  stateDir: string,
  files: number,
  runs: number,
): Promise<Figure[]> {
  const paths = ws.sourcePaths.slice(0, files);
  const open: number[] = [];
  const reviewing: number[] = [];
  let detail = '';
  for (let i = 0; i < runs; i++) {
    ctx.log(`memory: probe ${i + 1}/${runs} with ${files} changed files`);
    if (i > 0) {
      // Back to an unchanged sandbox so that each probe sees the same 2,000 edits.
      const undo = await session.run(['sed', '-i', 's/let /const /g', ...paths]);
      if (undo.exitCode !== 0) throw new Error(`undoing the edits failed: ${undo.stderr.toString()}`);
    }
    const out = await runProcess(
      [process.execPath, '--expose-gc', '--import', 'tsx', path.join(__dirname, '..', 'memoryProbe.ts'), ws.root, ...paths],
      {
        cwd: REPO_ROOT,
        env: stateEnv(stateDir),
      },
    );
    const result = JSON.parse(out.stdout.trim().split('\n').pop()!) as {
      idle: { rssMb: number };
      open: { rssMb: number };
      reviewing: { rssMb: number };
      listed: number;
      diffLinesShown: number;
    };
    if (result.listed < files) throw new Error(`the probe's change set lists ${result.listed} modified files, not ${files}`);
    open.push(Math.max(0.01, result.open.rssMb - result.idle.rssMb));
    reviewing.push(Math.max(0.01, result.reviewing.rssMb - result.idle.rssMb));
    detail = `idle RSS after loading the core: ${result.idle.rssMb.toFixed(0)} MB; ${result.listed} files listed, ${result.diffLinesShown} diff lines of 50 files shown`;
  }
  const notes = ['plain Node process running the core code, not the VS Code extension host (no desktop VS Code here)', detail];
  return [
    figure({
      name: 'memory.openSession',
      what: 'resident memory growth of a process holding an open session',
      unit: 'MB',
      samples: open,
      target: { kind: 'absolute', max: 50 },
      notes,
    }),
    figure({
      name: 'memory.review2000',
      what: `resident memory growth with the ${files}-file review open (change set, decisions, on-screen diffs)`,
      unit: 'MB',
      samples: reviewing,
      target: { kind: 'absolute', max: 150 },
      notes,
    }),
  ];
}
