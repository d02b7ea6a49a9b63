/** `agent-sandbox prepare [--watch]`: makes the kept base copy ahead of the next start, and keeps it current. */
import { resolveWorkspace, resolveUser } from '../core/session';
import { baseCopySpec } from '../core/snapshot/baseCopySpec';
import { BaseKeeper, type KeeperActivity } from '../core/snapshot/baseKeeper';
import { ChangeTracker } from '../core/snapshot/changeTracker';
import { describePrepare, prepareBase } from '../core/snapshot/prepareBase';
import { TreeWatcher } from '../core/snapshot/watchTree';
import { parseArgs, UsageError } from './args';
import type { CommandContext, CliIO } from './commands';
import { loadCliPolicy } from './policyLoader';

export const PREPARE_USAGE = `Usage: agent-sandbox [--workspace DIR] prepare [--watch]

Makes the workspace's copy for the sandbox ahead of time, so that the next start only
refreshes what changed since (the copy is kept in the state folder, made with the policy's
exclusions, exactly as a start makes it). Nothing is done while the workspace has a
sandbox session: the session holds its own copy.

  --watch   keep the copy current until interrupted (Ctrl-C): a file watcher collects the
            changed paths and the copy is refreshed a moment after each burst of changes.
            Whenever the watcher may have missed a change (too many at once, a watch that
            failed or could not be set, the machine slept), the next refresh looks at
            every entry instead. A start meanwhile waits for a refresh under way.
`;

export async function prepareCommand({ workspace, args, io }: CommandContext): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(PREPARE_USAGE);
    return 0;
  }
  const parsed = parseArgs(args, [], ['watch']);
  if (parsed.positional.length) throw new UsageError(`prepare takes no arguments (got "${parsed.positional[0]}"); name another folder with --workspace DIR`);
  const root = resolveWorkspace(workspace);
  if (parsed.flags.has('watch')) return watch(root, io);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await prepareBase({ workspaceRoot: root, policy: loadCliPolicy(root), signal: abort.signal });
    io.err(`${describePrepare(result)}\n`);
    return result.outcome === 'busy' ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function watch(root: string, io: CliIO): Promise<number> {
  const policy = loadCliPolicy(root);
  const { isExcluded } = baseCopySpec(policy, resolveUser(policy).owner);
  // Events before the keeper exists need no list: its first refresh starts after the watches are in place.
  const events: { keeper?: BaseKeeper } = {};
  const watcher = new TreeWatcher({
    root,
    isExcluded,
    onChange: (rel) => events.keeper?.changed(rel),
    onLost: (reason) => {
      io.err(`The watcher may have missed changes (${reason}); the next refresh looks at every entry.\n`);
      events.keeper?.lost(reason);
    },
  });
  const tracker = new ChangeTracker(Date.now());
  const keeper = new BaseKeeper({
    workspaceRoot: root,
    policy: () => loadCliPolicy(root),
    tracker,
    // A folder the watcher could not watch is seen by no one: every refresh looks everywhere.
    unwatched: () => (watcher.complete ? [] : ['*']),
    onActivity: (activity: KeeperActivity) => {
      if (activity.kind === 'done') io.err(`${describePrepare(activity.result)}\n`);
      else if (activity.kind === 'failed') io.err(`Refreshing the workspace copy failed: ${activity.message}\n`);
    },
  });
  events.keeper = keeper;
  io.err(`Watching ${root} (${watcher.folders} folders); the copy is kept current until interrupted.\n`);
  await keeper.refresh();
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  watcher.close();
  keeper.dispose();
  await keeper.idle();
  io.err('Stopped watching.\n');
  return 0;
}
