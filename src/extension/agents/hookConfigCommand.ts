/**
 * "Agent Sandbox: Write Agent Hook Configuration": writes the pre-tool-use hook that moves
 * an agent's shell tool into the sandbox (Claude Code, VS Code agent hooks, or both), after
 * showing the person the file and its full new content. An existing file keeps everything
 * else; a file that is not valid JSON is left alone with an error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeError } from '../../core/errors';
import { hookCommandLine, hookConfigPath, mergeHookConfig } from '../../core/tools/hookConfig';
import type { HookDialect } from '../../core/tools/hooks';
import type { AgentEntryPointDeps } from '../agentEntryPoints';
import { bundledCli } from './cliInvocation';

export const WRITE_HOOK_CONFIG_COMMAND = 'agentSandbox.writeHookConfiguration';

const CHOICES: readonly (vscode.QuickPickItem & { dialects: HookDialect[] })[] = [
  { label: 'Claude Code', description: '.claude/settings.local.json', detail: 'PreToolUse hook for Bash, Write, Edit, MultiEdit and NotebookEdit', dialects: ['claude'] },
  { label: 'VS Code agent hooks (Preview)', description: '.github/hooks/agent-sandbox.json', detail: 'PreToolUse hook for the terminal and file editing tools', dialects: ['vscode'] },
  { label: 'Both', dialects: ['claude', 'vscode'] },
];

export interface PlannedHookFile {
  readonly file: string;
  readonly content: string;
}

/** The files to write and their new content; throws when an existing file cannot be merged. */
export function planHookFiles(root: string, dialects: readonly HookDialect[], cli: readonly string[]): PlannedHookFile[] {
  return dialects.map((dialect) => {
    const file = hookConfigPath(root, dialect);
    let existing: unknown;
    if (fs.existsSync(file)) {
      try {
        existing = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
      } catch (err) {
        throw new Error(`${file} is not valid JSON (${(err as Error).message}); fix it first, nothing was written.`);
      }
    }
    return { file, content: `${JSON.stringify(mergeHookConfig(existing, dialect, hookCommandLine(cli, dialect)), null, 2)}\n` };
  });
}

export async function writeHookConfiguration(deps: AgentEntryPointDeps, preset?: HookDialect[]): Promise<boolean> {
  const root = deps.controller.workspaceRoot;
  if (!root) {
    void vscode.window.showErrorMessage('Agent Sandbox: open a folder first; hook configuration is written into the workspace.');
    return false;
  }
  const dialects = preset ?? (await vscode.window.showQuickPick(CHOICES, { title: 'Write hook configuration for which agent?' }))?.dialects;
  if (!dialects?.length) return false;
  let planned: PlannedHookFile[];
  try {
    planned = planHookFiles(root, dialects, bundledCli(deps.extensionUri).argv);
  } catch (err) {
    void vscode.window.showErrorMessage(`Agent Sandbox: ${describeError(err)}`);
    return false;
  }
  const detail = planned.map((p) => `${path.relative(root, p.file)}:\n${p.content}`).join('\n');
  const pick = await vscode.window.showInformationMessage(
    `Agent Sandbox will write ${planned.length === 1 ? 'this file' : 'these files'}, so that the agent's shell commands run in the sandbox and its direct file edits are refused:`,
    { modal: true, detail },
    'Write',
  );
  if (pick !== 'Write') return false;
  for (const p of planned) {
    await fs.promises.mkdir(path.dirname(p.file), { recursive: true });
    await fs.promises.writeFile(p.file, p.content);
    deps.logger.info(`Wrote hook configuration ${p.file}.`);
  }
  void vscode.window.showInformationMessage(`Agent Sandbox: wrote ${planned.map((p) => path.relative(root, p.file)).join(' and ')}. Agents pick it up in their next session.`);
  return true;
}
