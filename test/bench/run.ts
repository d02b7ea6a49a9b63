/**
 * `npm run bench`: generates its own workspaces, measures the product against the real
 * engine and prints one JSON document (figures with medians, baselines from the same run
 * and ratios). A full run also writes test/bench/RESULTS.md. Progress goes to stderr.
 *
 *   npm run bench                 full sizes (10,000 and 100,000 files), writes RESULTS.md
 *   npm run bench -- --smoke      tiny sizes, for the test suite (asserts shape, not targets)
 *   npm run bench -- --keep       leaves the scratch folder for inspection
 *   npm run bench -- --only apply,coldStart   measures only these figure groups (a quiet
 *                                 partial run writes no RESULTS.md)
 *   npm run bench -- --load 2     runs two CPU-bound processes throughout; a full run writes
 *                                 its table to the "Under load" block of RESULTS.md
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
import { measureCommandAfterInstall } from './figures/commandAfterInstall';
import { measureCommandOverhead } from './figures/commandOverhead';
import { measureInSandboxWork } from './figures/inSandboxWork';
import { measureMemory } from './figures/memory';
import { measurePreparedStart } from './figures/preparedStart';
import { measureRuntimes } from './figures/runtimes';
import { measureReviewPanelFigures } from './figures/reviewPanel';
import type { Figure } from './measure';
import { BackgroundLoad, withLoadRecord } from './load';
import { ANALYSIS_MARKER, describeMachine, LOAD_END, LOAD_START, markdown, type BenchReport } from './report';
import { generateWorkspace } from './workspace';

/** The figure groups, in the order a full run measures them; `--only` picks some of them. */
const GROUPS = [
  'coldStart',
  'preparedStart',
  'changeScan',
  'inSandboxWork',
  'apply',
  'commandOverhead',
  'commandAfterInstall',
  'memory',
  'runtimes',
  'reviewPanel',
] as const;
type Group = (typeof GROUPS)[number];

async function measureAll(ctx: BenchContext, config: BenchConfig, want: (group: Group) => boolean): Promise<Figure[]> {
  const figures: Figure[] = [];
  const measure = async (group: Group, work: () => Promise<Figure | Figure[]>): Promise<void> => {
    if (want(group)) figures.push(...(await withLoadRecord(work)));
  };
  const needsSessions = GROUPS.some((g) => g !== 'reviewPanel' && want(g));
  if (needsSessions) {
    ctx.log(`generating workspaces: ${config.small.sourceFiles} and ${config.large.sourceFiles} source files`);
    const small = await generateWorkspace(path.join(ctx.root, `ws-${config.small.label}`), config.small);
    const large = await generateWorkspace(path.join(ctx.root, `ws-${config.large.label}`), config.large);

    const stateDirs: string[] = [];
    for (const [ws, spec, target, key] of [
      [small, config.small, 1.3, 'small'],
      [large, config.large, 1.5, 'large'],
    ] as const) {
      await measure('preparedStart', () =>
        measurePreparedStart(ctx, ws, spec.label, { runs: config.preparedStart.runs[key], targetRatio: target }),
      );
      if (!want('coldStart')) {
        stateDirs.push(fs.mkdtempSync(path.join(ctx.root, 'state-')));
        continue;
      }
      let stateDir = '';
      await measure('coldStart', async () => {
        const cold = await measureColdStart(ctx, ws, spec.label, {
          firstRuns: config.coldStart.firstRuns[key],
          repeatRuns: config.coldStart.repeatRuns[key],
          targetRatio: target,
        });
        stateDir = cold.stateDir;
        return cold.figures;
      });
      stateDirs.push(stateDir);
    }
    const [smallState, largeState] = stateDirs as [string, string];

    if (want('changeScan') || want('inSandboxWork') || want('apply')) {
      const largeSession = await startSession(ctx, large.root, largeState);
      try {
        await measure('changeScan', () => measureChangeScan(ctx, largeSession, large, config.scanRuns));
        // Before apply: apply writes the real tree, and the job compares both sides' listings.
        await measure('inSandboxWork', () => measureInSandboxWork(ctx, largeSession, large, config.large.label, config.workRuns));
        await measure('apply', () => measureApply(ctx, largeSession, large, config.apply.files, config.apply.runs));
      } finally {
        await largeSession.destroy();
      }
    }

    if (want('commandOverhead') || want('inSandboxWork') || want('memory') || want('commandAfterInstall')) {
      const smallSession = await startSession(ctx, small.root, smallState);
      try {
        await measure('commandOverhead', () => measureCommandOverhead(ctx, smallSession, config.commandRuns));
        await measure('inSandboxWork', () => measureInSandboxWork(ctx, smallSession, small, config.small.label, config.workRuns));
        await measure('memory', () => measureMemory(ctx, smallSession, small, smallState, config.memory.files, config.memory.runs));
        // Fills the upper layer as an install would, then removes what it made.
        await measure('commandAfterInstall', () =>
          measureCommandAfterInstall(ctx, smallSession, config.upperLayerFiles, config.commandRuns),
        );
      } finally {
        await smallSession.destroy();
      }
    }
    await measure('runtimes', () => measureRuntimes(ctx, small, config.small.label, config.runtimes));
  }

  await measure('reviewPanel', () => measureReviewPanelFigures(ctx, config.reviewPanel));
  return figures;
}

