/** `agent-sandbox prepare [--watch]`: makes the kept base copy ahead of the next start, and keeps it current. */
import * as fs from 'node:fs';
import { resolveWorkspace, resolveUser, sessionDirFor } from '../core/session/workspace';
import { readState } from '../core/session/state';
import { baseCacheDirFor } from '../core/snapshot/baseCache';
import { baseCopySpec } from '../core/snapshot/baseCopySpec';
import { BaseKeeper, type KeeperActivity } from '../core/snapshot/baseKeeper';
import { WatchedChanges } from '../core/snapshot/watchedChanges';
import { describePrepare, prepareBase } from '../core/snapshot/prepareBase';
import { TreeWatcher } from '../core/snapshot/watchTree';
import { parseArgs, UsageError } from './args';
import type { CommandContext, CliIO } from './context';
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
            Watching stops at the first change after the sandbox was removed
            (agent-sandbox remove), rather than make its copy again.
`;

export async function prepareCommand({ workspace, args, io }: CommandContext): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(PREPARE_USAGE);
    return 0;
  }
  const parsed = parseArgs(args, [], ['watch']);
  if (parsed.positional.length)
    throw new UsageError(`prepare takes no arguments (got "${parsed.positional[0]}"); name another folder with --workspace DIR`);
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
  const tracker = new WatchedChanges(Date.now());
  const sessionDir = sessionDirFor(root);
  let stop: (why: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  let hadCopy = false;
  let lastLine = '';
  const keeper = new BaseKeeper({
    workspaceRoot: root,
    policy: () => loadCliPolicy(root),
    tracker,
    // A folder the watcher could not watch is seen by no one: every refresh looks everywhere.
    unwatched: () => (watcher.complete ? [] : ['*']),
    shouldRefresh: () => {
      // Neither a kept copy nor a session any more: the sandbox was removed, and stays so.
      const copyOrSession = fs.existsSync(baseCacheDirFor(sessionDir)) || readState(sessionDir) !== undefined;
      if (hadCopy && !copyOrSession) {
        stop('the sandbox and its kept copy were removed');
        return false;
      }
      hadCopy ||= copyOrSession;
      return true;
    },
    onActivity: (activity: KeeperActivity) => {
      const line =
        activity.kind === 'done'
          ? describePrepare(activity.result)
          : activity.kind === 'failed'
            ? `Refreshing the workspace copy failed: ${activity.message}`
            : '';
      // "Nothing prepared" once per reason, not after every change while a session runs.
      if (line && (activity.kind !== 'done' || activity.result.outcome === 'prepared' || line !== lastLine)) io.err(`${line}\n`);
      lastLine = line || lastLine;
      if (activity.kind === 'done' && activity.result.outcome === 'prepared') hadCopy = true;
    },
  });
  events.keeper = keeper;
  io.err(`Watching ${root} (${watcher.folders} folders); the copy is kept current until interrupted.\n`);
  const onSignal = () => stop('interrupted');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await keeper.refresh();
  const why = await stopped;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  watcher.close();
  keeper.dispose();
  await keeper.idle();
  io.err(`Stopped watching (${why}).\n`);
  return 0;
}
