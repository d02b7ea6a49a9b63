/** The benchmark's outputs: the JSON document (stdout) and the Markdown table (RESULTS.md). */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import type { Figure } from './measure';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly os: string;
  readonly kernel: string;
  readonly node: string;
  readonly docker: string;
  /** The file system of the scratch folder (workspaces and sandbox copies live there). */
  readonly scratchFs: string;
  /** 1-minute load average when the run started: other work on the machine skews figures. */
  readonly loadAtStart: number;
}

export interface BenchReport {
  readonly date: string;
  readonly config: string;
  readonly machine: Machine;
  /** CPU-bound background processes the run kept going (`--load N`); 0 for a quiet run. */
  readonly backgroundLoad: number;
  /** The figure groups measured, when the run was limited with `--only`. */
  readonly only?: readonly string[];
  readonly durationSec: number;
  readonly figures: readonly Figure[];
  readonly allMet: boolean;
}

/** RESULTS.md keeps what follows this line from one run to the next. */
export const ANALYSIS_MARKER = '<!-- analysis: kept across runs -->';

/** A run under `--load` writes its table between these lines. */
export const LOAD_START = '<!-- under load: begin -->';
export const LOAD_END = '<!-- under load: end -->';

function quiet(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export function describeMachine(scratchDir: string): Machine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: quiet('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']),
    kernel: os.release(),
    node: process.version,
    docker: quiet('docker', ['version', '--format', '{{.Server.Version}}']),
    scratchFs: quiet('findmnt', ['-n', '-o', 'FSTYPE', '-T', scratchDir]),
    loadAtStart: Math.round(os.loadavg()[0]! * 10) / 10,
  };
}

function value(f: Figure): string {
  return f.unit === 'MB'
    ? `${f.median.toFixed(1)} MB`
    : f.median >= 1000
      ? `${(f.median / 1000).toFixed(2)} s`
      : `${f.median.toFixed(0)} ms`;
}

function baselineCell(f: Figure): string {
  if (!f.baseline) return 'none (absolute)';
  const ms = f.baseline.median;
  return `${f.baseline.what}: ${ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`}`;
}

function targetCell(f: Figure): string {
  if (f.target.kind === 'ratio') return `≤ ${f.target.max}×`;
  return f.unit === 'MB' ? `≤ ${f.target.max} MB` : `≤ ${f.target.max} ms`;
}

function loadCell(f: Figure): string {
  return f.load ? `${f.load.before} → ${f.load.after}` : '';
}

export function markdown(report: BenchReport, options: { heading?: string } = {}): string {
  const m = report.machine;
  const lines = [
    options.heading ?? '# Benchmark results',
    '',
    `Measured ${report.date} by \`npm run bench\` (${report.config} run${report.only ? ` of ${report.only.join(', ')} only` : ''}, ${Math.round(report.durationSec)} s) on ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.os}, kernel ${m.kernel}, Docker ${m.docker}, Node ${m.node}; workspaces and sandbox copies on ${m.scratchFs}; load average ${m.loadAtStart} at the start${report.backgroundLoad ? `, with ${report.backgroundLoad} CPU-bound background processes running throughout` : ''}.`,
    '',
    'Medians over several runs; each baseline is measured in the same run, alternating with the product, so the ratio is what counts.',
    '',
    'The load column is the 1-minute load average before and after each figure was measured.',
    '',
    '| figure | what | median | baseline | ratio | target | met | load |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...report.figures.map(
      (f) =>
        `| ${f.name} | ${f.what.replace(/\|/g, '\\|')} | ${value(f)} | ${baselineCell(f).replace(/\|/g, '\\|')} | ${f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`} | ${targetCell(f)} | ${f.met ? 'yes' : '**no**'} | ${loadCell(f)} |`,
    ),
    '',
  ];
  const noted = report.figures.filter((f) => f.notes?.length);
  if (noted.length) {
    lines.push('Notes:', '');
    for (const f of noted) lines.push(`- ${f.name}: ${f.notes!.join('; ')}`);
    lines.push('');
  }
  return lines.join('\n');
}
