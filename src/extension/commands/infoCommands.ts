/** Palette commands that show things: the effective policy and the audit log. */
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { readAudit } from '../../core/audit';
import { formatAuditLog } from '../../core/auditFormat';
import { runtimeChoiceLabel } from '../../core/engine/runtimes';
import type { Policy } from '../../core/policy';
import { auditFileOf } from '../../core/session/workspace';
import { readOnlyDocuments } from '../docs/readOnlyDocuments';
import type { SandboxController } from '../sandbox/controller';
import { resolveExtensionPolicy } from '../settings';
import type { Logger } from '../util/logger';
import { showError } from '../util/notify';

/** The effective policy as JSON with a comment per field saying which layer set it. */
export function describePolicy(policy: Policy, setBy: Readonly<Record<string, { kind: string; origin: string }>>): string {
  const lines = [
    `// ${vscode.l10n.t('The sandbox policy in force for this workspace (read-only view).')}`,
    `// ${vscode.l10n.t('Layers, weakest first: built-in defaults, VS Code settings (agentSandbox.*), .vscode/agent-sandbox.json (may only tighten).')}`,
    '{',
  ];
  const keys = Object.keys(policy) as (keyof Policy)[];
  keys.forEach((key, i) => {
    const source = setBy[key];
    const value = JSON.stringify(policy[key]);
    lines.push(`  // ${vscode.l10n.t('{0}: set by {1}', key, source ? source.origin : vscode.l10n.t('built-in defaults'))}`);
    if (key === 'runtime') lines.push(`  // ${vscode.l10n.t('runs under: {0}', runtimeChoiceLabel(policy.runtime))}`);
    lines.push(`  ${JSON.stringify(key)}: ${value}${i < keys.length - 1 ? ',' : ''}`);
  });
  lines.push('}');
  return lines.join('\n');
}

export async function showPolicy(controller: SandboxController, logger: Logger): Promise<void> {
  try {
    const root = controller.workspaceRoot;
    // Resolved once now, so that a policy that is invalid says so here rather than in the view.
    resolveExtensionPolicy(root);
    await readOnlyDocuments().open({
      title: vscode.l10n.t('Agent Sandbox Policy (effective)'),
      key: root ?? '',
      language: 'jsonc',
      render: () => {
        const { policy, setBy } = resolveExtensionPolicy(root);
        return describePolicy(policy, setBy);
      },
    });
  } catch (err) {
    await showError(logger, vscode.l10n.t('The sandbox policy is invalid'), err);
  }
}

/** The audit log of the workspace's session as a read-only table that follows the log as it grows. */
export async function openAuditLog(controller: SandboxController, logger: Logger): Promise<void> {
  const dir = controller.sessionDir();
  const file = dir ? auditFileOf(dir) : undefined;
  if (!file || !fs.existsSync(file)) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Agent Sandbox: there is no audit log yet; it starts with the first sandbox session of this workspace.'),
    );
    return;
  }
  const workspace = controller.workspaceRoot ?? '';
  try {
    await readOnlyDocuments().open({
      title: vscode.l10n.t('Audit Log — {0}', path.basename(workspace) || workspace),
      key: file,
      language: 'log',
      follow: file,
      render: () =>
        formatAuditLog(readAudit(file), {
          rawFile: vscode.Uri.file(file).toString(),
          workspace,
          live: true,
          t: (message, ...args) => vscode.l10n.t(message, ...args),
        }),
    });
  } catch (err) {
    await showError(logger, vscode.l10n.t('Could not open the audit log'), err);
  }
}
