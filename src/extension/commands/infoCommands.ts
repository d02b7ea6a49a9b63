/** Palette commands that show things: the effective policy and the audit log. */
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { Policy } from '../../core/policy';
import type { SandboxController } from '../sandbox/controller';
import { resolveExtensionPolicy } from '../settings';
import type { Logger } from '../util/logger';
import { showError } from '../util/notify';

/** The effective policy as JSON with a comment per field saying which layer set it. */
export function describePolicy(policy: Policy, setBy: Readonly<Record<string, { kind: string; origin: string }>>): string {
  const lines = [
    '// The sandbox policy in force for this workspace (read-only view).',
    '// Layers, weakest first: built-in defaults, VS Code settings (agentSandbox.*), .vscode/agent-sandbox.json (may only tighten).',
    '{',
  ];
  const keys = Object.keys(policy) as (keyof Policy)[];
  keys.forEach((key, i) => {
    const source = setBy[key];
    const value = JSON.stringify(policy[key]);
    lines.push(`  // ${key}: set by ${source ? source.origin : 'built-in defaults'}`);
    lines.push(`  ${JSON.stringify(key)}: ${value}${i < keys.length - 1 ? ',' : ''}`);
  });
  lines.push('}');
  return lines.join('\n');
}

export async function showPolicy(controller: SandboxController, logger: Logger): Promise<void> {
  try {
    const { policy, setBy } = resolveExtensionPolicy(controller.workspaceRoot);
    const doc = await vscode.workspace.openTextDocument({ language: 'jsonc', content: describePolicy(policy, setBy) });
    await vscode.window.showTextDocument(doc, { preview: true });
  } catch (err) {
    await showError(logger, 'The sandbox policy is invalid', err);
  }
}

export async function openAuditLog(controller: SandboxController, logger: Logger): Promise<void> {
  const dir = controller.sessionDir();
  const file = dir ? path.join(dir, 'audit.jsonl') : undefined;
  if (!file || !fs.existsSync(file)) {
    void vscode.window.showInformationMessage(
      'Agent Sandbox: there is no audit log yet; it starts with the first sandbox session of this workspace.',
    );
    return;
  }
  try {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc, { preview: true });
    // The log is evidence: keep it from being edited by accident (not all VS Code versions have this).
    await vscode.commands.executeCommand('workbench.action.files.setActiveEditorReadonlyInSession').then(undefined, () => undefined);
  } catch (err) {
    await showError(logger, 'Could not open the audit log', err);
  }
}
