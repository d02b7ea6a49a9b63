/**
 * The review panel's host: one webview panel per window, request/reply messages checked
 * against the shared protocol, state pushed when the change set changes, and a serializer
 * so the panel comes back after a reload (the webview refetches its data on `ready`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeError, SandboxError } from '../../core/errors';
import { reconcileRejections } from '../../core/tools/feedback';
import { writeSandboxFile } from '../../core/tools/sandboxFiles';
import {
  handleRequest,
  parseWebviewMessage,
  type HostToWebviewMessage,
  type NotificationMessage,
  type RequestHandlers,
} from '../../protocol/review';
import type { SandboxController } from '../sandbox/controller';
import { Disposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import { openNativeDiff } from './contentProvider';
import { confirmDiscard, confirmTakeSandbox } from './dialogs';
import { MineSnapshots, openMergeEditor } from './mergeEditor';
import { reviewHtml } from './html';
import { ReviewService } from './reviewService';

export const REVIEW_VIEW_TYPE = 'agentSandbox.review';
export const REVIEW_TITLE = 'Review Sandbox Changes';

export interface ReviewPanelDeps {
  readonly extensionUri: vscode.Uri;
  readonly controller: SandboxController;
  readonly logger: Logger;
}

function realOrSame(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * Workspace-relative paths of documents with unsaved edits inside `root`. Both the path as
 * the editor names it and its real path count, so a symlinked folder cannot hide an
 * unsaved file from apply.
 */
export function dirtyPathsUnder(root: string | undefined): Set<string> {
  const out = new Set<string>();
  if (!root) return out;
  const roots = [...new Set([root, realOrSame(root)])];
  for (const doc of vscode.workspace.textDocuments) {
    if (!doc.isDirty || doc.uri.scheme !== 'file') continue;
    for (const file of new Set([doc.uri.fsPath, realOrSame(doc.uri.fsPath)])) {
      for (const base of roots) {
        const rel = path.relative(base, file);
        if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) out.add(rel.split(path.sep).join('/'));
      }
    }
  }
  return out;
}

export class ReviewPanel extends Disposable {
  private static current: ReviewPanel | undefined;
  private readonly service: ReviewService;
  private readonly handlers: RequestHandlers;
  private readonly snapshots = this._register(new MineSnapshots());
  private ready = false;
  private pushTimer: ReturnType<typeof setTimeout> | undefined;
  /** A file to select once the webview is ready. */
  private revealPath: string | undefined;

  static show(deps: ReviewPanelDeps): ReviewPanel {
    if (ReviewPanel.current) {
      ReviewPanel.current.panel.reveal(vscode.ViewColumn.Active);
      ReviewPanel.current.schedulePush(0);
      return ReviewPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      REVIEW_VIEW_TYPE,
      vscode.l10n.t('Review Sandbox Changes'),
      vscode.ViewColumn.Active,
      ReviewPanel.options(deps.extensionUri),
    );
    return new ReviewPanel(panel, deps);
  }

  /** Adopts a panel VS Code restored after a reload. */
  static revive(panel: vscode.WebviewPanel, deps: ReviewPanelDeps): ReviewPanel {
    ReviewPanel.current?.dispose();
    panel.webview.options = ReviewPanel.options(deps.extensionUri);
    return new ReviewPanel(panel, deps);
  }

  /** Selects `path` in the panel and shows its diff (now, or as soon as the webview is ready). */
  reveal(path: string): void {
    if (this.ready) this.notify({ kind: 'notification', method: 'reveal', params: { path } });
    else this.revealPath = path;
  }

  static get instance(): ReviewPanel | undefined {
    return ReviewPanel.current;
  }

