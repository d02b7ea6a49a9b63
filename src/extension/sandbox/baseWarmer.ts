/**
 * Makes the workspace's copy for the sandbox in the background, before anyone starts it, and
 * keeps it current with VS Code's file watcher, so that a start costs little more than the
 * container. Only in a trusted workspace that uses the sandbox (sandbox mode on, or a copy
 * kept from an earlier session) and has no session (a session holds its own copy); the
 * setting `agentSandbox.prepareInBackground` turns it off.
 *
 * VS Code's watcher does not report paths under `files.watcherExclude` (by default
 * `.git/objects` and the packages inside `node_modules`): the folders of the copy that hold
 * such paths are looked at again, whole, at every refresh and start. The watcher has no error
 * event; the heartbeat, the limit on collected paths and the start of the watcher after the
 * copy was made are what make a refresh look at every entry instead of the collected list.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { baseCacheDirFor } from '../../core/snapshot/baseCache';
import { BaseKeeper, type KeeperActivity } from '../../core/snapshot/baseKeeper';
import { WatchedChanges } from '../../core/snapshot/watchedChanges';
import { sessionDirFor } from '../../core/session/workspace';
import { SETTINGS_SECTION } from '../settings';
import { registerCommand } from '../util/commands';
import { Disposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import type { SandboxController } from './controller';
import { describePreparing } from './status';

export const PREPARE_SETTING = 'prepareInBackground';
export const CANCEL_PREPARE_COMMAND = 'agentSandbox.cancelPrepare';

/**
 * VS Code's watcher starts asynchronously and has no "ready" event: changes are trusted to be
 * reported only from this long after it was made.
 */
const WATCHER_SETTLE_MS = 2000;
/** A refresh shorter than this shows nothing in the status bar. */
const SHOW_AFTER_MS = 1000;

export class BaseWarmer extends Disposable {
  private keeper: BaseKeeper | undefined;
  private watching: vscode.Disposable[] = [];
  private readonly item: vscode.StatusBarItem;
  private showTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly controller: SandboxController,
    private readonly logger: Logger,
  ) {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('agentSandbox.prepare', vscode.StatusBarAlignment.Left, 99));
    this.item.name = 'Agent Sandbox: workspace copy';
    this.item.command = CANCEL_PREPARE_COMMAND;
    this._register(registerCommand(CANCEL_PREPARE_COMMAND, () => this.cancel()));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.sync()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SETTINGS_SECTION}.${PREPARE_SETTING}`)) this.sync();
      }),
    );
    // A session that ended (reset, collected) leaves a copy to keep current.
    this._register(controller.onDidChangeStatus((s) => s.mode === 'off' && this.keeper?.schedule()));
    this._register({ dispose: () => this.stop() });
    controller.setBaseChangesSource(() => this.keeper?.changesForStart());
    this._register({ dispose: () => controller.setBaseChangesSource(undefined) });
    this.sync();
  }

  private get wanted(): boolean {
    return (
      vscode.workspace.isTrusted &&
      !!this.controller.workspaceRoot &&
      vscode.workspace.getConfiguration(SETTINGS_SECTION).get<boolean>(PREPARE_SETTING, true)
    );
  }

  /** Watches when wanted, stops when not. */
  private sync(): void {
    if (this.wanted && !this.keeper) this.begin();
    else if (!this.wanted && this.keeper) this.stop();
  }

  private begin(): void {
    const root = this.controller.workspaceRoot!;
    const folder = vscode.workspace.workspaceFolders!.find((f) => f.uri.fsPath === root)!;
    const tracker = new WatchedChanges(Date.now() + WATCHER_SETTLE_MS);
    const keeper = new BaseKeeper({
      workspaceRoot: root,
      policy: () => this.controller.policy(),
      tracker,
      unwatched: () => watcherExcludes(folder.uri),
      shouldRefresh: () => this.usesSandbox(root),
      onActivity: (a) => this.show(a),
    });
    this.keeper = keeper;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '**'));
    const changed = (uri: vscode.Uri) => {
      const rel = path.relative(root, uri.fsPath);
      if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return;
      keeper.changed(rel.split(path.sep).join('/'));
    };
    this.watching = [
      watcher,
      watcher.onDidCreate(changed),
      watcher.onDidChange(changed),
      watcher.onDidDelete(changed),
      // The editor's own writes are known at once, before the watcher reports them.
      vscode.workspace.onDidSaveTextDocument((d) => d.uri.scheme === 'file' && changed(d.uri)),
      vscode.workspace.onDidCreateFiles((e) => e.files.forEach(changed)),
      vscode.workspace.onDidDeleteFiles((e) => e.files.forEach(changed)),
      vscode.workspace.onDidRenameFiles((e) => e.files.forEach((f) => (changed(f.oldUri), changed(f.newUri)))),
    ];
    this.logger.info(`Keeping the workspace copy current in the background (${PREPARE_SETTING} is on).`);
    keeper.schedule(WATCHER_SETTLE_MS + 500);
  }

  private stop(): void {
    for (const d of this.watching.splice(0)) d.dispose();
    this.keeper?.dispose();
    this.keeper = undefined;
    if (this.showTimer) clearTimeout(this.showTimer);
    this.showTimer = undefined;
    this.item.hide();
  }

  /** Sandbox mode is on, or an earlier session left a copy: the person uses the sandbox here. */
  private usesSandbox(root: string): boolean {
    if (this.controller.sessionDir() !== undefined) return false;
    return this.controller.enabled || fs.existsSync(baseCacheDirFor(sessionDirFor(root)));
  }

  private cancel(): void {
    if (!this.keeper?.busy) return;
    this.keeper.cancel();
    this.logger.info('Preparing the workspace copy was cancelled; the next change or start picks it up again.');
  }

  private show(activity: KeeperActivity): void {
    const line = describePreparing(activity, (message, ...args) => vscode.l10n.t(message, ...args));
    if (activity.kind === 'preparing') {
      this.item.text = line.text;
      this.item.tooltip = line.tooltip;
      // Most refreshes after a save take a moment: only a longer one shows.
      this.showTimer ??= setTimeout(() => this.item.show(), SHOW_AFTER_MS);
      return;
    }
    if (this.showTimer) clearTimeout(this.showTimer);
    this.showTimer = undefined;
    this.item.hide();
    if (activity.kind === 'failed') this.logger.warn(line.tooltip);
    else this.logger.debug(line.tooltip);
  }
}

/** `files.watcherExclude` patterns that are on: VS Code's watcher reports nothing under them. */
function watcherExcludes(folder: vscode.Uri): string[] {
  const excludes = vscode.workspace.getConfiguration('files', folder).get<Record<string, boolean>>('watcherExclude', {});
  const root = `${folder.fsPath.split(path.sep).join('/')}/`;
  return (
    Object.entries(excludes)
      .filter(([, on]) => on === true)
      // An absolute path inside this folder is the same as its relative form; any other
      // absolute path is left as it is, and makes every refresh look at everything.
      .map(([pattern]) => (pattern.startsWith(root) ? pattern.slice(root.length) : pattern))
  );
}
