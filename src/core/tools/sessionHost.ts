/**
 * A ToolHost over a workspace's running session, for processes outside the editor (the MCP
 * server, the hook). It attaches on every call, so a stopped or restarted sandbox is noticed
 * at once and nothing ever runs without it.
 */
import type { Airlock } from '../airlock';
import type { Policy } from '../policy';
import { attachSandbox, type OpenSandbox } from '../session/network';
import { attachSession } from '../session/lifecycle';
import type { SandboxSession } from '../session/session';
import type { ToolHost } from './handlers';

export function attachingToolHost(workspaceRoot: string, loadPolicy: () => Policy): ToolHost & { close(): Promise<void> } {
  let cached: { id: string; airlock: Airlock } | undefined;
  let lastSession: SandboxSession | undefined;
  // In allowlist mode the egress proxy lives in the process that serves it: this one, for
  // as long as it runs tools against the session.
  let served: OpenSandbox | undefined;
  const getSession = async (): Promise<SandboxSession> => {
    const policy = loadPolicy();
    const attached = await attachSession({ workspaceRoot, policy });
    // The change tracking of the same session carries over from call to call, so that a
    // command's accounting follows what it changed (see snapshot/changeTracker.ts).
    if (lastSession) attached.takeChangesFrom(lastSession);
    lastSession = attached;
    if (served?.session.id !== lastSession.id) {
      await served?.close();
      served = undefined;
      served = await attachSandbox({ workspaceRoot, policy });
    }
    return lastSession;
  };
  return {
    getSession,
    close: async () => {
      lastSession?.dispose();
      await served?.close();
      served = undefined;
    },
    async getAirlock() {
      const session = lastSession ?? (await getSession());
      // One Airlock per session keeps its in-process queue of exclusive operations; each
      // call attaches a new session object, so the first one's is kept for the session.
      if (cached?.id !== session.id) cached = { id: session.id, airlock: session.airlock() };
      return cached.airlock;
    },
  };
}
