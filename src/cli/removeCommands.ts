/** `agent-sandbox remove` and `agent-sandbox gc`: taking sessions apart, one or the stale ones. */
import { connectEngine } from '../core/engine/connection';
import { describeError } from '../core/errors';
import { DEFAULT_POLICY, type Policy } from '../core/policy';
import { collectGarbageReport } from '../core/session/gc';
import { describePending, locateSession, losesChanges, removeWorkspaceSession } from '../core/session/remove';
import { parseArgs, UsageError } from './args';
import type { CommandContext } from './context';
import { loadCliPolicy } from './policyLoader';

export const REMOVE_USAGE = `Usage: agent-sandbox [--workspace DIR] remove [--force]

Removes the workspace's sandbox completely: its container (running or stopped), its volume,
the capped file system and its image, the copy of the workspace, the review state, the
network files and the kept base copy. The real workspace is not touched.

Pending changes that were not applied are lost with it: without --force, remove refuses
and says how many there are. Removing a sandbox that is already gone, or half removed,
finishes the job. A workspace folder that was deleted can still be named with --workspace.
`;

export const GC_USAGE = `Usage: agent-sandbox gc [--orphans]

Removes what crashed runs left behind, for every workspace: sessions half made or half
removed, sessions without a record or without a copy, containers and volumes without a
session, and kept base copies unused for two weeks. A session that a live process uses is
left alone.

A session whose workspace folder no longer exists is kept and listed: its changes were
never reviewed, and the folder may only have been moved or renamed (move it back and its
sandbox is there again). --orphans removes those sessions too.
`;

export async function removeCommand({ workspace, args, io }: CommandContext): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(REMOVE_USAGE);
    return 0;
  }
  const parsed = parseArgs(args, [], ['force']);
  if (parsed.positional.length)
    throw new UsageError(`remove takes no arguments (got "${parsed.positional[0]}"); name another folder with --workspace DIR`);
  const { root } = locateSession(workspace);
  let policy: Policy;
  try {
    policy = loadCliPolicy(root);
  } catch (err) {
    // The policy only sorts the pending changes here; a broken one must not keep a sandbox from going.
    io.err(
      `The policy could not be read (${describeError(err).replace(/\n/g, ' ')}); the built-in defaults are used to count the pending changes.\n`,
    );
    policy = DEFAULT_POLICY;
  }
  const result = await removeWorkspaceSession({ workspaceRoot: workspace, policy, force: parsed.flags.has('force') });
  if (!result.removed) {
    io.err(`There is no sandbox to remove for ${result.workspaceRoot}.\n`);
    return 0;
  }
  for (const item of result.items) io.err(`Removed ${item}.\n`);
  const lost = losesChanges(result.lost) ? `, and with it ${describePending(result.lost)} never applied` : '';
  io.err(
    `The sandbox${result.sessionId ? ` ${result.sessionId}` : ''} of ${result.workspaceRoot} is removed${lost}. Your workspace was not changed.\n`,
  );
  return 0;
}

export async function gcCommand({ args, io }: CommandContext): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(GC_USAGE);
    return 0;
  }
  const parsed = parseArgs(args, [], ['orphans']);
  const { docker } = await connectEngine();
  const report = await collectGarbageReport(docker, process.env, { orphans: parsed.flags.has('orphans') });
  for (const line of report.collected) io.err(`Collected ${line}.\n`);
  for (const line of report.leftInUse) io.err(`Left in use: ${line}.\n`);
  for (const line of report.kept) io.err(`Kept ${line}.\n`);
  for (const line of report.failed) io.err(`Could not collect ${line}.\n`);
  if (!report.collected.length && !report.leftInUse.length && !report.failed.length && !report.kept.length) io.err('Nothing to collect.\n');
  return report.failed.length ? 1 : 0;
}