/** Removes whatever sessions of this run left in the engine (after a failure). */
async function removeLeftovers(ctx: BenchContext): Promise<void> {
  const mine = (labels: Record<string, string> | undefined) => labels?.[LABELS.stateDir]?.startsWith(ctx.root + path.sep) ?? false;
  for (const c of await ctx.docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=1`] } })) {
    if (mine(c.Labels))
      await ctx.docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
  }
  for (const v of (await ctx.docker.listVolumes({ filters: { label: [`${LABELS.managed}=1`] } })).Volumes ?? []) {
    if (mine(v.Labels))
      await ctx.docker
        .getVolume(v.Name)
        .remove({ force: true })
        .catch(() => undefined);
  }
}

interface Options {
  readonly smoke: boolean;
  readonly keep: boolean;
  readonly writeResults: boolean;
  readonly only: readonly Group[] | undefined;
  readonly load: number;
}

const USAGE =
  'Options: --smoke (tiny sizes), --keep (leave the scratch folder), --no-results (do not write RESULTS.md), ' +
  `--only GROUP[,GROUP] (measure only these: ${GROUPS.join(', ')}), --load N (run N CPU-bound processes throughout).`;

function parseOptions(args: readonly string[]): Options {
  const fail = (message: string): never => {
    process.stderr.write(`${message}\n${USAGE}\n`);
    process.exit(2);
  };
  let only: Group[] | undefined;
  let load = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (['--smoke', '--keep', '--no-results'].includes(arg)) continue;
    if (arg === '--only') {
      const names = (args[++i] ?? '').split(',').filter(Boolean);
      const unknown = names.find((n) => !(GROUPS as readonly string[]).includes(n));
      if (!names.length || unknown !== undefined) fail(`--only needs figure groups; "${unknown ?? ''}" is not one.`);
      only = names as Group[];
    } else if (arg === '--load') {
      load = Number(args[++i]);
      if (!Number.isInteger(load) || load < 1 || load > 64) fail('--load needs a number of processes between 1 and 64.');
    } else fail(`Unknown option ${arg}.`);
  }
  return { smoke: args.includes('--smoke'), keep: args.includes('--keep'), writeResults: !args.includes('--no-results'), only, load };
}

/**
 * RESULTS.md: a full quiet run replaces the table at the top; a full run under `--load`
 * replaces the block between the load markers (kept below the analysis marker, so the next
 * quiet run keeps it), also when limited with `--only`. A partial quiet run writes nothing.
 */
function writeResults(report: BenchReport, load: number): void {
  const file = path.join(__dirname, 'RESULTS.md');
  const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const at = previous.indexOf(ANALYSIS_MARKER);
  if (load === 0) {
    // The hand-written analysis below the marker survives a new run; the table is replaced.
    fs.writeFileSync(file, markdown(report) + (at >= 0 ? `\n${previous.slice(at)}` : ''));
    return;
  }
  const block = `${LOAD_START}\n${markdown(report, { heading: `## Under load: ${load} CPU-bound processes running throughout` })}${LOAD_END}\n`;
  const from = previous.indexOf(LOAD_START);
  const to = previous.indexOf(LOAD_END);
  let next: string;
  if (from >= 0 && to > from) next = previous.slice(0, from) + block + previous.slice(to + LOAD_END.length + 1);
  else if (at >= 0) next = `${previous.slice(0, at + ANALYSIS_MARKER.length)}\n\n${block}${previous.slice(at + ANALYSIS_MARKER.length)}`;
  else next = `${previous}\n${ANALYSIS_MARKER}\n\n${block}`;
  fs.writeFileSync(file, next);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const config = options.smoke ? SMOKE : FULL;
  const want = (group: Group) => !options.only || options.only.includes(group);
  const parent = process.env.BENCH_DIR ?? os.tmpdir();
  fs.mkdirSync(parent, { recursive: true });
  const root = fs.mkdtempSync(path.join(parent, 'agent-sandbox-bench-'));
  const started = performance.now();
  const log = (m: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
  const machine = describeMachine(root);
  const background = options.load ? new BackgroundLoad(options.load) : undefined;
  if (background) log(`running ${options.load} CPU-bound background processes throughout`);
  const ctx = await createContext(root, log);
  let figures: Figure[];
  try {
    figures = await measureAll(ctx, config, want);
  } finally {
    background?.stop();
    await removeLeftovers(ctx).catch((err: unknown) =>
      log(`could not list this run's containers to remove them: ${(err as Error).message}`),
    );
    if (!options.keep) {
      log('removing the scratch folder');
      await fs.promises.rm(root, { recursive: true, force: true });
    } else log(`scratch folder kept: ${root}`);
  }
  const report: BenchReport = {
    date: new Date().toISOString(),
    config: config.name,
    machine,
    backgroundLoad: options.load,
    ...(options.only ? { only: options.only } : {}),
    durationSec: Math.round((performance.now() - started) / 100) / 10,
    figures,
    allMet: figures.every((f) => f.met),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  // A quiet run writes RESULTS.md only when it measured everything; a run under load writes
  // its own block even when limited to the figures contention matters for.
  if (config.name === 'full' && options.writeResults && (!options.only || options.load > 0)) {
    writeResults(report, options.load);
    log('wrote test/bench/RESULTS.md');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
