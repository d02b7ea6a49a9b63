/**
 * In-sandbox work: a file-heavy job (git status, a find and a grep over the tree) run in the
 * sandbox on its overlay copy, against the same job run natively on the host tree. One
 * untimed run of each first: the sandbox's git refreshes its index once (the copy has new
 * inode numbers), and both sides warm the page cache.
 */
import type { SandboxSession } from '../../../src/core/session/session';
import type { BenchContext } from '../context';
import { figure, runProcess, timed, type Figure } from '../measure';
import type { GeneratedWorkspace } from '../workspace';

const JOB = 'git status --porcelain | wc -l && find . -name "*.ts" | wc -l && grep -rl TODO src | wc -l';

export async function measureInSandboxWork(
  ctx: BenchContext,
  session: SandboxSession,
  ws: GeneratedWorkspace,
  label: string,
  runs: number,
): Promise<Figure> {
  ctx.log(`in-sandbox work: ${runs} runs each way on the ${ws.files}-file workspace`);
  const inSandbox = () => session.run(['sh', '-c', JOB]);
  const onHost = () => runProcess(['sh', '-c', JOB], { cwd: ws.root });
  const firstSandbox = await timed(inSandbox);
  if (firstSandbox.value.exitCode !== 0) throw new Error(`the job failed in the sandbox: ${firstSandbox.value.stderr.toString()}`);
  const hostOut = (await onHost()).stdout.trim().split('\n');
  const sandboxOut = firstSandbox.value.stdout.toString().trim().split('\n');
  // The find and grep counts must agree, or the two sides did not do the same work.
  if (hostOut.slice(1).join() !== sandboxOut.slice(1).join())
    throw new Error(`the job saw different trees: host ${hostOut.join('/')}, sandbox ${sandboxOut.join('/')}`);
  const product: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < runs; i++) {
    product.push((await timed(inSandbox)).ms);
    baseline.push((await timed(onHost)).ms);
  }
  return figure({
    name: `inSandboxWork.${label}`,
    what: `\`${JOB}\` in the sandbox (through \`run\`) on the ${label}-file workspace`,
    samples: product,
    baseline: { what: 'the same job natively on the host tree', samples: baseline },
    target: { kind: 'ratio', max: 1.1 },
    notes: [`first run in the sandbox (git refreshes its index on the new copy): ${Math.round(firstSandbox.ms)} ms`],
  });
}
