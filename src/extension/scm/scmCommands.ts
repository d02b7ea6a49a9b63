/**
 * The Source Control view's and the diff editor's actions: approve or reject a file, approve
 * the Pending group, open the native diff, open the review panel. Decisions go through the
 * review panel's own ReviewService, so the panel, the view and the airlock agree; none of
 * these writes the real tree (applying stays with "Apply Approved").
 */
import * as vscode from 'vscode';
import type { Decision } from '../../protocol/review';
import type { CommandId } from '../commandIds';
import { reviewServiceFor } from '../commands/reviewCommands';
import { ReviewPanel, type ReviewPanelDeps } from '../review/panel';
import { registerCommand } from '../util/commands';
import { Disposable } from '../util/disposable';
import { showError } from '../util/notify';
import { bulkApprovable, SCM_GROUPS, type ScmGroupId } from './groups';
import type { ScmModel } from './model';
import { openChangeDiff, relPathOf } from './uris';

/** What VS Code passes a command: a resource state of the view, a group, or the editor's URI. */
function urisOf(args: readonly unknown[]): vscode.Uri[] {
  const out: vscode.Uri[] = [];
  const add = (value: unknown): void => {
    if (value instanceof vscode.Uri) out.push(value);
    else if (value && typeof value === 'object' && 'resourceUri' in value && value.resourceUri instanceof vscode.Uri)
      out.push(value.resourceUri);
  };
  // The view passes the clicked state, then every selected state: the selection wins when given.
  const selection = args.find((a) => Array.isArray(a)) as unknown[] | undefined;
  if (selection?.length) selection.forEach(add);
  else args.slice(0, 1).forEach(add);
  if (!out.length) {
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active) out.push(active);
  }
  return out;
}

export class ScmCommands extends Disposable {
  constructor(
    private readonly deps: ReviewPanelDeps,
    private readonly model: () => ScmModel | undefined,
  ) {
    super();
    this.register('agentSandbox.approveChange', (...args: unknown[]) => this.decide(args, 'approved'));
    this.register('agentSandbox.rejectChange', (...args: unknown[]) => this.decide(args, 'rejected'));
    this.register('agentSandbox.approveGroup', (group?: unknown) => this.approveGroup(group));
    this.register('agentSandbox.openInReviewPanel', (...args: unknown[]) => {
      // Opens the panel with the clicked (or the active editor's) file selected.
      const path = this.pathsOf(args)[0];
      const panel = ReviewPanel.show(this.deps);
      if (path !== undefined) panel.reveal(path);
    });
    this.register('agentSandbox.scmOpenDiff', (...args: unknown[]) => this.openDiff(args));
  }

  private register(id: CommandId, run: (...args: never[]) => unknown): void {
    this._register(registerCommand(id, run));
  }

  private pathsOf(args: readonly unknown[]): string[] {
    const root = this.deps.controller.workspaceRoot;
    if (!root) return [];
    return [...new Set(urisOf(args).flatMap((uri) => relPathOf(uri, root) ?? []))];
  }

  private async decide(args: readonly unknown[], decision: Decision): Promise<void> {
    const paths = this.pathsOf(args);
    const what = decision === 'approved' ? vscode.l10n.t('Approving the change failed') : vscode.l10n.t('Rejecting the change failed');
    if (!paths.length) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('Agent Sandbox: there is no sandbox change to decide here. Pick a file in the Agent Sandbox source control view.'),
      );
      return;
    }
    try {
      const service = reviewServiceFor(this.deps.controller);
      for (const path of paths) await service.setFileDecision(path, decision);
    } catch (err) {
      await showError(this.deps.logger, what, err);
    } finally {
      await this.deps.controller.refreshPending();
    }
  }

  private async approveGroup(group: unknown): Promise<void> {
    const model = this.model();
    const id = group && typeof group === 'object' && 'id' in group ? (group as { id: unknown }).id : undefined;
    if (!model || !SCM_GROUPS.includes(id as ScmGroupId)) return;
    const files = bulkApprovable(id as ScmGroupId, model.current.groups[id as ScmGroupId]);
    try {
      const service = reviewServiceFor(this.deps.controller);
      for (const file of files) await service.setFileDecision(file.path, 'approved');
    } catch (err) {
      await showError(this.deps.logger, vscode.l10n.t('Approving the group failed'), err);
    } finally {
      await this.deps.controller.refreshPending();
    }
  }

  private async openDiff(args: readonly unknown[]): Promise<void> {
    const root = this.deps.controller.workspaceRoot;
    const path = this.pathsOf(args)[0];
    const file = path === undefined ? undefined : this.model()?.file(path);
    if (!root || !file) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Agent Sandbox: that file has no pending sandbox change any more.'));
      return;
    }
    await openChangeDiff(root, file);
  }
}
