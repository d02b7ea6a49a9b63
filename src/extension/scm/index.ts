/**
 * Sandbox changes where VS Code users look for changes: the Source Control view, the editor
 * gutter (quick diff) and Explorer decorations, with their approve/reject actions. In an
 * untrusted workspace nothing is shown (there is no sandbox there); trusting the folder
 * brings the view.
 */
import * as vscode from 'vscode';
import type { ReviewPanelDeps } from '../review/panel';
import { Disposable } from '../util/disposable';
import { SandboxFileDecorations } from './decorations';
import { ScmModel } from './model';
import { ScmCommands } from './scmCommands';
import { SandboxSourceControl } from './sourceControl';

export class SandboxScm extends Disposable {
  private model: ScmModel | undefined;

  constructor(private readonly deps: ReviewPanelDeps) {
    super();
    this._register(new ScmCommands(deps, () => this.model));
    if (vscode.workspace.isTrusted) this.show();
    else this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.show()));
  }

  private show(): void {
    const root = this.deps.controller.workspaceRoot;
    if (this.model || this.isDisposed || !root) return;
    const model = (this.model = this._register(new ScmModel(this.deps.controller, this.deps.logger)));
    this._register(new SandboxSourceControl(root, model));
    this._register(new SandboxFileDecorations(root, model));
    void model.refresh();
  }
}
