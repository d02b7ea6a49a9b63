/**
 * Command overhead once the sandbox side is large: a command first fills the upper layer with
 * `files` files in a node_modules-like tree (what an `npm install` leaves), then `run -- true`
 * is timed against `docker exec CTR true` on the same container, samples alternating. The
 * work after a command must follow what the command changed (nothing here), not the size of
 * the upper layer. The full walk of the upper layer that the change tracking replaces is
 * timed too, for the notes. The files are removed again afterwards (untimed).
 */
import type { SandboxSession } from '../../../src/core/session/session';
import type { BenchContext } from '../context';
import { figure, runProcess, timed, type Figure } from '../measure';

/** Makes `$1` files, ten per folder, below bench-install/node_modules/ (one argv element after `sh -c`). */
const FILL = [
  'set -e',
  'n=0',
  'while [ "$n" -lt "$1" ]; do',
  '  d="bench-install/node_modules/pkg$((n / 100))/lib$((n / 10 % 10))"',
  '  mkdir -p "$d"',
  '  i=0',
  '  while [ "$i" -lt 10 ] && [ "$n" -lt "$1" ]; do echo "module.exports = $n;" > "$d/f$i.js"; i=$((i + 1)); n=$((n + 1)); done',
  'done',
].join('\n');

export async function measureCommandAfterInstall(ctx: BenchContext, session: SandboxSession, files: number, runs: number): Promise<Figure> {
  ctx.log(`command after install: ${files} files in the upper layer, then ${runs} runs of \`true\` each way`);
  const fill = await session.run(['/bin/sh', '-c', FILL, 'fill', String(files)], { timeoutSec: 600 });
  if (fill.exitCode !== 0) throw new Error(`filling the upper layer failed: ${fill.stderr.toString()}`);
  try {
    // Untimed: the first commands after the fill walk once and start watching; both sides warm up.
    for (let i = 0; i < 2; i++) await session.run(['true']);
    await runProcess(['docker', 'exec', session.containerId, 'true']);
    const before = { ...session.changes.stats };
    const product: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < runs; i++) {
      const ours = await timed(() => session.run(['true']));
      if (ours.value.exitCode !== 0) throw new Error(`true exited with ${ours.value.exitCode} in the sandbox`);
      if (ours.value.changedFiles.length !== 0)
        throw new Error(`\`true\` reported changed files: ${ours.value.changedFiles.slice(0, 5).join(', ')}`);
      product.push(ours.ms);
      baseline.push((await timed(() => runProcess(['docker', 'exec', session.containerId, 'true']))).ms);
    }
    const fromEvents = session.changes.stats.incremental - before.incremental;
    const walk = await timed(() => session.snapshot.touchedSince(Date.now()));
    return figure({
      name: 'commandAfterInstall',
      what: `\`run -- true\` in a warm session whose upper layer holds ${files} files (an npm install)`,
      samples: product,
      baseline: { what: '`docker exec CTR true` (docker CLI)', samples: baseline },
      target: { kind: 'ratio', max: 0.6 },
      notes: [
        `${fromEvents} of ${runs} timed runs answered from file system events (the rest by the full walk)`,
        `one full walk of the upper layer (what every command cost before): ${Math.round(walk.ms)} ms`,
      ],
    });
  } finally {
    await session.run(['rm', '-rf', 'bench-install'], { timeoutSec: 600 });
  }
}
