/**
 * Command overhead: `run -- true` in a warm session through the product's exec path (exec
 * create, start, output, exit code, change accounting, audit line), against the docker
 * CLI's `docker exec CTR true` on the same container. Samples alternate.
 */
import type { SandboxSession } from '../../../src/core/session/session';
import type { BenchContext } from '../context';
import { figure, runProcess, timed, type Figure } from '../measure';

export async function measureCommandOverhead(ctx: BenchContext, session: SandboxSession, runs: number): Promise<Figure> {
  ctx.log(`command overhead: ${runs} runs of \`true\` each way`);
  const product: number[] = [];
  const baseline: number[] = [];
  // One of each first, untimed: connections and caches warm up for both sides alike.
  await session.run(['true']);
  await runProcess(['docker', 'exec', session.containerId, 'true']);
  for (let i = 0; i < runs; i++) {
    const ours = await timed(() => session.run(['true']));
    if (ours.value.exitCode !== 0) throw new Error(`true exited with ${ours.value.exitCode} in the sandbox`);
    product.push(ours.ms);
    baseline.push((await timed(() => runProcess(['docker', 'exec', session.containerId, 'true']))).ms);
  }
  return figure({
    name: 'commandOverhead',
    what: '`run -- true` in a warm session (Engine API exec, audit, change accounting)',
    samples: product,
    baseline: { what: '`docker exec CTR true` (docker CLI)', samples: baseline },
    target: { kind: 'ratio', max: 0.6 },
  });
}
