/**
 * Runs in its own Node process for the memory figure: what a host process (the extension
 * host, the CLI, the MCP server) grows by when it holds an open session, and then a review
 * of 2,000 changed files. Prints one JSON line: resident set and heap, in MB, at each step.
 *
 * Usage: node --expose-gc --import tsx test/bench/memoryProbe.ts WORKSPACE FILES...
 * (AGENT_SANDBOX_STATE_DIR names the state root of the running session).
 */
import { Airlock } from '../../src/core/airlock';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { attachSession } from '../../src/core/session/lifecycle';

interface Usage {
  rssMb: number;
  heapMb: number;
}

function usage(): Usage {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rssMb: m.rss / 2 ** 20, heapMb: (m.heapUsed + m.external) / 2 ** 20 };
}

async function main(): Promise<void> {
  const [workspaceRoot, ...files] = process.argv.slice(2);
  if (!workspaceRoot || files.length === 0) throw new Error('usage: memoryProbe WORKSPACE FILES...');
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') throw new Error('run with --expose-gc');
  const policy = { ...DEFAULT_POLICY, baseImage: process.env.AGENT_SANDBOX_BASE_IMAGE ?? 'agent-sandbox-base:bookworm' };
  const idle = usage();

  const session = await attachSession({ workspaceRoot, policy });
  const airlock = new Airlock({ view: session.snapshot, policy, stateDir: session.dir });
  await session.run(['true']);
  await airlock.changes();
  const open = usage();

  // An agent rewrites many lines of each file; the review then lists them and shows diffs.
  const edit = await session.run(['sed', '-i', 's/const /let /g', ...files]);
  if (edit.exitCode !== 0) throw new Error(`editing failed: ${edit.stderr.toString()}`);
  const changeSet = await airlock.changes();
  const listed = changeSet.entries.filter((e) => e.kind === 'modified').length;
  const review = await airlock.review();
  let diffLines = 0;
  for (const entry of changeSet.entries) {
    review.fileDecision(entry);
  }
  // The panel loads diffs on demand; a person opens a screenful or so of them.
  for (const entry of changeSet.entries.slice(0, 50)) diffLines += (await airlock.diff(entry.path)).split('\n').length;
  const reviewing = usage();
  process.stdout.write(
    `${JSON.stringify({ idle, open, reviewing, listed, diffLinesShown: diffLines, held: changeSet.entries.length > 0 && review !== undefined })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
