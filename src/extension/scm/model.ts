/**
 * The change set as the Source Control view and the Explorer decorations show it: the review
 * panel's file list (ReviewService.state, the same source as the panel's totals), rescanned
 * after every change the controller announces. Scans coalesce: one at a time, and the
 * announcements during a scan become one more scan after it.
 */
import * as vscode from 'vscode';
import type { FileItem } from '../../protocol/review';
import { reviewServiceFor } from '../commands/reviewCommands';
import { PendingRefresh } from '../sandbox/pendingRefresh';
import type { SandboxController } from '../sandbox/controller';
import { Disposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import { groupFiles, type GroupedFiles } from './groups';

export class ScmModel extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires after a scan with the new files. */
  readonly onDidChange = this.changed.event;
  private readonly scans: PendingRefresh;
  private files: readonly FileItem[] = [];
  private byPath = new Map<string, FileItem>();
  private grouped: GroupedFiles = groupFiles([]);

  constructor(
    private readonly controller: SandboxController,
    private readonly logger: Logger,
  ) {
    super();
    this.scans = new PendingRefresh(() => this.scanOnce());
    this._register({ dispose: () => this.scans.dispose() });
    this._register(controller.onDidChangeChanges(() => void this.refresh()));
  }

  get current(): GroupedFiles {
    return this.grouped;
  }

  file(path: string): FileItem | undefined {
    return this.byPath.get(path);
  }

  refresh(): Promise<void> {
    return this.scans.refresh();
  }

  private async scanOnce(): Promise<void> {
    if (this.isDisposed) return;
    try {
      // Without an airlock the state is empty: the view shows nothing rather than stale files.
      this.files = this.controller.airlock() ? (await reviewServiceFor(this.controller).state()).files : [];
    } catch (err) {
      this.logger.error('Listing the sandbox changes for the Source Control view failed', err);
      return;
    }
    this.byPath = new Map(this.files.map((f) => [f.path, f]));
    this.grouped = groupFiles(this.files);
    this.changed.fire();
  }
}