  private static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'webview')],
    };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: ReviewPanelDeps,
  ) {
    super();
    ReviewPanel.current = this;
    const { controller } = deps;
    this.service = new ReviewService({
      airlock: () => controller.airlock(),
      policy: () => controller.policy(),
      dirtyPaths: () => dirtyPathsUnder(controller.workspaceRoot),
      running: () => controller.runningSession !== undefined,
      afterTreeChange: () => controller.afterTreeChange(),
      translate: (message, ...args) => vscode.l10n.t(message, ...args),
      reconcileRejections: async () => {
        const session = controller.runningSession;
        const airlock = controller.airlock();
        if (!session || !airlock) return;
        const report = await reconcileRejections(airlock, (rel, content) => writeSandboxFile(session, rel, content));
        for (const f of report.failed) deps.logger.warn(`Could not undo the rejected change to ${f.path} in the sandbox: ${f.reason}`);
      },
    });
    this.handlers = this.requestHandlers(this.service);
    panel.webview.html = reviewHtml(
      panel.webview,
      deps.extensionUri,
      (base, ...parts) => vscode.Uri.joinPath(base, ...parts),
      vscode.l10n.bundle,
    );
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(panel.webview.onDidReceiveMessage((data: unknown) => void this.receive(data)));
    this._register(controller.onDidChangeChanges(() => this.schedulePush()));
    this._register(panel.onDidChangeViewState((e) => e.webviewPanel.visible && this.schedulePush(0)));
  }

  override dispose(): void {
    if (ReviewPanel.current === this) ReviewPanel.current = undefined;
    if (this.pushTimer) clearTimeout(this.pushTimer);
    super.dispose();
    this.panel.dispose();
  }

  private post(message: HostToWebviewMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private notify(message: NotificationMessage): void {
    if (this.ready) this.post(message);
  }

  /** Pushes a fresh state to the webview, debounced (terminal output rescans often). */
  schedulePush(delayMs = 300): void {
    if (!this.ready || this.isDisposed) return;
    if (this.pushTimer) clearTimeout(this.pushTimer);
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      if (!this.panel.visible) return;
      this.service
        .state()
        .then((state) => this.notify({ kind: 'notification', method: 'state', params: { state } }))
        .catch((err: unknown) => this.deps.logger.error('Refreshing the review panel failed', err));
    }, delayMs);
  }

  private async receive(data: unknown): Promise<void> {
    const parsed = parseWebviewMessage(data);
    if (!parsed.ok) {
      this.deps.logger.warn(`Review panel sent a malformed message: ${parsed.error}`);
      const id = (data as { id?: unknown } | null)?.id;
      if (typeof id === 'number')
        this.post({ kind: 'reply', id, ok: false, error: { message: vscode.l10n.t('Malformed request: {0}', parsed.error) } });
      return;
    }
    const request = parsed.value;
    try {
      const result = await handleRequest(this.handlers, request);
      if (request.method === 'ready') this.ready = true;
      this.post({ kind: 'reply', id: request.id, ok: true, result });
      if (request.method === 'ready' && this.revealPath !== undefined) {
        this.reveal(this.revealPath);
        this.revealPath = undefined;
      }
    } catch (err) {
      this.deps.logger.error(`Review panel request "${request.method}" failed`, err);
      this.post({
        kind: 'reply',
        id: request.id,
        ok: false,
        error: {
          message: err instanceof SandboxError ? err.message : describeError(err),
          ...(err instanceof SandboxError && err.hint ? { hint: err.hint } : {}),
          ...(err instanceof SandboxError ? { code: err.code } : {}),
        },
      });
    }
  }

  /** One handler per request; the map's type makes each answer the type its request expects. */
  private requestHandlers(s: ReviewService): RequestHandlers {
    return {
      ready: () => s.state(),
      refresh: () => s.state(),
      requestDiff: ({ path }) => s.diff(path),
      // Decisions change the pending count: the status bar and the Source Control view rescan.
      setFileDecision: async ({ path, decision, reason }) => this.thenRecount(await s.setFileDecision(path, decision, reason)),
      setHunkDecision: async ({ path, hunk, decision, reason }) => this.thenRecount(await s.setHunkDecision(path, hunk, decision, reason)),
      // Bulk decisions change hunks of the open diff too: a fresh state makes the panel refetch it.
      approveAll: async () => this.thenPush(await s.approveAll()),
      rejectAll: async () => this.thenPush(await s.rejectAll()),
      apply: () => this.withProgress(vscode.l10n.t('Applying approved changes'), async () => this.report(await s.apply())),
      resolveConflict: async ({ path, choice }) => {
        if (choice === 'take-sandbox' && !(await confirmTakeSandbox(path)))
          return { applied: [], merged: [], conflicts: [], refused: [], cancelled: true };
        return this.withProgress(vscode.l10n.t('Resolving the conflict'), async () => this.report(await s.apply({ path, choice })));
      },
      mergeInEditor: async ({ path }) => {
        if (!(await s.has(path))) throw new SandboxError('UNSAFE_PATH', vscode.l10n.t('"{0}" has no pending change any more.', path));
        if (await openMergeEditor(this.snapshots, this.deps.controller.workspaceRoot, path)) return { opened: 'mergeEditor' as const };
        // No merge editor here: the merge with conflict markers goes through apply, then opens.
        const result = this.report(await s.apply({ path, choice: 'write-markers' }));
        const root = this.deps.controller.workspaceRoot;
        if (root && result.conflicts.length === 0 && result.refused.length === 0)
          await vscode.window.showTextDocument(vscode.Uri.joinPath(vscode.Uri.file(root), ...path.split('/')));
        return { opened: 'markers' as const, result };
      },
      discard: async () => {
        const pending = (await s.state()).totals.files;
        if (!(await confirmDiscard(pending))) return { discarded: 0, cancelled: true };
        return this.withProgress(vscode.l10n.t('Discarding every change'), () => s.discard());
      },
      openNativeDiff: async ({ path }) => {
        if (!(await s.has(path))) return { opened: false };
        await openNativeDiff(path);
        return { opened: true };
      },
    };
  }

  private thenRecount<T>(result: T): T {
    void this.deps.controller.refreshPending();
    return result;
  }

  private thenPush<T>(result: T): T {
    this.schedulePush(50);
    void this.deps.controller.refreshPending();
    return result;
  }

  private async withProgress<T>(label: string, work: () => Promise<T>): Promise<T> {
    this.notify({ kind: 'notification', method: 'progress', params: { busy: true, label } });
    try {
      return await work();
    } finally {
      this.notify({ kind: 'notification', method: 'progress', params: { busy: false } });
    }
  }

  private report<
    T extends {
      applied: readonly string[];
      merged: readonly string[];
      conflicts: readonly unknown[];
      refused: readonly { path: string; reason: string }[];
    },
  >(result: T): T {
    const { logger } = this.deps;
    logger.info(
      `Apply: ${result.applied.length} written, ${result.merged.length} merged, ${result.conflicts.length} conflicts, ${result.refused.length} refused.`,
    );
    for (const r of result.refused) logger.warn(`Apply refused ${r.path}: ${r.reason}`);
    return result;
  }
}

export function registerReviewPanelSerializer(deps: ReviewPanelDeps): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(REVIEW_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel) => {
      ReviewPanel.revive(panel, deps);
    },
  });
}
