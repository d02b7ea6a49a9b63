/**
 * The machine's load around each figure, and an optional fixed background load.
 *
 * A shared machine skews timings; recording the 1-minute load average before and after each
 * figure says how busy it was while that figure was measured. `--load N` runs N CPU-bound
 * processes for the whole run, so that figures under contention (the review panel's frame
 * times, the scan ratio) are measured on purpose rather than by accident.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import type { Figure } from './measure';

export interface LoadRecord {
  /** 1-minute load average when the figure's measurement began. */
  readonly before: number;
  /** 1-minute load average when it ended. */
  readonly after: number;
}

function loadNow(): number {
  return Math.round(os.loadavg()[0]! * 10) / 10;
}

/** Runs the measurement of one or more figures and attaches the load around it to each. */
export async function withLoadRecord(work: () => Promise<Figure | Figure[]>): Promise<Figure[]> {
  const before = loadNow();
  const result = await work();
  const load: LoadRecord = { before, after: loadNow() };
  return (Array.isArray(result) ? result : [result]).map((f) => ({ ...f, load }));
}

const BUSY_LOOP = `
const bench = Number(process.argv[1]);
for (let i = 1; ; i++) {
  if (i % 50000000 === 0) {
    try { process.kill(bench, 0); } catch { process.exit(0); }
  }
}`;

/** N processes that each keep one CPU busy until stopped. */
export class BackgroundLoad {
  private readonly children: ChildProcess[] = [];

  constructor(readonly processes: number) {
    for (let i = 0; i < processes; i++) {
      // A busy loop in a plain Node process: no I/O, one core each. It looks now and then
      // whether the bench is still there, so a bench killed outright leaves no spinner behind.
      const child = spawn(process.execPath, ['-e', BUSY_LOOP, String(process.pid)], { stdio: 'ignore' });
      child.on('error', () => undefined);
      this.children.push(child);
    }
  }

  stop(): void {
    for (const child of this.children) child.kill('SIGKILL');
  }
}
