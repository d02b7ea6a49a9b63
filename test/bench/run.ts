/**
 * `npm run bench`: generates its own workspaces, measures the product against the real
 * engine and prints one JSON document (figures with medians, baselines from the same run
 * and ratios). A full run also writes test/bench/RESULTS.md. Progress goes to stderr.
 *
 *   npm run bench                 full sizes (10,000 and 100,000 files), writes RESULTS.md
 *   npm run bench -- --smoke      tiny sizes, for the test suite (asserts shape, not targets)
 *   npm run bench -- --keep       leaves the scratch folder for inspection
 *   BENCH_DIR=/path               where the scratch folder goes (default: the OS temp dir)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LABELS } from '../../src/core/engine/hardening';
import { FULL, SMOKE, type BenchConfig } from './config';
import { createContext, startSession, type BenchContext } from './context';
import { measureApply } from './figures/apply';
import { measureChangeScan } from './figures/changeScan';
import { measureColdStart } from './figures/coldStart';
import { measureCommandOverhead } from './figures/commandOverhead';
import { measureInSandboxWork } from './figures/inSandboxWork';
import { measureMemory } from './figures/memory';
import { measureReviewPanelFigures } from './figures/reviewPanel';
import type { Figure } from './measure';
import { ANALYSIS_MARKER, describeMachine, markdown, type BenchReport } from './report';
import { generateWorkspace } from './workspace';

async function measureAll(ctx: BenchContext, config: BenchConfig): Promise<Figure[]> {
  const figures: Figure[] = [];
  ctx.log(`generating workspaces: ${config.small.sourceFiles} and ${config.large.sourceFiles} source files`);
  const small = await generateWorkspace(path.join(ctx.root, `ws-${config.small.label}`), config.small);
  const large = await generateWorkspace(path.join(ctx.root, `ws-${config.large.label}`), config.large);

  const stateDirs: string[] = [];
  for (const [ws, spec, target, key] of [
    [small, config.small, 1.3, 'small'],
    [large, config.large, 1.5, 'large'],
  ] as const) {
    const cold = await measureColdStart(ctx, ws, spec.label, {
      firstRuns: config.coldStart.firstRuns[key],
      repeatRuns: config.coldStart.repeatRuns[key],
      targetRatio: target,
    });
    figures.push(...cold.figures);
    stateDirs.push(cold.stateDir);
  }
  const [smallState, largeState] = stateDirs as [string, string];

  const largeSession = await startSession(ctx, large.root, largeState);
  try {
    figures.push(...(await measureChangeScan(ctx, largeSession, large, config.scanRuns)));
    // Before apply: apply writes the real tree, and the job compares both sides' listings.
    figures.push(await measureInSandboxWork(ctx, largeSession, large, config.large.label, config.workRuns));
    figures.push(await measureApply(ctx, largeSession, large, config.apply.files, config.apply.runs));
  } finally {
    await largeSession.destroy();
  }

  const smallSession = await startSession(ctx, small.root, smallState);
  try {
    figures.push(await measureCommandOverhead(ctx, smallSession, config.commandRuns));
    figures.push(await measureInSandboxWork(ctx, smallSession, small, config.small.label, config.workRuns));
    figures.push(...(await measureMemory(ctx, smallSession, small, smallState, config.memory.files, config.memory.runs)));
  } finally {
    await smallSession.destroy();
  }

  figures.push(...(await measureReviewPanelFigures(ctx, config.reviewPanel)));
  return figures;
}

/** Removes whatever sessions of this run left in the engine (after a failure). */
async function removeLeftovers(ctx: BenchContext): Promise<void> {
  const mine = (labels: Record<string, string> | undefined) => labels?.[LABELS.stateDir]?.startsWith(ctx.root + path.sep) ?? false;
  for (const c of await ctx.docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=1`] } })) {
    if (mine(c.Labels)) await ctx.docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const v of (await ctx.docker.listVolumes({ filters: { label: [`${LABELS.managed}=1`] } })).Volumes ?? []) {
    if (mine(v.Labels)) await ctx.docker.getVolume(v.Name).remove({ force: true }).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => !['--smoke', '--keep', '--no-results'].includes(a));
  if (unknown.length) {
    process.stderr.write(`Unknown option ${unknown[0]}. Use --smoke (tiny sizes), --keep (leave the scratch folder) or --no-results (do not write RESULTS.md).\n`);
    process.exit(2);
  }
  const config = args.includes('--smoke') ? SMOKE : FULL;
  const parent = process.env.BENCH_DIR ?? os.tmpdir();
  fs.mkdirSync(parent, { recursive: true });
  const root = fs.mkdtempSync(path.join(parent, 'agent-sandbox-bench-'));
  const started = performance.now();
  const log = (m: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
  const machine = describeMachine(root);
  const ctx = await createContext(root, log);
  let figures: Figure[];
  try {
    figures = await measureAll(ctx, config);
  } finally {
    await removeLeftovers(ctx).catch((err: unknown) => log(`could not list this run's containers to remove them: ${(err as Error).message}`));
    if (!args.includes('--keep')) {
      log('removing the scratch folder');
      await fs.promises.rm(root, { recursive: true, force: true });
    } else log(`scratch folder kept: ${root}`);
  }
  const report: BenchReport = {
    date: new Date().toISOString(),
    config: config.name,
    machine,
    durationSec: Math.round((performance.now() - started) / 100) / 10,
    figures,
    allMet: figures.every((f) => f.met),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (config.name === 'full' && !args.includes('--no-results')) {
    const file = path.join(__dirname, 'RESULTS.md');
    // The hand-written analysis below the marker survives a new run; the table is replaced.
    const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const at = previous.indexOf(ANALYSIS_MARKER);
    fs.writeFileSync(file, markdown(report) + (at >= 0 ? `\n${previous.slice(at)}` : ''));
    log('wrote test/bench/RESULTS.md');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
