/**
 * Removing the workspace's session for good from the editor: the pending changes it would
 * lose (for the person's confirmation), and the removal itself with what went in the log.
 * The real workspace is not touched.
 */
import { DEFAULT_POLICY, type Policy } from '../../core/policy';
import {
  countWorkspacePendingChanges,
  describePending,
  removeWorkspaceSession,
  type PendingCount,
  type RemoveResult,
} from '../../core/session/remove';
import type { Logger } from '../util/logger';

export class SessionRemoval {
  constructor(
    private readonly policy: () => Policy,
    private readonly logger: Logger,
  ) {}

  /** The pending changes that removing the session would lose; undefined when there is no session. */
  pendingBefore(root: string): Promise<PendingCount | undefined> {
    return countWorkspacePendingChanges(root, this.policyForRemoval());
  }

  /** Removes the session of `root`; `sessionId` names it in the log when the removal found none. */
  async remove(root: string, sessionId: string | undefined): Promise<RemoveResult> {
    const result = await removeWorkspaceSession({ workspaceRoot: root, policy: this.policyForRemoval(), force: true });
    for (const item of result.items) this.logger.info(`Removed ${item}.`);
    this.logger.info(
      `Sandbox ${result.sessionId ?? sessionId ?? ''} of ${root} ${result.removed ? 'removed' : 'was already gone'}${result.lost.count ? `, with ${describePending(result.lost)}` : ''}.`,
    );
    return result;
  }

  /** Removal needs the policy only to classify changes: a broken setting must not keep a session from going. */
  private policyForRemoval(): Policy {
    try {
      return this.policy();
    } catch (err) {
      this.logger.warn(`The policy is invalid (${(err as Error).message}); the built-in defaults are used to count the pending changes.`);
      return DEFAULT_POLICY;
    }
  }
}
