/** Timing helpers for the benchmark: wall-clock samples, medians, and timed child processes. */
import { spawn } from 'node:child_process';

export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error('median of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds taken by `work`, from a monotonic clock. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/** Runs `work` `runs` times in sequence and returns every sample in milliseconds. */
export async function sample(runs: number, work: (index: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push((await timed(() => work(i))).ms);
  return out;
}

export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an argv (never a shell line) and fails loudly on a non-zero exit unless allowed. */
export function runProcess(
  argv: readonly string[],
  options: { cwd?: string; allowFailure?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const result = { code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      if (result.code !== 0 && !options.allowFailure) {
        reject(new Error(`${argv.join(' ')} exited with ${result.code}: ${result.stderr.trim().slice(0, 500)}`));
      } else resolve(result);
    });
  });
}

/** A figure as the JSON report carries it: the median, its baseline's median, and their ratio. */
export interface Figure {
  readonly name: string;
  readonly what: string;
  readonly unit: 'ms' | 'MB';
  readonly median: number;
  readonly samples: readonly number[];
  readonly baseline?: { readonly what: string; readonly median: number; readonly samples: readonly number[] };
  /** median / baseline median, when there is a baseline. */
  readonly ratio?: number;
  /** The target as the issue states it: a ratio bound, or an absolute bound in `unit`. */
  readonly target: { readonly kind: 'ratio' | 'absolute'; readonly max: number };
  readonly met: boolean;
  readonly notes?: readonly string[];
  /** The machine's 1-minute load average before and after this figure was measured. */
  readonly load?: { readonly before: number; readonly after: number };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export function figure(input: {
  name: string;
  what: string;
  unit?: 'ms' | 'MB';
  samples: readonly number[];
  baseline?: { what: string; samples: readonly number[] };
  target: { kind: 'ratio' | 'absolute'; max: number };
  notes?: readonly string[];
}): Figure {
  const med = round(median(input.samples));
  const baseline = input.baseline
    ? { what: input.baseline.what, median: round(median(input.baseline.samples)), samples: input.baseline.samples.map(round) }
    : undefined;
  const ratio = baseline ? round(med / baseline.median) : undefined;
  const value = input.target.kind === 'ratio' ? ratio! : med;
  return {
    name: input.name,
    what: input.what,
    unit: input.unit ?? 'ms',
    median: med,
    samples: input.samples.map(round),
    ...(baseline ? { baseline, ratio } : {}),
    target: input.target,
    met: value <= input.target.max,
    ...(input.notes?.length ? { notes: input.notes } : {}),
  };
}
