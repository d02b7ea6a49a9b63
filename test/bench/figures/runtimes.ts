/**
 * gVisor beside runc: the same small workspace started, a command run and a piece of file
 * work done under each runtime, runc as the baseline. Measured only when the engine has a
 * gVisor runtime that fits the sandbox (`agent-sandbox runtime setup gvisor`); otherwise the
 * group reports nothing and says why on stderr.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectEngine } from '../../../src/core/engine/connection';
import { resolveRuntime } from '../../../src/core/engine/runtimes';
import type { SandboxSession } from '../../../src/core/session/session';
import { startSession, type BenchContext } from '../context';
import { figure, timed, type Figure } from '../measure';
import type { GeneratedWorkspace } from '../workspace';

/** Reads every file of the copy and writes 500 small files: work that crosses the file system. */
const FILE_WORK = [
  'sh',
  '-c',
  'find . -type f -not -path "./.git/*" -exec cat {} + >/dev/null && mkdir -p .rt && for i in $(seq 1 500); do echo $i > .rt/f$i; done && rm -r .rt',
];

export async function measureRuntimes(
  ctx: BenchContext,
  ws: GeneratedWorkspace,
  label: string,
  runs: { starts: number; commands: number; work: number },
): Promise<Figure[]> {
  const { info } = await connectEngine();
  try {
    resolveRuntime('gvisor', info.runtimeEntries, info.defaultRuntime, { hostSockets: false });
  } catch (err) {
    ctx.log(`runtimes: skipped, the engine has no gVisor runtime that fits (${(err as Error).message})`);
    return [];
  }
  const results: Record<'runc' | 'gvisor', { start: number[]; command: number[]; work: number[] }> = {
    runc: { start: [], command: [], work: [] },
    gvisor: { start: [], command: [], work: [] },
  };
  for (const runtime of ['runc', 'gvisor'] as const) {
    ctx.log(
      `runtimes: ${runtime}, ${runs.starts} starts of the ${label} workspace, ${runs.commands} commands, ${runs.work} file work runs`,
    );
    const policy = { ...ctx.policy, runtime };
    let session: SandboxSession | undefined;
    for (let i = 0; i < runs.starts; i++) {
      const stateDir = fs.mkdtempSync(path.join(ctx.root, `state-${runtime}-`));
      const started = await timed(() => startSession({ ...ctx, policy }, ws.root, stateDir));
      results[runtime].start.push(started.ms);
      if (i < runs.starts - 1) await started.value.destroy();
      else session = started.value;
    }
    try {
      await session!.run(['true']);
      for (let i = 0; i < runs.commands; i++) {
        const r = await timed(() => session!.run(['true']));
        if (r.value.exitCode !== 0) throw new Error(`true exited with ${r.value.exitCode} under ${runtime}`);
        results[runtime].command.push(r.ms);
      }
      for (let i = 0; i < runs.work; i++) {
        const r = await timed(() => session!.run(FILE_WORK));
        if (r.value.exitCode !== 0) throw new Error(`the file work exited with ${r.value.exitCode} under ${runtime}`);
        results[runtime].work.push(r.ms);
      }
    } finally {
      await session!.destroy();
    }
  }
  const notes = ['The issue names no target for gVisor; the bound of 3x runc only flags a regression.'];
  const pair = (name: string, what: string, key: 'start' | 'command' | 'work') =>
    figure({
      name,
      what: `${what}, gVisor (runsc)`,
      samples: results.gvisor[key],
      baseline: { what: `${what}, runc`, samples: results.runc[key] },
      target: { kind: 'ratio', max: 3 },
      notes,
    });
  return [
    pair('runtimeStart', `start of a new sandbox on the ${label} workspace`, 'start'),
    pair('runtimeCommand', '`run -- true` in a warm session', 'command'),
    pair('runtimeFileWork', `reading every file of the ${label} copy and writing 500 files`, 'work'),
  ];
}
