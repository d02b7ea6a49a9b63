/**
 * The "Agent Sandbox" source control: the sandbox's changes in four groups (needs a closer
 * look, pending, approved, rejected), the pending count on the view's badge, a click opening
 * the native diff, and quick diff so an open file's gutter marks what the sandbox would
 * change in it.
 */
import * as vscode from 'vscode';
import { isPending, type FileItem } from '../../protocol/review';
import { SANDBOX_SCHEME, sideUri } from '../review/contentProvider';
import { Disposable } from '../util/disposable';
import { resourceContextValue, SCM_GROUPS, type ScmGroupId } from './groups';
import type { ScmModel } from './model';
import { relPathOf, workspaceUri } from './uris';

export const SCM_ID = 'agentSandbox';

function groupLabel(id: ScmGroupId): string {
  switch (id) {
    case 'closerLook':
      return vscode.l10n.t('Needs a Closer Look');
    case 'pending':
      return vscode.l10n.t('Pending');
    case 'approved':
      return vscode.l10n.t('Approved');
    case 'rejected':
      return vscode.l10n.t('Rejected');
  }
}

function kindWords(file: FileItem): string {
  switch (file.kind) {
    case 'added':
      return vscode.l10n.t('added in the sandbox');
    case 'deleted':
      return vscode.l10n.t('deleted in the sandbox');
    case 'typeChanged':
      return vscode.l10n.t('type changed in the sandbox');
    case 'modeChanged':
      return vscode.l10n.t('permissions changed in the sandbox');
    default:
      return vscode.l10n.t('changed in the sandbox');
  }
}

/** Why a file needs a closer look, for its tooltip. */
function closerLookWords(file: FileItem): string | undefined {
  if (file.neverApply !== undefined) return vscode.l10n.t('never applied: {0}', file.neverApply);
  if (file.conflict) return vscode.l10n.t('in conflict with your file: {0}', file.conflict.detail);
  if (file.risks.length) return vscode.l10n.t('needs a closer look: {0}', file.risks.map((r) => r.reason).join('; '));
  return undefined;
}

function decisionWords(file: FileItem): string {
  switch (file.decision) {
    case 'approved':
      return vscode.l10n.t('approved');
    case 'rejected':
      return vscode.l10n.t('rejected');
    case 'partial':
      return isPending(file) ? vscode.l10n.t('partly decided, pending review') : vscode.l10n.t('decided in parts');
    default:
      return vscode.l10n.t('pending review');
  }
}

export class SandboxSourceControl extends Disposable implements vscode.QuickDiffProvider {
  private readonly scm: vscode.SourceControl;
  private readonly groups: Record<ScmGroupId, vscode.SourceControlResourceGroup>;

  constructor(
    private readonly root: string,
    private readonly model: ScmModel,
  ) {
    super();
    this.scm = this._register(vscode.scm.createSourceControl(SCM_ID, vscode.l10n.t('Agent Sandbox'), vscode.Uri.file(root)));
    this.scm.quickDiffProvider = this;
    this.scm.inputBox.visible = false;
    this.scm.acceptInputCommand = undefined;
    const groups = {} as Record<ScmGroupId, vscode.SourceControlResourceGroup>;
    for (const id of SCM_GROUPS) {
      const group = this._register(this.scm.createResourceGroup(id, groupLabel(id)));
      group.hideWhenEmpty = true;
      groups[id] = group;
    }
    this.groups = groups;
    this._register(model.onDidChange(() => this.render()));
    this.render();
  }

  private render(): void {
    const { groups, totals } = this.model.current;
    for (const id of SCM_GROUPS) this.groups[id].resourceStates = groups[id].map((f) => this.resourceOf(f));
    // The view's badge is the one "pending" count (totalsOf), as the panel's header and the
    // status bar show it: a file whose hunks are all decided counts as decided.
    this.scm.count = totals.pending;
  }

  private resourceOf(file: FileItem): vscode.SourceControlResourceState {
    const uri = workspaceUri(this.root, file.path);
    const tooltip = [kindWords(file), decisionWords(file), closerLookWords(file)].filter(Boolean).join(' · ');
    return {
      resourceUri: uri,
      contextValue: resourceContextValue(file),
      command: { command: 'agentSandbox.scmOpenDiff', title: vscode.l10n.t('Open Changes'), arguments: [uri] },
      decorations: {
        strikeThrough: file.kind === 'deleted',
        faded: file.decision === 'rejected',
        tooltip,
        iconPath: new vscode.ThemeIcon(file.kind === 'added' ? 'diff-added' : file.kind === 'deleted' ? 'diff-removed' : 'diff-modified'),
      },
    };
  }

  /**
   * Quick diff compares the editor against the "original" this returns and marks the lines
   * where they differ. The editor shows the real file; comparing it against the base the
   * sandbox started from would mark the person's own edits, not the sandbox's. Comparing it
   * against the sandbox's version marks exactly the lines the sandbox would change if applied,
   * and the gutter's peek shows the sandbox's text for them. (The marks are read from the
   * real file's side: a line the sandbox adds shows as a removal marker, a line it deletes as
   * an addition; the peek shows which.) Files without a sandbox change get no original, so
   * their gutter stays as it was.
   */
  provideOriginalResource(uri: vscode.Uri): vscode.Uri | undefined {
    if (uri.scheme !== 'file') return undefined;
    const rel = relPathOf(uri, this.root);
    if (rel === undefined || !this.model.file(rel)) return undefined;
    return sideUri(SANDBOX_SCHEME, rel);
  }
}
