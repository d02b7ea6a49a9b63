/**
 * A small run of the benchmark against the real engine: tiny workspaces, few repetitions.
 * It checks the shape of the JSON document and that every figure is a finite positive
 * number, never the targets (speed is measured by `npm run bench`, not asserted in tests).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { connectEngine } from '../../src/core/engine/connection';
import { resolveRuntime } from '../../src/core/engine/runtimes';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The runc-against-gVisor figures, measured when the engine has a gVisor runtime that fits. */
const RUNTIME_FIGURES = ['runtimeStart', 'runtimeCommand', 'runtimeFileWork'];

const EXPECTED_FIGURES = [
  'preparedStart.tiny',
  'coldStart.first.tiny',
  'coldStart.repeat.tiny',
  'coldStart.firstVsCopy.tiny',
  'coldStart.repeatVsStatWalk.tiny',
  'coldStart.copy.tiny',
  'coldStart.refresh.tiny',
  'preparedStart.small',
  'coldStart.first.small',
  'coldStart.repeat.small',
  'coldStart.firstVsCopy.small',
  'coldStart.repeatVsStatWalk.small',
  'coldStart.copy.small',
  'coldStart.refresh.small',
  'changeScan',
  'changeScan.afterCommand',
  'changeScan.rawScan',
  'inSandboxWork.small',
  'apply',
  'commandOverhead',
  'inSandboxWork.tiny',
  'memory.openSession',
  'memory.review2000',
  'commandAfterInstall',
  RUNTIME_FIGURES,
  'reviewPanel.firstPaint',
  'reviewPanel.listScrollP95Frame',
  'reviewPanel.hugeDiffOpen',
];

function runSmokeBench(args: readonly string[] = ['--smoke']): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test', 'bench', 'run.ts'), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const positiveFinite = (value: unknown, what: string) => {
  assert.equal(typeof value, 'number', `${what} is not a number: ${String(value)}`);
  assert.ok(Number.isFinite(value) && (value as number) > 0, `${what} is not a finite positive number: ${String(value)}`);
};

test('the smoke run of the benchmark prints every figure as finite positive numbers', { timeout: 600_000 }, async () => {
  const { code, stdout, stderr } = await runSmokeBench();
  assert.equal(code, 0, `the bench failed:\n${stderr.slice(-3000)}`);
  const report = JSON.parse(stdout) as {
    date: string;
    config: string;
    machine: Record<string, unknown>;
    durationSec: number;
    allMet: boolean;
    figures: {
      name: string;
      unit: string;
      median: number;
      samples: number[];
      baseline?: { what: string; median: number; samples: number[] };
      ratio?: number;
      target: { kind: string; max: number };
      met: boolean;
      load?: { before: number; after: number };
    }[];
    backgroundLoad: number;
  };
  assert.equal(report.config, 'smoke');
  assert.ok(!Number.isNaN(Date.parse(report.date)), `date is not a date: ${report.date}`);
  assert.equal(typeof report.machine.cpus, 'number');
  assert.equal(typeof report.machine.docker, 'string');
  positiveFinite(report.durationSec, 'durationSec');
  assert.equal(typeof report.allMet, 'boolean');
  assert.equal(report.backgroundLoad, 0, 'a run without --load says so');
  const { info } = await connectEngine();
  const hasGvisor = (() => {
    try {
      resolveRuntime('gvisor', info.runtimeEntries, info.defaultRuntime, { hostSockets: false });
      return true;
    } catch {
      return false;
    }
  })();
  assert.deepEqual(
    report.figures.map((f) => f.name),
    EXPECTED_FIGURES.flatMap((name) => (Array.isArray(name) ? (hasGvisor ? name : []) : [name])),
  );
  for (const f of report.figures) {
    assert.ok(['ms', 'MB'].includes(f.unit), `${f.name}: unit ${f.unit}`);
    positiveFinite(f.median, `${f.name}.median`);
    assert.ok(f.samples.length > 0, `${f.name} has no samples`);
    f.samples.forEach((s, i) => positiveFinite(s, `${f.name}.samples[${i}]`));
    assert.ok(['ratio', 'absolute'].includes(f.target.kind), `${f.name}: target kind ${f.target.kind}`);
    positiveFinite(f.target.max, `${f.name}.target.max`);
    assert.equal(typeof f.met, 'boolean');
    assert.ok(f.load && f.load.before >= 0 && f.load.after >= 0, `${f.name} carries no load record: ${JSON.stringify(f.load)}`);
    if (f.target.kind === 'ratio') {
      assert.ok(f.baseline, `${f.name} has a ratio target but no baseline`);
      positiveFinite(f.baseline.median, `${f.name}.baseline.median`);
      f.baseline.samples.forEach((s, i) => positiveFinite(s, `${f.name}.baseline.samples[${i}]`));
      positiveFinite(f.ratio, `${f.name}.ratio`);
      assert.ok(Math.abs(f.ratio! - f.median / f.baseline.median) < 0.02, `${f.name}: the ratio does not match its medians`);
    }
  }
});

test('the benchmark refuses an unknown figure group or a bad --load, naming the choices', async () => {
  for (const args of [
    ['--smoke', '--only', 'nonsense'],
    ['--smoke', '--load', 'many'],
  ]) {
    const { code, stdout, stderr } = await runSmokeBench(args);
    assert.equal(code, 2, `${args.join(' ')} should exit 2`);
    assert.equal(stdout, '', 'nothing measured');
    assert.match(stderr, /--only GROUP\[,GROUP\] \(measure only these: coldStart, preparedStart, changeScan, inSandboxWork, apply/);
  }
});
